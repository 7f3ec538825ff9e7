"""Issue 18 on SettlementLedger: positions are option-token inventory. Deposits and withdrawals of option tokens, sales
beyond the inventory (refused at apply, proven by challengeInventory), the batch's series checked at posting, and the
expiry path (redeemExpired, claimExpired, withdrawPayout). Each test asserts the exact named revert or balance.

`funded` (tests/settlement/conftest.py) gives accounts[1..4] 10,000 USDC and OPTIONS (10) tokens of each of SERIES:
1 and 2 are calls (struck 3,000 and 3,500, paid in WETH), 3 and 4 puts (struck 3,000 and 2,500, paid in USDC, the
ledger's cash), all expiring at `series_expiry`."""

from __future__ import annotations

import ape
import pytest
from eth_utils import keccak

from strikeforge.settlement.cosign import batch_calldata
from tests.options.fixtures import DISPUTE, ONE, record_expiry
from tests.settlement.conftest import BOND, OPTIONS, SERIES, USDC, WINDOW, option_token, post_batch
from tests.settlement.review.helpers import ZERO, Batch, keys_for, make_batch, warp

CALL, CALL_HIGH, PUT, PUT_LOW = SERIES
LONG_ESCAPE = 60 * 86_400  # beyond the series' expiry: these tests travel to expiry without entering escape mode


@pytest.fixture
def ledger(project, deployer, cash, engine, listed, treasury):
    """The conftest's ledger with an escape period beyond the series' expiry."""
    ledger = project.SettlementLedger.deploy(
        cash, engine, WINDOW, BOND, LONG_ESCAPE, WINDOW, treasury, deployer, sender=deployer
    )
    ledger.grantRole(ledger.SEQUENCER_ROLE(), deployer, sender=deployer)
    return ledger


def _post(ledger, batch: Batch, sender):
    return post_batch(ledger, sender, batch.tree.root, batch.tree.leaves_root, batch.data, batch.series)


def _sale(ledger, funded, seller, buyer, tokens, column=0, cash=0, series=SERIES):
    """seller sells `tokens` of column `column`'s series to buyer for `cash`, both co-signed."""
    deltas = [0, 0, 0, 0]
    deltas[column] = tokens
    rows = [(seller.address, cash, tuple(-d for d in deltas)), (buyer.address, -cash, tuple(deltas))]
    return make_batch(ledger, rows, keys_for(funded), series=list(series))


def _inventory_args(batch: Batch, account, column: int, priors=()):
    """challengeInventory's arguments for `account`'s leaf in column `column`."""
    number, leaf, signature_hash, index, proof = batch.args(batch.index_of(account))
    return (number, column, leaf, signature_hash, index, proof, list(priors))


def _frauds(ledger, tx):
    return [e.fraud for e in tx.events.filter(ledger.BatchReverted)]


def _final_price(chain, spot, router, weth, usdc, deployer, expiry, price):
    """Past expiry, `price` recorded as the expiry price and its dispute period over (the engine is not settled)."""
    chain.mine(1, timestamp=max(chain.pending_timestamp, expiry + 60))
    spot.set(price, expiry, sender=deployer)
    record_expiry(router, weth, usdc, expiry, deployer)
    chain.mine(1, timestamp=chain.pending_timestamp + DISPUTE)


# ------------------------------------------------------------------------------------------------ deposits


def test_option_tokens_are_deposited_and_withdrawn_with_the_cash_rules(
    ledger, engine, project, write_options, accounts, chain
):
    holder = accounts[5]
    token = option_token(project, engine, CALL)
    write_options(holder, CALL, 3 * ONE, deposit=False)  # written (fully collateralized) to the holder
    token.approve(ledger, 3 * ONE, sender=holder)
    tx = ledger.depositOptions(CALL, 3 * ONE, sender=holder)
    assert [(e.account, e.series, e.amount) for e in tx.events.filter(ledger.OptionsDeposited)] == [
        (holder.address, CALL, 3 * ONE)
    ]
    assert ledger.positionOf(holder, CALL) == 3 * ONE and token.balanceOf(ledger) == 3 * ONE
    with ape.reverts(ledger.WithdrawalNotReady):  # no request
        ledger.withdrawOptions(CALL, ONE, sender=holder)
    request = ledger.requestOptionWithdrawal(CALL, 2 * ONE, sender=holder)
    ready_at = request.timestamp + WINDOW  # WITHDRAWAL_DELAY == WINDOW here
    assert [
        (e.account, e.series, e.amount, e.readyAt) for e in request.events.filter(ledger.OptionWithdrawalRequested)
    ] == [(holder.address, CALL, 2 * ONE, ready_at)]
    with ape.reverts(ledger.WithdrawalNotReady, readyAt=ready_at):
        ledger.withdrawOptions(CALL, 2 * ONE, sender=holder)
    chain.mine(1, timestamp=ready_at)
    with ape.reverts(ledger.WithdrawalNotReady):  # more than requested
        ledger.withdrawOptions(CALL, 2 * ONE + 1, sender=holder)
    out = ledger.withdrawOptions(CALL, 2 * ONE, sender=holder)
    assert [(e.account, e.series, e.amount) for e in out.events.filter(ledger.OptionsWithdrawn)] == [
        (holder.address, CALL, 2 * ONE)
    ]
    assert token.balanceOf(holder) == 2 * ONE and ledger.positionOf(holder, CALL) == ONE
    assert ledger.optionWithdrawals(holder, CALL).amount == 0


def test_deposits_of_an_unknown_or_expired_series_are_refused_by_name(
    ledger, engine, project, write_options, accounts, chain, series_expiry
):
    holder = accounts[5]
    write_options(holder, CALL, 2 * ONE, deposit=False)
    option_token(project, engine, CALL).approve(ledger, 2 * ONE, sender=holder)
    with ape.reverts(ledger.UnknownSeries, series=99):
        ledger.depositOptions(99, ONE, sender=holder)
    with ape.reverts(ledger.ZeroAmount):
        ledger.depositOptions(CALL, 0, sender=holder)
    chain.mine(1, timestamp=series_expiry)
    with ape.reverts(ledger.SeriesExpired, series=CALL, expiry=series_expiry):
        ledger.depositOptions(CALL, ONE, sender=holder)


def test_an_option_withdrawal_waits_for_the_sales_posted_before_its_ready_time(
    ledger, funded, deployer, chain, project, engine
):
    """The cash rule for tokens: b sells 4 in batch 1, then requests all 10; the withdrawal cannot leave before b's
    sale applies, and then only the 6 left."""
    a, b = funded[0], funded[1]
    batch = _sale(ledger, funded, b, a, 4 * ONE, cash=400 * USDC)
    _post(ledger, batch, deployer)
    ledger.requestOptionWithdrawal(CALL, OPTIONS, sender=b)
    warp(chain, WINDOW)
    with ape.reverts(ledger.UnsettledBatches, settledThrough=0, required=1):
        ledger.withdrawOptions(CALL, OPTIONS, sender=b)
    ledger.apply_(*batch.args(batch.index_of(b)), sender=deployer)
    ledger.settleAccount(b, 1, [batch.proven(batch.index_of(b))], sender=b)
    with ape.reverts(ledger.InsufficientBalance, balance=OPTIONS - 4 * ONE, required=OPTIONS):
        ledger.withdrawOptions(CALL, OPTIONS, sender=b)
    ledger.withdrawOptions(CALL, OPTIONS - 4 * ONE, sender=b)
    assert option_token(project, engine, CALL).balanceOf(b) == OPTIONS - 4 * ONE
    assert ledger.positionOf(b, CALL) == 0


# ------------------------------------------------------------------------------------------------ inventory


def test_selling_without_inventory_reverts_at_apply(ledger, funded, deployer, chain, accounts):
    """Regression (unbacked tokens): accounts[5] holds no option; its sale of 1 stands unchallenged through its window
    (the watcher asleep) and its leaf must not apply: InsufficientBalance(0, 1e18), exactly like an unpayable debit.
    The buyer's credit applies; the batch never settles."""
    naked, buyer = accounts[5], funded[0]
    rows = [(naked.address, 50 * USDC, (-ONE, 0, 0, 0)), (buyer.address, -50 * USDC, (ONE, 0, 0, 0))]
    batch = make_batch(ledger, rows, keys_for([*funded, naked]))
    _post(ledger, batch, deployer)
    warp(chain, WINDOW)
    with ape.reverts(ledger.InsufficientBalance, balance=0, required=ONE):
        ledger.apply_(*batch.args(batch.index_of(naked)), sender=deployer)
    assert ledger.positionOf(naked, CALL) == 0
    ledger.apply_(*batch.args(batch.index_of(buyer)), sender=deployer)
    assert ledger.positionOf(buyer, CALL) == OPTIONS + ONE
    ledger.advanceSettled(sender=deployer)
    assert ledger.settledThrough() == 0


def test_a_naked_short_is_slashed_by_challenge_inventory(ledger, funded, deployer, accounts, alice, treasury):
    """Regression: a leaf selling options its account never deposited is an inventory fraud: the batch is reverted
    and the bond split between the challenger and the treasury."""
    naked, buyer = accounts[5], funded[0]
    rows = [(naked.address, 0, (0, 0, -2 * ONE, 0)), (buyer.address, 0, (0, 0, 2 * ONE, 0))]
    batch = make_batch(ledger, rows, keys_for([*funded, naked]))
    _post(ledger, batch, deployer)
    with ape.reverts(ledger.NoFraud):  # the buyer's column is a credit
        ledger.challengeInventory(*_inventory_args(batch, buyer, 2), sender=alice)
    with ape.reverts(ledger.NoFraud):  # the naked account's other columns carry nothing
        ledger.challengeInventory(*_inventory_args(batch, naked, 0), sender=alice)
    with ape.reverts(ledger.BadColumn, column=4):
        ledger.challengeInventory(*_inventory_args(batch, naked, 4), sender=alice)
    tx = ledger.challengeInventory(*_inventory_args(batch, naked, 2), sender=alice)
    assert _frauds(ledger, tx) == ["inventory"]
    assert ledger.batchCount() == 0
    assert ledger.bondsOwed(alice) == BOND // 2 and ledger.bondsOwed(treasury) == BOND - BOND // 2


def test_a_sale_is_short_counting_a_ready_option_withdrawal_request(ledger, funded, deployer, chain, alice):
    """Regression: b holds 10 and requested 4 (ready before the posting): selling 7 is a fraud (10 - 4 < 7), selling 6
    is not. A request that is not ready by the posting does not count (it waits for the batch instead)."""
    a, b = funded[0], funded[1]
    ledger.requestOptionWithdrawal(PUT, 4 * ONE, sender=b)
    warp(chain, WINDOW)  # readyAt = request + WITHDRAWAL_DELAY <= the postings below
    fine = _sale(ledger, funded, b, a, 6 * ONE, column=2)
    _post(ledger, fine, deployer)
    with ape.reverts(ledger.NoFraud):
        ledger.challengeInventory(*_inventory_args(fine, b, 2), sender=alice)
    short = _sale(ledger, funded, b, a, 7 * ONE, column=2)
    _post(ledger, short, deployer)
    with ape.reverts(ledger.BadPrior, position=0):  # a's leaf in batch 1 is a purchase, not a sale
        ledger.challengeInventory(*_inventory_args(short, b, 2, [fine.args(fine.index_of(a))]), sender=alice)
    tx = ledger.challengeInventory(*_inventory_args(short, b, 2), sender=alice)  # 7 > 10 - 4, without priors
    assert _frauds(ledger, tx) == ["inventory"]
    # The same sale with a request made in the posting's second: not ready by the posting, so not counted.
    ledger.requestOptionWithdrawal(PUT, 9 * ONE, sender=b)
    racing = _sale(ledger, funded, b, a, 3 * ONE, column=2)
    _post(ledger, racing, deployer)
    with ape.reverts(ledger.NoFraud):
        ledger.challengeInventory(*_inventory_args(racing, b, 2), sender=alice)


def test_earlier_unapplied_sales_of_the_same_series_count_in_whatever_column(ledger, funded, deployer, alice):
    """Batch 1 has CALL in column 0, batch 2 in column 3: b sells 6 in each, holding 10. Each fits alone; together
    they do not. Batch 2's proof counts batch 1's sale as a prior; a prior of another series, a cash-only prior or
    the same prior twice are refused (BadPrior)."""
    a, b, c = funded[0], funded[1], funded[2]
    first = _sale(ledger, funded, b, a, 6 * ONE, column=0, cash=10 * USDC)
    _post(ledger, first, deployer)
    order = [PUT, CALL_HIGH, PUT_LOW, CALL]
    second = _sale(ledger, funded, b, c, 6 * ONE, column=3, series=order)
    _post(ledger, second, deployer)
    assert list(ledger.seriesOf(2)) == order
    with ape.reverts(ledger.NoFraud):
        ledger.challengeInventory(*_inventory_args(second, b, 3), sender=alice)
    prior = first.args(first.index_of(b))
    with ape.reverts(ledger.BadPrior, position=1):
        ledger.challengeInventory(*_inventory_args(second, b, 3, [prior, prior]), sender=alice)
    cash_only = make_batch(
        ledger, [(b.address, -5 * USDC, ZERO), (c.address, 5 * USDC, ZERO)], keys_for(funded), number=3
    )
    _post(ledger, cash_only, deployer)  # a debit of b, but of cash: not a sale
    third = _sale(ledger, funded, b, c, ONE, column=3, series=order)
    _post(ledger, third, deployer)
    with ape.reverts(ledger.BadPrior, position=1):
        ledger.challengeInventory(
            *_inventory_args(third, b, 3, [prior, cash_only.args(cash_only.index_of(b))]), sender=alice
        )
    tx = ledger.challengeInventory(*_inventory_args(second, b, 3, [prior]), sender=alice)
    assert _frauds(ledger, tx) == ["inventory"] * 3  # batch 2 and every later one
    assert ledger.batchCount() == 1


def test_an_honest_token_batch_survives_every_inventory_challenge(ledger, funded, deployer, alice):
    a, b = funded[0], funded[1]
    batch = _sale(ledger, funded, b, a, OPTIONS, column=1, cash=100 * USDC)  # b sells its whole inventory
    _post(ledger, batch, deployer)
    for account in (a, b):
        for column in range(4):
            with ape.reverts(ledger.NoFraud):
                ledger.challengeInventory(*_inventory_args(batch, account, column), sender=alice)
    assert ledger.batchCount() == 1


# ------------------------------------------------------------------------------------------------ the batch's series


def test_a_batch_naming_an_unknown_or_duplicate_series_is_refused(ledger, funded, deployer):
    a, b = funded[0], funded[1]
    unknown = _sale(ledger, funded, b, a, ONE, series=[CALL, 5, PUT, PUT_LOW])
    with ape.reverts(ledger.UnknownSeries, series=5):
        _post(ledger, unknown, deployer)
    twice = _sale(ledger, funded, b, a, ONE, series=[CALL, PUT, CALL, 0])
    with ape.reverts(ledger.InvalidConfig, reason="duplicate series"):
        _post(ledger, twice, deployer)
    assert ledger.batchCount() == 0


def test_a_column_without_a_series_carries_only_zero_deltas(ledger, funded, deployer):
    a, b = funded[0], funded[1]
    sideways = _sale(ledger, funded, b, a, ONE, column=1, series=[CALL, 0, PUT, 0])
    with ape.reverts(ledger.BadLeaf, index=0, field="position"):  # both leaves move column 1: the first is named
        _post(ledger, sideways, deployer)
    fine = _sale(ledger, funded, b, a, ONE, column=2, series=[CALL, 0, PUT, 0])
    _post(ledger, fine, deployer)
    assert list(ledger.seriesOf(1)) == [CALL, 0, PUT, 0]


def test_a_batch_naming_an_expired_series_is_refused(ledger, funded, deployer, chain, series_expiry):
    """At and after expiry no batch may move the series: the batches that do were all posted before it."""
    a, b = funded[0], funded[1]
    chain.mine(1, timestamp=series_expiry - 100)
    assert _post(ledger, _sale(ledger, funded, b, a, ONE), deployer).timestamp < series_expiry
    chain.mine(1, timestamp=series_expiry)
    late = _sale(ledger, funded, b, a, ONE, column=3)
    with ape.reverts(ledger.SeriesExpired, series=CALL, expiry=series_expiry):
        _post(ledger, late, deployer)
    assert ledger.batchCount() == 1


# ------------------------------------------------------------------------------------------------ expiry


@pytest.fixture
def price(chain, spot, router, weth, usdc, deployer, series_expiry):
    """final(price): past expiry, the expiry price recorded and final (the engine itself not settled)."""
    return lambda value: _final_price(chain, spot, router, weth, usdc, deployer, series_expiry, value)


def test_redeeming_before_expiry_or_before_the_price_is_final_reverts(
    ledger, engine, funded, chain, spot, router, weth, usdc, deployer, series_expiry, alice
):
    with ape.reverts(ledger.SeriesNotExpired, series=PUT, expiry=series_expiry):
        ledger.redeemExpired(PUT, sender=alice)
    chain.mine(1, timestamp=series_expiry + 60)
    with ape.reverts(engine.SettlementPriceNotFinal):  # the engine's error: no expiry price recorded
        ledger.redeemExpired(PUT, sender=alice)
    spot.set(2_900 * ONE, series_expiry, sender=deployer)
    record_expiry(router, weth, usdc, series_expiry, deployer)
    with ape.reverts(engine.SettlementPriceNotFinal):  # recorded, in its dispute period
        ledger.redeemExpired(PUT, sender=alice)
    with ape.reverts(ledger.NotRedeemed, series=PUT):
        ledger.claimExpired(funded[0], PUT, sender=alice)
    chain.mine(1, timestamp=chain.pending_timestamp + DISPUTE)
    tx = ledger.redeemExpired(PUT, sender=alice)  # settles the series at the engine too
    assert engine.isSettled(PUT)
    tokens, payout = 4 * OPTIONS, 4 * OPTIONS * 100 * USDC // ONE  # K - S = 100 USDC an option
    assert [(e.series, e.tokens, e.payout) for e in tx.events.filter(ledger.ExpiredRedeemed)] == [(PUT, tokens, payout)]
    assert tuple(ledger.redemptions(PUT)) == (usdc.address, tokens, payout, 0)
    with ape.reverts(ledger.AlreadyRedeemed, series=PUT):
        ledger.redeemExpired(PUT, sender=alice)


def test_claiming_twice_pays_once(ledger, engine, funded, price, cash, alice, project):
    """A put pays in cash: each holder's share lands in its ledger balance, once; the second claim reverts
    NothingToClaim and pays nothing."""
    holder = funded[0]
    price(2_750 * ONE)  # the 3,000 put pays 250 USDC an option
    ledger.redeemExpired(PUT, sender=alice)
    assert option_token(project, engine, PUT).balanceOf(ledger) == 0
    before, held = ledger.balanceOf(holder), cash.balanceOf(ledger)
    tx = ledger.claimExpired(holder, PUT, sender=alice)  # anyone may claim for the holder
    share = OPTIONS * 250 * USDC // ONE
    assert [(e.account, e.series, e.position, e.share, e.asset) for e in tx.events.filter(ledger.ExpiredClaimed)] == [
        (holder.address, PUT, OPTIONS, share, cash.address)
    ]
    assert ledger.balanceOf(holder) - before == share and ledger.positionOf(holder, PUT) == 0
    with ape.reverts(ledger.NothingToClaim, account=holder.address, series=PUT):
        ledger.claimExpired(holder, PUT, sender=alice)
    assert ledger.balanceOf(holder) - before == share
    assert cash.balanceOf(ledger) == held  # a claim moves no cash: it is owed from the redeemed payout
    assert ledger.redemptions(PUT).claimed == share


def test_a_claim_waits_for_the_account_to_be_settled_through_the_batches_before_expiry(
    ledger, funded, deployer, chain, price, series_expiry, alice
):
    """b sells 3 puts to a in a batch posted before expiry and not applied: neither may claim until its own leaf
    applies (its position is not final); c, with no leaf there, proves it and claims."""
    a, b, c = funded[0], funded[1], funded[2]
    chain.mine(1, timestamp=series_expiry - WINDOW)
    batch = _sale(ledger, funded, b, a, 3 * ONE, column=2, cash=300 * USDC)
    _post(ledger, batch, deployer)
    price(2_800 * ONE)  # past the batch's window too
    ledger.redeemExpired(PUT, sender=alice)
    for account in (a, b, c):
        with ape.reverts(ledger.UnsettledBatches, settledThrough=0, required=1):
            ledger.claimExpired(account, PUT, sender=alice)
    ledger.apply_(*batch.args(batch.index_of(b)), sender=alice)
    ledger.settleAccount(b, 1, [batch.proven(batch.index_of(b))], sender=alice)
    ledger.claimExpired(b, PUT, sender=alice)
    with ape.reverts(ledger.UnsettledBatches):
        ledger.claimExpired(a, PUT, sender=alice)
    ledger.apply_(*batch.args(batch.index_of(a)), sender=alice)  # the batch is now fully applied
    ledger.claimExpired(a, PUT, sender=alice)
    ledger.claimExpired(c, PUT, sender=alice)
    per_option = 200 * USDC
    tokens, payout, claimed = tuple(ledger.redemptions(PUT))[1:]
    assert tokens == 4 * OPTIONS and payout == 4 * OPTIONS * per_option // ONE
    assert claimed == (OPTIONS + 3 * ONE + OPTIONS - 3 * ONE + OPTIONS) * per_option // ONE


def test_call_payouts_are_owed_in_the_underlying_and_withdrawn_at_once(
    ledger, engine, funded, price, weth, alice, project
):
    """A call pays in WETH: the share is owed in payoutOf (no leaf can debit it) and withdrawn at once. Shares round
    down: the dust stays in the ledger."""
    holder = funded[0]
    price(3_300 * ONE)  # the 3,000 call pays (S - K) / S = 1/11 WETH an option
    ledger.redeemExpired(CALL, sender=alice)
    tokens, payout = tuple(ledger.redemptions(CALL))[1:3]
    assert payout == engine.payoutFor(CALL, tokens) == weth.balanceOf(ledger)
    ledger.claimExpired(holder, CALL, sender=alice)
    share = OPTIONS * payout // tokens
    assert ledger.payoutOf(holder, weth) == share and ledger.balanceOf(holder) == 10_000 * USDC
    with ape.reverts(ledger.InsufficientBalance, balance=share, required=share + 1):
        ledger.withdrawPayout(weth, share + 1, sender=holder)
    tx = ledger.withdrawPayout(weth, share, sender=holder)
    assert [(e.account, e.asset, e.amount) for e in tx.events.filter(ledger.PayoutWithdrawn)] == [
        (holder.address, weth.address, share)
    ]
    assert weth.balanceOf(holder) == share and ledger.payoutOf(holder, weth) == 0
    for other in funded[1:]:
        ledger.claimExpired(other, CALL, sender=alice)
    assert ledger.redemptions(CALL).claimed == 4 * share <= payout
    assert weth.balanceOf(ledger) == 3 * share + (payout - 4 * share)  # owed shares plus the rounding dust
    # A worthless series (3,500 call at 3,300): redeemed (its tokens burned for nothing); a claim credits 0.
    ledger.redeemExpired(CALL_HIGH, sender=alice)
    assert tuple(ledger.redemptions(CALL_HIGH))[1:] == (4 * OPTIONS, 0, 0)
    assert option_token(project, engine, CALL_HIGH).balanceOf(ledger) == 0
    tx = ledger.claimExpired(holder, CALL_HIGH, sender=alice)
    assert [e.share for e in tx.events.filter(ledger.ExpiredClaimed)] == [0]
    assert ledger.positionOf(holder, CALL_HIGH) == 0 and ledger.payoutOf(holder, weth) == 0


def test_a_pending_option_withdrawal_of_a_redeemed_series_cannot_execute(
    ledger, funded, chain, price, project, engine, alice
):
    """The tokens are gone at redemption: the request reverts SeriesExpired and the holder claims the payout."""
    holder = funded[0]
    ledger.requestOptionWithdrawal(PUT_LOW, OPTIONS, sender=holder)
    price(2_400 * ONE)
    ledger.redeemExpired(PUT_LOW, sender=alice)
    expiry = engine.series(PUT_LOW).expiry
    with ape.reverts(ledger.SeriesExpired, series=PUT_LOW, expiry=expiry):
        ledger.withdrawOptions(PUT_LOW, OPTIONS, sender=holder)
    assert option_token(project, engine, PUT_LOW).balanceOf(holder) == 0
    before = ledger.balanceOf(holder)
    ledger.claimExpired(holder, PUT_LOW, sender=alice)
    assert ledger.balanceOf(holder) - before == OPTIONS * 100 * USDC // ONE


def test_between_expiry_and_redemption_an_option_withdrawal_still_executes(
    ledger, funded, chain, series_expiry, project, engine, alice
):
    holder = funded[0]
    ledger.requestOptionWithdrawal(CALL, OPTIONS, sender=holder)
    chain.mine(1, timestamp=series_expiry + 1)
    ledger.withdrawOptions(CALL, OPTIONS, sender=holder)
    assert option_token(project, engine, CALL).balanceOf(holder) == OPTIONS


def test_the_batch_data_of_token_trades_rebuilds(ledger, funded, deployer, alice, project):
    """challengeData rebuilds a token batch through the ledger's BatchTrees (the external rebuild)."""
    batch = _sale(ledger, funded, funded[1], funded[0], ONE, column=3, cash=10 * USDC)
    _post(ledger, batch, deployer)
    assert project.BatchTrees.at(ledger.TREES()).dataRoot(batch.data) == (batch.tree.root, batch.tree.leaves_root)
    assert keccak(batch.data) == ledger.batches(1).dataHash
    with ape.reverts(ledger.NoFraud):
        ledger.challengeData(1, batch.data, sender=alice)
    assert batch_calldata(batch.leaves) == batch.data
