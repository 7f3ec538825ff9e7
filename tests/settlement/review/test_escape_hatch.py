"""Escape hatch blocked by others' leaves: in escape mode an account could withdraw only once settledThrough passed
every batch, i.e. once everyone's leaves (a hostile sequencer's puppets' included) were applied. Fixed: settleAccount
proves, from the account's own leaf or its neighbours in the sorted leaves, that a final batch holds no unapplied leaf
of the account, and withdraw needs max(settledThrough, accountSettledThrough) only."""

import ape
import pytest

from tests.settlement.review.helpers import (
    ESCAPE,
    USDC,
    WINDOW,
    ZERO,
    address,
    keys_for,
    make_batch,
    neighbours,
    post,
    warp,
)

LOW, HIGH = address(1), "0x" + "f" * 40  # puppets around every real account


@pytest.fixture
def escaped_batches(ledger, users, sequencer, chain):
    """Three batches of puppet leaves nobody applies; batch 2 also holds a's 100 USDC debit to b. Then escape mode."""
    a, b = users[0], users[1]
    batches = []
    for k in range(3):
        rows = [(LOW, 0, (1, 0, 0, 0)), (HIGH, 0, (-1, 0, 0, 0))]
        if k == 1:
            rows += [(a.address, -100 * USDC, (0, 0, 0, 0)), (b.address, 100 * USDC, (0, 0, 0, 0))]
        batch = make_batch(ledger, rows, keys_for(users))
        post(ledger, batch, sequencer)
        batches.append(batch)
    warp(chain, WINDOW + ESCAPE + 1)
    assert ledger.escaped()
    return batches


def test_escape_account_without_leaves_leaves_by_its_own_non_membership_proofs(ledger, users, escaped_batches):
    """Escape hatch: c never traded; with one settleAccount per batch (its neighbours) it withdraws its whole balance
    while the puppets' leaves stay unapplied (settledThrough 0)."""
    c = users[2]
    with ape.reverts(ledger.UnsettledBatches):
        ledger.withdraw(10_000 * USDC, sender=c)
    for batch in escaped_batches:
        ledger.settleAccount(c, batch.number, neighbours(batch, c.address), sender=c)
    ledger.withdraw(10_000 * USDC, sender=c)
    assert ledger.balanceOf(c) == 0
    assert ledger.settledThrough() == 0


def test_escape_account_with_a_debit_applies_its_own_leaf_and_leaves(ledger, users, escaped_batches):
    """Escape hatch: a owes 100 USDC in batch 2; it applies its own leaf there, settles the other batches by
    non-membership and withdraws the 9,900 left, with nobody else's leaf applied."""
    a = users[0]
    for batch in escaped_batches:
        if batch.number == 2:
            i = batch.index_of(a.address)
            ledger.apply_(*batch.args(i), sender=a)
            ledger.settleAccount(a, 2, [batch.proven(i)], sender=a)
        else:
            ledger.settleAccount(a, batch.number, neighbours(batch, a.address), sender=a)
    with ape.reverts(ledger.InsufficientBalance):
        ledger.withdraw(10_000 * USDC, sender=a)
    ledger.withdraw(9_900 * USDC, sender=a)
    assert ledger.settledThrough() == 0


@pytest.fixture
def three_leaf_batch(ledger, sequencer):
    """One final batch of leaves for accounts 0x10, 0x20, 0x30."""
    batch = make_batch(ledger, [(address(v), 0, ZERO) for v in (0x10, 0x20, 0x30)])
    post(ledger, batch, sequencer)
    return batch


def test_escape_settle_account_refuses_false_non_membership_proofs(ledger, three_leaf_batch, challenger, chain):
    """Escape hatch: settleAccount refuses a batch still in its window, a batch that is not the next, a member whose
    leaf is not applied, neighbours that are not adjacent or do not enclose the account, and a forged index."""
    batch = three_leaf_batch
    a20, below, between, above = address(0x20), address(0x05), address(0x15), address(0x35)
    with ape.reverts(ledger.NotFinal):
        ledger.settleAccount(below, 1, [batch.proven(0)], sender=challenger)
    warp(chain, WINDOW)
    with ape.reverts(ledger.NotNext):
        ledger.settleAccount(below, 2, [batch.proven(0)], sender=challenger)
    p = batch.proven
    refused = [
        (a20, [p(1)]),  # a member whose leaf is not applied
        (a20, [p(0), p(2)]),
        (a20, [p(0), p(1)]),
        (a20, [p(1), p(2)]),
        (between, [p(0), p(2)]),  # not adjacent
        (between, [p(1), p(0)]),  # reversed
        (between, [p(0), p(0)]),
        (between, [p(0)]),  # index 0 but below the account
        (between, [p(2)]),  # last but above the account
        (below, [p(1)]),
        (above, [p(1)]),
        (between, [p(0), p(1), p(2)]),
        (between, []),
    ]
    for account, proven in refused:
        with ape.reverts(ledger.NotProven):
            ledger.settleAccount(account, 1, proven, sender=challenger)
    forged = (p(1)[0], p(1)[1], 0, batch.tree.plain_proof(0))  # leaf 1's body claimed at index 0
    with ape.reverts(ledger.NotInTree):
        ledger.settleAccount(below, 1, [forged], sender=challenger)
    assert ledger.accountSettledThrough(between) == 0


def test_escape_settle_account_accepts_true_proofs(ledger, three_leaf_batch, challenger, chain):
    """Escape hatch: below the first leaf, above the last, between two adjacent leaves, and a member whose own leaf
    is applied are each settled through the batch, while settledThrough stays 0."""
    batch = three_leaf_batch
    warp(chain, WINDOW)
    p = batch.proven
    for account, proven in [(address(0x05), [p(0)]), (address(0x35), [p(2)]), (address(0x15), [p(0), p(1)])]:
        ledger.settleAccount(account, 1, proven, sender=challenger)
        assert ledger.accountSettledThrough(account) == 1
    ledger.apply_(*batch.args(1), sender=challenger)
    ledger.settleAccount(address(0x20), 1, [p(1)], sender=challenger)
    assert ledger.accountSettledThrough(address(0x20)) == 1
    assert ledger.settledThrough() == 0
