"""F2: a posting had no deadline. The sequencer checks a debtor's free balance at time c and signs postBatch; the
debtor requests everything at c + 1; if the signed transaction lands at or after c + 1 + WITHDRAWAL_DELAY (stuck in
the mempool, or rebroadcast after a restart) the request counts against the honest batch and it is slashed. Fixed:
postBatch takes a deadline (the checked head's timestamp + WITHDRAWAL_DELAY) and reverts Expired after it."""

import ape

from tests.settlement.review.helpers import DELAY, USDC, post, trade


def _checked_then_requested(ledger, users, chain):
    """The sequencer's check at head time c (deadline c + DELAY), then a's request for everything at c + 1."""
    a, b = users[0], users[1]
    checked_at = chain.blocks.head.timestamp
    batch = trade(ledger, users, a, b, 9_000 * USDC)  # co-signed, covered by a's balance at the check
    requested_at = ledger.requestWithdrawal(10_000 * USDC, sender=a).timestamp
    assert requested_at > checked_at
    return batch, checked_at + DELAY, requested_at + DELAY


def test_f2_posting_landing_after_its_deadline_reverts_expired(ledger, users, sequencer, chain):
    """F2: the posting lands at the request's readyAt, one second after its deadline: it reverts Expired(deadline)
    and nothing is posted (the old ledger accepted it, and the batch was then slashable)."""
    batch, deadline, ready_at = _checked_then_requested(ledger, users, chain)
    chain.pending_timestamp = ready_at
    assert ready_at > deadline
    with ape.reverts(ledger.Expired, deadline=deadline):
        post(ledger, batch, sequencer, deadline=deadline)
    assert ledger.batchCount() == 0
    assert ledger.leavesPosted() == 0


def test_f2_posting_landing_at_its_deadline_cannot_be_slashed(ledger, users, sequencer, challenger, chain):
    """F2: the same posting landing at its deadline (the latest second it may) is accepted, and the request made after
    the check does not count against it: challengeCollateral on a's leaf is NoFraud."""
    a = users[0]
    batch, deadline, _ = _checked_then_requested(ledger, users, chain)
    chain.pending_timestamp = deadline
    assert post(ledger, batch, sequencer, deadline=deadline).timestamp == deadline
    with ape.reverts(ledger.NoFraud):
        ledger.challengeCollateral(*batch.args(batch.index_of(a.address)), [], sender=challenger)
    assert ledger.batchCount() == 1
