"""ThetaVault sells each epoch's options by batch auction (issue 18 §3): the roll writes them and opens the auction at
the pricer's value less the discount; anyone finishes it after the window; winners get option tokens at the one
clearing price; unsold options are burned for their collateral; an auction without bids, a bidder who tries to grief
it, a broken pricer and a late finish never stop the epoch."""

from __future__ import annotations

import ape
import pytest

from tests.options.fixtures import ONE
from tests.revert_data import _revert_data, reverts_with, selector
from tests.vaults.conftest import AUCTION_DURATION, MIN_BID_BPS, PREMIUM, RESERVE


def test_the_roll_writes_the_options_and_offers_them_at_the_discounted_value(rolled, auction, engine, option, chain):
    auction_id = rolled.current_auction()
    end, supply, settled, _ = auction.statusOf(auction_id)
    assert (supply, settled) == (10 * ONE, False)
    assert end == chain.blocks.head.timestamp + AUCTION_DURATION
    terms = auction.auctionOf(auction_id)
    assert (terms.seller, terms.sold, terms.reserve) == (rolled.address, option.address, RESERVE)
    assert terms.minBidSize == 10 * ONE * MIN_BID_BPS // 10_000
    assert option.balanceOf(auction) == 10 * ONE and option.balanceOf(rolled) == 0
    assert engine.collateralOf(rolled.current_series(), rolled) == 10 * ONE  # fully collateralized


def test_winners_pay_one_clearing_price_and_the_vault_books_the_proceeds(rolled, auction, option, buyer, sell, weth):
    invested = rolled.totalAssets()
    tx = sell(rolled, [(buyer, 6 * ONE, 2 * PREMIUM), (buyer, 6 * ONE, PREMIUM)])
    # Demand at PREMIUM covers the supply (12 >= 10): the clearing price is PREMIUM; the 2x bid pays PREMIUM too.
    [finished] = tx.events.filter(rolled.AuctionFinished)
    assert (finished.clearing_price, finished.sold, finished.unsold) == (PREMIUM, 10 * ONE, 0)
    assert finished.proceeds == 10 * PREMIUM
    assert rolled.totalAssets() == invested + 10 * PREMIUM
    before = weth.balanceOf(buyer)
    auction.claim(finished.auction, [0, 1], buyer, sender=buyer)
    assert option.balanceOf(buyer) == 10 * ONE
    # Escrow was 6*2P + 6*P = 18P; paid 10P: refunded 8P.
    assert weth.balanceOf(buyer) - before == 8 * PREMIUM
    assert rolled.current_auction() == 0


def test_unsold_options_are_burned_and_their_collateral_returns(rolled, engine, option, buyer, sell):
    series = rolled.current_series()
    tx = sell(rolled, [(buyer, 4 * ONE, RESERVE)])
    [finished] = tx.events.filter(rolled.AuctionFinished)
    assert (finished.clearing_price, finished.sold, finished.unsold) == (RESERVE, 4 * ONE, 6 * ONE)
    assert option.totalSupply() == 4 * ONE  # 6 burned
    assert engine.collateralOf(series, rolled) == 4 * ONE
    assert engine.written(series, rolled) == 4 * ONE


def test_an_auction_without_bids_burns_everything_and_the_epoch_proceeds(rolled, engine, option, sell, expire, keeper):
    series = rolled.current_series()
    invested = rolled.totalAssets()
    tx = sell(rolled)
    [finished] = tx.events.filter(rolled.AuctionFinished)
    assert (finished.sold, finished.proceeds, finished.unsold) == (0, 0, 10 * ONE)
    assert option.totalSupply() == 0 and engine.collateralOf(series, rolled) == 0
    assert rolled.totalAssets() == invested  # nothing gained, nothing lost
    expire(rolled, 3_500 * ONE)
    rolled.roll(sender=keeper)  # the next roll is not blocked by an empty series
    assert rolled.epoch() == 3


def test_bidding_after_the_window_is_refused(rolled, auction, buyer, chain):
    auction_id = rolled.current_auction()
    chain.mine(1, timestamp=auction.statusOf(auction_id)[0])
    with reverts_with("BiddingClosed(uint256)", auction_id):
        auction.bid(auction_id, ONE, PREMIUM, sender=buyer)


def test_nobody_finishes_before_the_window_ends(rolled, auction, buyer, accounts):
    with reverts_with("BiddingOpen(uint256)", rolled.current_auction()):
        rolled.finish_auction(RESERVE, sender=accounts[9])


def test_anyone_finishes_the_auction_and_only_once(rolled, auction, buyer, chain, accounts, sell):
    auction_id = rolled.current_auction()
    auction.bid(auction_id, 10 * ONE, PREMIUM, sender=buyer)
    chain.mine(1, timestamp=auction.statusOf(auction_id)[0])
    stranger = accounts[9]
    rolled.finish_auction(auction.clearingPriceOf(auction_id), sender=stranger)
    with reverts_with("NoOpenAuction()"):
        rolled.finish_auction(0, sender=stranger)
    with reverts_with("AlreadySettled(uint256)", auction_id):
        auction.settle(auction_id, PREMIUM, sender=stranger)


def test_a_wrong_clearing_price_changes_nothing(rolled, auction, buyer, chain, accounts):
    auction_id = rolled.current_auction()
    auction.bid(auction_id, 10 * ONE, PREMIUM, sender=buyer)
    chain.mine(1, timestamp=auction.statusOf(auction_id)[0])
    with reverts_with("WrongClearingPrice(uint256)", RESERVE):
        rolled.finish_auction(RESERVE, sender=accounts[9])  # a settler trying to sell at the reserve
    assert rolled.current_auction() == auction_id
    rolled.finish_auction(PREMIUM, sender=accounts[9])


def test_an_auction_settled_directly_at_the_auction_is_finished_by_the_vault(rolled, auction, buyer, chain, accounts):
    auction_id = rolled.current_auction()
    auction.bid(auction_id, 10 * ONE, PREMIUM, sender=buyer)
    chain.mine(1, timestamp=auction.statusOf(auction_id)[0])
    auction.settle(auction_id, PREMIUM, sender=accounts[9])
    tx = rolled.finish_auction(sender=accounts[9])  # no price needed any more
    assert [e.proceeds for e in tx.events.filter(rolled.AuctionFinished)] == [10 * PREMIUM]


def test_the_roll_finishes_an_auction_nobody_finished(rolled, auction, buyer, expire, keeper, option, engine):
    auction_id = rolled.current_auction()
    series = rolled.current_series()
    auction.bid(auction_id, 4 * ONE, PREMIUM, sender=buyer)
    expire(rolled, 3_000 * ONE)  # out of the money; the auction was never finished
    tx = rolled.roll(RESERVE, sender=keeper)  # demand 4 < 10: the reserve clears
    [finished] = tx.events.filter(rolled.AuctionFinished)
    assert (finished.sold, finished.unsold) == (4 * ONE, 6 * ONE)
    # After expiry the unsold options cannot be burned: the vault held them and redeemed them in the same roll.
    assert option.balanceOf(rolled) == 0 and rolled.unsold_held() == 0
    assert engine.collateralOf(series, rolled) == 0


def test_unsold_options_held_past_an_in_the_money_expiry_are_redeemed_for_the_vault(
    rolled, auction, buyer, expire, keeper, option, weth, pricer, deployer
):
    auction_id = rolled.current_auction()
    auction.bid(auction_id, 5 * ONE, RESERVE, sender=buyer)
    expire(rolled, 4_000 * ONE)  # in the money: each call pays (4000 - 3300) / 4000 WETH
    pricer.set(PREMIUM, 1, sender=deployer)  # no next series: the roll's proceeds stay idle, to be counted
    before = weth.balanceOf(rolled)
    rolled.roll(RESERVE, sender=keeper)
    # The vault gets back its 10 WETH of collateral less the 5 winners' payout, plus 5 * RESERVE of proceeds.
    payout_per_call = (4_000 - 3_300) * ONE // 4_000
    assert weth.balanceOf(rolled) - before == 10 * ONE - 5 * payout_per_call + 5 * RESERVE
    assert option.balanceOf(rolled) == 0


def test_a_griefing_bidder_filling_the_bid_cap_must_buy_the_whole_supply(vault, users, keeper, auction, buyer):
    # min_bid_bps * MAX_BIDS >= 100%: bids that fill the cap demand at least the supply, at or above the reserve.
    alice = users[0]
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    vault.roll(sender=keeper)
    auction_id = vault.current_auction()
    min_bid = auction.auctionOf(auction_id).minBidSize
    assert min_bid * auction.MAX_BIDS() >= 10 * ONE
    with reverts_with("BidTooSmall(uint256,uint256)", min_bid - 1, min_bid):
        auction.bid(auction_id, min_bid - 1, RESERVE, sender=buyer)
    with reverts_with("BelowReserve(uint256,uint256)", RESERVE - 1, RESERVE):
        auction.bid(auction_id, min_bid, RESERVE - 1, sender=buyer)


def test_governance_cannot_set_a_bid_floor_that_lets_the_cap_be_griefed(vault, deployer, fee_recipient, selector):
    pricer = vault.pricer()
    too_small = 10_000 // 256  # 39 bps * 256 bids < 100% of the supply
    with reverts_with("InvalidConfig(string)", "min_bid_bps"):
        vault.set_parameters(0, 0, fee_recipient, selector, pricer, 0, AUCTION_DURATION, too_small, sender=deployer)


@pytest.mark.parametrize(
    ("discount", "duration", "reason"),
    [(2_001, AUCTION_DURATION, "reserve_discount_bps"), (0, 0, "auction_duration"), (0, 43_201, "auction_duration")],
)
def test_auction_terms_are_bounded(vault, deployer, fee_recipient, selector, discount, duration, reason):
    with reverts_with("InvalidConfig(string)", reason):
        vault.set_parameters(
            0, 0, fee_recipient, selector, vault.pricer(), discount, duration, MIN_BID_BPS, sender=deployer
        )


@pytest.mark.parametrize(("mode", "why"), [(1, "reverts"), (2, "returns short data"), (3, "burns all gas")])
def test_a_broken_pricer_skips_the_options_not_the_roll(vault, users, keeper, pricer, deployer, mode, why):
    alice = users[0]
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    pricer.set(PREMIUM, mode, sender=deployer)
    tx = vault.roll(sender=keeper, gas=5_000_000)
    assert [e.reason for e in tx.events.filter(vault.OptionsNotWritten)] == ["pricing failed"], why
    assert (vault.current_series(), vault.current_auction(), vault.epoch()) == (0, 0, 2)
    assert vault.claimableDepositRequest(0, alice) == 10 * ONE  # requests settled all the same


def test_a_keeper_starving_a_third_party_call_reverts_the_roll_instead_of_skipping_the_options(
    vault, users, keeper, chain
):
    # Sweep the roll's gas limit: every attempt either reverts (out of gas, or RollOutOfGas before a call that could
    # not get CALL_GAS) or writes the options. None rolls the epoch with "pricing failed" or any other skip.
    alice = users[0]
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    outcomes = set()
    for limit in range(200_000, 1_600_001, 50_000):
        snapshot = chain.snapshot()
        try:
            tx = vault.roll(sender=keeper, gas=limit)
        except ape.exceptions.ContractLogicError as error:
            starved = _revert_data(error)[:4] == selector("RollOutOfGas()")
            outcomes.add("RollOutOfGas" if starved else "reverted")
        except ape.exceptions.OutOfGasError:
            outcomes.add("reverted")
        else:
            assert list(tx.events.filter(vault.OptionsNotWritten)) == [], limit
            assert vault.current_auction() != 0
            outcomes.add("written")
        chain.restore(snapshot)
    assert {"RollOutOfGas", "written"} <= outcomes


def test_an_absurd_price_skips_the_options(vault, users, keeper, pricer, deployer):
    alice = users[0]
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    pricer.set(2**200, 0, sender=deployer)
    tx = vault.roll(sender=keeper)
    assert [e.reason for e in tx.events.filter(vault.OptionsNotWritten)] == ["pricing failed"]


def test_a_winner_never_pays_above_its_limit(rolled, auction, buyer, accounts, deployer, weth, sell):
    other = accounts[8]
    weth.mint(other, 100 * ONE, sender=deployer)
    weth.approve(auction, 2**256 - 1, sender=other)
    tx = sell(rolled, [(buyer, 5 * ONE, RESERVE), (other, 10 * ONE, PREMIUM)])
    [finished] = tx.events.filter(rolled.AuctionFinished)
    assert finished.clearing_price == PREMIUM  # the other bid alone covers the supply at PREMIUM
    for bid_id in (0, 1):
        filled, paid, _ = auction.outcomeOf(finished.auction, bid_id)
        _, size, limit, _ = auction.bidOf(finished.auction, bid_id)
        assert paid <= (size * limit + ONE - 1) // ONE and (filled == 0 or paid * ONE <= filled * limit + ONE)
    assert auction.outcomeOf(finished.auction, 0)[0] == 0  # below the clearing price: nothing, full refund


def test_the_vault_cannot_be_reentered_or_finished_without_an_auction(bare_vault, accounts):
    with reverts_with("NoOpenAuction()"):
        bare_vault.finish_auction(0, sender=accounts[9])


def test_the_vault_refuses_an_auction_without_code(project, deployer, engine, weth, usdc, selector):
    with ape.reverts():
        project.ThetaVault.deploy(
            weth, engine, weth, usdc, False, ONE, selector, deployer, deployer, "x", "x", sender=deployer
        )
