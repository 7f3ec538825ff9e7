"""M-3 (issue 17, restated for the batch auction of issue 18): nobody the roll depends on can stop it. Regression tests:
bidders who cannot pay (revoked approval, spent balance, blacklisted, a token refusing with `false`) or who never bid,
a winner the token blacklists before it claims, a settler who finishes (or settles) the auction ahead of the keeper
or with a wrong price, a fee recipient the token blacklists or refuses, a strike selector, series creation or pricer
that fails, a token paused at a roll: the roll still proceeds, settles the expired series and every pending request
at the roll price, says why when it writes no options, and claims succeed. Options reach a bidder only out of cash
escrowed at bid time, at the clearing price, once the vault has its proceeds. Fees are owed and claimable later by
the recipient (a pull).

The vault's asset here is MockRestrictedERC20 (a blacklist and a pause like USDC's), through an override of the shared
`weth` fixture, so the whole stack (router, engine, auction, vault) runs on it."""

from __future__ import annotations

import pytest
from ape.exceptions import ContractLogicError

from tests.options.fixtures import ONE
from tests.revert_data import reverts_with
from tests.vaults.conftest import (
    PERFORMANCE_BPS,
    PREMIUM,
    RESERVE,
    terms,
)

SUPPLY = 20 * ONE  # alice's and bob's 10 WETH each: the first roll writes 20 calls
GAIN_FEE = SUPPLY * PREMIUM // ONE * PERFORMANCE_BPS // 10_000  # the performance fee on 20 calls sold at PREMIUM


@pytest.fixture
def weth(project, deployer):
    """The vault's asset with a USDC-like blacklist and pause."""
    return project.MockRestrictedERC20.deploy("Wrapped Ether", "WETH", 18, sender=deployer)


@pytest.fixture
def other(accounts, weth, deployer, auction):
    """A second, honest bidder."""
    who = accounts[8]
    weth.mint(who, 1_000 * ONE, sender=deployer)
    weth.approve(auction, 2**256 - 1, sender=who)
    return who


def _not_written(tx, vault) -> list[tuple[int, str]]:
    return [(e.epoch, e.reason) for e in tx.events.filter(vault.OptionsNotWritten)]


def _roll(vault, auction, keeper):
    """The keeper's roll, with the open auction's clearing price in case nobody finished it (BatchAuction's view)."""
    return vault.roll(auction.clearingPriceOf(vault.current_auction()), sender=keeper)


def _locked(vault):
    from ape import project

    series = vault.current_series()
    return project.OptionsEngine.at(vault.ENGINE()).collateralOf(series, vault) if series else 0


def _assert_accounted(vault, weth):
    """Invariant (1): every asset the vault holds or has locked is invested, pending, reserved or owed as fees."""
    owed = vault.totalAssets() + vault.total_pending_deposits() + vault.reserved_for_redemptions() + vault.fees_owed()
    assert weth.balanceOf(vault) + _locked(vault) == owed


def _assert_requests_settled_and_claimable(vault, users, weth, closed_epoch):
    """The roll settled every pending request; the claims pay at the roll price."""
    alice, _, carol = users
    assert vault.total_pending_deposits() == 0
    assert vault.total_pending_redeem_shares() == 0
    assets, supply = vault.roll_price(closed_epoch)
    assert assets > 0 and supply > 0
    owed = vault.maxWithdraw(alice)
    assert owed > 0
    before = weth.balanceOf(alice)
    vault.redeem(vault.maxRedeem(alice), alice, alice, sender=alice)
    assert weth.balanceOf(alice) - before == owed
    shares = vault.maxMint(carol)
    vault.mint(shares, carol, sender=carol)
    assert vault.balanceOf(carol) == shares > 0


def _open(vault, users, keeper):
    """Alice and bob invested, a series written and its auction open; alice asks to redeem half, carol to deposit."""
    alice, bob, carol = users
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    vault.requestDeposit(10 * ONE, bob, bob, sender=bob)
    vault.roll(sender=keeper)
    for who in (alice, bob):
        vault.mint(vault.maxMint(who), who, sender=who)
    assert vault.current_series() != 0 and vault.current_auction() != 0
    vault.requestRedeem(vault.balanceOf(alice) // 2, alice, alice, sender=alice)
    vault.requestDeposit(5 * ONE, carol, carol, sender=carol)


def _escrow(size: int, limit: int) -> int:
    return (size * limit + ONE - 1) // ONE


# Bidders whose bid cannot pay: the auction pulls the escrow in the bid itself, so the bid reverts alone. Each entry:
# what the bidder does, then the error its bid of the whole supply at PREMIUM reverts with.
BID_ESCROW = _escrow(SUPPLY, PREMIUM)
HOSTILE_BIDDERS = {
    "nobody bids": None,
    "revokes its approval": (
        lambda weth, auction, buyer: weth.approve(auction, 0, sender=buyer),
        lambda weth, auction, buyer: (
            "ERC20InsufficientAllowance(address,uint256,uint256)",
            auction.address,
            0,
            BID_ESCROW,
        ),
    ),
    "spent its balance": (
        lambda weth, auction, buyer: weth.burn(buyer, weth.balanceOf(buyer), sender=buyer),
        lambda weth, auction, buyer: (
            "ERC20InsufficientBalance(address,uint256,uint256)",
            buyer.address,
            0,
            BID_ESCROW,
        ),
    ),
    "is blacklisted": (
        lambda weth, auction, buyer: weth.setBlacklisted(buyer, True, sender=buyer),
        lambda weth, auction, buyer: ("Blacklisted(address)", buyer.address),
    ),
    "is blacklisted and the token returns false": (
        lambda weth, auction, buyer: (
            weth.setBlacklisted(buyer, True, sender=buyer),
            weth.setRefuseWithFalse(True, sender=buyer),
        ),
        lambda weth, auction, buyer: ("SafeERC20FailedOperation(address)", weth.address),
    ),
}


@pytest.mark.parametrize("hostility", sorted(HOSTILE_BIDDERS))
def test_m3_bidders_who_cannot_pay_or_never_bid_cannot_stop_the_auction_or_the_roll(
    hostility, vault, users, keeper, expire, weth, buyer, auction, engine, project
):
    """The old roll pulled the buyer's premium from a governance-set buyer. Now bidders escrow their cash in each
    bid: a bid that cannot pay reverts alone and leaves no bid behind; an auction nobody (able) bid in, and nobody
    finished, is finished by the roll itself, which sells nothing, redeems the unsold options (worthless, out of the
    money) and loses no asset; the epoch proceeds, every request is settled and the next series is offered again."""
    _open(vault, users, keeper)
    auction_id = vault.current_auction()
    series = vault.current_series()
    option = project.OptionToken.at(engine.tokenOf(series))
    if HOSTILE_BIDDERS[hostility] is not None:
        act, error = HOSTILE_BIDDERS[hostility]
        act(weth, auction, buyer)
        signature, *args = error(weth, auction, buyer)
        with reverts_with(signature, *args):
            auction.bid(auction_id, SUPPLY, PREMIUM, sender=buyer)
    assert auction.auctionOf(auction_id).bidCount == 0 and weth.balanceOf(auction) == 0
    expire(vault, 3_000 * ONE)  # nobody finished the auction: the roll does
    closing = vault.epoch()
    tx = _roll(vault, auction, keeper)
    [finished] = tx.events.filter(vault.AuctionFinished)
    assert (finished.auction, finished.clearing_price) == (auction_id, RESERVE)
    assert (finished.sold, finished.proceeds, finished.unsold) == (0, 0, SUPPLY)
    assert option.totalSupply() == 0 and option.balanceOf(vault) == 0 and vault.unsold_held() == 0
    assert engine.collateralOf(series, vault) == 0  # all 20 WETH back
    # Nothing sold, nothing lost: the roll's assets are the 20 WETH invested less the fees.
    [rolled] = tx.events.filter(vault.EpochRolled)
    [fees] = tx.events.filter(vault.FeesCharged)
    assert fees.performance == 0 and rolled.assets + fees.management == SUPPLY
    assert vault.epoch() == closing + 1 and _not_written(tx, vault) == []
    # The next series is written and offered as usual (a bidder's hostility is its own business).
    assert rolled.series == vault.current_series() != 0 and rolled.auction == vault.current_auction() != 0
    _assert_accounted(vault, weth)
    _assert_requests_settled_and_claimable(vault, users, weth, closing)
    if hostility == "revokes its approval":  # back with its approval, the bidder bids in the next auction
        weth.approve(auction, 2**256 - 1, sender=buyer)
        auction.bid(vault.current_auction(), ONE, PREMIUM, sender=buyer)
        assert auction.auctionOf(vault.current_auction()).bidCount == 1


@pytest.mark.parametrize("finisher", ["anyone after the window", "the roll"])
def test_m3_a_winner_blacklisted_before_it_claims_locks_only_its_own_claim(
    finisher, vault, users, keeper, expire, weth, buyer, other, auction, engine, project, chain, accounts
):
    """A winner the token blacklists after bidding (USDC's blacklist) cannot receive its refund: its claim to itself
    reverts. The vault's finish (by anyone after the window, or by the roll when nobody finished) pulls the proceeds
    all the same, the roll settles the epoch with the premium booked, and the other winner claims as usual. The
    blacklisted winner may still name another receiver: nothing stays locked in the auction."""
    _open(vault, users, keeper)
    auction_id = vault.current_auction()
    option = project.OptionToken.at(engine.tokenOf(vault.current_series()))
    auction.bid(auction_id, 10 * ONE, 2 * PREMIUM, sender=buyer)  # fills 10 at PREMIUM: 10 * PREMIUM refunded
    auction.bid(auction_id, SUPPLY, PREMIUM, sender=other)  # at the clearing price: 10 of its 20 filled
    weth.setBlacklisted(buyer, True, sender=buyer)
    before = weth.balanceOf(vault)
    if finisher == "anyone after the window":
        chain.mine(1, timestamp=auction.statusOf(auction_id)[0])
        tx = vault.finish_auction(auction.clearingPriceOf(auction_id), sender=accounts[9])
        assert weth.balanceOf(vault) - before == SUPPLY * PREMIUM // ONE  # the proceeds are the vault's
        expire(vault, 3_000 * ONE)
        closing = vault.epoch()
        roll = _roll(vault, auction, keeper)
    else:
        expire(vault, 3_000 * ONE)
        closing = vault.epoch()
        tx = roll = _roll(vault, auction, keeper)
    [finished] = tx.events.filter(vault.AuctionFinished)
    assert (finished.clearing_price, finished.sold, finished.unsold) == (PREMIUM, SUPPLY, 0)
    assert finished.proceeds == SUPPLY * PREMIUM // ONE
    [fees] = roll.events.filter(vault.FeesCharged)
    assert fees.performance == GAIN_FEE  # the proceeds are the epoch's gain (out of the money)
    assert vault.epoch() == closing + 1 and vault.current_auction() != 0  # the next auction is open
    _assert_accounted(vault, weth)
    _assert_requests_settled_and_claimable(vault, users, weth, closing)

    with reverts_with("Blacklisted(address)", buyer.address):
        auction.claim(auction_id, [0], buyer, sender=buyer)  # its refund cannot reach it
    refund = weth.balanceOf(other)
    auction.claim(auction_id, [1], other, sender=other)  # the other winner is not affected
    assert option.balanceOf(other) == 10 * ONE and weth.balanceOf(other) - refund == 10 * PREMIUM
    elsewhere = accounts[9]
    auction.claim(auction_id, [0], elsewhere, sender=buyer)  # only its own claim, and only to itself, was locked
    assert option.balanceOf(elsewhere) == 10 * ONE and weth.balanceOf(elsewhere) == 10 * PREMIUM
    assert weth.balanceOf(auction) == 0 and option.balanceOf(auction) == 0


def test_m3_options_reach_bidders_only_out_of_cash_escrowed_at_bid_time(
    vault, users, keeper, weth, buyer, other, auction, engine, project, chain, accounts
):
    """The old roll pulled the buyer's premium before writing. Now the roll writes the options to the vault, which
    hands every one of them to its auction and to nobody else; each bid escrows its whole possible payment when it is
    placed; winners get nothing before the auction is settled, nothing of anyone else's bid and nothing twice; the
    vault's proceeds are exactly the winners' payments, and what they paid plus their refunds is what they escrowed.
    After the finish the vault holds no option and the series' supply is what the winners bought."""
    alice, bob, _ = users
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    vault.requestDeposit(10 * ONE, bob, bob, sender=bob)
    tx = vault.roll(sender=keeper)
    auction_id, series = vault.current_auction(), vault.current_series()
    option = project.OptionToken.at(engine.tokenOf(series))
    zero = "0x" + "00" * 20
    # The roll's option moves: minted to the vault, all of it to the auction; the only asset move is the collateral.
    moves = [(e["from"], e["to"], e["value"]) for e in tx.events.filter(option.Transfer)]
    assert moves == [(zero, vault.address, SUPPLY), (vault.address, auction.address, SUPPLY)]
    assert [(e["from"], e["to"]) for e in tx.events.filter(weth.Transfer)] == [(vault.address, engine.address)]
    assert option.totalSupply() == option.balanceOf(auction) == SUPPLY

    # Each bid escrows ceil(size * limit / 1e18) from its bidder, in the bid.
    bids = [(buyer, 12 * ONE, 2 * PREMIUM), (other, 12 * ONE, PREMIUM), (other, ONE, RESERVE)]
    for who, size, limit in bids:
        before = weth.balanceOf(who)
        bid = auction.bid(auction_id, size, limit, sender=who)
        assert [(e["from"], e["to"], e["value"]) for e in bid.events.filter(weth.Transfer)] == [
            (who.address, auction.address, _escrow(size, limit))
        ]
        assert before - weth.balanceOf(who) == _escrow(size, limit)
    escrowed = sum(_escrow(size, limit) for _, size, limit in bids)
    assert weth.balanceOf(auction) == escrowed

    # No option leaves the auction before it is settled.
    with reverts_with("NotSettled(uint256)", auction_id):
        auction.claim(auction_id, [0], buyer, sender=buyer)
    chain.mine(1, timestamp=auction.statusOf(auction_id)[0])
    before = weth.balanceOf(vault)
    finish = vault.finish_auction(auction.clearingPriceOf(auction_id), sender=accounts[9])
    [finished] = finish.events.filter(vault.AuctionFinished)
    # Demand at PREMIUM is 24 >= 20: the buyer's 12 fill in full, the other's 12 at PREMIUM share the 8 left.
    assert (finished.clearing_price, finished.sold, finished.unsold) == (PREMIUM, SUPPLY, 0)
    outcomes = [auction.outcomeOf(auction_id, i) for i in range(len(bids))]
    assert [filled for filled, _, _ in outcomes] == [12 * ONE, 8 * ONE, 0]
    paid = sum(p for _, p, _ in outcomes)
    assert finished.proceeds == paid == weth.balanceOf(vault) - before == SUPPLY * PREMIUM // ONE
    assert paid + sum(r for _, _, r in outcomes) == escrowed  # every payment came out of an escrow
    assert option.balanceOf(vault) == 0 and option.totalSupply() == SUPPLY  # the vault handed them all out, paid

    # A winner gets its own fills once; nobody gets anyone else's.
    stranger = accounts[9]
    with reverts_with("NotYourBid(uint256)", 0):
        auction.claim(auction_id, [0], stranger, sender=stranger)
    with reverts_with("NotYourBid(uint256)", 0):
        auction.claim(auction_id, [0], other, sender=other)
    for bid_ids, who in (([0], buyer), ([1, 2], other)):
        cash = weth.balanceOf(who)
        auction.claim(auction_id, bid_ids, who, sender=who)
        assert option.balanceOf(who) == sum(outcomes[i][0] for i in bid_ids)
        assert weth.balanceOf(who) - cash == sum(outcomes[i][2] for i in bid_ids)
    with reverts_with("AlreadyClaimed(uint256)", 0):
        auction.claim(auction_id, [0], buyer, sender=buyer)
    assert weth.balanceOf(auction) == 0 and option.balanceOf(auction) == 0
    assert option.balanceOf(buyer) + option.balanceOf(other) == option.totalSupply()


def test_m3_a_token_paused_at_a_roll_skips_the_options_not_the_roll(vault, users, keeper, weth, buyer):
    """No series open, the token paused: the roll settles requests at its price and writes nothing. Regression: the
    first auction flow wrote with a reverting call, so the engine's collateral pull (TokenPaused) reverted the whole
    roll and pending redemptions and deposits stayed unsettled for as long as the pause; the write is now a call
    that only skips the options when it fails."""
    alice = users[0]
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    weth.setPaused(True, sender=buyer)
    closing = vault.epoch()
    tx = vault.roll(sender=keeper)
    assert _not_written(tx, vault) == [(closing, "writing failed")]
    assert (vault.current_series(), vault.current_auction(), vault.epoch()) == (0, 0, closing + 1)
    assert vault.maxMint(alice) > 0
    weth.setPaused(False, sender=buyer)
    vault.mint(vault.maxMint(alice), alice, sender=alice)
    assert vault.balanceOf(alice) > 0


@pytest.mark.parametrize("settler", ["nobody", "a stranger finishes", "a stranger settles at the auction"])
def test_m3_a_settler_cannot_stop_the_roll_nor_pick_the_price(
    settler, vault, users, keeper, expire, weth, buyer, auction, chain, accounts
):
    """Anyone may settle and finish the auction once bidding has ended: a stranger doing it ahead of the keeper
    (directly at the auction or through the vault) only saves the roll that step; a stranger's wrong price is refused
    and changes nothing. The roll proceeds in every case, at the one clearing price the bids support."""
    _open(vault, users, keeper)
    auction_id = vault.current_auction()
    auction.bid(auction_id, SUPPLY, 2 * PREMIUM, sender=buyer)
    chain.mine(1, timestamp=auction.statusOf(auction_id)[0])
    stranger = accounts[9]
    with reverts_with("WrongClearingPrice(uint256)", RESERVE):
        vault.finish_auction(RESERVE, sender=stranger)  # below what the bids support
    assert vault.current_auction() == auction_id and not auction.statusOf(auction_id)[2]
    if settler == "a stranger finishes":
        vault.finish_auction(2 * PREMIUM, sender=stranger)
    elif settler == "a stranger settles at the auction":
        auction.settle(auction_id, 2 * PREMIUM, sender=stranger)
    expire(vault, 3_000 * ONE)
    closing = vault.epoch()
    tx = vault.roll(0, sender=keeper) if settler != "nobody" else _roll(vault, auction, keeper)
    finished = list(tx.events.filter(vault.AuctionFinished))
    assert len(finished) == (0 if settler == "a stranger finishes" else 1)
    assert auction.statusOf(auction_id)[2:] == (True, 2 * PREMIUM)
    [fees] = tx.events.filter(vault.FeesCharged)
    assert fees.performance == 2 * GAIN_FEE  # sold at the bids' price, whoever settled
    assert vault.epoch() == closing + 1 and vault.current_auction() not in (0, auction_id)
    _assert_accounted(vault, weth)
    _assert_requests_settled_and_claimable(vault, users, weth, closing)


@pytest.mark.parametrize("refusal", ["reverts", "returns false"])
def test_m3_a_blacklisted_fee_recipient_cannot_stop_the_roll_and_claims_its_fees_later(
    refusal, vault, users, keeper, expire, weth, fee_recipient, accounts, buyer, sell, auction
):
    """The old roll pushed fees with `assert transfer(fee_recipient, fee)`: a recipient the token blacklists (or a
    token that refuses it with `false`) stopped every roll. Now fees are owed and pulled."""
    _open(vault, users, keeper)
    sell(vault, [(buyer, SUPPLY, PREMIUM)])
    weth.setBlacklisted(fee_recipient, True, sender=fee_recipient)
    weth.setRefuseWithFalse(refusal == "returns false", sender=fee_recipient)
    expire(vault, 3_000 * ONE)  # out of the money: the proceeds are a gain, the performance fee is due
    closing = vault.epoch()
    tx = _roll(vault, auction, keeper)
    (fees,) = tx.events.filter(vault.FeesCharged)
    owed = fees.management + fees.performance
    assert fees.performance == GAIN_FEE and owed == vault.fees_owed() > 0
    assert vault.current_series() != 0 and vault.current_auction() != 0  # the next auction opened as usual
    _assert_requests_settled_and_claimable(vault, users, weth, closing)
    # Owed fees are not invested: the share price does not count them.
    _assert_accounted(vault, weth)
    # Later: the blacklisted recipient claims to another receiver; nobody else can claim.
    other = accounts[8]
    with reverts_with("NotFeeRecipient(address)", other.address):
        vault.claim_fees(other, sender=other)
    before = weth.balanceOf(other)
    tx = vault.claim_fees(other, sender=fee_recipient)
    assert weth.balanceOf(other) - before == owed and vault.fees_owed() == 0
    assert [(e.recipient, e.receiver, e.assets) for e in tx.events.filter(vault.FeesClaimed)] == [
        (fee_recipient.address, other.address, owed)
    ]
    with reverts_with("ZeroAmount()"):
        vault.claim_fees(sender=fee_recipient)


def test_m3_fees_accrue_over_rolls_and_the_recipient_pulls_them_to_itself(
    vault, users, keeper, expire, weth, fee_recipient, auction, buyer, sell
):
    _open(vault, users, keeper)
    charged = 0
    for _ in range(2):
        sell(vault, [(buyer, auction.statusOf(vault.current_auction())[1], PREMIUM)])
        expire(vault, 3_000 * ONE)
        (fees,) = _roll(vault, auction, keeper).events.filter(vault.FeesCharged)
        assert fees.performance > 0
        charged += fees.management + fees.performance
    assert vault.fees_owed() == charged > 0
    before = weth.balanceOf(fee_recipient)
    vault.claim_fees(sender=fee_recipient)
    assert weth.balanceOf(fee_recipient) - before == charged


@pytest.mark.parametrize("failure", ["strike selection failed", "series creation failed", "pricing failed"])
def test_m3_a_failing_strike_selector_series_creation_or_pricer_skips_the_options_not_the_roll(
    failure, vault, users, keeper, deployer, expire, project, weth, router, pricer, auction, engine, fee_recipient
):
    """The strike selector and the series creation read the routed spot; when it cannot be read (a halted source, a
    selector with no code) or the strike is refused, or the pricer fails, the roll after the open series' expiry still
    settles that series and every request, and writes nothing (before M-3 the roll reverted on the first two)."""
    _open(vault, users, keeper)
    series = vault.current_series()
    selector = vault.strike_selector()
    if failure == "strike selection failed":
        # A selector whose oracle cannot price (here: a token, which has no getPrice): the spot is unreadable.
        selector = project.PercentOtmStrikeSelector.deploy(weth, 1_000, 100 * ONE, sender=deployer)
    elif failure == "series creation failed":
        # A strike on a 100,000 grid, 33x spot: the engine refuses the series (StrikeOutOfBounds).
        selector = project.PercentOtmStrikeSelector.deploy(router, 1_000, 100_000 * ONE, sender=deployer)
    else:
        pricer.set(PREMIUM, 1, sender=deployer)  # reverts
    vault.set_parameters(*terms(fee_recipient, selector, pricer), sender=deployer)
    expire(vault, 3_000 * ONE)
    closing = vault.epoch()
    tx = _roll(vault, auction, keeper)
    assert _not_written(tx, vault) == [(closing, failure)]
    assert len(list(tx.events.filter(vault.AuctionFinished))) == 1  # the open auction was finished all the same
    assert engine.isSettled(series) and engine.collateralOf(series, vault) == 0
    assert (vault.current_series(), vault.current_auction(), vault.epoch()) == (0, 0, closing + 1)
    _assert_accounted(vault, weth)
    _assert_requests_settled_and_claimable(vault, users, weth, closing)


def test_m3_claims_of_settled_requests_never_depend_on_roll_oracle_bidders_recipient_or_pause(
    vault, users, keeper, expire, weth, buyer, fee_recipient, guardian, chain, auction, sell
):
    """After a roll settled them, claims read only the stored roll price: with the next roll impossible (no expiry
    price recorded, weeks after the expiry), the auction's winner and the recipient blacklisted and the vault paused,
    every settled deposit and redemption is still paid in full."""
    alice, _, carol = users
    _open(vault, users, keeper)
    sell(vault, [(buyer, SUPPLY, PREMIUM)])
    expire(vault, 3_000 * ONE)
    closing = vault.epoch()
    _roll(vault, auction, keeper)  # settles alice's redemption and carol's deposit
    claims = (vault.maxRedeem(alice), vault.maxWithdraw(alice), vault.maxMint(carol))
    assert all(claims)
    # Everything the roll depends on fails from here.
    auction.bid(vault.current_auction(), SUPPLY, PREMIUM, sender=buyer)
    chain.mine(1, timestamp=vault.current_expiry() + 30 * 86_400)  # nobody records an expiry price
    weth.setBlacklisted(buyer, True, sender=buyer)
    weth.setBlacklisted(fee_recipient, True, sender=buyer)
    vault.set_paused(True, sender=guardian)
    with pytest.raises(ContractLogicError):  # the engine refuses to settle without a final expiry price
        _roll(vault, auction, keeper)  # (a pause does not stop the roll's settlement: F4)
    before = weth.balanceOf(alice)
    vault.redeem(claims[0], alice, alice, sender=alice)
    assert weth.balanceOf(alice) - before == claims[1]
    vault.mint(claims[2], carol, sender=carol)
    assert vault.balanceOf(carol) == claims[2]
    assert vault.roll_price(closing)[0] > 0
