"""Netting and the Merkle-sum tree, off-chain: conservation, per-account sums, proofs, and corrupted trees."""

from __future__ import annotations

from collections import defaultdict

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strikeforge.settlement.netting import Trade, net
from strikeforge.settlement.tree import (
    SERIES_PER_BATCH,
    WIDTH,
    Leaf,
    MerkleSumTree,
    add,
    node_hash,
    verify,
    verify_plain,
)

ACCOUNTS = [f"0x{i:040x}" for i in range(1, 13)]

pairs = st.lists(st.sampled_from(ACCOUNTS), min_size=2, max_size=2, unique=True)
trades = st.builds(
    lambda series, pair, size, price: Trade(series, pair[0], pair[1], size, price),
    series=st.integers(0, SERIES_PER_BATCH - 1),
    pair=pairs,
    size=st.integers(1, 10**24),
    price=st.integers(0, 10**22),
)


@given(st.lists(trades, max_size=60))
def test_netting_conserves_cash_and_every_position(batch_trades):
    leaves = net(7, batch_trades)
    totals = (0,) * WIDTH
    for leaf in leaves:
        totals = add(totals, leaf.sums)
    assert totals == (0,) * WIDTH


@given(st.lists(trades, max_size=60))
def test_each_leaf_is_the_sum_of_its_accounts_trades(batch_trades):
    expected: dict[str, list[int]] = defaultdict(lambda: [0] * WIDTH)
    for t in batch_trades:
        expected[t.buyer][0] -= t.premium
        expected[t.seller][0] += t.premium
        expected[t.buyer][1 + t.series] += t.size
        expected[t.seller][1 + t.series] -= t.size
    leaves = {leaf.account: leaf.sums for leaf in net(7, batch_trades)}
    assert leaves == {a: tuple(v) for a, v in expected.items() if any(v)}


def test_invalid_trades_are_refused():
    with pytest.raises(ValueError, match="self-trade"):
        Trade(0, ACCOUNTS[0], ACCOUNTS[0], 1, 1)
    with pytest.raises(ValueError, match="series index"):
        Trade(SERIES_PER_BATCH, ACCOUNTS[0], ACCOUNTS[1], 1, 1)


def _leaves(batch_trades):
    leaves = net(3, batch_trades)
    return leaves or [Leaf(3, ACCOUNTS[0], 0, (0,) * SERIES_PER_BATCH)]


@given(st.lists(trades, min_size=1, max_size=40), st.data())
def test_every_node_proves_into_the_root(batch_trades, data):
    tree = MerkleSumTree(_leaves(batch_trades))
    level = data.draw(st.integers(0, tree.depth))
    index = data.draw(st.integers(0, len(tree.levels[level]) - 1))
    assert verify(tree.root, tree.node(level, index), tree.proof(level, index))
    assert tree.root_sums == (0,) * WIDTH


@given(st.lists(trades, min_size=1, max_size=40), st.data())
def test_each_leaf_proves_at_its_own_index_only_in_the_plain_tree(batch_trades, data):
    leaves = _leaves(batch_trades)
    tree = MerkleSumTree(leaves)
    index = data.draw(st.integers(0, len(leaves) - 1))
    proof = tree.plain_proof(index)
    assert verify_plain(tree.leaves_root, leaves[index], index, proof)
    other = data.draw(st.integers(0, 2**256 - 1).filter(lambda i: i != index))
    assert not verify_plain(tree.leaves_root, leaves[index], other, proof)  # another bit of the bitmap: refused


@given(st.lists(trades, min_size=2, max_size=40), st.data())
def test_a_corrupted_sum_is_caught_at_exactly_one_node(batch_trades, data):
    """Corrupt one node's sum as its parent commits to it: the parent then fails the single-step check."""
    tree = MerkleSumTree(_leaves(batch_trades))
    if tree.depth == 0:
        return
    level = data.draw(st.integers(0, tree.depth - 1))
    index = data.draw(st.integers(0, len(tree.levels[level]) - 1))
    bump = data.draw(st.integers(1, 10**20))
    node_hash_, sums = tree.levels[level][index]
    forged = (node_hash_, (sums[0] + bump, *sums[1:]))
    tree.levels[level][index] = forged
    # Rebuild the hashes above with the forged commitment, keeping each parent's sums as honest (child sums added):
    i = index
    for height in range(level, tree.depth):
        left, right = tree.levels[height][i - i % 2], tree.levels[height][i - i % 2 + 1]
        parent_sums = tree.levels[height + 1][i // 2][1]
        tree.levels[height + 1][i // 2] = (node_hash(left, right), parent_sums)
        i //= 2
    parent = tree.levels[level + 1][index // 2]
    left, right = tree.levels[level][index - index % 2], tree.levels[level][index - index % 2 + 1]
    assert node_hash(left, right) == parent[0]  # the parent's hash commits to the forged child...
    assert add(left[1], right[1]) != parent[1]  # ...whose sums no longer add up to the parent's: a fraud proof


def test_the_plain_tree_is_openzeppelins_standard_merkle_tree(tmp_path):
    """Roots and proofs equal @openzeppelin/merkle-tree's (npm) for the same values, over random batches."""
    import json
    import random
    import subprocess
    from pathlib import Path

    from eth_utils import keccak

    rng = random.Random(11)
    trees = []
    for size in (1, 2, 3, 5, 8, 13, 64, 100):
        leaves = [
            Leaf(
                rng.randrange(1, 10**6),
                rng.choice(ACCOUNTS),
                rng.randrange(-(10**30), 10**30),
                tuple(rng.randrange(-(10**24), 10**24) for _ in range(SERIES_PER_BATCH)),
                rng.randbytes(65),
            )
            for _ in range(size)
        ]
        trees.append((leaves, MerkleSumTree(leaves)))

    def value(i: int, x: Leaf) -> list:
        signature_hash = "0x" + keccak(x.signature).hex()
        return [str(i), str(x.batch), x.account, str(x.cash), [str(p) for p in x.positions], signature_hash]

    values = [[value(i, x) for i, x in enumerate(leaves)] for leaves, _ in trees]
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        ["node", str(Path(__file__).with_name("oz_merkle.js"))],
        input=json.dumps([{"values": v} for v in values]),
        capture_output=True,
        text=True,
        cwd=root,
        timeout=60,
        check=True,
    )
    for (leaves, tree), js in zip(trees, json.loads(result.stdout), strict=True):
        assert "0x" + tree.leaves_root.hex() == js["root"]
        for i in range(len(leaves)):
            assert ["0x" + s.hex() for s in tree.plain_proof(i)] == js["proofs"][i]
