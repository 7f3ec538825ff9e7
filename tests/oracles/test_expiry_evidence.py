"""Issue 17 regression tests for the OracleRouter's expiry prices: H-5 (one disputer key could set any settlement
price) and M-1 (the first caller chose the settlement moment), each failing on the router before issue 17; and the
audit of the fix (F1, F2: a spoiled hint dropped a source, so a recorder chose the price after SOURCE_GRACE and a
halting route could never record), each failing on the router before the audit's fix.

Every recording and dispute goes through `record` and `dispute` below: the attack each test makes is the one the
router's interface allows (a recorder picks the moment and the hints; a disputer picks a source, a hint, a moment).
"""

from __future__ import annotations

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


def hint(round_id: int) -> bytes:
    """A MockPriceSource hint: abi.encode(uint256 roundId)."""
    return round_id.to_bytes(32, "big")


def record(router, weth, usdc, expiry, sender, hints=None):
    """Records `expiry`'s price with the given hints, or the ones the router's sources find (as the keeper does)."""
    primary_hint, fallback_hint = hints if hints is not None else router.expiry_hints(weth, usdc, expiry)
    return router.record_expiry_price(weth, usdc, expiry, primary_hint, fallback_hint, sender=sender)


def dispute(router, weth, usdc, expiry, source, round_id, sender):
    """The disputer brings `source`'s round `round_id` (source: "primary" or "fallback") as the expiry's evidence."""
    return router.dispute_expiry_price(weth, usdc, expiry, source == "fallback", hint(round_id), sender=sender)


def _at(chain, timestamp):
    chain.mine(1, timestamp=timestamp)


@pytest.fixture
def expiry(chain):
    return chain.pending_timestamp + 1_000


@pytest.fixture
def market(primary, backup, deployer, expiry):
    """Primary 3,000 and fallback 3,010 current at expiry (round 1 each), then 9,000 / 9,010 an hour later (round 2)
    and 9,500 / 9,510 a day later (round 3): whoever records later must still get the price at expiry."""
    primary.set(3_000 * USD, expiry - 30, sender=deployer)
    backup.set(3_010 * USD, expiry - 20, sender=deployer)
    primary.set(9_000 * USD, expiry + 3_600, sender=deployer)
    backup.set(9_010 * USD, expiry + 3_600, sender=deployer)
    primary.set(9_500 * USD, expiry + 86_400, sender=deployer)
    backup.set(9_510 * USD, expiry + 86_400, sender=deployer)


# -- H-5: the disputer is bounded by evidence ----------------------------------------------------------------------


def test_h5_a_disputer_cannot_set_a_price_no_source_reported_for_the_expiry(
    routed, market, weth, usdc, alice, disputer, chain, expiry
):
    _at(chain, expiry + 60)
    recorded_at = record(routed, weth, usdc, expiry, alice).timestamp
    _at(chain, expiry + 3_700)  # the 9,000 round (reported an hour after expiry) exists now
    with reverts_with("InvalidEvidence(address)", routed.routes(weth, usdc).primary):
        dispute(routed, weth, usdc, expiry, "primary", 2, disputer)  # a real report, but not for the expiry
    with reverts_with("InvalidEvidence(address)", routed.routes(weth, usdc).fallback_source):
        dispute(routed, weth, usdc, expiry, "fallback", 2, disputer)
    _at(chain, recorded_at + DISPUTE_PERIOD)
    assert routed.expiry_price(weth, usdc, expiry) == 3_000 * USD


def test_h5_a_disputer_cannot_bring_stale_evidence(
    routed, primary, backup, deployer, weth, usdc, alice, disputer, chain, expiry
):
    primary.set(2_000 * USD, expiry - MAX_EXPIRY_LAG - 1, sender=deployer)  # stale: older than the lag
    backup.set(3_010 * USD, expiry - 20, sender=deployer)
    _at(chain, expiry + SOURCE_GRACE)
    recorded_at = record(routed, weth, usdc, expiry, alice).timestamp  # the fresh fallback alone, after the grace
    lag = (expiry - MAX_EXPIRY_LAG - 1, expiry, MAX_EXPIRY_LAG)
    with reverts_with("ExpiryLagExceeded(uint256,uint256,uint256)", *lag):
        dispute(routed, weth, usdc, expiry, "primary", 1, disputer)
    _at(chain, recorded_at + DISPUTE_PERIOD)
    assert routed.expiry_price(weth, usdc, expiry) == 3_010 * USD


def test_h5_a_disputer_cannot_dispute_twice(routed, market, weth, usdc, alice, disputer, chain, expiry):
    _at(chain, expiry + 60)
    recorded_at = record(routed, weth, usdc, expiry, alice).timestamp
    dispute(routed, weth, usdc, expiry, "fallback", 1, disputer)  # 3,010: the fallback's answer at expiry
    with reverts_with("AlreadyDisputed(uint256)", expiry):
        dispute(routed, weth, usdc, expiry, "primary", 1, disputer)
    _at(chain, recorded_at + DISPUTE_PERIOD)
    assert routed.expiry_price(weth, usdc, expiry) == 3_010 * USD


def test_h5_a_dispute_cannot_extend_the_period(routed, market, weth, usdc, alice, disputer, chain, expiry):
    _at(chain, expiry + 60)
    recorded_at = record(routed, weth, usdc, expiry, alice).timestamp
    _at(chain, recorded_at + DISPUTE_PERIOD - 3)
    dispute(routed, weth, usdc, expiry, "fallback", 1, disputer)  # late: the period still ends where it did
    assert routed.expiry_prices(weth, usdc, expiry).recorded_at == recorded_at
    with reverts_with("AlreadyDisputed(uint256)", expiry):  # nor can a further dispute keep the price open
        dispute(routed, weth, usdc, expiry, "primary", 1, disputer)
    assert not routed.is_expiry_price_final(weth, usdc, expiry)
    _at(chain, recorded_at + DISPUTE_PERIOD)
    assert routed.is_expiry_price_final(weth, usdc, expiry)
    with reverts_with("DisputePeriodOver(uint256)", expiry):
        dispute(routed, weth, usdc, expiry, "primary", 1, disputer)
    assert routed.expiry_price(weth, usdc, expiry) == 3_010 * USD


# -- M-1: the price at expiry, whoever records it and whenever ----------------------------------------------------


def test_m1_the_first_recorder_gets_the_same_price_a_minute_or_a_day_after_expiry(
    routed, market, weth, usdc, alice, chain, expiry
):
    snapshot = chain.snapshot()
    _at(chain, expiry + 60)
    a_minute_after = record(routed, weth, usdc, expiry, alice).events[0].price
    chain.restore(snapshot)
    _at(chain, expiry + 86_400 + 60)  # both sources have moved on to 9,500
    a_day_after = record(routed, weth, usdc, expiry, alice).events[0].price
    assert a_minute_after == a_day_after == 3_000 * USD


def test_m1_a_round_older_than_max_expiry_lag_is_refused(router, deployer, primary, weth, usdc, alice, chain, expiry):
    router.set_route(weth, usdc, primary, NO_SEQUENCER, 0, False, MAX_EXPIRY_LAG, sender=deployer)
    primary.set(2_000 * USD, expiry - MAX_EXPIRY_LAG - 1, sender=deployer)  # current at expiry, but stale
    _at(chain, expiry + 60)
    with reverts_with("NoExpiryEvidence(address,address,uint256)", weth.address, usdc.address, expiry):
        record(router, weth, usdc, expiry, alice)
    primary.set(3_000 * USD, expiry + 120, sender=deployer)  # a fresh report after expiry is not the expiry's
    with reverts_with("NoExpiryEvidence(address,address,uint256)", weth.address, usdc.address, expiry):
        record(router, weth, usdc, expiry, alice)


def test_m1_a_stale_primary_cannot_be_chosen_over_a_fresh_fallback(
    routed, primary, backup, deployer, weth, usdc, alice, chain, expiry
):
    primary.set(3_000 * USD, expiry - MAX_EXPIRY_LAG - 1, sender=deployer)  # within the bound, but stale
    backup.set(3_010 * USD, expiry - 20, sender=deployer)
    _at(chain, expiry + STALL_PERIOD + 60)  # even after the stall period: a fresh source exists
    assert record(routed, weth, usdc, expiry, alice).events[0].price == 3_010 * USD


def test_m1_a_bad_primary_hint_cannot_force_the_fallback_before_the_source_grace(
    routed, market, backup, weth, usdc, alice, chain, expiry
):
    _at(chain, expiry + 60)
    for bad in (hint(2), hint(0), hint(99), b"", b"\x01"):  # after expiry, nonexistent, malformed
        snapshot = chain.snapshot()
        # The router finds the primary's evidence itself (F1): the bad hint costs gas, not the primary.
        assert record(routed, weth, usdc, expiry, alice, hints=(bad, hint(1))).events[0].price == 3_000 * USD
        chain.restore(snapshot)
    assert record(routed, weth, usdc, expiry, alice).events[0].price == 3_000 * USD


def test_m1_after_the_stall_period_a_halted_feed_settles_on_its_last_round_before_expiry(
    routed, primary, backup, deployer, weth, usdc, alice, chain, expiry
):
    primary.set(3_000 * USD, expiry - 3 * 3_600, sender=deployer)  # both halted three hours before expiry
    backup.set(3_010 * USD, expiry - 3 * 3_600, sender=deployer)
    _at(chain, expiry + STALL_PERIOD - 60)
    with reverts_with("NoExpiryEvidence(address,address,uint256)", weth.address, usdc.address, expiry):
        record(routed, weth, usdc, expiry, alice)
    _at(chain, expiry + STALL_PERIOD)
    tx = record(routed, weth, usdc, expiry, alice)
    assert (tx.events[0].price, tx.events[0].updated_at) == (3_000 * USD, expiry - 3 * 3_600)


# -- Audit of the fix: evidence never depends on the caller's hints ------------------------------------------------


@pytest.fixture
def halting(router, deployer, weth, usdc, primary, backup):
    """WETH/USDC routed to `primary`, checked against `backup` (2%), halting beyond the bound (the testnets' shape)."""
    router.set_route(weth, usdc, primary, backup, DEVIATION_BPS, True, MAX_EXPIRY_LAG, sender=deployer)
    return router


@pytest.fixture
def disagreeing(primary, backup, deployer, expiry):
    """Both sources fresh at expiry, 10% apart (beyond the 2% bound): 3,000 and 3,300."""
    primary.set(3_000 * USD, expiry - 30, sender=deployer)
    backup.set(3_300 * USD, expiry - 20, sender=deployer)


SPOILED = (b"", b"\x00", hint(0), hint(2), hint(99))  # empty, malformed, nonexistent rounds


def test_f1_a_halting_route_halts_until_the_stall_period_whatever_the_hints_then_settles_on_the_fallback(
    halting, disagreeing, weth, usdc, alice, bob, disputer, chain, expiry
):
    deviation = (3_000 * USD, 3_300 * USD, DEVIATION_BPS)
    for moment in (expiry + 60, expiry + SOURCE_GRACE, expiry + STALL_PERIOD - 60):
        _at(chain, moment)
        with reverts_with("PriceDeviation(uint256,uint256,uint256)", *deviation):
            record(halting, weth, usdc, expiry, alice)  # the keeper's hints
        for bad in SPOILED:  # a recorder dropping one side to pick the other
            with reverts_with("PriceDeviation(uint256,uint256,uint256)", *deviation):
                record(halting, weth, usdc, expiry, bob, hints=(bad, hint(1)))
            with reverts_with("PriceDeviation(uint256,uint256,uint256)", *deviation):
                record(halting, weth, usdc, expiry, bob, hints=(hint(1), bad))
    _at(chain, expiry + STALL_PERIOD)  # the halt ends: the non-halt rule settles on the fallback, whatever the hints
    fallback = halting.routes(weth, usdc).fallback_source
    for hints in (None, (hint(1), SPOILED[0]), (SPOILED[1], SPOILED[3])):
        snapshot = chain.snapshot()
        tx = record(halting, weth, usdc, expiry, bob, hints=hints)
        assert (tx.events[0].price, tx.events[0].source) == (3_300 * USD, fallback)
        chain.restore(snapshot)
    tx = record(halting, weth, usdc, expiry, bob, hints=(SPOILED[0], hint(1)))
    assert (tx.events[0].price, tx.events[0].source) == (3_300 * USD, fallback)
    recorded_at = tx.timestamp
    dispute(halting, weth, usdc, expiry, "primary", 1, disputer)  # the disputer can still switch, once
    _at(chain, recorded_at + DISPUTE_PERIOD)
    assert halting.expiry_price(weth, usdc, expiry) == 3_000 * USD


def test_f1b_a_spoiled_fallback_hint_cannot_get_the_primary_the_routing_rule_rejects(
    routed, disagreeing, weth, usdc, bob, chain, expiry
):
    _at(chain, expiry + SOURCE_GRACE)
    for bad in SPOILED:
        snapshot = chain.snapshot()
        tx = record(routed, weth, usdc, expiry, bob, hints=(hint(1), bad))
        assert tx.events[0].price == 3_300 * USD  # beyond the bound: the fallback, as with the keeper's hints
        chain.restore(snapshot)


def test_f2_a_spoiled_hint_cannot_hide_the_fresh_source_to_record_a_stale_price(
    routed, primary, backup, deployer, weth, usdc, bob, chain, expiry
):
    primary.set(2_000 * USD, expiry - 2 * 86_400, sender=deployer)  # halted two days before expiry
    backup.set(3_010 * USD, expiry - 20, sender=deployer)  # fresh
    _at(chain, expiry + STALL_PERIOD)
    for bad in SPOILED:
        snapshot = chain.snapshot()
        tx = record(routed, weth, usdc, expiry, bob, hints=(hint(1), bad))
        assert (tx.events[0].price, tx.events[0].updated_at) == (3_010 * USD, expiry - 20)
        chain.restore(snapshot)


def test_f1_a_source_call_that_may_have_run_out_of_the_callers_gas_does_not_drop_the_source(
    router, deployer, primary, weth, usdc, alice, chain, expiry
):
    """A failure that leaves at most 1/63 of the gas (EIP-150: the call took everything it was given) may be the
    caller's gas limit, not the source's answer: the recording reverts EvidenceOutOfGas instead of going on without
    the source. Stand-in: a fallback whose code is INVALID (0xfe), which consumes all the gas any call gives it; with
    8M gas the 1/64 kept back (125k) would finish the recording on the primary alone."""
    init = bytes.fromhex("6001600c60003960016000f3fe")  # deploys the one-byte runtime 0xfe
    create = chain.provider.network.ecosystem.create_transaction(data=init, chain_id=chain.chain_id)
    burner = deployer.call(create).contract_address
    router.set_route(weth, usdc, primary, burner, DEVIATION_BPS, False, MAX_EXPIRY_LAG, sender=deployer)
    primary.set(3_000 * USD, expiry - 30, sender=deployer)
    _at(chain, expiry + SOURCE_GRACE)
    with reverts_with("EvidenceOutOfGas(address)", burner):
        router.record_expiry_price(weth, usdc, expiry, hint(1), b"", sender=alice, gas=8_000_000)
