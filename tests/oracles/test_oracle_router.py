"""OracleRouter: primary/fallback routing under a deviation bound, and expiry prices with a dispute period."""

from __future__ import annotations

import ape
import pytest

from tests.oracles.conftest import DEVIATION_BPS, DISPUTE_PERIOD, NO_SEQUENCER
from tests.revert_data import reverts_with

USD = 10**18


@pytest.fixture
def prices(primary, backup, deployer, chain):
    def set_prices(primary_price, backup_price):
        now = chain.pending_timestamp
        primary.set(primary_price, now, sender=deployer)
        backup.set(backup_price, now, sender=deployer)
        return now

    return set_prices


def test_agreeing_sources_answer_with_the_primary(routed, prices, primary, weth, usdc):
    prices(3_000 * USD, 3_030 * USD)  # 1% apart
    assert routed.routed_price(weth, usdc)[::2] == (3_000 * USD, primary.address)


def test_the_bound_is_exact(routed, prices, primary, backup, weth, usdc):
    backup_price = 3_000 * USD
    limit = backup_price * DEVIATION_BPS // 10_000
    prices(backup_price + limit, backup_price)
    assert routed.routed_price(weth, usdc)[2] == primary.address
    prices(backup_price + limit + 1, backup_price)
    assert routed.routed_price(weth, usdc)[2] == backup.address


def test_beyond_the_bound_the_fallback_answers(routed, prices, backup, weth, usdc):
    updated = prices(3_500 * USD, 3_000 * USD)
    assert routed.routed_price(weth, usdc) == (3_000 * USD, updated, backup.address)
    assert routed.getPrice(weth, usdc) == (3_000 * USD, updated)


def test_beyond_the_bound_a_halting_route_reverts(router, deployer, prices, primary, backup, weth, usdc):
    router.set_route(weth, usdc, primary, backup, DEVIATION_BPS, True, sender=deployer)
    prices(3_500 * USD, 3_000 * USD)
    with reverts_with("PriceDeviation(uint256,uint256,uint256)", 3_500 * USD, 3_000 * USD, DEVIATION_BPS):
        router.getPrice(weth, usdc)


def test_a_failing_primary_falls_back(routed, prices, primary, backup, deployer, weth, usdc):
    prices(3_000 * USD, 2_990 * USD)
    primary.setDown(True, sender=deployer)
    assert routed.routed_price(weth, usdc)[::2] == (2_990 * USD, backup.address)


def test_a_zero_price_counts_as_no_answer(routed, prices, backup, weth, usdc):
    prices(0, 2_990 * USD)
    assert routed.routed_price(weth, usdc)[::2] == (2_990 * USD, backup.address)


def test_a_failing_fallback_leaves_the_primary(routed, prices, primary, backup, deployer, weth, usdc):
    prices(3_000 * USD, 2_990 * USD)
    backup.setDown(True, sender=deployer)
    assert routed.routed_price(weth, usdc)[::2] == (3_000 * USD, primary.address)


def test_no_answer_at_all_reverts(routed, prices, primary, backup, deployer, weth, usdc):
    prices(3_000 * USD, 2_990 * USD)
    primary.setDown(True, sender=deployer)
    backup.setDown(True, sender=deployer)
    with reverts_with("SourcesUnavailable(address,address)", weth.address, usdc.address):
        routed.getPrice(weth, usdc)


def test_a_route_without_fallback_uses_the_primary_alone(router, deployer, prices, primary, weth, usdc):
    router.set_route(weth, usdc, primary, NO_SEQUENCER, 0, False, sender=deployer)
    prices(3_000 * USD, 1 * USD)
    assert router.routed_price(weth, usdc)[::2] == (3_000 * USD, primary.address)
    primary.setDown(True, sender=deployer)
    with reverts_with("SourcesUnavailable(address,address)"):
        router.getPrice(weth, usdc)


def test_an_unrouted_pair_is_unsupported(routed, weth, usdc, project, deployer):
    other = project.MockERC20.deploy("Other", "OTH", 18, sender=deployer)
    with reverts_with("UnsupportedPair(address,address)", weth.address, other.address):
        routed.getPrice(weth, other)
    with reverts_with("UnsupportedPair(address,address)", usdc.address, weth.address):
        routed.getPrice(usdc, weth)  # getPrice answers only the configured direction


def test_quotes_work_in_both_directions_with_decimals(routed, prices, weth, usdc):
    prices(3_000 * USD, 3_000 * USD)
    assert routed.getQuote(2 * 10**18, weth, usdc) == 6_000 * 10**6
    assert routed.getQuote(1_500 * 10**6, usdc, weth) == 5 * 10**17


def test_only_governance_sets_routes_and_the_disputer(routed, alice, primary, backup, weth, usdc):
    with ape.reverts("ownable: caller is not the owner"):
        routed.set_route(weth, usdc, backup, primary, 100, True, sender=alice)
    with ape.reverts("ownable: caller is not the owner"):
        routed.set_disputer(alice, sender=alice)


@pytest.mark.parametrize(
    ("bps", "same_sources", "reason"),
    [(0, False, "max_deviation_bps"), (10_001, False, "max_deviation_bps"), (100, True, "sources")],
    ids=["zero-bound", "bound-above-100%", "primary-is-fallback"],
)
def test_invalid_routes_are_rejected(router, deployer, primary, backup, weth, usdc, bps, same_sources, reason):
    with reverts_with("InvalidConfig(string)", reason):
        router.set_route(weth, usdc, primary, primary if same_sources else backup, bps, False, sender=deployer)


def test_route_changes_are_logged(router, deployer, primary, backup, weth, usdc):
    tx = router.set_route(weth, usdc, primary, backup, 150, True, sender=deployer)
    event = tx.events[0]
    assert (event.primary, event.fallback_source, event.max_deviation_bps, event.halt_on_deviation) == (
        primary.address,
        backup.address,
        150,
        True,
    )


# -- expiry prices ------------------------------------------------------------------------------------------------


@pytest.fixture
def expiry(chain):
    return chain.pending_timestamp + 1_000


def _after(chain, timestamp):
    chain.mine(1, timestamp=timestamp)


def test_an_expiry_price_cannot_be_recorded_before_expiry(routed, prices, weth, usdc, alice, expiry):
    prices(3_000 * USD, 3_000 * USD)
    with reverts_with("ExpiryNotReached(uint256)", expiry):
        routed.record_expiry_price(weth, usdc, expiry, sender=alice)


def test_an_expiry_price_is_recorded_once(routed, prices, primary, weth, usdc, alice, bob, chain, expiry):
    _after(chain, expiry)
    prices(3_000 * USD, 3_000 * USD)
    tx = routed.record_expiry_price(weth, usdc, expiry, sender=alice)
    assert [(e.expiry, e.price, e.source, e.recorder) for e in tx.events] == [
        (expiry, 3_000 * USD, primary.address, alice.address)
    ]
    prices(3_100 * USD, 3_100 * USD)
    with reverts_with("ExpiryPriceAlreadyRecorded(uint256)", expiry):
        routed.record_expiry_price(weth, usdc, expiry, sender=bob)


def test_an_expiry_price_is_final_only_after_the_dispute_period(routed, prices, weth, usdc, alice, chain, expiry):
    _after(chain, expiry)
    prices(3_000 * USD, 3_000 * USD)
    recorded_at = routed.record_expiry_price(weth, usdc, expiry, sender=alice).timestamp
    with reverts_with("ExpiryPriceNotFinal(uint256)", expiry):
        routed.expiry_price(weth, usdc, expiry)
    _after(chain, recorded_at + DISPUTE_PERIOD - 1)
    assert not routed.is_expiry_price_final(weth, usdc, expiry)
    _after(chain, recorded_at + DISPUTE_PERIOD)
    assert routed.is_expiry_price_final(weth, usdc, expiry)
    assert routed.expiry_price(weth, usdc, expiry) == 3_000 * USD


def test_the_disputer_corrects_within_the_period(routed, prices, weth, usdc, alice, disputer, chain, expiry):
    _after(chain, expiry)
    prices(3_000 * USD, 3_000 * USD)
    recorded_at = routed.record_expiry_price(weth, usdc, expiry, sender=alice).timestamp
    tx = routed.dispute_expiry_price(weth, usdc, expiry, 2_950 * USD, sender=disputer)
    assert [(e.old_price, e.new_price) for e in tx.events] == [(3_000 * USD, 2_950 * USD)]
    _after(chain, recorded_at + DISPUTE_PERIOD)
    assert routed.expiry_price(weth, usdc, expiry) == 2_950 * USD


def test_only_the_disputer_disputes(routed, prices, weth, usdc, alice, chain, expiry):
    _after(chain, expiry)
    prices(3_000 * USD, 3_000 * USD)
    routed.record_expiry_price(weth, usdc, expiry, sender=alice)
    with reverts_with("NotDisputer(address)", alice.address):
        routed.dispute_expiry_price(weth, usdc, expiry, 1 * USD, sender=alice)


def test_a_final_price_cannot_be_disputed(routed, prices, weth, usdc, alice, disputer, chain, expiry):
    _after(chain, expiry)
    prices(3_000 * USD, 3_000 * USD)
    recorded_at = routed.record_expiry_price(weth, usdc, expiry, sender=alice).timestamp
    _after(chain, recorded_at + DISPUTE_PERIOD)
    with reverts_with("DisputePeriodOver(uint256)", expiry):
        routed.dispute_expiry_price(weth, usdc, expiry, 1 * USD, sender=disputer)
    assert routed.expiry_price(weth, usdc, expiry) == 3_000 * USD


def test_an_unrecorded_expiry_has_no_price(routed, weth, usdc, disputer, expiry):
    with reverts_with("ExpiryPriceNotRecorded(uint256)", expiry):
        routed.expiry_price(weth, usdc, expiry)
    with reverts_with("ExpiryPriceNotRecorded(uint256)", expiry):
        routed.dispute_expiry_price(weth, usdc, expiry, 1 * USD, sender=disputer)


def test_a_route_change_does_not_touch_a_recorded_price(
    routed, prices, weth, usdc, alice, deployer, backup, primary, chain, expiry
):
    _after(chain, expiry)
    prices(3_000 * USD, 3_000 * USD)
    recorded_at = routed.record_expiry_price(weth, usdc, expiry, sender=alice).timestamp
    routed.set_route(weth, usdc, backup, primary, 100, True, sender=deployer)
    prices(9_000 * USD, 9_000 * USD)
    _after(chain, recorded_at + DISPUTE_PERIOD)
    assert routed.expiry_price(weth, usdc, expiry) == 3_000 * USD
