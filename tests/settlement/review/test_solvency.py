"""Informational (credit before debit): goal (4) read literally, cash held >= balances + unapplied credits, fails by
design once a batch's credit is applied before its debit. The ledger's real invariant (1): the cash held equals the
sum of balances plus the signed cash of every unapplied leaf of a valid batch, and a debtor cannot leave first."""

import ape

from tests.settlement.review.helpers import DELAY, USDC, WINDOW, keys_for, make_batch, post, warp


def test_credit_before_debit_keeps_cash_equal_to_balances_plus_unapplied_cash(ledger, users, sequencer, chain, cash):
    """Credit before debit: b's 10,000 credit is applied before a's debit. Cash == balances + unapplied leaves' cash
    at every step, a cannot withdraw what it owes, and applying a's debit restores cash == balances."""
    a, b = users[0], users[1]
    batch = make_batch(
        ledger, [(a.address, -10_000 * USDC, (0, 0, 0, 0)), (b.address, 10_000 * USDC, (0, 0, 0, 0))], keys_for(users)
    )
    post(ledger, batch, sequencer)
    unapplied = set(range(len(batch.leaves)))

    def solvent():
        balances = sum(ledger.balanceOf(u) for u in users)
        return cash.balanceOf(ledger) == balances + sum(batch.leaves[i].cash for i in unapplied)

    assert solvent()
    warp(chain, WINDOW)
    credit = batch.index_of(b.address)
    ledger.apply_(*batch.args(credit), sender=b)
    unapplied.discard(credit)
    assert solvent()
    assert cash.balanceOf(ledger) < sum(ledger.balanceOf(u) for u in users)  # balances exceed holdings transiently
    ledger.requestWithdrawal(10_000 * USDC, sender=a)
    warp(chain, DELAY)
    with ape.reverts(ledger.UnsettledBatches):
        ledger.withdraw(10_000 * USDC, sender=a)
    debit = batch.index_of(a.address)
    ledger.apply_(*batch.args(debit), sender=b)
    unapplied.discard(debit)
    assert solvent()
    assert cash.balanceOf(ledger) == sum(ledger.balanceOf(u) for u in users)
