"""M-3 (issue 17): anyone the roll depends on can stop it. Regression tests: a buyer that revokes its approval, is
blacklisted or whose token refuses with `false`, a fee recipient the token blacklists or refuses, a token paused at a
roll, a strike selector or series creation that fails (the spot cannot be read): the roll still proceeds, settles
every pending request at the roll price, writes no options it was not paid for, says why, and claims succeed. Fees are
owed and claimable later by the recipient (a pull).

The vault's asset here is MockRestrictedERC20 (a blacklist and a pause like USDC's), through an override of the shared
`weth` fixture, so the whole stack (router, engine, vault) runs on it."""

from __future__ import annotations

import pytest

from tests.options.fixtures import ONE
from tests.revert_data import reverts_with
from tests.vaults.conftest import MANAGEMENT_BPS, PERFORMANCE_BPS, PREMIUM


@pytest.fixture
def weth(project, deployer):
    """The vault's asset with a USDC-like blacklist and pause."""
    return project.MockRestrictedERC20.deploy("Wrapped Ether", "WETH", 18, sender=deployer)


def _not_written(tx, vault) -> list[tuple[str, str]]:
    return [(e.buyer, e.reason) for e in tx.events.filter(vault.OptionsNotWritten)]


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


HOSTILE_BUYERS = {
    "revokes its approval": (
        "premium transferFrom reverted",
        lambda weth, vault, buyer: weth.approve(vault, 0, sender=buyer),
    ),
    "is blacklisted": (
        "premium transferFrom reverted",
        lambda weth, vault, buyer: weth.setBlacklisted(buyer, True, sender=buyer),
    ),
    "is blacklisted and the token returns false": (
        "premium transferFrom not true",
        lambda weth, vault, buyer: (
            weth.setBlacklisted(buyer, True, sender=buyer),
            weth.setRefuseWithFalse(True, sender=buyer),
        ),
    ),
    "spent its balance": (
        "premium transferFrom reverted",
        lambda weth, vault, buyer: weth.burn(buyer, weth.balanceOf(buyer), sender=buyer),
    ),
}


@pytest.mark.parametrize("hostility", sorted(HOSTILE_BUYERS))
def test_m3_a_hostile_buyer_cannot_stop_the_roll(hostility, vault, users, keeper, expire, weth, buyer):
    """The old roll wrote the options, then `assert transferFrom(buyer, ...)`: any of these reverted every roll and
    kept pending redemptions waiting for governance. Now the premium is pulled first and a failed pull only skips
    this epoch's options."""
    _open(vault, users, keeper)
    reason, act = HOSTILE_BUYERS[hostility]
    act(weth, vault, buyer)
    expire(vault, 3_000 * ONE)
    closing = vault.epoch()
    tx = vault.roll(sender=keeper)
    assert _not_written(tx, vault) == [(buyer.address, reason)]
    (rolled,) = tx.events.filter(vault.EpochRolled)
    assert (rolled.series, rolled.premium) == (0, 0)
    assert (vault.current_series(), vault.current_expiry(), vault.epoch()) == (0, 0, closing + 1)
    # Nothing written without a premium: no collateral locked, every asset is idle and accounted for.
    assert weth.balanceOf(vault) == (
        vault.totalAssets() + vault.total_pending_deposits() + vault.reserved_for_redemptions() + vault.fees_owed()
    )
    _assert_requests_settled_and_claimable(vault, users, weth, closing)
    # The epoch after: a roll may happen at once (no series open); with the buyer back, options are sold again.
    if hostility == "revokes its approval":
        weth.approve(vault, 2**256 - 1, sender=buyer)
        tx = vault.roll(sender=keeper)
        assert _not_written(tx, vault) == [] and vault.current_series() != 0


def _open(vault, users, keeper):
    alice, bob, carol = users
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    vault.requestDeposit(10 * ONE, bob, bob, sender=bob)
    vault.roll(sender=keeper)
    for who in (alice, bob):
        vault.mint(vault.maxMint(who), who, sender=who)
    assert vault.current_series() != 0
    vault.requestRedeem(vault.balanceOf(alice) // 2, alice, alice, sender=alice)
    vault.requestDeposit(5 * ONE, carol, carol, sender=carol)


def test_m3_the_premium_is_pulled_before_the_options_are_written(vault, users, keeper, weth, buyer, engine, project):
    """Options reach the buyer only against a premium already received (the old roll wrote first)."""
    alice = users[0]
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    tx = vault.roll(sender=keeper)
    transfers = [(e["from"], e["to"]) for e in tx.events.filter(weth.Transfer)]
    assert transfers[0] == (buyer.address, vault.address)  # the premium, first
    assert transfers[1] == (vault.address, engine.address)  # then the collateral of the written options
    token = project.OptionToken.at(engine.tokenOf(vault.current_series()))
    assert token.balanceOf(buyer) == 10 * ONE


def test_m3_a_token_paused_at_a_roll_skips_the_options_not_the_roll(vault, users, keeper, weth, buyer):
    """No series open, the token paused: the roll settles requests at its price and writes nothing (the old roll's
    write reverted on the collateral transfer)."""
    alice = users[0]
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    weth.setPaused(True, sender=buyer)
    tx = vault.roll(sender=keeper)
    assert _not_written(tx, vault) == [(buyer.address, "premium transferFrom reverted")]
    assert vault.current_series() == 0 and vault.maxMint(alice) > 0
    weth.setPaused(False, sender=buyer)
    vault.mint(vault.maxMint(alice), alice, sender=alice)
    assert vault.balanceOf(alice) > 0


@pytest.mark.parametrize("refusal", ["reverts", "returns false"])
def test_m3_a_blacklisted_fee_recipient_cannot_stop_the_roll_and_claims_its_fees_later(
    refusal, vault, users, keeper, expire, weth, fee_recipient, accounts
):
    """The old roll pushed fees with `assert transfer(fee_recipient, fee)`: a recipient the token blacklists (or a
    token that refuses it with `false`) stopped every roll. Now fees are owed and pulled."""
    _open(vault, users, keeper)
    weth.setBlacklisted(fee_recipient, True, sender=fee_recipient)
    weth.setRefuseWithFalse(refusal == "returns false", sender=fee_recipient)
    expire(vault, 3_000 * ONE)  # out of the money: the premium is a gain, the performance fee is due
    closing = vault.epoch()
    tx = vault.roll(sender=keeper)
    (fees,) = tx.events.filter(vault.FeesCharged)
    owed = fees.management + fees.performance
    assert fees.performance == 20 * PREMIUM * PERFORMANCE_BPS // 10_000 and owed == vault.fees_owed() > 0
    assert vault.current_series() != 0  # the buyer paid: options written as usual
    _assert_requests_settled_and_claimable(vault, users, weth, closing)
    # Owed fees are not invested: the share price does not count them.
    locked = vault.totalAssets() + vault.total_pending_deposits() + vault.reserved_for_redemptions() + owed
    assert weth.balanceOf(vault) + _locked(vault) == locked
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


def _locked(vault):
    from ape import project

    series = vault.current_series()
    return project.OptionsEngine.at(vault.ENGINE()).collateralOf(series, vault) if series else 0


def test_m3_fees_accrue_over_rolls_and_the_recipient_pulls_them_to_itself(
    vault, users, keeper, expire, weth, fee_recipient
):
    _open(vault, users, keeper)
    charged = 0
    for _ in range(2):
        expire(vault, 3_000 * ONE)
        (fees,) = vault.roll(sender=keeper).events.filter(vault.FeesCharged)
        charged += fees.management + fees.performance
    assert vault.fees_owed() == charged > 0
    before = weth.balanceOf(fee_recipient)
    vault.claim_fees(sender=fee_recipient)
    assert weth.balanceOf(fee_recipient) - before == charged


def test_m3_a_failing_strike_selector_or_series_creation_skips_the_options_not_the_roll(
    vault, users, keeper, deployer, buyer, project, weth, router
):
    """The strike selector and the series creation read the routed spot; when it cannot be read (a halted source, a
    selector with no code) or the strike is refused, the roll still settles requests (the old roll reverted)."""
    alice, bob, _ = users
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    # A selector whose oracle cannot price (here: a token, which has no getPrice): the spot is unreadable.
    blind = project.PercentOtmStrikeSelector.deploy(weth, 1_000, 100 * ONE, sender=deployer)
    vault.set_parameters(MANAGEMENT_BPS, PERFORMANCE_BPS, deployer, buyer, PREMIUM, blind, sender=deployer)
    tx = vault.roll(sender=keeper)
    assert _not_written(tx, vault) == [(buyer.address, "strike selection failed")]
    assert vault.maxMint(alice) > 0 and vault.current_series() == 0
    # A strike on a 100,000 grid, 33x spot: the engine refuses the series (StrikeOutOfBounds).
    wild = project.PercentOtmStrikeSelector.deploy(router, 1_000, 100_000 * ONE, sender=deployer)
    vault.set_parameters(MANAGEMENT_BPS, PERFORMANCE_BPS, deployer, buyer, PREMIUM, wild, sender=deployer)
    vault.requestDeposit(10 * ONE, bob, bob, sender=bob)
    tx = vault.roll(sender=keeper)
    assert _not_written(tx, vault) == [(buyer.address, "series creation failed")]
    assert vault.maxMint(bob) > 0 and vault.current_series() == 0


def test_m3_claims_of_settled_requests_never_depend_on_roll_oracle_buyer_recipient_or_pause(
    vault, users, keeper, expire, weth, buyer, fee_recipient, guardian, chain
):
    """After a roll settled them, claims read only the stored roll price: with the next roll impossible (no expiry
    price recorded, weeks after the expiry), the buyer and the recipient blacklisted and the vault paused, every
    settled deposit and redemption is still paid in full."""
    alice, _, carol = users
    _open(vault, users, keeper)
    expire(vault, 3_000 * ONE)
    closing = vault.epoch()
    vault.roll(sender=keeper)  # settles alice's redemption and carol's deposit
    claims = (vault.maxRedeem(alice), vault.maxWithdraw(alice), vault.maxMint(carol))
    assert all(claims)
    # Everything the roll depends on fails from here.
    chain.mine(1, timestamp=vault.current_expiry() + 30 * 86_400)  # nobody records an expiry price
    weth.setBlacklisted(buyer, True, sender=buyer)
    weth.setBlacklisted(fee_recipient, True, sender=buyer)
    vault.set_paused(True, sender=guardian)
    with pytest.raises(Exception):  # noqa: B017 - the engine refuses to settle without a final expiry price
        vault.roll(sender=keeper)  # (a pause does not stop the roll's settlement: F4)
    before = weth.balanceOf(alice)
    vault.redeem(claims[0], alice, alice, sender=alice)
    assert weth.balanceOf(alice) - before == claims[1]
    vault.mint(claims[2], carol, sender=carol)
    assert vault.balanceOf(carol) == claims[2]
    assert vault.roll_price(closing)[0] > 0
