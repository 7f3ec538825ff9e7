"""challengeData: the proof against a root that is not the tree of the batch's own calldata."""

from __future__ import annotations

from dataclasses import replace

import ape
import pytest
from eth_abi import encode

from strikeforge.settlement.cosign import MAX_DELTA, MAX_LEAVES, batch_calldata
from strikeforge.settlement.tree import Leaf, MerkleSumTree
from tests.settlement.conftest import post_batch

SIGNATURE = b"\x11" * 65  # challengeData rebuilds the trees; it never checks a signature


def _synthetic(count, magnitude=10):
    """`count` leaves of batch 1 sorted by account, with 65-byte signatures, whose columns sum to zero (count even):
    what postBatch accepts, without co-signers (only the signature proof would find them wanting)."""
    return [
        Leaf(
            1, f"0x{i + 1:040x}", (-1) ** i * magnitude, tuple((-1) ** (i + k) * magnitude for k in range(4)), SIGNATURE
        )
        for i in range(count)
    ]


def test_the_ledger_rebuilds_the_same_root_as_the_python_tree(ledger, funded, build, standard_trades, project):
    leaves, tree = build(1, standard_trades)
    assert project.BatchTrees.at(ledger.TREES()).dataRoot(batch_calldata(leaves)) == (tree.root, tree.leaves_root)


def test_an_honest_batch_survives_a_data_challenge(ledger, funded, build, standard_trades, deployer, alice):
    leaves, tree = build(1, standard_trades)
    post_batch(ledger, deployer, tree.root, tree.leaves_root, batch_calldata(leaves))
    with ape.reverts(ledger.NoFraud):
        ledger.challengeData(1, batch_calldata(leaves), sender=alice)
    assert ledger.batchCount() == 1


def test_a_root_that_is_not_the_tree_of_the_calldata_is_reverted(
    ledger, funded, build, standard_trades, deployer, alice
):
    """The sequencer posts one set of leaves as data and the root of another: no leaf-level proof is possible."""
    leaves, tree = build(1, standard_trades)
    hidden = [replace(leaves[0], cash=leaves[0].cash - 1), *leaves[1:]]
    post_batch(ledger, deployer, MerkleSumTree(hidden).root, tree.leaves_root, batch_calldata(leaves))
    tx = ledger.challengeData(1, batch_calldata(leaves), sender=alice)
    assert ledger.batchCount() == 0
    assert [e.fraud for e in tx.events.filter(ledger.BatchReverted)] == ["data"]


def test_a_plain_root_that_is_not_the_calldatas_is_reverted(ledger, funded, build, standard_trades, deployer, alice):
    """The Merkle-sum root is honest, the plain root (what claims prove against) is not."""
    leaves, tree = build(1, standard_trades)
    post_batch(ledger, deployer, tree.root, b"\x07" * 32, batch_calldata(leaves))
    tx = ledger.challengeData(1, batch_calldata(leaves), sender=alice)
    assert [e.fraud for e in tx.events.filter(ledger.BatchReverted)] == ["data"]


def _tampered(word, value, leaves=None):
    """The canonical calldata of two synthetic leaves with 32-byte word `word` replaced by `value`."""
    data = bytearray(batch_calldata(leaves or _synthetic(2)))
    data[32 * word : 32 * word + 32] = (value % 2**256).to_bytes(32, "big")
    return bytes(data)


# Canonical calldata of two leaves, in 32-byte words: head (0), count (1), two offsets (2, 3), then 12 words a leaf
# (leaf 0 from word 4, leaf 1 from word 16): batch, account, cash, positions[4], signature offset, signature length,
# 3 signature words.
@pytest.mark.parametrize(
    ("data", "error", "fields"),
    [
        (encode(["uint256", "uint256", "string"], [32, 5, "five leaves, they said"]), "BadEncoding", {}),
        (batch_calldata(_synthetic(2)) + bytes(32), "BadEncoding", {}),  # a trailing word
        (_tampered(1, 3), "BadEncoding", {}),  # three leaves announced, two present
        (_tampered(3, 64), "BadLeaf", {"index": 1, "field": "offset"}),  # leaf 1's head aliasing leaf 0's tuple
        (_tampered(4, 2), "BadLeaf", {"index": 0, "field": "batch"}),
        (_tampered(5 + 12, 1), "BadLeaf", {"index": 1, "field": "account"}),  # not above leaf 0's account
        (_tampered(5, 2**160 + 1), "BadLeaf", {"index": 0, "field": "account"}),  # not an address
        (_tampered(6, MAX_DELTA + 1), "BadLeaf", {"index": 0, "field": "delta"}),
        (_tampered(12, 66), "BadLeaf", {"index": 0, "field": "signature"}),  # a 66-byte signature
        (_tampered(15, 1), "BadLeaf", {"index": 0, "field": "signature"}),  # bytes after the 65th
        (_tampered(6, 11), "Unbalanced", {"column": 0}),
        (_tampered(10 + 12, 0), "Unbalanced", {"column": 4}),
    ],
    ids=[
        "not leaves",
        "trailing bytes",
        "count",
        "aliased head",
        "another batch",
        "accounts not increasing",
        "account above 160 bits",
        "delta beyond int128",
        "66-byte signature",
        "dirty signature padding",
        "cash unbalanced",
        "positions unbalanced",
    ],
)
def test_calldata_that_is_not_canonical_signed_leaves_is_refused_at_posting(ledger, deployer, data, error, fields):
    """The one encoding challengeData can rebuild: anything else never becomes a batch."""
    with ape.reverts(getattr(ledger, error), **fields):
        post_batch(ledger, deployer, b"\x01" * 32, b"\x02" * 32, data)
    assert ledger.batchCount() == 0


def test_a_data_challenge_must_bring_the_posted_data(ledger, funded, build, standard_trades, deployer, alice):
    leaves, tree = build(1, standard_trades)
    post_batch(ledger, deployer, tree.root, tree.leaves_root, batch_calldata(leaves))
    with ape.reverts(ledger.DataMismatch):
        ledger.challengeData(1, batch_calldata(leaves[:1]), sender=alice)


def test_a_starved_data_challenge_reverts_and_leaves_the_honest_batch_valid(ledger, deployer, alice):
    """Griefing: a challenger gives the rebuild too little gas, hoping its failure reads as bad data. The rebuild is
    an internal call now: running out of gas fails the whole challenge, which changes nothing."""
    leaves = _synthetic(256)  # a rebuild far costlier than the gas given below
    data = batch_calldata(leaves)
    tree = MerkleSumTree(leaves)
    post_batch(ledger, deployer, tree.root, tree.leaves_root, data)
    # Enough for the calldata (16 gas a byte at most) and the checks, far from enough for the rebuild.
    starved = 21_000 + 16 * len(data) + 300_000
    tx = ledger.challengeData(1, data, sender=alice, gas_limit=starved, raise_on_revert=False)
    assert tx.failed
    assert ledger.batchCount() == 1
    assert ledger.bondsOwed(alice) == 0
    with ape.reverts(ledger.NoFraud):  # given the gas, the rebuild finds the batch honest
        ledger.challengeData(1, data, sender=alice)


@pytest.mark.parametrize(
    "data",
    [b"", encode(["uint256", "string"], [7, "head not at 32"]), encode(["uint256", "uint256"], [32, 0])],
    ids=["empty", "head elsewhere", "no leaves"],
)
def test_data_whose_leaf_count_cannot_be_read_is_refused_at_posting(ledger, deployer, data):
    with ape.reverts(ledger.BadEncoding):
        post_batch(ledger, deployer, b"\x01" * 32, b"\x02" * 32, data)


def test_posting_more_leaves_than_the_rebuild_can_check_is_refused(ledger, deployer):
    assert ledger.MAX_LEAVES() == MAX_LEAVES
    leaves = _synthetic(MAX_LEAVES + 2)
    tree = MerkleSumTree(leaves)
    with ape.reverts(ledger.BadEncoding):
        post_batch(ledger, deployer, tree.root, tree.leaves_root, batch_calldata(leaves))


def test_a_maximal_batch_is_rebuilt_within_a_block(ledger, deployer, alice):
    """The largest batch postBatch accepts (MAX_LEAVES leaves, every delta at int128's bound) is rebuilt on-chain
    under 15M gas, half a 30M-gas block (the contract's invariant 6)."""
    leaves = _synthetic(MAX_LEAVES, magnitude=MAX_DELTA)
    data = batch_calldata(leaves)
    assert len(data) == 64 + ledger.LEAF_BYTES() * MAX_LEAVES
    tree = MerkleSumTree(leaves)
    post_batch(ledger, deployer, tree.root, tree.leaves_root, data)
    tx = ledger.challengeData(1, data, sender=alice, raise_on_revert=False)
    assert tx.failed  # honest: NoFraud
    print(f"challengeData rebuild of a {MAX_LEAVES}-leaf batch: {tx.gas_used:,} gas")
    assert tx.gas_used < 15_000_000, tx.gas_used
