"""Invariant (4), which C-1, H-1 and H-3 each broke in their own way: an honest batch (co-signed for its posting,
canonical calldata, debits covered) cannot be reverted by any challenge, and past its window every leaf applies."""

import ape

from tests.settlement.review.helpers import USDC, WINDOW, apply_all, post, trade, warp


def test_honest_batch_withstands_every_challenge_and_applies(ledger, users, sequencer, challenger, chain):
    """C-1 / H-1 / H-3 (invariant 4): challengeSignature on each leaf, challengeData and challengeCollateral on the
    debit are NoFraud; past the window the batch applies and settles."""
    a, b = users[0], users[1]
    batch = trade(ledger, users, a, b, 100 * USDC)
    post(ledger, batch, sequencer)
    for i in range(len(batch.leaves)):
        with ape.reverts(ledger.NoFraud):
            ledger.challengeSignature(*batch.signature_args(i), sender=challenger)
    with ape.reverts(ledger.NoFraud):
        ledger.challengeData(1, batch.data, sender=challenger)
    with ape.reverts(ledger.NoFraud):
        ledger.challengeCollateral(*batch.args(batch.index_of(a.address)), [], sender=challenger)
    warp(chain, WINDOW)
    apply_all(ledger, batch, challenger)
    assert ledger.settledThrough() == 1
    assert (ledger.balanceOf(a), ledger.balanceOf(b)) == (9_900 * USDC, 10_100 * USDC)
