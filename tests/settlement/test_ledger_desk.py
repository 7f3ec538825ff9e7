"""Issue 18 §3 on the ledger: bidding in the vault's BatchAuction from a SettlementLedger balance (withdrawAndCall into
LedgerAuctionDesk) and delivering the fill and the refund into the ledger (SettlementLedger.depositFor). Each test
asserts balances, events or the exact named revert.

The auction sells PUT (series 3, paid in USDC, the ledger's cash) written by `seller`; `funded` accounts hold 10,000
USDC and OPTIONS tokens of each series on the ledger (tests/settlement/conftest.py)."""

from __future__ import annotations

import ape

from tests.options.fixtures import ONE
from tests.settlement.conftest import OPTIONS, SERIES, USDC, WINDOW, option_token
from tests.settlement.desk import MAX_BIDS, RESERVE, bid_data, escrow_of, ledger_bid, settle_auction
from tests.settlement.review.helpers import warp

CALL, _, PUT, PUT_LOW = SERIES


# ------------------------------------------------------------------------------------------------ bidding


def test_a_ledger_bid_escrows_a_matured_withdrawal_and_the_fill_lands_in_the_ledger(
    ledger, desk, auction, sale, funded, cash, chain, accounts, seller
):
    """a bids 4 at 120 from its ledger cash, b 8 at 110 from its wallet: the clearing is 110; a's 4 options go to its
    ledger inventory and its refund (480 - 440 = 40 USDC) to its ledger cash, delivered by a third party."""
    a, b, stranger = funded[0], accounts[5], accounts[7]
    auction_id, end = sale()
    tx = ledger_bid(ledger, desk, a, auction_id, 4 * ONE, 120 * USDC, chain)
    bidder = desk.bidderOf(a)
    assert [
        (e.account, e.auctionId, e.seriesId, e.bidId, e.size, e.limit, e.escrow)
        for e in tx.events.filter(desk.LedgerBid)
    ] == [(a.address, auction_id, PUT, 0, 4 * ONE, 120 * USDC, 480 * USDC)]
    assert [(e.bidder, e.size) for e in tx.events.filter(auction.BidPlaced)] == [(bidder, 4 * ONE)]
    assert ledger.balanceOf(a) == 10_000 * USDC - 480 * USDC
    assert cash.balanceOf(bidder) == 0 and cash.balanceOf(desk) == 0  # the escrow sits in the auction
    cash.mint(b, 880 * USDC, sender=accounts[0])
    cash.approve(auction, 880 * USDC, sender=b)
    auction.bid(auction_id, 8 * ONE, 110 * USDC, sender=b)
    settle_auction(auction, auction_id, end, chain, seller)
    assert auction.statusOf(auction_id).clearingPrice == 110 * USDC
    delivered = desk.claim(a, auction_id, PUT, [0], sender=stranger)
    assert [(e.filled, e.refund, e.owed) for e in delivered.events.filter(desk.Delivered)] == [
        (4 * ONE, 40 * USDC, False)
    ]
    assert ledger.positionOf(a, PUT) == OPTIONS + 4 * ONE
    assert ledger.balanceOf(a) == 10_000 * USDC - 440 * USDC
    assert [(e.account, e.series, e.amount) for e in delivered.events.filter(ledger.OptionsDeposited)] == [
        (a.address, PUT, 4 * ONE)
    ]
    assert [(e.account, e.amount) for e in delivered.events.filter(ledger.Deposited)] == [(a.address, 40 * USDC)]
    assert ledger.balanceOf(stranger) == 0 and ledger.positionOf(stranger, PUT) == 0
    with ape.reverts(auction.AlreadyClaimed, bidId=0):  # once
        desk.claim(a, auction_id, PUT, [0], sender=stranger)


def test_a_ledger_bid_needs_a_ready_withdrawal_request(ledger, desk, sale, funded, chain):
    """Spending ledger cash at once could leave an honest posted batch unpayable: a bid waits out the delay."""
    a = funded[0]
    auction_id, _ = sale()
    escrow = escrow_of(2 * ONE, 150 * USDC)
    data = bid_data(auction_id, PUT, 2 * ONE, 150 * USDC)
    with ape.reverts(ledger.WithdrawalNotReady):
        ledger.withdrawAndCall(desk, escrow, data, sender=a)
    request = ledger.requestWithdrawal(escrow, sender=a)
    with ape.reverts(ledger.WithdrawalNotReady, readyAt=request.timestamp + WINDOW):
        ledger.withdrawAndCall(desk, escrow, data, sender=a)
    assert ledger.balanceOf(a) == 10_000 * USDC


def test_the_withdrawal_must_be_exactly_the_escrow(ledger, desk, sale, funded, chain):
    a = funded[0]
    auction_id, _ = sale()
    escrow = escrow_of(3 * ONE, 101 * USDC)
    ledger.requestWithdrawal(escrow + 1, sender=a)
    warp(chain, WINDOW)
    with ape.reverts(desk.WrongEscrow, sent=escrow + 1, escrow=escrow):
        ledger.withdrawAndCall(desk, escrow + 1, bid_data(auction_id, PUT, 3 * ONE, 101 * USDC), sender=a)
    assert ledger.balanceOf(a) == 10_000 * USDC and ledger.withdrawals(a).amount == escrow + 1  # nothing moved
    ledger.withdrawAndCall(desk, escrow, bid_data(auction_id, PUT, 3 * ONE, 101 * USDC), sender=a)
    assert ledger.withdrawals(a).amount == 1


def test_auction_rules_hold_for_ledger_bids(ledger, desk, auction, sale, funded, chain):
    """Below the reserve: the auction's own named revert, and the account's cash stays on the ledger."""
    a = funded[0]
    auction_id, _ = sale()
    escrow = escrow_of(2 * ONE, RESERVE - 1)
    ledger.requestWithdrawal(escrow, sender=a)
    warp(chain, WINDOW)
    with ape.reverts(auction.BelowReserve, limitPrice=RESERVE - 1, reserve=RESERVE):
        ledger.withdrawAndCall(desk, escrow, bid_data(auction_id, PUT, 2 * ONE, RESERVE - 1), sender=a)
    with ape.reverts(desk.TooLarge):
        ledger.withdrawAndCall(desk, escrow, bid_data(auction_id, PUT, 2**112, RESERVE), sender=a)
    assert ledger.balanceOf(a) == 10_000 * USDC


def test_an_auction_in_another_cash_or_of_another_series_is_refused(ledger, desk, sale, funded, chain, weth, accounts):
    a = funded[0]
    weth_auction, _ = sale(series=CALL, sold_cash=weth)
    usdc_auction, _ = sale()
    escrow = escrow_of(ONE, RESERVE)
    ledger.requestWithdrawal(escrow, sender=a)
    warp(chain, WINDOW)
    with ape.reverts(desk.WrongCash, auctionId=weth_auction, cash=weth.address):
        ledger.withdrawAndCall(desk, escrow, bid_data(weth_auction, CALL, ONE, RESERVE), sender=a)
    with ape.reverts(desk.WrongSeries, auctionId=usdc_auction, seriesId=PUT_LOW):
        ledger.withdrawAndCall(desk, escrow, bid_data(usdc_auction, PUT_LOW, ONE, RESERVE), sender=a)
    with ape.reverts(desk.WrongCash, auctionId=99, cash=ZERO_ADDRESS):
        ledger.withdrawAndCall(desk, escrow, bid_data(99, PUT, ONE, RESERVE), sender=a)
    assert ledger.balanceOf(a) == 10_000 * USDC


ZERO_ADDRESS = "0x" + "00" * 20


def test_only_the_ledger_calls_the_desk_and_only_the_desk_commands_a_bidder(
    ledger, desk, sale, funded, chain, project, cash, accounts
):
    a, attacker = funded[0], accounts[7]
    auction_id, _ = sale()
    cash.mint(attacker, 1_000 * USDC, sender=accounts[0])
    cash.transfer(desk, 200 * USDC, sender=attacker)  # even with the escrow sent along
    with ape.reverts(desk.NotLedger, caller=attacker.address):
        desk.onLedgerWithdrawal(a, 200 * USDC, bid_data(auction_id, PUT, 2 * ONE, RESERVE), sender=attacker)
    ledger_bid(ledger, desk, a, auction_id, ONE, RESERVE, chain)
    bidder = project.LedgerBidder.at(desk.bidderOf(a))
    with ape.reverts(bidder.NotDesk):
        bidder.claim(auction_id, [0], sender=attacker)
    with ape.reverts(bidder.NotDesk):
        bidder.bid(cash, auction_id, False, 0, ONE, RESERVE, RESERVE, sender=attacker)


def test_another_accounts_bids_cannot_be_claimed_into_your_ledger(ledger, desk, auction, sale, funded, chain, seller):
    a, c = funded[0], funded[2]
    auction_id, end = sale()
    ledger_bid(ledger, desk, a, auction_id, 2 * ONE, RESERVE, chain)
    settle_auction(auction, auction_id, end, chain, seller)
    with ape.reverts(desk.NoBidder, account=c.address):  # c never bid from the ledger
        desk.claim(c, auction_id, PUT, [0], sender=c)
    second, _ = sale()  # c bids in a second auction, then tries a's bid of the first
    ledger_bid(ledger, desk, c, second, ONE, RESERVE, chain)
    with ape.reverts(auction.NotYourBid, bidId=0):
        desk.claim(c, auction_id, PUT, [0], sender=c)
    with ape.reverts(desk.WrongSeries, auctionId=auction_id, seriesId=CALL):
        desk.claim(a, auction_id, CALL, [0], sender=c)  # a wrong series cannot credit another token


# ------------------------------------------------------------------------------------------------ outbids, expiry


def test_an_outbid_ledger_bid_is_refunded_into_the_ledger(ledger, desk, auction, sale, funded, chain, accounts, cash):
    """The book (3 bids) fills with a's ledger bids; b's dominating wallet bid replaces a's slot 1; a's whole escrow
    returns to its ledger cash at once, delivered by anyone."""
    a, b = funded[0], accounts[5]
    auction_id, _ = sale()
    for _ in range(MAX_BIDS):
        ledger_bid(ledger, desk, a, auction_id, ONE, RESERVE, chain)
    assert ledger.balanceOf(a) == 10_000 * USDC - 3 * 100 * USDC
    cash.mint(b, 1_000 * USDC, sender=accounts[0])
    cash.approve(auction, 1_000 * USDC, sender=b)
    auction.outbid(auction_id, 1, ONE, RESERVE + 1, sender=b)
    tx = desk.claimOutbid(a, auction_id, [0], sender=accounts[7])
    assert [(e.account, e.refund) for e in tx.events.filter(desk.Delivered)] == [(a.address, 100 * USDC)]
    assert ledger.balanceOf(a) == 10_000 * USDC - 2 * 100 * USDC
    with ape.reverts(auction.AlreadyClaimed, bidId=0):
        desk.claimOutbid(a, auction_id, [0], sender=accounts[7])


def test_a_ledger_bid_can_outbid_a_full_book(ledger, desk, auction, sale, funded, chain, accounts, cash):
    a, b = funded[0], accounts[5]
    auction_id, _ = sale()
    cash.mint(b, 1_000 * USDC, sender=accounts[0])
    cash.approve(auction, 1_000 * USDC, sender=b)
    for _ in range(MAX_BIDS):
        auction.bid(auction_id, ONE, RESERVE, sender=b)
    tx = ledger_bid(ledger, desk, a, auction_id, 2 * ONE, RESERVE + USDC, chain, replace=True, slot=2)
    # its bid took slot 2; the wallet bid it pushed out is outbid index 0
    assert [(e.replace, e.bidId, e.outbidIndex) for e in tx.events.filter(desk.LedgerBid)] == [(True, 2, 0)]
    assert auction.bidOf(auction_id, 2).bidder == auction.bidderId(desk.bidderOf(a))


def test_a_fill_claimed_after_expiry_is_owed_and_pulled(
    ledger, desk, auction, sale, funded, chain, accounts, series_expiry, project, engine, seller
):
    """The ledger refuses an expired series' tokens: the desk keeps the fill for the account, which pulls it to an
    address it names; the refund still lands in its ledger cash."""
    a, recipient = funded[0], accounts[9]
    auction_id, end = sale()
    ledger_bid(ledger, desk, a, auction_id, 2 * ONE, 150 * USDC, chain)
    settle_auction(auction, auction_id, end, chain, seller)
    chain.mine(1, timestamp=series_expiry)
    tx = desk.claim(a, auction_id, PUT, [0], sender=a)
    token = option_token(project, engine, PUT)
    assert [(e.filled, e.refund, e.owed) for e in tx.events.filter(desk.Delivered)] == [(2 * ONE, 100 * USDC, True)]
    assert desk.owedOf(a, token) == 2 * ONE and ledger.positionOf(a, PUT) == OPTIONS
    assert ledger.balanceOf(a) == 10_000 * USDC - 200 * USDC  # paid 100 an option (the reserve clears), refunded 100
    with ape.reverts(desk.NothingOwed):
        desk.withdrawOwed(token, recipient, sender=recipient)
    desk.withdrawOwed(token, recipient, sender=a)
    assert token.balanceOf(recipient) == 2 * ONE and desk.owedOf(a, token) == 0
    with ape.reverts(desk.NothingOwed):
        desk.withdrawOwed(token, recipient, sender=a)


# ------------------------------------------------------------------------------------------------ ledger primitives


def test_deposits_for_another_account_credit_it(ledger, funded, cash, accounts, write_options, project, engine):
    giver, account = accounts[5], accounts[9]
    cash.mint(giver, 50 * USDC, sender=accounts[0])
    cash.approve(ledger, 50 * USDC, sender=giver)
    tx = ledger.depositFor(account, 0, 50 * USDC, sender=giver)  # series 0: cash
    assert [(e.account, e.amount) for e in tx.events.filter(ledger.Deposited)] == [(account.address, 50 * USDC)]
    write_options(giver, PUT, 2 * ONE, deposit=False)
    option_token(project, engine, PUT).approve(ledger, 2 * ONE, sender=giver)
    ledger.depositFor(account, PUT, 2 * ONE, sender=giver)
    assert ledger.balanceOf(account) == 50 * USDC and ledger.positionOf(account, PUT) == 2 * ONE
    assert ledger.balanceOf(giver) == 0 and ledger.positionOf(giver, PUT) == 0


def test_withdraw_and_call_to_a_non_receiver_reverts_and_keeps_the_request(ledger, funded, chain, accounts, cash):
    a = funded[0]
    ledger.requestWithdrawal(10 * USDC, sender=a)
    warp(chain, WINDOW)
    with ape.reverts():
        ledger.withdrawAndCall(accounts[9], 10 * USDC, b"", sender=a)  # an EOA returns no selector
    with ape.reverts():
        ledger.withdrawAndCall(cash, 10 * USDC, b"", sender=a)  # a contract without the hook
    assert ledger.balanceOf(a) == 10_000 * USDC and ledger.withdrawals(a).amount == 10 * USDC
