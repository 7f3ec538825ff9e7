"""BatchAuction unit tests on Ape's provider: one behaviour per test; regressions for bidding after the window,
settling twice and a griefing bidder; the gas of a bid and of settlement at the cap."""

from __future__ import annotations

import ape
import pytest

from tests.auction.model import clear, escrow

ONE = 10**18
USDC = 10**6
CAP = 256
SUPPLY = 100 * ONE
RESERVE = 50 * USDC  # 50 USDC per option
HOUR = 3_600


@pytest.fixture
def auction(project, deployer):
    return project.BatchAuction.deploy(CAP, sender=deployer)


@pytest.fixture
def option(project, deployer, auction):
    token = project.MockERC20.deploy("Option", "OPT", 18, sender=deployer)
    token.mint(deployer, 10**6 * ONE, sender=deployer)
    token.approve(auction, 2**256 - 1, sender=deployer)
    return token


@pytest.fixture
def cash(project, deployer, auction, accounts):
    token = project.MockRestrictedERC20.deploy("USD", "USD", 6, sender=deployer)
    for who in accounts[1:5]:
        token.mint(who, 10**12 * USDC, sender=deployer)
        token.approve(auction, 2**256 - 1, sender=who)
    return token


@pytest.fixture
def opened(auction, option, cash, deployer, chain):
    def open_(supply=SUPPLY, min_bid=ONE):
        end = chain.pending_timestamp + HOUR
        auction.createAuction(option, cash, supply, RESERVE, min_bid, end, sender=deployer)
        return auction.auctionCount(), end

    return open_


def _close(chain, end):
    chain.pending_timestamp = end


def _settle(auction, aid, sender):
    return auction.settle(aid, auction.clearingPriceOf(aid), sender=sender)


def test_creating_escrows_the_supply(auction, option, opened):
    aid, _ = opened()
    assert option.balanceOf(auction) == SUPPLY and auction.auctionOf(aid).supply == SUPPLY


def test_a_bid_escrows_size_times_limit_rounded_up(auction, cash, opened, accounts):
    aid, _ = opened()
    auction.bid(aid, ONE + 1, RESERVE, sender=accounts[1])
    assert cash.balanceOf(auction) == escrow(ONE + 1, RESERVE) == RESERVE + 1


def test_a_bid_below_the_reserve_is_refused(auction, opened, accounts):
    aid, _ = opened()
    with ape.reverts(auction.BelowReserve):
        auction.bid(aid, ONE, RESERVE - 1, sender=accounts[1])


def test_a_dust_bid_is_refused(auction, opened, accounts):
    aid, _ = opened()
    with ape.reverts(auction.BidTooSmall):
        auction.bid(aid, ONE - 1, RESERVE, sender=accounts[1])


def test_regression_bidding_after_the_window_is_refused(auction, opened, accounts, chain):
    aid, end = opened()
    _close(chain, end)
    with ape.reverts(auction.BiddingClosed):
        auction.bid(aid, ONE, RESERVE, sender=accounts[1])


def test_settling_before_the_end_is_refused(auction, opened, accounts):
    aid, _ = opened()
    with ape.reverts(auction.BiddingOpen):
        auction.settle(aid, RESERVE, sender=accounts[1])


def test_regression_settling_twice_is_refused(auction, opened, accounts, chain):
    aid, end = opened()
    auction.bid(aid, SUPPLY, RESERVE, sender=accounts[1])
    _close(chain, end)
    _settle(auction, aid, accounts[2])
    with ape.reverts(auction.AlreadySettled):
        _settle(auction, aid, accounts[2])


def test_a_wrong_clearing_price_is_refused(auction, opened, accounts, chain):
    aid, end = opened()
    auction.bid(aid, 60 * ONE, 70 * USDC, sender=accounts[1])
    auction.bid(aid, 60 * ONE, 60 * USDC, sender=accounts[2])
    _close(chain, end)
    assert auction.clearingPriceOf(aid) == 60 * USDC
    for wrong in (RESERVE, 60 * USDC - 1, 60 * USDC + 1, 70 * USDC):
        with ape.reverts(auction.WrongClearingPrice):
            auction.settle(aid, wrong, sender=accounts[3])


def test_every_winner_pays_the_clearing_price_and_the_marginal_bid_is_filled_pro_rata(
    auction, opened, accounts, chain, option, cash
):
    aid, end = opened()
    bids = [(60 * ONE, 70 * USDC), (30 * ONE, 60 * USDC), (30 * ONE, 60 * USDC), (50 * ONE, 55 * USDC)]
    for who, (size, limit) in zip(accounts[1:5], bids, strict=True):
        auction.bid(aid, size, limit, sender=who)
    _close(chain, end)
    _settle(auction, aid, accounts[4])
    model = clear(SUPPLY, RESERVE, bids)
    assert model.price == 60 * USDC and model.fills == [60 * ONE, 20 * ONE, 20 * ONE, 0]
    for i, who in enumerate(accounts[1:5]):
        cash_before = cash.balanceOf(who)
        auction.claim(aid, [i], who, sender=who)
        assert option.balanceOf(who) == model.fills[i]
        assert cash.balanceOf(who) - cash_before == model.refunds[i]


def test_an_undersubscribed_auction_clears_at_the_reserve_and_returns_the_rest(
    auction, opened, accounts, chain, option, cash, deployer
):
    aid, end = opened()
    auction.bid(aid, 40 * ONE, 80 * USDC, sender=accounts[1])
    _close(chain, end)
    _settle(auction, aid, accounts[2])
    before = option.balanceOf(deployer)
    auction.claimSeller(aid, deployer, sender=deployer)
    assert option.balanceOf(deployer) - before == 60 * ONE
    assert cash.balanceOf(deployer) == 40 * RESERVE


def test_an_auction_without_bids_settles_and_returns_everything(auction, opened, accounts, chain, option, deployer):
    aid, end = opened()
    _close(chain, end)
    _settle(auction, aid, accounts[1])
    before = option.balanceOf(deployer)
    auction.claimSeller(aid, deployer, sender=deployer)
    assert option.balanceOf(deployer) - before == SUPPLY and option.balanceOf(auction) == 0


def test_only_the_seller_claims_its_proceeds_once(auction, opened, accounts, chain, deployer):
    aid, end = opened()
    _close(chain, end)
    _settle(auction, aid, accounts[1])
    with ape.reverts(auction.NotSeller):
        auction.claimSeller(aid, accounts[1], sender=accounts[1])
    auction.claimSeller(aid, deployer, sender=deployer)
    with ape.reverts(auction.AlreadyClaimed):
        auction.claimSeller(aid, deployer, sender=deployer)


def test_a_bid_is_claimed_once_and_only_by_its_bidder(auction, opened, accounts, chain):
    aid, end = opened()
    auction.bid(aid, ONE, RESERVE, sender=accounts[1])
    _close(chain, end)
    _settle(auction, aid, accounts[2])
    with ape.reverts(auction.NotYourBid):
        auction.claim(aid, [0], accounts[2], sender=accounts[2])
    auction.claim(aid, [0], accounts[1], sender=accounts[1])
    with ape.reverts(auction.AlreadyClaimed):
        auction.claim(aid, [0], accounts[1], sender=accounts[1])


def test_regression_a_blacklisted_bidder_blocks_only_itself(auction, opened, accounts, chain, cash, deployer):
    aid, end = opened()
    auction.bid(aid, 50 * ONE, 60 * USDC, sender=accounts[1])
    auction.bid(aid, 50 * ONE, 70 * USDC, sender=accounts[2])
    cash.setBlacklisted(accounts[1], True, sender=deployer)
    _close(chain, end)
    _settle(auction, aid, accounts[3])
    auction.claim(aid, [1], accounts[2], sender=accounts[2])
    auction.claimSeller(aid, deployer, sender=deployer)
    auction.claim(aid, [0], accounts[4], sender=accounts[1])  # its own payout, to an address it names


def test_regression_a_griefer_filling_the_cap_buys_the_supply_at_or_above_the_reserve(
    project, deployer, option, cash, accounts, chain
):
    small = project.BatchAuction.deploy(4, sender=deployer)
    option.approve(small, 2**256 - 1, sender=deployer)
    cash.approve(small, 2**256 - 1, sender=accounts[1])
    end = chain.pending_timestamp + HOUR
    small.createAuction(option, cash, SUPPLY, RESERVE, SUPPLY // 4, end, sender=deployer)  # minBid = supply / cap
    for _ in range(4):
        small.bid(1, SUPPLY // 4, RESERVE, sender=accounts[1])
    with ape.reverts(small.BidCapReached):
        small.bid(1, SUPPLY, 100 * USDC, sender=accounts[2])
    chain.pending_timestamp = end
    small.settle(1, RESERVE, sender=accounts[3])
    small.claim(1, [0, 1, 2, 3], accounts[1], sender=accounts[1])
    assert option.balanceOf(accounts[1]) == SUPPLY
    small.claimSeller(1, deployer, sender=deployer)
    assert cash.balanceOf(deployer) == 100 * RESERVE


def test_gas_of_a_bid_and_of_settlement_at_the_cap(auction, opened, accounts, chain):
    aid, end = opened(supply=CAP * ONE)
    auction.bid(aid, ONE, RESERVE, sender=accounts[1])  # numbers the bidder, and the first escrow
    receipts = [auction.bid(aid, ONE, RESERVE + i, sender=accounts[1 + i % 4]) for i in range(1, 8)]
    first_of_new_bidder = receipts[0].gas_used
    steady = max(r.gas_used for r in receipts[4:])
    for i in range(8, CAP):
        auction.bid(aid, ONE, RESERVE + i % 5, sender=accounts[1 + i % 4])
    _close(chain, end)
    settled = _settle(auction, aid, accounts[1])
    print(f"\nbid (numbered bidder): {steady:,} gas; first bid of a new bidder: {first_of_new_bidder:,} gas")
    print(f"settle at the cap ({CAP} bids, ties at the price): {settled.gas_used:,} gas")
    assert steady <= 90_000
