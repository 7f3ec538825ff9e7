"""Outside review of ThetaVault's batch-auction flow (19cc5a4, rechecked at 0302dbf): ThetaVault.vy, BatchAuction.sol,
the pricer.

Findings (each test asserts the property the contracts promise, so it FAILS while the issue stands):
- F1 `test_f1_*`: the first bidder after a roll can fill the bid cap with minimum bids at the reserve; every higher bid
  is then refused (BidCapReached) and the whole epoch is sold at the discounted reserve.
- F2 `test_f2_*`: a supply above (2**96 - 1) * 10_000 / min_bid_bps options (but within the vault's own 2**112 - 1
  guard) makes the roll revert for good: the minimum bid overflows BatchAuction's uint96 `minBidSize` in `convert`,
  so one large deposit request stops every roll and every exit.
- F3 `test_f3_*`: with no series open, a collateral token that refuses the engine's pull (paused) reverts the roll
  instead of skipping the options: `ENGINE.write` is a hard call (regression of M-3's paused-token case). Fixed
  upstream in 0302dbf (the write is a `raw_call`, "writing failed"): this test fails at 19cc5a4 and passes from there.
- F4 `test_f4_*`: a pricer value of 0 becomes a 1-wei reserve: one bid buys the whole epoch for dust.

The other tests (`test_sound_*`) pass: they pin what was checked and found sound (same-second ordering at the
auction's end, a finish and a roll at exactly the expiry, a blacklisted bidder, bids at the uint104/uint112 extremes, a
settler's hints, escrow conservation with ties and dust, a late depositor and the booked proceeds, a series shared by
two vaults).

The vault's asset here is MockRestrictedERC20 (a blacklist and a pause, otherwise MockERC20) through an override of
the shared `weth` fixture, so the whole stack runs on it."""

from __future__ import annotations

import pytest
from ape.exceptions import ContractLogicError

from tests.options.fixtures import ONE
from tests.revert_data import reverts_with
from tests.vaults.conftest import (
    AUCTION_DURATION,
    DISCOUNT_BPS,
    MANAGEMENT_BPS,
    MAX_BIDS,
    MIN_BID_BPS,
    PERFORMANCE_BPS,
    PREMIUM,
    RESERVE,
    terms,
)

MAX_UINT96 = 2**96 - 1
MAX_SIZE = 2**112 - 1  # BatchAuction: a bid's size fits 112 bits (and the vault's supply)
MAX_LIMIT = 2**104 - 1  # and its limit price 104 bits
# The largest supply whose minimum bid (MIN_BID_BPS = 1% of it, rounded up) still fits BatchAuction's uint96.
LARGEST_AUCTIONABLE = MAX_UINT96 * 10_000 // MIN_BID_BPS
BLOCK_GAS_LIMIT = 30_000_000
OFFSET = 10**6  # the vault's virtual share offset (10**DECIMALS_OFFSET)


@pytest.fixture
def weth(project, deployer):
    """The vault's asset, with a USDC-like blacklist and pause."""
    return project.MockRestrictedERC20.deploy("Wrapped Ether", "WETH", 18, sender=deployer)


@pytest.fixture
def fund(weth, deployer, auction):
    """Mints `amount` of the asset to `who` and approves the auction (a bidder)."""

    def give(who, amount=1_000_000 * ONE):
        weth.mint(who, amount, sender=deployer)
        weth.approve(auction, 2**256 - 1, sender=who)
        return who

    return give


def _finished(tx, vault):
    [finished] = tx.events.filter(vault.AuctionFinished)
    return finished


def _roll(vault, keeper, *args):
    """The keeper's roll; a revert fails the test with the revert (M-3: a due roll must not revert)."""
    try:
        return vault.roll(*args, sender=keeper)
    except ContractLogicError as error:
        pytest.fail(f"the due roll reverted: {error!r}")


def _end_bidding(chain, auction, auction_id):
    chain.pending_timestamp = max(chain.pending_timestamp, auction.statusOf(auction_id)[0])


def _deploy_vault(project, deployer, engine, weth, usdc, selector, auction, keeper, pricer, fee_recipient, cap, name):
    vault = project.ThetaVault.deploy(
        weth, engine, weth, usdc, False, cap, selector, auction, deployer, name, "sfX", sender=deployer
    )
    engine.grantRole(engine.SERIES_CREATOR_ROLE(), vault, sender=deployer)
    vault.grantRole(vault.KEEPER_ROLE(), keeper, sender=deployer)
    vault.set_parameters(*terms(fee_recipient, selector, pricer), sender=deployer)
    return vault


# -- F1: the bid cap can be squatted at the reserve --------------------------------------------------------------------


def test_f1_a_bid_cap_squatter_cannot_lock_out_higher_bids(rolled, auction, buyer, fund, accounts, chain, keeper, weth):
    """Right after the roll (a back-run of it), a squatter places MAX_BIDS minimum bids at the reserve: min_bid_bps *
    MAX_BIDS >= 100% makes them demand the whole supply, at the pricer's value LESS the discount. Before the fix a
    market maker willing to pay twice the value could not bid at all (BidCapReached) and the squatter bought the
    epoch at the reserve. Fixed: a full book takes `outbid`, a bid dominating a slot's bid (higher limit, at least
    its size), so the market maker's bid for the whole supply at 2x wins and the squatter is refunded in full."""
    squatter = fund(accounts[8])
    auction_id = rolled.current_auction()
    min_bid = auction.auctionOf(auction_id).minBidSize
    gas = sum(auction.bid(auction_id, min_bid, RESERVE, sender=squatter).gas_used for _ in range(MAX_BIDS))
    assert gas < BLOCK_GAS_LIMIT  # the whole squat fits one block: it can back-run the roll
    with reverts_with("BidCapReached(uint256)", auction_id):
        auction.bid(auction_id, 10 * ONE, 2 * PREMIUM, sender=buyer)
    with reverts_with("NotDominating(uint256,uint256,uint256)", 0, 10 * ONE, RESERVE):
        auction.outbid(auction_id, 0, 10 * ONE, RESERVE, sender=buyer)  # not a higher limit than the bid it replaces
    auction.outbid(auction_id, 0, 10 * ONE, 2 * PREMIUM, sender=buyer)
    _end_bidding(chain, auction, auction_id)
    finished = _finished(rolled.finish_auction(auction.clearingPriceOf(auction_id), sender=keeper), rolled)
    assert (finished.clearing_price, finished.proceeds) == (2 * PREMIUM, 10 * 2 * PREMIUM)
    before = weth.balanceOf(squatter)
    auction.claimOutbid(auction_id, [0], squatter, sender=squatter)
    auction.claim(auction_id, list(range(1, MAX_BIDS)), squatter, sender=squatter)
    refunded = weth.balanceOf(squatter) - before
    assert refunded == MAX_BIDS * ((min_bid * RESERVE + ONE - 1) // ONE)  # every squatting bid back in full


# -- F2: a large supply reverts every roll -----------------------------------------------------------------------------


@pytest.fixture
def big_vault(project, deployer, engine, weth, usdc, selector, auction, keeper, pricer, fee_recipient):
    """The standard call vault with a cap of 10**32 (its share supply, assets * 10**6, must stay below 2**128)."""
    return _deploy_vault(
        project, deployer, engine, weth, usdc, selector, auction, keeper, pricer, fee_recipient, 10**32, "Big"
    )


@pytest.mark.parametrize(
    ("supply", "min_bid_bps"),
    [(LARGEST_AUCTIONABLE, MIN_BID_BPS), (LARGEST_AUCTIONABLE + 1, MIN_BID_BPS), (LARGEST_AUCTIONABLE + 1, 40)],
    ids=["1% min bid fits uint96", "1% min bid one past uint96", "same supply, a 0.4% min bid fits"],
)
def test_f2_no_invested_amount_reverts_the_roll(
    big_vault, weth, deployer, accounts, keeper, fee_recipient, selector, pricer, supply, min_bid_bps
):
    """The vault guards the supply against BatchAuction's uint112 sizes ("supply too large") but passes the minimum bid,
    min_bid_bps of the supply rounded up, through `convert(..., uint96)` unchecked: a supply above
    (2**96 - 1) * 10_000 / min_bid_bps reverts the roll (at 1%: ~7.9e12 whole options, a covered-call vault of a
    low-priced underlying, or puts on one). The controls: one option less, or the same supply with a 0.4% minimum bid,
    roll and open the auction. Property (invariant 6): the roll succeeds and settles the pending deposit whatever the
    amount; the middle case failed. Fixed: a smallest bid beyond uint96 skips the epoch's options ("supply too
    large"), checked before anything is written."""
    big_vault.set_parameters(
        MANAGEMENT_BPS,
        PERFORMANCE_BPS,
        fee_recipient,
        selector,
        pricer,
        DISCOUNT_BPS,
        AUCTION_DURATION,
        min_bid_bps,
        sender=deployer,
    )
    whale = accounts[9]
    weth.mint(whale, supply, sender=deployer)
    weth.approve(big_vault, supply, sender=whale)
    big_vault.requestDeposit(supply, whale, whale, sender=whale)
    tx = _roll(big_vault, keeper)
    assert big_vault.claimableDepositRequest(0, whale) == supply
    if supply * min_bid_bps > (2**96 - 1) * 10_000:  # the smallest bid would not fit the auction: no options
        assert [e.reason for e in tx.events.filter(big_vault.OptionsNotWritten)] == ["supply too large"]
        assert big_vault.current_series() == 0
        return
    [started] = tx.events.filter(big_vault.AuctionStarted)
    assert started.options == supply


def test_f2_one_large_deposit_request_locks_every_pending_exit(
    big_vault, users, weth, deployer, accounts, keeper, sell, buyer, expire
):
    """Alice is invested for an epoch, asks to leave; a whale then requests a deposit that puts the supply past
    100 * (2**96 - 1): from then on every roll reverts (the deposit request cannot be withdrawn), so Alice's redemption
    is never settled (M-3, invariant 7) until the timelock unsets the pricer or enough others leave. Property: the due
    roll succeeds and Alice can withdraw."""
    alice = users[0]
    weth.approve(big_vault, 2**256 - 1, sender=alice)
    big_vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    big_vault.roll(sender=keeper)
    big_vault.deposit(10 * ONE, alice, sender=alice)
    sell(big_vault, [(buyer, 10 * ONE, PREMIUM)])
    expire(big_vault, 3_000 * ONE)
    shares = big_vault.balanceOf(alice)
    big_vault.requestRedeem(shares, alice, alice, sender=alice)
    whale = accounts[9]
    whale_assets = 2 * LARGEST_AUCTIONABLE
    weth.mint(whale, whale_assets, sender=deployer)
    weth.approve(big_vault, whale_assets, sender=whale)
    big_vault.requestDeposit(whale_assets, whale, whale, sender=whale)
    _roll(big_vault, keeper, 0)
    assert big_vault.maxWithdraw(alice) > 10 * ONE  # her principal and the epoch's proceeds, less fees


# -- F3: a paused collateral token reverts a roll that has no series open ----------------------------------------------


def test_f3_a_token_paused_at_a_roll_skips_the_options_not_the_roll(vault, users, keeper, weth):
    """No series open, the asset paused (USDC's pause): the roll must settle every pending request at its price and
    skip the options (tests/vaults/test_m3_roll_liveness.py's pre-auction case). At 19cc5a4 the roll writes with a hard
    `extcall ENGINE.write`, whose collateral pull reverts TokenPaused, so the roll reverts while the token is paused
    (fixed in 0302dbf)."""
    alice = users[0]
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    weth.setPaused(True, sender=alice)
    tx = _roll(vault, keeper)
    weth.setPaused(False, sender=alice)
    assert len(list(tx.events.filter(vault.OptionsNotWritten))) == 1
    assert (vault.current_series(), vault.current_auction(), vault.epoch()) == (0, 0, 2)
    assert vault.claimableDepositRequest(0, alice) == 10 * ONE


# -- F4: a zero value from the pricer sells the epoch for dust ---------------------------------------------------------


def test_f4_a_zero_value_from_the_pricer_skips_the_options(
    vault, users, keeper, pricer, deployer, auction, buyer, chain
):
    """The vault refuses a value above 1e36 ("pricing failed") but turns a value of 0 (a broken pricer, a feed read as
    0) into a reserve of 1 wei per whole option (`max(..., 1)`): a single bid then buys the whole epoch for dust, and a
    bid-cap squatter (F1) for at most MAX_BIDS wei. Property (header: a broken pricer "only skips this epoch's
    options"): a zero value skips them."""
    alice = users[0]
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    pricer.set(0, 0, sender=deployer)
    tx = vault.roll(sender=keeper)
    reasons = [e.reason for e in tx.events.filter(vault.OptionsNotWritten)]
    detail = ""
    auction_id = vault.current_auction()
    if auction_id != 0:
        reserve = auction.auctionOf(auction_id).reserve
        auction.bid(auction_id, 10 * ONE, reserve, sender=buyer)
        _end_bidding(chain, auction, auction_id)
        finished = _finished(vault.finish_auction(auction.clearingPriceOf(auction_id), sender=keeper), vault)
        detail = (
            f"the roll auctioned at a reserve of {reserve} wei per option and one bid bought all "
            f"{finished.sold / ONE:g} options (worth {10 * PREMIUM} wei at the usual value) for {finished.proceeds} wei"
        )
    assert reasons == ["pricing failed"], detail


# -- what was checked and found sound ----------------------------------------------------------------------------------


def test_sound_same_second_ordering_at_the_auction_end(rolled, auction, buyer, chain, accounts):
    """Bidding closes at `end` and settling opens there (block timestamps strictly increase, and a reverted call mines
    a block here): nobody finishes before `end`, the last bid lands at end - 1, the finish at exactly `end` settles,
    and no bid lands once the window closed."""
    auction_id = rolled.current_auction()
    end = auction.statusOf(auction_id)[0]
    stranger = accounts[9]
    chain.pending_timestamp = end - 2
    with reverts_with("BiddingOpen(uint256)", auction_id):
        rolled.finish_auction(PREMIUM, sender=stranger)
    chain.pending_timestamp = end - 1
    tx = auction.bid(auction_id, 10 * ONE, PREMIUM, sender=buyer)
    assert chain.blocks[tx.block_number].timestamp == end - 1
    chain.pending_timestamp = end
    tx = rolled.finish_auction(PREMIUM, sender=stranger)
    assert chain.blocks[tx.block_number].timestamp == end
    assert _finished(tx, rolled).proceeds == 10 * PREMIUM
    with reverts_with("BiddingClosed(uint256)", auction_id):
        auction.bid(auction_id, 10 * ONE, 2 * PREMIUM, sender=buyer)


@pytest.mark.parametrize(("before_expiry", "burned"), [(1, True), (0, False)], ids=["at expiry - 1", "at expiry"])
def test_sound_a_finish_at_the_expiry_boundary_leaves_nothing_stuck(
    rolled,
    auction,
    buyer,
    chain,
    accounts,
    option,
    engine,
    expire,
    keeper,
    pricer,
    deployer,
    weth,
    before_expiry,
    burned,
):
    """A finish one second before the expiry burns the unsold options (collateral back); exactly at the expiry the
    engine refuses burns, so the vault holds them (unsold_held) and the roll redeems them. Either way the vault ends
    with no option and no collateral, and with the same assets."""
    auction_id = rolled.current_auction()
    series = rolled.current_series()
    auction.bid(auction_id, 5 * ONE, RESERVE, sender=buyer)
    chain.pending_timestamp = rolled.current_expiry() - before_expiry
    finished = _finished(rolled.finish_auction(RESERVE, sender=accounts[9]), rolled)
    assert (finished.sold, finished.unsold, finished.proceeds) == (5 * ONE, 5 * ONE, 5 * RESERVE)
    assert rolled.unsold_held() == (0 if burned else 5 * ONE)
    assert option.balanceOf(rolled) == (0 if burned else 5 * ONE)
    assert engine.written(series, rolled) == (5 * ONE if burned else 10 * ONE)
    expire(rolled, 4_000 * ONE)  # in the money: each call pays (4000 - 3300) / 4000 WETH
    pricer.set(PREMIUM, 1, sender=deployer)  # no next series, so the vault's balance is all idle
    rolled.roll(sender=keeper)
    assert option.balanceOf(rolled) == 0 and rolled.unsold_held() == 0
    assert engine.collateralOf(series, rolled) == 0
    payout = (4_000 - 3_300) * ONE // 4_000
    assert abs(weth.balanceOf(rolled) - (10 * ONE + 5 * RESERVE - 5 * payout)) <= 1


def test_sound_a_roll_at_exactly_the_expiry_changes_nothing_until_the_price_is_final(
    rolled, auction, buyer, chain, keeper, expire
):
    """One second before the expiry the roll is not due; at exactly the expiry it is due but the engine cannot settle
    (no final price), so the whole roll reverts, the unfinished auction included; once the price is final it goes
    through and finishes the auction itself."""
    auction_id = rolled.current_auction()
    series, expiry = rolled.current_series(), rolled.current_expiry()
    auction.bid(auction_id, 10 * ONE, PREMIUM, sender=buyer)
    chain.pending_timestamp = expiry - 1
    with reverts_with("EpochNotDue(uint256)", expiry):
        rolled.roll(PREMIUM, sender=keeper)
    chain.pending_timestamp = expiry
    with reverts_with("SettlementPriceNotFinal(uint256)", series):
        rolled.roll(PREMIUM, sender=keeper)
    assert (rolled.current_auction(), rolled.unsold_held(), rolled.epoch()) == (auction_id, 0, 2)
    assert not auction.statusOf(auction_id)[2]
    expire(rolled, 3_000 * ONE)
    tx = rolled.roll(PREMIUM, sender=keeper)
    assert _finished(tx, rolled).proceeds == 10 * PREMIUM and rolled.epoch() == 3


def test_sound_a_blacklisted_bidder_locks_only_its_own_claim(
    rolled, auction, buyer, fund, accounts, weth, sell, expire, keeper, option, users
):
    """A bidder the asset blacklists cannot bid (its escrow cannot move); one blacklisted after winning cannot stop
    the finish or the roll and claims its options and refund to another address."""
    listed, winner = fund(accounts[8]), fund(accounts[9])
    auction_id = rolled.current_auction()
    weth.setBlacklisted(listed, True, sender=listed)
    with pytest.raises(ContractLogicError):
        auction.bid(auction_id, 10 * ONE, 2 * PREMIUM, sender=listed)
    weth.setBlacklisted(listed, False, sender=listed)
    auction.bid(auction_id, 6 * ONE, 2 * PREMIUM, sender=winner)
    weth.setBlacklisted(winner, True, sender=winner)
    finished = _finished(sell(rolled, [(buyer, 6 * ONE, PREMIUM)]), rolled)
    assert (finished.clearing_price, finished.sold, finished.proceeds) == (PREMIUM, 10 * ONE, 10 * PREMIUM)
    with pytest.raises(ContractLogicError):
        auction.claim(auction_id, [0], winner, sender=winner)  # its refund cannot reach it
    elsewhere = users[2]
    before = weth.balanceOf(elsewhere)
    auction.claim(auction_id, [0], elsewhere, sender=winner)
    assert option.balanceOf(elsewhere) == 6 * ONE
    assert weth.balanceOf(elsewhere) - before == 6 * 2 * PREMIUM - 6 * PREMIUM
    expire(rolled, 3_000 * ONE)
    rolled.roll(sender=keeper)
    assert rolled.epoch() == 3


def test_sound_bids_at_the_type_extremes(rolled, auction, fund, accounts, chain, keeper, weth, option):
    """A bid of 2**112 - 1 options and one at a limit of 2**104 - 1: escrow and settlement do not overflow, the
    extreme limit pays the clearing price, not its limit; one unit more in either field is refused (TooLarge)."""
    whale, extreme = fund(accounts[9], 2**120), fund(accounts[8], 2**112)
    auction_id = rolled.current_auction()
    min_bid = auction.auctionOf(auction_id).minBidSize
    with reverts_with("TooLarge()"):
        auction.bid(auction_id, MAX_SIZE + 1, RESERVE, sender=whale)
    with reverts_with("TooLarge()"):
        auction.bid(auction_id, min_bid, MAX_LIMIT + 1, sender=extreme)
    auction.bid(auction_id, MAX_SIZE, RESERVE, sender=whale)
    auction.bid(auction_id, min_bid, MAX_LIMIT, sender=extreme)
    _end_bidding(chain, auction, auction_id)
    assert auction.clearingPriceOf(auction_id) == RESERVE  # demand above the reserve is min_bid < supply
    finished = _finished(rolled.finish_auction(RESERVE, sender=keeper), rolled)
    assert (finished.sold, finished.unsold, finished.proceeds) == (10 * ONE, 0, 10 * RESERVE)
    paid = -(-min_bid * RESERVE // ONE)  # the clearing price, rounded up; escrowed at its limit, rounded up
    assert auction.outcomeOf(auction_id, 1) == (min_bid, paid, -(-min_bid * MAX_LIMIT // ONE) - paid)
    for bid_id, who in ((0, whale), (1, extreme)):
        auction.claim(auction_id, [bid_id], who, sender=who)
    assert weth.balanceOf(auction) == 0 and option.balanceOf(auction) == 0
    assert option.balanceOf(whale) == 10 * ONE - min_bid


def test_sound_a_settler_cannot_choose_the_price(rolled, auction, buyer, fund, accounts, chain):
    """Every hint but the one clearing price reverts WrongClearingPrice, through the vault or at the auction."""
    other, low = fund(accounts[8]), fund(accounts[9])
    auction_id = rolled.current_auction()
    auction.bid(auction_id, 6 * ONE, 2 * PREMIUM, sender=buyer)
    auction.bid(auction_id, 6 * ONE, PREMIUM, sender=other)
    auction.bid(auction_id, 2 * ONE, RESERVE, sender=low)
    _end_bidding(chain, auction, auction_id)
    assert auction.clearingPriceOf(auction_id) == PREMIUM
    for hint in (0, RESERVE, PREMIUM - 1, PREMIUM + 1, 2 * PREMIUM, 2 * PREMIUM + 1, MAX_LIMIT, MAX_LIMIT + 1):
        with reverts_with("WrongClearingPrice(uint256)", hint):
            auction.settle(auction_id, hint, sender=low)
        with reverts_with("WrongClearingPrice(uint256)", hint):
            rolled.finish_auction(hint, sender=low)
    finished = _finished(rolled.finish_auction(PREMIUM, sender=low), rolled)
    assert (finished.clearing_price, finished.sold) == (PREMIUM, 10 * ONE)


def test_sound_escrow_is_conserved_with_ties_and_dust(
    rolled, auction, buyer, fund, accounts, users, chain, weth, option
):
    """Ties share pro rata with fills rounded down: proceeds + refunds == escrows, sold + unsold == supply, the dust
    returns to the vault as unsold and is burned; once everyone has claimed the auction holds nothing."""
    bidders = [buyer, fund(accounts[8]), fund(accounts[9]), fund(users[2])]
    bids = [(bidders[0], ONE, 2 * PREMIUM), (bidders[1], 3 * ONE, PREMIUM)]
    bids += [(bidders[2], 3 * ONE, PREMIUM), (bidders[3], 7 * ONE, PREMIUM), (bidders[0], 5 * ONE, RESERVE)]
    auction_id = rolled.current_auction()
    escrows = 0
    for who, size, limit in bids:
        before = weth.balanceOf(who)
        auction.bid(auction_id, size, limit, sender=who)
        escrows += before - weth.balanceOf(who)
    _end_bidding(chain, auction, auction_id)
    finished = _finished(rolled.finish_auction(auction.clearingPriceOf(auction_id), sender=accounts[9]), rolled)
    outcomes = [auction.outcomeOf(auction_id, i) for i in range(len(bids))]
    assert finished.clearing_price == PREMIUM
    assert sum(f for f, _, _ in outcomes) == finished.sold and finished.sold + finished.unsold == 10 * ONE
    assert 0 < finished.unsold < 3  # 9 options shared by 13 tied: floor(3*9/13), floor(3*9/13), floor(7*9/13)
    assert finished.proceeds == sum(p for _, p, _ in outcomes)
    assert finished.proceeds + sum(r for _, _, r in outcomes) == escrows
    assert option.totalSupply() == finished.sold  # the dust was burned
    for bid_id, (who, _, _) in enumerate(bids):
        auction.claim(auction_id, [bid_id], who, sender=who)
    assert weth.balanceOf(auction) == 0 and option.balanceOf(auction) == 0


def test_sound_a_late_depositor_pays_for_the_booked_proceeds(rolled, auction, buyer, sell, users, expire, keeper):
    """Bob asks to deposit after the auction's proceeds are booked: the roll price counts them, so Bob's shares are
    worth his deposit (rounded down) and the proceeds, less fees, stay with Alice, who took the risk."""
    alice, bob = users[0], users[1]
    finished = _finished(sell(rolled, [(buyer, 10 * ONE, PREMIUM)]), rolled)
    rolled.requestDeposit(10 * ONE, bob, bob, sender=bob)
    expire(rolled, 3_000 * ONE)  # out of the money
    closing = rolled.epoch()
    tx = rolled.roll(sender=keeper)
    [fees] = tx.events.filter(rolled.FeesCharged)
    assets, supply = rolled.roll_price(closing)
    assert assets == 10 * ONE + finished.proceeds - fees.management - fees.performance
    bob_shares = rolled.maxMint(bob)
    bob_value = bob_shares * (assets + 1) // (supply + OFFSET)
    assert 10 * ONE - 2 <= bob_value <= 10 * ONE
    assert rolled.maxMint(alice) == supply  # the price's supply is Alice's (still unclaimed) shares alone
    assert supply * (assets + 1) // (supply + OFFSET) >= assets - 1  # Alice's shares hold the proceeds, less fees


def test_sound_two_vaults_sharing_one_series_each_settle_their_own(
    project,
    vault,
    deployer,
    engine,
    weth,
    usdc,
    selector,
    auction,
    keeper,
    pricer,
    fee_recipient,
    users,
    buyer,
    sell,
    expire,
    chain,
):
    """The series-reuse path: a second vault on the same engine and selector rolls in the same week and finds the
    series key taken, so it writes into the first vault's series. Each finishes its own auction (one before expiry,
    burning its unsold options; one in its roll after expiry, holding then redeeming them); both reclaim; the winners'
    options are fully paid at expiry and nothing is stuck in the engine."""
    other = _deploy_vault(
        project, deployer, engine, weth, usdc, selector, auction, keeper, pricer, fee_recipient, 10_000 * ONE, "B"
    )
    alice, bob = users[0], users[1]
    weth.approve(other, 2**256 - 1, sender=bob)
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    other.requestDeposit(10 * ONE, bob, bob, sender=bob)
    vault.roll(sender=keeper)
    other.roll(sender=keeper)
    series = vault.current_series()
    assert other.current_series() == series and engine.seriesCount() == 1
    token = project.OptionToken.at(engine.tokenOf(series))
    first, second = vault.current_auction(), other.current_auction()
    auction.bid(second, 5 * ONE, RESERVE, sender=buyer)
    sell(vault, [(buyer, 4 * ONE, PREMIUM)])  # the first vault burns its 6 unsold options before expiry
    assert engine.written(series, vault) == 4 * ONE and engine.written(series, other) == 10 * ONE
    expire(vault, 4_000 * ONE)
    pricer.set(PREMIUM, 1, sender=deployer)  # no next series
    vault.roll(sender=keeper)
    other.roll(auction.clearingPriceOf(second), sender=keeper)  # finishes after expiry: holds 5, redeems them
    for v in (vault, other):
        assert token.balanceOf(v) == 0 and v.unsold_held() == 0 and engine.collateralOf(series, v) == 0
    auction.claim(first, [0], buyer, sender=buyer)
    auction.claim(second, [0], buyer, sender=buyer)
    assert token.balanceOf(buyer) == 9 * ONE == token.totalSupply()
    payout = engine.payoutFor(series, 9 * ONE)
    before = weth.balanceOf(buyer)
    engine.redeem(series, 9 * ONE, sender=buyer)
    assert weth.balanceOf(buyer) - before == payout > 0
    assert engine.seriesCollateral(series) <= 2  # rounding dust of the two writers' reserves
    assert chain.pending_timestamp > vault.current_expiry()  # both rolls closed the series
