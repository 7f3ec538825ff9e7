"""challengeData: the proof against a root that is not the tree of the batch's own calldata."""

from __future__ import annotations

from dataclasses import replace

import ape
import pytest
from eth_abi import encode

from strikeforge.settlement.cosign import batch_calldata
from strikeforge.settlement.netting import Trade
from strikeforge.settlement.tree import Leaf, MerkleSumTree
from tests.settlement.conftest import BOND, SERIES, USDC


def test_the_ledger_rebuilds_the_same_root_as_the_python_tree(ledger, funded, build, standard_trades):
    leaves, tree = build(1, standard_trades)
    assert ledger.dataRoot(batch_calldata(leaves)) == (tree.root, tree.leaves_root)


def test_an_honest_batch_survives_a_data_challenge(ledger, funded, build, standard_trades, deployer, alice):
    leaves, tree = build(1, standard_trades)
    ledger.postBatch(tree.root, tree.leaves_root, SERIES, batch_calldata(leaves), sender=deployer, value=BOND)
    with ape.reverts(ledger.NoFraud):
        ledger.challengeData(1, batch_calldata(leaves), sender=alice)
    assert ledger.batchCount() == 1


def test_a_root_that_is_not_the_tree_of_the_calldata_is_reverted(
    ledger, funded, build, standard_trades, deployer, alice
):
    """The sequencer posts one set of leaves as data and the root of another: no leaf-level proof is possible."""
    leaves, tree = build(1, standard_trades)
    hidden = [replace(leaves[0], cash=leaves[0].cash - 1), *leaves[1:]]
    ledger.postBatch(
        MerkleSumTree(hidden).root, tree.leaves_root, SERIES, batch_calldata(leaves), sender=deployer, value=BOND
    )
    tx = ledger.challengeData(1, batch_calldata(leaves), sender=alice)
    assert ledger.batchCount() == 0
    assert [e.fraud for e in tx.events.filter(ledger.BatchReverted)] == ["data"]


def test_a_plain_root_that_is_not_the_calldatas_is_reverted(ledger, funded, build, standard_trades, deployer, alice):
    """The Merkle-sum root is honest, the plain root (what claims prove against) is not."""
    leaves, tree = build(1, standard_trades)
    ledger.postBatch(tree.root, b"\x07" * 32, SERIES, batch_calldata(leaves), sender=deployer, value=BOND)
    tx = ledger.challengeData(1, batch_calldata(leaves), sender=alice)
    assert [e.fraud for e in tx.events.filter(ledger.BatchReverted)] == ["data"]


def test_calldata_that_is_not_signed_leaves_is_reverted(ledger, deployer, alice):
    garbage = encode(["uint256", "uint256", "string"], [32, 5, "five leaves, they said"])
    ledger.postBatch(b"\x01" * 32, b"\x02" * 32, SERIES, garbage, sender=deployer, value=BOND)
    tx = ledger.challengeData(1, garbage, sender=alice)
    assert ledger.batchCount() == 0
    assert [e.fraud for e in tx.events.filter(ledger.BatchReverted)] == ["data encoding"]


def test_a_data_challenge_must_bring_the_posted_data(ledger, funded, build, standard_trades, deployer, alice):
    leaves, tree = build(1, standard_trades)
    ledger.postBatch(tree.root, tree.leaves_root, SERIES, batch_calldata(leaves), sender=deployer, value=BOND)
    with ape.reverts(ledger.DataMismatch):
        ledger.challengeData(1, batch_calldata(leaves[:1]), sender=alice)


def test_a_starved_data_challenge_cannot_revert_an_honest_batch(ledger, funded, build, traders, deployer, alice):
    """Griefing: a challenger gives the rebuild too little gas, hoping its failure reads as bad data."""
    a, b, c, d = (t.address for t in traders)
    trades = [Trade(i % 4, (a, b, c, d)[i % 4], (a, b, c, d)[(i + 1) % 4], 10**18, USDC) for i in range(4)]
    leaves, _ = build(1, trades)
    # Many copies of the leaves make the rebuild cost far more than the gas given below.
    many = leaves * 64
    data = batch_calldata(many)
    many_tree = MerkleSumTree(many)
    ledger.postBatch(many_tree.root, many_tree.leaves_root, SERIES, data, sender=deployer, value=BOND)
    # Enough for the calldata (16 gas a byte at most) and the checks, far from enough for the rebuild.
    starved = 21_000 + 16 * len(data) + 300_000
    with ape.reverts(ledger.ChallengeOutOfGas):
        ledger.challengeData(1, data, sender=alice, gas_limit=starved)
    assert ledger.batchCount() == 1


@pytest.mark.parametrize(
    "data",
    [b"", encode(["uint256", "string"], [7, "head not at 32"]), encode(["uint256", "uint256"], [32, 0])],
    ids=["empty", "head elsewhere", "no leaves"],
)
def test_data_whose_leaf_count_cannot_be_read_is_refused_at_posting(ledger, deployer, data):
    with ape.reverts(ledger.BadEncoding):
        ledger.postBatch(b"\x01" * 32, b"\x02" * 32, SERIES, data, sender=deployer, value=BOND)


def test_posting_more_data_than_the_rebuild_can_check_is_refused(ledger, deployer):
    limit = ledger.MAX_DATA_BYTES()
    with ape.reverts(ledger.DataTooLarge):
        ledger.postBatch(b"\x01" * 32, b"\x02" * 32, SERIES, b"\x00" * (limit + 1), sender=deployer, value=BOND)


@pytest.mark.parametrize("count", [600])
def test_a_maximal_batch_is_rebuilt_within_a_block(ledger, deployer, alice, count):
    """The largest leaf count that fits MAX_DATA_BYTES is rebuilt on-chain well under a 30M-gas block."""
    signature = b"\x11" * 65
    leaves = [Leaf(1, f"0x{i + 1:040x}", (-1) ** i * 10, (0, 0, 0, 0), signature) for i in range(count)]
    data = batch_calldata(leaves)
    assert len(data) <= ledger.MAX_DATA_BYTES()
    tree = MerkleSumTree(leaves)
    ledger.postBatch(tree.root, tree.leaves_root, SERIES, data, sender=deployer, value=BOND)
    tx = ledger.challengeData(1, data, sender=alice, raise_on_revert=False)
    assert tx.failed  # honest: NoFraud
    assert tx.gas_used < 20_000_000, tx.gas_used
