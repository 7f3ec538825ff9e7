"""ThetaVault: ERC-7540 requests and claims, the epoch roll with options sold by batch auction (the proceeds booked at
finish_auction), fees once per roll, pause and operators."""

from __future__ import annotations

import ape
import pytest

from tests.options.fixtures import ONE
from tests.revert_data import reverts_with
from tests.vaults.conftest import AUCTION_DURATION, DISCOUNT_BPS, MIN_BID_BPS, PERFORMANCE_BPS, PREMIUM, RESERVE

OFFSET = 10**6
ZERO = "0x" + "00" * 20


# -- ERC-7540 surface --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "interface_id", ["0x01ffc9a7", "0xe3bc4e65", "0xce3bbe50", "0x620ee8e4", "0x2f0a18c5", "0x7965db0b"]
)
def test_erc165_reports_the_async_vault_interfaces(bare_vault, interface_id):
    assert bare_vault.supportsInterface(interface_id)


def test_erc165_rejects_other_interfaces(bare_vault):
    assert not bare_vault.supportsInterface("0xffffffff")
    assert not bare_vault.supportsInterface("0x80ac58cd")  # ERC-721


def test_the_share_is_the_vault_and_a_plain_erc20(bare_vault, weth):
    assert bare_vault.share() == bare_vault.address
    assert (bare_vault.symbol(), bare_vault.decimals(), bare_vault.asset()) == ("sfETH", 24, weth.address)


@pytest.mark.parametrize("preview", ["previewDeposit", "previewMint", "previewRedeem", "previewWithdraw"])
def test_previews_revert_for_asynchronous_flows(bare_vault, preview):
    with reverts_with("AsyncFlow()"):
        getattr(bare_vault, preview)(ONE)


# -- requests and claims -----------------------------------------------------------------------------------------------


def test_a_deposit_request_is_pending_until_the_roll(bare_vault, users, weth):
    alice = users[0]
    tx = bare_vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    assert [(e.controller, e.owner, e.requestId, e.assets) for e in tx.events.filter(bare_vault.DepositRequest)] == [
        (alice.address, alice.address, 0, 10 * ONE)
    ]
    assert bare_vault.pendingDepositRequest(0, alice) == 10 * ONE
    assert bare_vault.claimableDepositRequest(0, alice) == 0
    assert (bare_vault.maxDeposit(alice), bare_vault.maxMint(alice)) == (0, 0)
    assert bare_vault.totalAssets() == 0  # pending assets are not invested
    assert weth.balanceOf(bare_vault) == 10 * ONE


def test_the_roll_makes_deposits_claimable_at_the_roll_price(bare_vault, users, keeper):
    alice = users[0]
    bare_vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    bare_vault.roll(sender=keeper)
    assert bare_vault.pendingDepositRequest(0, alice) == 0
    assert bare_vault.claimableDepositRequest(0, alice) == 10 * ONE
    assert bare_vault.maxMint(alice) == 10 * ONE * OFFSET  # (0 + 10^6) / (0 + 1) shares per asset unit
    tx = bare_vault.deposit(10 * ONE, alice, sender=alice)
    assert bare_vault.balanceOf(alice) == 10 * ONE * OFFSET
    assert [(e.assets, e.shares) for e in tx.events.filter(bare_vault.Deposit)] == [(10 * ONE, 10 * ONE * OFFSET)]
    assert bare_vault.maxDeposit(alice) == 0


def test_claims_cannot_exceed_the_claimable_amounts(bare_vault, users, keeper):
    alice = users[0]
    bare_vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    with reverts_with("ExceedsClaimable(uint256,uint256)", ONE, 0):
        bare_vault.deposit(ONE, alice, sender=alice)
    bare_vault.roll(sender=keeper)
    with reverts_with("ExceedsClaimable(uint256,uint256)", 10 * ONE + 1, 10 * ONE):
        bare_vault.deposit(10 * ONE + 1, alice, sender=alice)


def _shares_of_a_rolled_deposit(vault, who, keeper, assets):
    """``who`` deposits ``assets``, the vault rolls, ``who`` mints every share: returns the shares."""
    vault.requestDeposit(assets, who, who, sender=who)
    vault.roll(sender=keeper)
    vault.mint(vault.maxMint(who), who, sender=who)
    return vault.balanceOf(who)


def test_a_redemption_round_trip_returns_the_assets(bare_vault, users, keeper, weth):
    alice = users[0]
    shares = _shares_of_a_rolled_deposit(bare_vault, alice, keeper, 10 * ONE)
    tx = bare_vault.requestRedeem(shares, alice, alice, sender=alice)
    assert [e.shares for e in tx.events.filter(bare_vault.RedeemRequest)] == [shares]
    assert bare_vault.pendingRedeemRequest(0, alice) == shares
    bare_vault.roll(sender=keeper)
    assert bare_vault.claimableRedeemRequest(0, alice) == shares
    assert bare_vault.maxWithdraw(alice) == 10 * ONE  # nothing earned, nothing lost, never more
    before = weth.balanceOf(alice)
    bare_vault.redeem(shares, alice, alice, sender=alice)
    assert weth.balanceOf(alice) - before == 10 * ONE
    assert bare_vault.totalSupply() == 0


def test_operators_claim_only_where_approved(bare_vault, users, keeper):
    alice, bob, _ = users
    bare_vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    bare_vault.roll(sender=keeper)
    with reverts_with("NotOperator(address,address)", alice.address, bob.address):
        bare_vault.deposit(ONE, bob, alice, sender=bob)
    tx = bare_vault.setOperator(bob, True, sender=alice)
    assert [(e.controller, e.operator, e.approved) for e in tx.events.filter(bare_vault.OperatorSet)] == [
        (alice.address, bob.address, True)
    ]
    bare_vault.deposit(ONE, bob, alice, sender=bob)
    assert bare_vault.balanceOf(bob) == ONE * OFFSET


def test_requests_on_behalf_of_an_owner_need_an_operator(bare_vault, users):
    alice, bob, _ = users
    with reverts_with("NotOperator(address,address)"):
        bare_vault.requestDeposit(ONE, bob, alice, sender=bob)  # bob spending alice's assets


def test_the_cap_bounds_invested_plus_pending(bare_vault, users, weth, deployer):
    alice = users[0]
    weth.mint(alice, 10_000 * ONE, sender=deployer)
    with reverts_with("CapExceeded(uint256)"):
        bare_vault.requestDeposit(10_000 * ONE + 1, alice, alice, sender=alice)


# -- the epoch with options --------------------------------------------------------------------------------------------


def test_a_roll_writes_calls_on_all_invested_assets_and_books_the_auction_proceeds(
    vault, users, keeper, engine, buyer, sell
):
    alice = users[0]
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    tx = vault.roll(sender=keeper)
    series = vault.current_series()
    assert series != 0
    s = engine.series(series)
    assert (s.strike, s.isPut) == (3_300 * ONE, False)  # 10% OTM on $3,000, on the $100 grid
    assert engine.collateralOf(series, vault) == 10 * ONE
    [rolled] = tx.events.filter(vault.EpochRolled)
    [started] = tx.events.filter(vault.AuctionStarted)
    assert (rolled.series, rolled.auction) == (series, vault.current_auction()) == (started.series, started.auction)
    assert (started.options, started.reserve) == (10 * ONE, RESERVE)  # every option offered, at 90% of the value
    assert vault.totalAssets() == 10 * ONE  # nothing is booked before the auction pays
    finished = sell(vault, [(buyer, 10 * ONE, PREMIUM)]).events.filter(vault.AuctionFinished)
    assert [(e.sold, e.proceeds, e.unsold) for e in finished] == [(10 * ONE, 10 * PREMIUM, 0)]
    assert engine.collateralOf(series, vault) == 10 * ONE  # all sold: all still written
    assert vault.totalAssets() == 10 * ONE + 10 * PREMIUM


def test_a_roll_before_expiry_with_options_open_is_refused(vault, users, keeper):
    alice = users[0]
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    vault.roll(sender=keeper)
    with reverts_with("EpochNotDue(uint256)", vault.current_expiry()):
        vault.roll(sender=keeper)


def test_a_late_depositor_does_not_take_premium_it_did_not_risk(vault, users, keeper, expire, buyer, sell):
    alice, bob, _ = users
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    vault.roll(sender=keeper)  # 10 WETH written and offered
    sell(vault, [(buyer, 10 * ONE, PREMIUM)])  # 0.1 WETH of proceeds booked
    vault.requestDeposit(10 * ONE, bob, bob, sender=bob)  # mid-epoch: priced only at the next roll
    expire(vault, 3_000 * ONE)  # out of the money
    vault.roll(sender=keeper)
    vault.mint(vault.maxMint(alice), alice, sender=alice)
    vault.mint(vault.maxMint(bob), bob, sender=bob)
    # Value both at the price of the roll that let bob in (the next epoch's premium is earned by both alike).
    assets, supply = vault.roll_price(2)

    def value(who):
        return vault.balanceOf(who) * (assets + 1) // (supply + OFFSET)

    assert vault.balanceOf(bob) < vault.balanceOf(alice)  # same 10 WETH, fewer shares: bought after the premium
    assert value(bob) <= 10 * ONE  # bob's shares are worth what he paid, no more
    assert value(alice) > 10 * ONE + 8 * PREMIUM  # alice keeps the premium (less the performance fee)


def test_an_in_the_money_expiry_lowers_the_share_price(vault, users, keeper, expire, engine, buyer, sell):
    alice = users[0]
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    vault.roll(sender=keeper)
    sell(vault, [(buyer, 10 * ONE, PREMIUM)])  # the buyer holds all 10 calls
    vault.mint(vault.maxMint(alice), alice, sender=alice)
    before = vault.convertToAssets(vault.balanceOf(alice))
    expire(vault, 4_400 * ONE)  # (4,400 - 3,300) / 4,400 = 0.25 WETH per option to the buyer
    tx = vault.roll(sender=keeper)
    after = vault.convertToAssets(vault.balanceOf(alice))
    assert after < before
    assert [e.performance for e in tx.events.filter(vault.FeesCharged)] in ([], [0])  # no performance fee on a loss
    fees = sum(e.management for e in tx.events.filter(vault.FeesCharged))
    assets, _ = vault.roll_price(2)
    assert assets == 10 * ONE + 10 * PREMIUM - 10 * ONE // 4 - fees  # the proceeds kept, the buyer's payout lost


def test_the_performance_fee_is_charged_once_on_the_epoch_gain(
    vault, users, keeper, expire, weth, fee_recipient, buyer, sell
):
    alice = users[0]
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    vault.roll(sender=keeper)
    sell(vault, [(buyer, 10 * ONE, PREMIUM)])  # the epoch's gain: 10 * PREMIUM of proceeds
    expire(vault, 3_000 * ONE)
    tx = vault.roll(sender=keeper)
    (fees,) = tx.events.filter(vault.FeesCharged)
    assert fees.performance == 10 * PREMIUM * PERFORMANCE_BPS // 10_000
    assert vault.fees_owed() == fees.management + fees.performance  # owed, pulled by the recipient
    before = weth.balanceOf(fee_recipient)
    vault.claim_fees(sender=fee_recipient)
    assert weth.balanceOf(fee_recipient) - before == fees.management + fees.performance
    assert vault.fees_owed() == 0
    # The next epoch sells nothing (no bids: its options are burned): the gain already charged is not charged again.
    sell(vault)
    expire(vault, 3_000 * ONE)
    (again,) = vault.roll(sender=keeper).events.filter(vault.FeesCharged)
    assert again.performance == 0 and again.management > 0


def test_management_fee_is_pro_rata_so_quick_rolls_never_double_charge(
    bare_vault, users, keeper, deployer, chain, fee_recipient, selector
):
    # Ribbon, November 2021: a week's management fee charged twice. Here each roll charges only the time since
    # the last one, so two rolls a minute apart charge a minute, not two weeks.
    bare_vault.set_parameters(
        500, 0, fee_recipient, selector, ZERO, DISCOUNT_BPS, AUCTION_DURATION, MIN_BID_BPS, sender=deployer
    )
    alice = users[0]
    bare_vault.requestDeposit(100 * ONE, alice, alice, sender=alice)
    bare_vault.roll(sender=keeper)
    chain.mine(1, timestamp=chain.pending_timestamp + 7 * 86_400)
    first = bare_vault.roll(sender=keeper).events.filter(bare_vault.FeesCharged)[0].management
    chain.mine(1, timestamp=chain.pending_timestamp + 60)
    second = bare_vault.roll(sender=keeper).events.filter(bare_vault.FeesCharged)[0].management
    week = 100 * ONE * 500 * 7 * 86_400 // (10_000 * 31_536_000)
    assert week - ONE // 10**6 <= first <= week + ONE // 10**4
    assert second < first // 1_000


# -- roles -------------------------------------------------------------------------------------------------------------


def test_only_the_keeper_rolls(vault, users):
    with ape.reverts("access_control: account is missing role"):
        vault.roll(sender=users[0])


def test_only_the_admin_sets_parameters(vault, users, selector, pricer):
    with ape.reverts("access_control: account is missing role"):
        vault.set_parameters(
            0, 0, users[0], selector, pricer, DISCOUNT_BPS, AUCTION_DURATION, MIN_BID_BPS, sender=users[0]
        )


@pytest.mark.parametrize(("management", "performance"), [(501, 0), (0, 3_001)])
def test_fees_are_capped(vault, deployer, fee_recipient, selector, pricer, management, performance):
    with reverts_with("InvalidConfig(string)", "fees"):
        vault.set_parameters(
            management,
            performance,
            fee_recipient,
            selector,
            pricer,
            DISCOUNT_BPS,
            AUCTION_DURATION,
            MIN_BID_BPS,
            sender=deployer,
        )
    vault.set_parameters(
        500, 3_000, fee_recipient, selector, pricer, DISCOUNT_BPS, AUCTION_DURATION, MIN_BID_BPS, sender=deployer
    )
    assert (vault.management_fee_bps(), vault.performance_fee_bps()) == (500, 3_000)  # the caps themselves are allowed


def test_the_guardian_pauses_new_deposits_and_options_but_never_exits_or_claims(bare_vault, users, keeper, guardian):
    """F4: a pause stops new risk only. requestDeposit reverts Paused(); requestRedeem, the roll's settlement of
    pending requests and every claim go on (the pricer-less bare vault writes no options anyway)."""
    alice = users[0]
    bare_vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    bare_vault.roll(sender=keeper)
    bare_vault.set_paused(True, sender=guardian)
    with reverts_with("Paused()"):
        bare_vault.requestDeposit(ONE, alice, alice, sender=alice)
    bare_vault.deposit(10 * ONE, alice, sender=alice)  # claiming what is claimable still works
    assert bare_vault.balanceOf(alice) == 10 * ONE * OFFSET
    bare_vault.requestRedeem(ONE * OFFSET, alice, alice, sender=alice)
    bare_vault.roll(sender=keeper)
    assert bare_vault.maxWithdraw(alice) == ONE and bare_vault.total_pending_redeem_shares() == 0


def test_only_the_guardian_pauses(bare_vault, users):
    with ape.reverts("access_control: account is missing role"):
        bare_vault.set_paused(True, sender=users[0])


# -- exploit regressions -----------------------------------------------------------------------------------------------


def test_the_first_depositor_inflation_attack_fails(bare_vault, users, keeper, weth):
    attacker, victim, _ = users
    bare_vault.requestDeposit(1, attacker, attacker, sender=attacker)
    bare_vault.roll(sender=keeper)
    bare_vault.deposit(1, attacker, sender=attacker)
    weth.transfer(bare_vault, 100 * ONE, sender=attacker)  # donation to inflate the share price
    bare_vault.requestDeposit(10 * ONE, victim, victim, sender=victim)
    bare_vault.roll(sender=keeper)
    bare_vault.mint(bare_vault.maxMint(victim), victim, sender=victim)
    victim_value = bare_vault.convertToAssets(bare_vault.balanceOf(victim))
    assert victim_value >= 10 * ONE * 999 // 1_000  # the victim keeps at least 99.9%
    attacker_value = bare_vault.convertToAssets(bare_vault.balanceOf(attacker))
    assert attacker_value < 100 * ONE  # the attacker loses most of the donation to the virtual shares


# -- cash-secured puts ------------------------------------------------------------------------------------------------


PUT_VALUE = 30 * ONE  # the pricer's value of a put: 30 USDC, 1e18-scaled
PUT_PRICE = 30 * 10**6  # what a bidder pays per 1e18 puts, in USDC base units


@pytest.fixture
def put_vault(project, deployer, engine, weth, usdc, selector, keeper, auction):
    vault = project.ThetaVault.deploy(
        usdc,
        engine,
        weth,
        usdc,
        True,
        10**15,
        selector,
        auction,
        deployer,
        "Strikeforge ETH Put",
        "sfETP",
        sender=deployer,
    )
    engine.grantRole(engine.SERIES_CREATOR_ROLE(), vault, sender=deployer)
    vault.grantRole(vault.KEEPER_ROLE(), keeper, sender=deployer)
    pricer = project.MockOptionPricer.deploy(PUT_VALUE, sender=deployer)
    vault.set_parameters(0, 0, ZERO, selector, pricer, DISCOUNT_BPS, AUCTION_DURATION, MIN_BID_BPS, sender=deployer)
    return vault


@pytest.fixture
def put_buyer(accounts, usdc, deployer, auction):
    """A market maker bidding USDC for puts."""
    who = accounts[4]
    usdc.mint(who, 10**12, sender=deployer)
    usdc.approve(auction, 2**256 - 1, sender=who)
    return who


def test_a_put_vault_secures_puts_with_cash_and_pays_out_below_the_strike(
    put_vault, engine, usdc, users, keeper, expire, deployer, auction, put_buyer, sell
):
    alice = users[0]
    usdc.mint(alice, 27_000 * 10**6, sender=deployer)
    usdc.approve(put_vault, 2**256 - 1, sender=alice)
    put_vault.requestDeposit(27_000 * 10**6, alice, alice, sender=alice)
    put_vault.roll(sender=keeper)
    series = put_vault.current_series()
    s = engine.series(series)
    assert (s.strike, s.isPut) == (2_700 * ONE, True)  # 10% below $3,000, on the $100 grid
    assert engine.collateralOf(series, put_vault) == 27_000 * 10**6  # 10 puts at $2,700
    # The reserve is in the vault's asset: 90% of 30 USDC per put, in USDC base units.
    assert auction.auctionOf(put_vault.current_auction()).reserve == PUT_PRICE * (10_000 - DISCOUNT_BPS) // 10_000
    before = usdc.balanceOf(put_buyer)
    sell(put_vault, [(put_buyer, 10 * ONE, PUT_PRICE)])
    assert before - usdc.balanceOf(put_buyer) == 300 * 10**6  # 30 USDC per put, escrowed at the bid
    assert put_vault.totalAssets() == 27_000 * 10**6 + 300 * 10**6  # the proceeds booked at the finish
    expire(put_vault, 2_000 * ONE)  # $700 per put to the buyer
    put_vault.roll(sender=keeper)
    put_vault.deposit(27_000 * 10**6, alice, sender=alice)
    assets, _ = put_vault.roll_price(2)
    assert assets == 27_000 * 10**6 + 300 * 10**6 - 7_000 * 10**6


def test_fee_parameters_change_only_through_the_timelock(
    project, deployer, engine, weth, usdc, selector, fee_recipient, pricer, auction, chain
):
    timelock = project.StrikeforgeTimelock.deploy(86_400, 86_400, [deployer], [deployer], ZERO, sender=deployer)
    vault = project.ThetaVault.deploy(
        weth,
        engine,
        weth,
        usdc,
        False,
        10**24,
        selector,
        auction,
        timelock,
        "Strikeforge ETH Theta",
        "sfETH",
        sender=deployer,
    )
    terms = (100, 100, fee_recipient, selector, pricer, DISCOUNT_BPS, AUCTION_DURATION, MIN_BID_BPS)
    with ape.reverts("access_control: account is missing role"):
        vault.set_parameters(*terms, sender=deployer)
    call = vault.set_parameters.encode_input(*terms)
    zero = b"\x00" * 32
    timelock.schedule(vault, 0, call, zero, zero, 86_400, sender=deployer)
    chain.mine(1, timestamp=chain.pending_timestamp + 86_400)
    timelock.execute(vault, 0, call, zero, zero, sender=deployer)
    assert (vault.management_fee_bps(), vault.performance_fee_bps(), vault.fee_recipient(), vault.pricer()) == (
        100,
        100,
        fee_recipient.address,
        pricer.address,
    )


def test_a_withdrawal_by_assets_pays_them_exactly_and_uses_up_shares_rounded_up(bare_vault, users, keeper, weth):
    alice = users[0]
    shares = _shares_of_a_rolled_deposit(bare_vault, alice, keeper, 10 * ONE)
    bare_vault.requestRedeem(shares, alice, alice, sender=alice)
    bare_vault.roll(sender=keeper)
    before = weth.balanceOf(alice)
    tx = bare_vault.withdraw(3 * ONE + 1, alice, alice, sender=alice)
    assert weth.balanceOf(alice) - before == 3 * ONE + 1
    (used,) = [e.shares for e in tx.events.filter(bare_vault.Withdraw)]
    assert used * 10 * ONE >= (3 * ONE + 1) * shares  # never fewer shares than the exact pro-rata amount
    assert bare_vault.claimableRedeemRequest(0, alice) == shares - used
    rest = bare_vault.maxWithdraw(alice)
    assert rest <= 7 * ONE - 1  # what is left never pays more than was put in
    with reverts_with("ExceedsClaimable(uint256,uint256)", rest + 1, rest):
        bare_vault.withdraw(rest + 1, alice, alice, sender=alice)
    bare_vault.withdraw(rest, alice, alice, sender=alice)
    assert weth.balanceOf(alice) - before == 3 * ONE + 1 + rest
