"""C-2: a leaf with cash (or a position) of type(int256).min made the checked negation in challengeCollateral and
_apply panic, so the leaf could neither be proven fraudulent nor applied. L-2: unbounded deltas let a batch's column
sums and the tree's node sums overflow int256. Fixed: every delta lies in [-MAX_DELTA, MAX_DELTA] (int128's range),
checked at posting, so negation and every sum of a batch fit int256."""

import ape

from strikeforge.settlement.cosign import batch_calldata
from strikeforge.settlement.tree import Leaf
from tests.settlement.conftest import option_token
from tests.settlement.review.helpers import (
    BOND,
    DEADLINE,
    DUMMY_SIG,
    INT256_MIN,
    MAX_DELTA,
    SERIES,
    WINDOW,
    ZERO,
    address,
    apply_all,
    make_batch,
    post,
    warp,
)


def test_c2_leaf_with_int256_min_cash_is_refused(ledger, sequencer):
    """C-2: a leaf whose cash is type(int256).min is refused at posting (BadLeaf(0, "delta"))."""
    batch = make_batch(ledger, [(address(1), INT256_MIN, ZERO), (address(2), 0, ZERO)])
    with ape.reverts(ledger.BadLeaf, index=0, field="delta"):
        post(ledger, batch, sequencer)
    assert ledger.batchCount() == 0


def test_c2_leaf_with_int256_min_position_is_refused(ledger, sequencer):
    """C-2: a leaf whose position delta is type(int256).min is refused at posting (BadLeaf(1, "delta"))."""
    batch = make_batch(ledger, [(address(1), 0, ZERO), (address(2), 0, (0, 0, INT256_MIN, 0))])
    with ape.reverts(ledger.BadLeaf, index=1, field="delta"):
        post(ledger, batch, sequencer)


def test_l2_delta_just_above_max_delta_is_refused(ledger, sequencer):
    """L-2: a balanced batch of cash +-(MAX_DELTA + 1) (2^127) is refused at posting (BadLeaf(0, "delta"))."""
    assert ledger.MAX_DELTA() == MAX_DELTA
    batch = make_batch(ledger, [(address(1), MAX_DELTA + 1, ZERO), (address(2), -(MAX_DELTA + 1), ZERO)])
    with ape.reverts(ledger.BadLeaf, index=0, field="delta"):
        post(ledger, batch, sequencer)


def test_l2_values_whose_sums_overflow_int256_are_refused(ledger, sequencer):
    """L-2: positions of 2^254 in two leaves (their column sum, 2^255, overflows int256) are refused at posting
    (BadLeaf(0, "delta")), before any sum is taken (no tree of them exists: the roots are placeholders)."""
    rows = [(address(1), (2**254, 0, 0, 0)), (address(2), (2**254, 0, 0, 0)), (address(3), ZERO)]
    data = batch_calldata([Leaf(1, account, 0, positions, DUMMY_SIG) for account, positions in rows])
    with ape.reverts(ledger.BadLeaf, index=0, field="delta"):
        ledger.postBatch(
            b"\x01" * 32, b"\x02" * 32, SERIES, data, ledger.leavesPosted(), DEADLINE, sender=sequencer, value=BOND
        )


def test_l2_max_delta_extremes_are_accepted_proven_and_applied(
    ledger, sequencer, challenger, chain, users, project, engine, weth, usdc, deployer
):
    """L-2: a batch at exactly +-MAX_DELTA in every column is accepted; its rebuild (challengeData) and its root's
    sums (challengeSums) are NoFraud without overflow, and past the window every leaf applies (each account holds the
    MAX_DELTA option tokens it sells: positions are inventory)."""
    rows = [
        (users[0].address, 0, (MAX_DELTA, -MAX_DELTA, MAX_DELTA, -MAX_DELTA)),
        (users[1].address, 0, (-MAX_DELTA, MAX_DELTA, -MAX_DELTA, MAX_DELTA)),
        (users[2].address, 0, (MAX_DELTA, MAX_DELTA, -MAX_DELTA, -MAX_DELTA)),
        (users[3].address, 0, (-MAX_DELTA, -MAX_DELTA, MAX_DELTA, MAX_DELTA)),
    ]
    for user, (_, _, deltas) in zip(users, rows, strict=False):
        # Each seller writes its own options (a writer's position is uint128 at the engine), paying the collateral.
        weth.mint(user, 2 * MAX_DELTA, sender=deployer)
        usdc.mint(user, 2 * MAX_DELTA * 3_000 // 10**12, sender=deployer)
        weth.approve(engine, 2**256 - 1, sender=user)
        usdc.approve(engine, 2**256 - 1, sender=user)
        for column, delta in enumerate(deltas):
            if delta < 0:
                engine.write(SERIES[column], MAX_DELTA, user, sender=user)
                option_token(project, engine, SERIES[column]).approve(ledger, MAX_DELTA, sender=user)
                ledger.depositOptions(SERIES[column], MAX_DELTA, sender=user)
    held = {(str(u.address), s): int(ledger.positionOf(u, s)) for u in users[:4] for s in SERIES}
    batch = make_batch(ledger, rows)
    post(ledger, batch, sequencer)
    with ape.reverts(ledger.NoFraud):
        ledger.challengeData(1, batch.data, sender=challenger)
    tree = batch.tree
    children = [(*tree.node(tree.depth - 1, k), False) for k in (0, 1)]
    with ape.reverts(ledger.NoFraud):
        ledger.challengeSums(1, [0] * 5, [], *children, sender=challenger)
    warp(chain, WINDOW)
    apply_all(ledger, batch, challenger)
    for account, _, deltas in rows:
        for column, delta in enumerate(deltas):
            assert ledger.positionOf(account, SERIES[column]) == held[(str(account), SERIES[column])] + delta
    assert ledger.settledThrough() == 1
