"""OptionsEngine: series creation, collateralized writing, burning, settlement, redemption and reclaim."""

from __future__ import annotations

import ape
import pytest

from tests.options.fixtures import ONE, SPOT, WEEK, next_expiry, record_expiry

USDC = 10**6


def _token(project, engine, series_id):
    return project.OptionToken.at(engine.tokenOf(series_id))


# -- series ---------------------------------------------------------------------------------------------------


def test_a_series_gets_its_own_erc20(project, engine, create, expiry):
    series_id = create()
    token = _token(project, engine, series_id)
    assert (token.symbol(), token.decimals(), token.totalSupply()) == ("sfOPT-1", 18, 0)
    assert token.name() == "Strikeforge call #1"
    assert token.series() == (series_id, False)
    s = engine.series(series_id)
    assert (s.strike, s.expiry, s.isPut, s.settled) == (SPOT, expiry, False, False)


def test_only_the_series_creator_creates(engine, alice, weth, usdc, expiry):
    with ape.reverts(engine.AccessControlUnauthorizedAccount):
        engine.createSeries(weth, usdc, SPOT, expiry, False, sender=alice)


@pytest.mark.parametrize("shift", [1, -1, 3_600, 86_400], ids=["1s-late", "1s-early", "09:00", "saturday"])
def test_expiries_off_the_friday_schedule_are_refused(engine, create, expiry, shift):
    with ape.reverts(engine.InvalidExpiry, expiry=expiry + shift):
        create(when=expiry + shift)


def test_a_past_or_too_distant_expiry_is_refused(engine, create, chain):
    past = next_expiry(chain.pending_timestamp) - WEEK * 2
    with ape.reverts(engine.InvalidExpiry):
        create(when=past)
    with ape.reverts(engine.InvalidExpiry):
        create(when=next_expiry(chain.pending_timestamp, weeks=54))


@pytest.mark.parametrize("strike", [SPOT // 10 - 1, SPOT * 10 + 1, 0])
def test_strikes_outside_the_bounds_are_refused(engine, create, strike):
    with ape.reverts(engine.StrikeOutOfBounds):
        create(strike=strike)


def test_a_series_exists_once(engine, create):
    first = create()
    with ape.reverts(engine.SeriesExists, seriesId=first):
        create()


def test_only_the_engine_mints_option_tokens(project, engine, create, alice):
    token = _token(project, engine, create())
    assert token.engine() == engine.address
    with ape.reverts(token.NotEngine):
        token.mint(alice, ONE, sender=alice)
    with ape.reverts(token.NotEngine):
        token.burn(alice, 0, sender=alice)


# -- writing and burning -----------------------------------------------------------------------------------------


def test_a_call_is_collateralized_one_underlying_per_option(engine, create, funded, weth, project):
    alice, bob = funded
    series_id = create()
    before = weth.balanceOf(alice)
    tx = engine.write(series_id, 2 * ONE, bob, sender=alice)
    assert weth.balanceOf(alice) == before - 2 * ONE
    assert _token(project, engine, series_id).balanceOf(bob) == 2 * ONE
    assert [(e.writer, e.to, e.amount, e.collateral) for e in tx.events.filter(engine.OptionsWritten)] == [
        (alice.address, bob.address, 2 * ONE, 2 * ONE)
    ]


def test_a_put_is_collateralized_by_the_strike_rounded_up(engine, create, funded, usdc):
    alice, _ = funded
    series_id = create(strike=2_500 * ONE + 1, is_put=True)  # a strike with a fraction below 1e-6 USDC
    assert engine.collateralFor(series_id, ONE) == 2_500 * USDC + 1  # rounded up, against the writer
    before = usdc.balanceOf(alice)
    engine.write(series_id, ONE, alice, sender=alice)
    assert usdc.balanceOf(alice) == before - (2_500 * USDC + 1)


def test_writing_after_expiry_is_refused(engine, create, funded, chain, expiry):
    alice, _ = funded
    series_id = create()
    chain.mine(1, timestamp=expiry)
    with ape.reverts(engine.SeriesExpired):
        engine.write(series_id, ONE, alice, sender=alice)


def test_a_writer_burns_held_options_for_their_collateral(engine, create, funded, weth, project):
    alice, _ = funded
    series_id = create()
    engine.write(series_id, 3 * ONE, alice, sender=alice)
    before = weth.balanceOf(alice)
    engine.burn(series_id, ONE, sender=alice)
    assert weth.balanceOf(alice) == before + ONE
    assert engine.written(series_id, alice) == 2 * ONE
    assert _token(project, engine, series_id).totalSupply() == 2 * ONE


def test_burning_more_than_written_is_refused(engine, create, funded):
    alice, bob = funded
    series_id = create()
    engine.write(series_id, ONE, bob, sender=alice)
    engine.write(series_id, ONE, bob, sender=bob)
    with ape.reverts(engine.InsufficientWritten, written=ONE, amount=2 * ONE):
        engine.burn(series_id, 2 * ONE, sender=bob)  # bob holds two options but wrote one


def test_burning_options_not_held_is_refused(engine, create, funded, project):
    alice, bob = funded
    series_id = create()
    engine.write(series_id, ONE, bob, sender=alice)  # alice wrote, bob holds
    token = _token(project, engine, series_id)
    with ape.reverts(token.ERC20InsufficientBalance):
        engine.burn(series_id, ONE, sender=alice)


# -- settlement ----------------------------------------------------------------------------------------------------


def test_settlement_waits_for_expiry_and_a_final_price(engine, create, chain, spot, router, deployer, weth, usdc):
    series_id = create()
    with ape.reverts(engine.SeriesNotExpired):
        engine.settle(series_id, sender=deployer)
    expiry = engine.series(series_id).expiry
    chain.mine(1, timestamp=expiry + 1)
    record_expiry(router, weth, usdc, expiry, deployer)
    with ape.reverts(engine.SettlementPriceNotFinal):
        engine.settle(series_id, sender=deployer)


def test_a_series_settles_once(engine, create, settle_at, deployer):
    series_id = create()
    tx = settle_at(series_id, 3_500 * ONE)
    assert [e.settlementPrice for e in tx.events.filter(engine.SeriesSettled)] == [3_500 * ONE]
    with ape.reverts(engine.AlreadySettled):
        engine.settle(series_id, sender=deployer)


def test_redeeming_before_settlement_is_refused(engine, create, funded):
    alice, _ = funded
    series_id = create()
    engine.write(series_id, ONE, alice, sender=alice)
    with ape.reverts(engine.SeriesNotSettled):
        engine.redeem(series_id, ONE, sender=alice)


def test_an_in_the_money_call_pays_its_value_in_the_underlying(engine, create, funded, settle_at, weth):
    alice, bob = funded
    series_id = create(strike=3_000 * ONE)
    engine.write(series_id, 4 * ONE, bob, sender=alice)
    settle_at(series_id, 4_000 * ONE)  # (S - K) / S = 1/4 WETH per option
    before = weth.balanceOf(bob)
    engine.redeem(series_id, 4 * ONE, sender=bob)
    assert weth.balanceOf(bob) - before == ONE
    before = weth.balanceOf(alice)
    engine.reclaim(series_id, sender=alice)
    assert weth.balanceOf(alice) - before == 3 * ONE


def test_an_in_the_money_put_pays_the_strike_difference(engine, create, funded, settle_at, usdc):
    alice, bob = funded
    series_id = create(strike=3_000 * ONE, is_put=True)
    engine.write(series_id, 2 * ONE, bob, sender=alice)  # 6,000 USDC locked
    settle_at(series_id, 2_500 * ONE)
    before = usdc.balanceOf(bob)
    engine.redeem(series_id, 2 * ONE, sender=bob)
    assert usdc.balanceOf(bob) - before == 1_000 * USDC
    before = usdc.balanceOf(alice)
    engine.reclaim(series_id, sender=alice)
    assert usdc.balanceOf(alice) - before == 5_000 * USDC
    assert usdc.balanceOf(engine) == 0


@pytest.mark.parametrize(("is_put", "price"), [(False, 2_000 * ONE), (True, 4_000 * ONE), (False, 3_000 * ONE)])
def test_out_of_the_money_options_pay_nothing_and_writers_get_everything(
    engine, create, funded, settle_at, weth, usdc, project, is_put, price
):
    alice, bob = funded
    series_id = create(strike=3_000 * ONE, is_put=is_put)
    engine.write(series_id, ONE, bob, sender=alice)
    asset = usdc if is_put else weth
    settle_at(series_id, price)
    before = asset.balanceOf(bob)
    engine.redeem(series_id, ONE, sender=bob)
    assert asset.balanceOf(bob) == before
    assert _token(project, engine, series_id).balanceOf(bob) == 0  # burned all the same
    engine.reclaim(series_id, sender=alice)
    assert asset.balanceOf(engine) == 0


def test_payouts_round_down_and_the_writer_reserve_rounds_up(engine, create, funded, settle_at, weth):
    alice, bob = funded
    series_id = create(strike=3_000 * ONE)
    engine.write(series_id, 3, bob, sender=alice)  # 3 wei of options
    settle_at(series_id, 9_000 * ONE)  # 2/3 of an underlying wei per option-wei: 2 exactly; pay floor, reserve ceil
    assert engine.payoutFor(series_id, 1) == 0
    assert engine.payoutFor(series_id, 3) == 2
    for _ in range(3):
        engine.redeem(series_id, 1, sender=bob)  # redeeming one wei at a time gains nothing
    engine.reclaim(series_id, sender=alice)
    assert weth.balanceOf(engine) == 2  # the 2 wei the holder forfeited by splitting stay unclaimed, never overpaid


def test_reclaiming_twice_or_without_writing_is_refused(engine, create, funded, settle_at):
    alice, bob = funded
    series_id = create()
    engine.write(series_id, ONE, bob, sender=alice)
    settle_at(series_id, 2_000 * ONE)
    engine.reclaim(series_id, sender=alice)
    with ape.reverts(engine.NothingToReclaim):
        engine.reclaim(series_id, sender=alice)
    with ape.reverts(engine.NothingToReclaim):
        engine.reclaim(series_id, sender=bob)
