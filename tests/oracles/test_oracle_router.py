"""OracleRouter: primary/fallback routing under a deviation bound, and expiry prices from evidence with a dispute."""

from __future__ import annotations

import ape
import pytest

from tests.oracles.conftest import (
    DEVIATION_BPS,
    DISPUTE_PERIOD,
    MAX_EXPIRY_LAG,
    NO_SEQUENCER,
    SOURCE_GRACE,
    STALL_PERIOD,
)
from tests.revert_data import reverts_with

USD = 10**18
LAG = MAX_EXPIRY_LAG


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
    router.set_route(weth, usdc, primary, backup, DEVIATION_BPS, True, LAG, sender=deployer)
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
    router.set_route(weth, usdc, primary, NO_SEQUENCER, 0, False, LAG, sender=deployer)
    prices(3_000 * USD, 1 * USD)
    assert router.routed_price(weth, usdc)[::2] == (3_000 * USD, primary.address)
    primary.setDown(True, sender=deployer)
    with reverts_with("SourcesUnavailable(address,address)"):
        router.getPrice(weth, usdc)


def test_an_unrouted_pair_is_unsupported(routed, weth, usdc, project, deployer):
    other = project.MockERC20.deploy("Other", "OTH", 18, sender=deployer)
    with reverts_with("OracleUnsupportedPair(address,address)", weth.address, other.address):
        routed.getPrice(weth, other)
    with reverts_with("OracleUnsupportedPair(address,address)", usdc.address, weth.address):
        routed.getPrice(usdc, weth)  # getPrice answers only the configured direction


def test_quotes_work_in_both_directions_with_decimals(routed, prices, weth, usdc):
    prices(3_000 * USD, 3_000 * USD)
    assert routed.getQuote(2 * 10**18, weth, usdc) == 6_000 * 10**6
    assert routed.getQuote(1_500 * 10**6, usdc, weth) == 5 * 10**17


def test_only_governance_sets_routes_and_the_disputer(routed, alice, primary, backup, weth, usdc):
    with ape.reverts("ownable: caller is not the owner"):
        routed.set_route(weth, usdc, backup, primary, 100, True, LAG, sender=alice)
    with ape.reverts("ownable: caller is not the owner"):
        routed.set_disputer(alice, sender=alice)


@pytest.mark.parametrize(
    ("bps", "same_sources", "reason"),
    [(0, False, "max_deviation_bps"), (10_001, False, "max_deviation_bps"), (100, True, "sources")],
    ids=["zero-bound", "bound-above-100%", "primary-is-fallback"],
)
def test_invalid_routes_are_rejected(router, deployer, primary, backup, weth, usdc, bps, same_sources, reason):
    with reverts_with("InvalidConfig(string)", reason):
        router.set_route(weth, usdc, primary, primary if same_sources else backup, bps, False, LAG, sender=deployer)


def test_route_changes_are_logged(router, deployer, primary, backup, weth, usdc):
    tx = router.set_route(weth, usdc, primary, backup, 150, True, LAG, sender=deployer)
    event = tx.events[0]
    logged = (event.primary, event.fallback_source, event.max_deviation_bps, event.halt_on_deviation)
    assert (*logged, event.max_expiry_lag) == (primary.address, backup.address, 150, True, LAG)


# -- expiry prices ------------------------------------------------------------------------------------------------


@pytest.fixture
def expiry(chain):
    return chain.pending_timestamp + 1_000


def _after(chain, timestamp):
    chain.mine(1, timestamp=timestamp)


@pytest.fixture
def at_expiry(primary, backup, deployer, expiry):
    """Rounds around expiry: primary 3,000 and backup 3,010 current at expiry, then 3,100 and 3,110 after it."""
    primary.set(3_000 * USD, expiry - 30, sender=deployer)
    backup.set(3_010 * USD, expiry - 20, sender=deployer)
    primary.set(3_100 * USD, expiry + 30, sender=deployer)
    backup.set(3_110 * USD, expiry + 40, sender=deployer)


def _record(router, weth, usdc, expiry, sender):
    return router.record_expiry_price(weth, usdc, expiry, *router.expiry_hints(weth, usdc, expiry), sender=sender)


def _hint(round_id):
    return round_id.to_bytes(32, "big")


def test_the_router_refuses_an_unusable_expiry_config(project, deployer, disputer, router, primary, backup, weth, usdc):
    with reverts_with("InvalidConfig(string)", "stall_period"):
        project.OracleRouter.deploy(DISPUTE_PERIOD, SOURCE_GRACE, SOURCE_GRACE - 1, disputer, deployer, sender=deployer)
    with reverts_with("InvalidConfig(string)", "source_grace"):
        project.OracleRouter.deploy(DISPUTE_PERIOD, 0, STALL_PERIOD, disputer, deployer, sender=deployer)
    with reverts_with("InvalidConfig(string)", "max_expiry_lag"):
        router.set_route(weth, usdc, primary, backup, DEVIATION_BPS, False, 0, sender=deployer)
    assert (router.SOURCE_GRACE(), router.STALL_PERIOD()) == (SOURCE_GRACE, STALL_PERIOD)


def test_an_expiry_price_cannot_be_recorded_before_expiry(routed, at_expiry, weth, usdc, alice, expiry):
    with reverts_with("ExpiryNotReached(uint256)", expiry):
        routed.record_expiry_price(weth, usdc, expiry, _hint(1), _hint(1), sender=alice)


def test_expiry_hints_are_the_sources_hints(routed, at_expiry, weth, usdc, chain, expiry):
    _after(chain, expiry + 60)
    assert routed.expiry_hints(weth, usdc, expiry) == (_hint(1), _hint(1))


def test_an_expiry_price_is_recorded_once(routed, at_expiry, primary, weth, usdc, alice, bob, chain, expiry):
    _after(chain, expiry + 60)
    tx = _record(routed, weth, usdc, expiry, alice)
    assert [(e.expiry, e.price, e.source, e.recorder, e.updated_at) for e in tx.events] == [
        (expiry, 3_000 * USD, primary.address, alice.address, expiry - 30)
    ]
    with reverts_with("ExpiryPriceAlreadyRecorded(uint256)", expiry):
        _record(routed, weth, usdc, expiry, bob)


def test_an_expiry_price_is_final_only_after_the_dispute_period(routed, at_expiry, weth, usdc, alice, chain, expiry):
    _after(chain, expiry + 60)
    recorded_at = _record(routed, weth, usdc, expiry, alice).timestamp
    with reverts_with("ExpiryPriceNotFinal(uint256)", expiry):
        routed.expiry_price(weth, usdc, expiry)
    _after(chain, recorded_at + DISPUTE_PERIOD - 1)
    assert not routed.is_expiry_price_final(weth, usdc, expiry)
    _after(chain, recorded_at + DISPUTE_PERIOD)
    assert routed.is_expiry_price_final(weth, usdc, expiry)
    assert routed.expiry_price(weth, usdc, expiry) == 3_000 * USD


def test_the_disputer_switches_to_the_other_sources_evidence(
    routed, at_expiry, backup, weth, usdc, alice, disputer, chain, expiry
):
    _after(chain, expiry + 60)
    recorded_at = _record(routed, weth, usdc, expiry, alice).timestamp
    tx = routed.dispute_expiry_price(weth, usdc, expiry, True, _hint(1), sender=disputer)
    assert [(e.old_price, e.new_price, e.source, e.updated_at) for e in tx.events] == [
        (3_000 * USD, 3_010 * USD, backup.address, expiry - 20)
    ]
    record = routed.expiry_prices(weth, usdc, expiry)
    assert (record.recorded_at, record.disputed) == (recorded_at, True)
    _after(chain, recorded_at + DISPUTE_PERIOD)
    assert routed.expiry_price(weth, usdc, expiry) == 3_010 * USD


def test_a_dispute_must_change_the_price(routed, at_expiry, primary, weth, usdc, alice, disputer, chain, expiry):
    _after(chain, expiry + 60)
    _record(routed, weth, usdc, expiry, alice)
    with reverts_with("EvidenceMatchesRecord(uint256)", 3_000 * USD):
        routed.dispute_expiry_price(weth, usdc, expiry, False, _hint(1), sender=disputer)


def test_only_the_disputer_disputes(routed, at_expiry, weth, usdc, alice, chain, expiry):
    _after(chain, expiry + 60)
    _record(routed, weth, usdc, expiry, alice)
    with reverts_with("NotDisputer(address)", alice.address):
        routed.dispute_expiry_price(weth, usdc, expiry, True, _hint(1), sender=alice)


def test_a_final_price_cannot_be_disputed(routed, at_expiry, weth, usdc, alice, disputer, chain, expiry):
    _after(chain, expiry + 60)
    recorded_at = _record(routed, weth, usdc, expiry, alice).timestamp
    _after(chain, recorded_at + DISPUTE_PERIOD)
    with reverts_with("DisputePeriodOver(uint256)", expiry):
        routed.dispute_expiry_price(weth, usdc, expiry, True, _hint(1), sender=disputer)
    assert routed.expiry_price(weth, usdc, expiry) == 3_000 * USD


def test_an_unrecorded_expiry_has_no_price(routed, weth, usdc, disputer, expiry):
    with reverts_with("ExpiryPriceNotRecorded(uint256)", expiry):
        routed.expiry_price(weth, usdc, expiry)
    with reverts_with("ExpiryPriceNotRecorded(uint256)", expiry):
        routed.dispute_expiry_price(weth, usdc, expiry, True, _hint(1), sender=disputer)


def test_no_evidence_records_nothing(routed, primary, backup, deployer, weth, usdc, alice, chain, expiry):
    _after(chain, expiry + 60)
    primary.setDown(True, sender=deployer)
    backup.setDown(True, sender=deployer)
    with reverts_with("NoExpiryEvidence(address,address,uint256)", weth.address, usdc.address, expiry):
        routed.record_expiry_price(weth, usdc, expiry, b"", b"", sender=alice)


def test_a_halting_route_refuses_deviating_evidence(
    router, deployer, primary, backup, weth, usdc, alice, chain, expiry
):
    router.set_route(weth, usdc, primary, backup, DEVIATION_BPS, True, LAG, sender=deployer)
    primary.set(3_500 * USD, expiry - 30, sender=deployer)
    backup.set(3_000 * USD, expiry - 30, sender=deployer)
    _after(chain, expiry + 60)
    with reverts_with("PriceDeviation(uint256,uint256,uint256)", 3_500 * USD, 3_000 * USD, DEVIATION_BPS):
        _record(router, weth, usdc, expiry, alice)


def test_a_route_without_fallback_records_its_primary_at_once(
    router, deployer, primary, weth, usdc, alice, chain, expiry
):
    router.set_route(weth, usdc, primary, NO_SEQUENCER, 0, False, LAG, sender=deployer)
    primary.set(3_000 * USD, expiry - 30, sender=deployer)
    _after(chain, expiry + 60)
    assert router.expiry_hints(weth, usdc, expiry) == (_hint(1), b"")
    _record(router, weth, usdc, expiry, alice)
    assert router.expiry_prices(weth, usdc, expiry).price == 3_000 * USD


def test_a_route_change_does_not_touch_a_recorded_price(
    routed, at_expiry, weth, usdc, alice, deployer, backup, primary, chain, expiry
):
    _after(chain, expiry + 60)
    recorded_at = _record(routed, weth, usdc, expiry, alice).timestamp
    routed.set_route(weth, usdc, backup, primary, 100, True, LAG, sender=deployer)
    _after(chain, recorded_at + DISPUTE_PERIOD)
    assert routed.expiry_price(weth, usdc, expiry) == 3_000 * USD
