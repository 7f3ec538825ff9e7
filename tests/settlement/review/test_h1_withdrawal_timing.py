"""H-1: a withdrawal request made in the same second as (or front-running) a posting could get an honest batch
slashed (the old rule counted a request against every batch posted at or after requestedAt). Fixed: a request counts
from its readyAt = requestedAt + WITHDRAWAL_DELAY on, and executes only once the account's leaves in every batch
posted before readyAt are applied."""

import ape

from tests.settlement.review.helpers import DEADLINE, DELAY, USDC, apply_all, frauds, post, trade, warp


def _challenge_collateral(ledger, batch, account, sender):
    return ledger.challengeCollateral(*batch.args(batch.index_of(account.address)), [], sender=sender)


def _send_unmined(chain, account, tx):
    signed = account.sign_transaction(tx)
    return chain.provider.web3.eth.send_raw_transaction(signed.serialize_transaction())


def test_h1_full_request_in_the_same_block_after_the_posting_is_no_fraud(ledger, users, sequencer, challenger, chain):
    """H-1: postBatch and, right after it in the same block, the debtor's request for its whole balance. The request
    was unknown to the sequencer: challengeCollateral on the debtor's leaf is NoFraud (the old rule,
    requestedAt <= postedAt, reverted the honest batch)."""
    a, b = users[0], users[1]
    batch = trade(ledger, users, a, b, 9_000 * USDC)
    args = (batch.tree.root, batch.tree.leaves_root, batch.series, batch.data, ledger.leavesPosted(), DEADLINE)
    posting = ledger.postBatch.as_transaction(*args, sender=sequencer, value=ledger.BOND(), gas=2_000_000)
    request = ledger.requestWithdrawal.as_transaction(10_000 * USDC, sender=a, gas=200_000)
    chain.provider.auto_mine = False
    try:
        hashes = [_send_unmined(chain, sequencer, posting), _send_unmined(chain, a, request)]
        chain.mine(1)
    finally:
        chain.provider.auto_mine = True
    receipts = [chain.provider.web3.eth.get_transaction_receipt(h) for h in hashes]
    assert [r["status"] for r in receipts] == [1, 1]
    assert receipts[0]["blockNumber"] == receipts[1]["blockNumber"]
    assert receipts[0]["transactionIndex"] < receipts[1]["transactionIndex"]
    assert ledger.batchCount() == 1
    assert ledger.withdrawals(a)[1] == ledger.postingOf(1)[0]  # requested in the posting's second
    with ape.reverts(ledger.NoFraud):
        _challenge_collateral(ledger, batch, a, challenger)


def test_h1_request_front_running_the_posting_is_no_fraud_and_waits_for_the_batch(
    ledger, users, sequencer, challenger, chain, cash
):
    """H-1: the debtor requests its whole balance in the block right before postBatch. The honest batch stands, and
    the request executes only after the debtor's leaf is applied (and only for what is left)."""
    a, b = users[0], users[1]
    batch = trade(ledger, users, a, b, 9_000 * USDC)
    ledger.requestWithdrawal(10_000 * USDC, sender=a)
    post(ledger, batch, sequencer)
    with ape.reverts(ledger.NoFraud):
        _challenge_collateral(ledger, batch, a, challenger)
    warp(chain, DELAY)
    with ape.reverts(ledger.UnsettledBatches):
        ledger.withdraw(10_000 * USDC, sender=a)
    apply_all(ledger, batch, challenger)
    with ape.reverts(ledger.InsufficientBalance):
        ledger.withdraw(10_000 * USDC, sender=a)
    ledger.withdraw(1_000 * USDC, sender=a)
    assert cash.balanceOf(ledger) == sum(ledger.balanceOf(u) for u in users)


def test_h1_request_counts_from_ready_at_not_a_second_before(ledger, users, sequencer, challenger, chain):
    """H-1 boundary: a request counts against a batch posted exactly at its readyAt (a debit it leaves uncovered is
    a collateral fraud), not against one posted a second before."""
    a, b = users[0], users[1]
    ready = ledger.requestWithdrawal(10_000 * USDC, sender=a).timestamp + DELAY
    snapshot = chain.snapshot()
    chain.pending_timestamp = ready - 1
    batch = trade(ledger, users, a, b, 1 * USDC)
    assert post(ledger, batch, sequencer).timestamp == ready - 1
    with ape.reverts(ledger.NoFraud):
        _challenge_collateral(ledger, batch, a, challenger)
    chain.restore(snapshot)
    chain.pending_timestamp = ready
    batch = trade(ledger, users, a, b, 1 * USDC)
    assert post(ledger, batch, sequencer).timestamp == ready
    assert frauds(ledger, _challenge_collateral(ledger, batch, a, challenger)) == ["collateral"]


def test_h1_withdraw_and_new_request_inside_the_window_keep_the_batch(
    ledger, users, sequencer, challenger, chain, cash
):
    """H-1: a's 4,000 request is counted by a batch debiting 6,000; inside the window a withdraws the 4,000 and
    requests 6,000 more. The batch still stands, the new request waits for a's debit, and every leaf applies."""
    a, b = users[0], users[1]
    ledger.requestWithdrawal(4_000 * USDC, sender=a)
    warp(chain, DELAY)
    batch = trade(ledger, users, a, b, 6_000 * USDC)
    post(ledger, batch, sequencer)
    ledger.withdraw(4_000 * USDC, sender=a)  # the batch was posted from readyAt on and counted the request
    ledger.requestWithdrawal(6_000 * USDC, sender=a)
    with ape.reverts(ledger.NoFraud):
        _challenge_collateral(ledger, batch, a, challenger)
    warp(chain, DELAY)
    with ape.reverts(ledger.UnsettledBatches):
        ledger.withdraw(6_000 * USDC, sender=a)
    apply_all(ledger, batch, challenger)
    assert ledger.balanceOf(a) == 0
    assert cash.balanceOf(ledger) == sum(ledger.balanceOf(u) for u in users)
