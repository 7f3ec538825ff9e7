"""BlackScholes.sol at its boundaries: exact results at expiry (intrinsic value, step deltas, the at-the-money
convention) and deep in or out of the money, every corner of the domain priced without a revert, and a named error
for every input outside it (on Ape's provider, one call each; and as a property on the in-process engine)."""

from __future__ import annotations

import itertools
import math

import ape
import mpmath
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from strikeforge.fuzz.errors import RevertError
from strikeforge.pricing.reference import WAD, YEAR
from tests.pricing.strategies import (
    MAX_MONEYNESS,
    MAX_RATE,
    MAX_SPOT,
    MAX_TIME,
    MAX_VOL,
    MIN_SPOT,
    MIN_VOL,
    inputs,
    log_uniform,
    rates,
    vols,
)

SPOT = 3_000 * WAD
VOL = 8 * 10**17
DAY = 86_400

# -- at expiry ----------------------------------------------------------------------------------------------------


@given(st.lists(inputs(time=st.just(0)), min_size=1, max_size=64))
def test_prices_at_expiry_are_intrinsic_values(quote_many, cases):
    for (spot, strike, *_), quote in zip(cases, quote_many(cases), strict=True):
        assert quote[:2] == (max(spot - strike, 0), max(strike - spot, 0))


@given(st.lists(inputs(time=st.just(0)), min_size=1, max_size=64))
def test_deltas_at_expiry_step_from_zero_to_one(quote_many, cases):
    for (spot, strike, *_), quote in zip(cases, quote_many(cases), strict=True):
        if spot != strike:
            assert quote[2:] == ((WAD, 0) if spot > strike else (0, -WAD))


def test_at_the_money_at_expiry_deltas_are_one_half(pricer):
    assert pricer.quote(SPOT, SPOT, 0, VOL, 5 * 10**16) == (0, 0, WAD // 2, -WAD // 2)


def test_one_second_before_expiry_prices_are_near_intrinsic(pricer):
    # 10 units in the money, against a one-second standard deviation of 0.43 units (23 of them): no time value left.
    call, put, call_delta, put_delta = pricer.quote(SPOT, SPOT - 10 * WAD, 1, VOL, 0)
    assert call == 10 * WAD
    assert put == 0
    assert (call_delta, put_delta) == (WAD, 0)


# -- deep in and out of the money -----------------------------------------------------------------------------------


@st.composite
def deep(draw, call_out_of_the_money: bool):
    """Strike and spot far apart against vol * sqrt(T) (u^2/2 > 100), at a zero rate so K e^{-rT} == K exactly."""
    spot = draw(log_uniform(MIN_SPOT * MAX_MONEYNESS, MAX_SPOT // MAX_MONEYNESS))
    ratio = draw(st.integers(1_200, 1_000_000)) / 1_000  # K/S (or S/K) in [1.2, 1000]
    strike = (
        min(int(spot * ratio), spot * MAX_MONEYNESS)
        if call_out_of_the_money
        else max(int(spot / ratio), -(-spot // MAX_MONEYNESS))
    )
    seconds, vol = draw(st.integers(1, MAX_TIME)), draw(vols)
    s = vol / WAD * (seconds / YEAR) ** 0.5
    x = abs(math.log(strike / spot))
    assume((x / s) ** 2 / 2 + s * s / 8 > 101)
    return spot, strike, seconds, vol, 0


@given(st.lists(deep(call_out_of_the_money=True), min_size=1, max_size=64))
def test_deep_out_of_the_money_call_is_zero_and_put_is_forward_intrinsic(quote_many, cases):
    for (spot, strike, *_), quote in zip(cases, quote_many(cases), strict=True):
        assert quote == (0, strike - spot, 0, -WAD)


@given(st.lists(deep(call_out_of_the_money=False), min_size=1, max_size=64))
def test_deep_out_of_the_money_put_is_zero_and_call_is_forward_intrinsic(quote_many, cases):
    for (spot, strike, *_), quote in zip(cases, quote_many(cases), strict=True):
        assert quote == (spot - strike, 0, WAD, 0)


def test_deep_in_the_money_call_with_a_rate_is_spot_less_discounted_strike(pricer):
    call, put, call_delta, put_delta = pricer.quote(SPOT, SPOT // 2, 30 * DAY, 10**17, 10**17)
    assert put == 0
    assert (call_delta, put_delta) == (WAD, 0)
    with mpmath.workdps(50):
        discounted = int(mpmath.floor(SPOT // 2 * mpmath.exp(-mpmath.mpf(30) / 365 / 10)))
    assert abs(call - (SPOT - discounted)) <= 2 + SPOT // 10**17  # the library's K e^{-rT}: expWad's last digit


# -- the domain -----------------------------------------------------------------------------------------------------


def test_every_corner_of_the_domain_is_priced(quote_many):
    corners = []
    for spot, ratio, seconds, vol, rate in itertools.product(
        (MIN_SPOT, 10**18, MAX_SPOT),
        (MAX_MONEYNESS, 1, 1 / MAX_MONEYNESS),
        (0, 1, MAX_TIME),
        (MIN_VOL, MAX_VOL),
        (0, MAX_RATE),
    ):
        strike = min(MAX_SPOT, max(MIN_SPOT, int(spot * ratio)))
        if strike <= spot * MAX_MONEYNESS and spot <= strike * MAX_MONEYNESS:
            corners.append((spot, strike, seconds, vol, rate))
    quotes = quote_many(corners)  # one revert anywhere fails the batch
    assert len(quotes) == len(corners) > 100
    assert all(0 <= q[2] <= WAD and q[2] - q[3] == WAD for q in quotes)


@pytest.mark.parametrize(
    ("args", "error", "fields"),
    [
        ((MIN_SPOT - 1, MIN_SPOT, DAY, VOL, 0), "SpotOutOfRange", {"spot": MIN_SPOT - 1}),
        ((MAX_SPOT + 1, MAX_SPOT, DAY, VOL, 0), "SpotOutOfRange", {"spot": MAX_SPOT + 1}),
        ((SPOT, MIN_SPOT - 1, DAY, VOL, 0), "StrikeOutOfRange", {"strike": MIN_SPOT - 1}),
        ((SPOT, MAX_SPOT + 1, DAY, VOL, 0), "StrikeOutOfRange", {"strike": MAX_SPOT + 1}),
        ((SPOT, SPOT * MAX_MONEYNESS + 1, DAY, VOL, 0), "MoneynessOutOfRange", {"spot": SPOT}),
        ((SPOT, SPOT // MAX_MONEYNESS - 1, DAY, VOL, 0), "MoneynessOutOfRange", {"spot": SPOT}),
        ((SPOT, SPOT, DAY, MIN_VOL - 1, 0), "VolatilityOutOfRange", {"vol": MIN_VOL - 1}),
        ((SPOT, SPOT, DAY, MAX_VOL + 1, 0), "VolatilityOutOfRange", {"vol": MAX_VOL + 1}),
        ((SPOT, SPOT, MAX_TIME + 1, VOL, 0), "TimeOutOfRange", {"secondsToExpiry": MAX_TIME + 1}),
        ((SPOT, SPOT, DAY, VOL, MAX_RATE + 1), "RateOutOfRange", {"rate": MAX_RATE + 1}),
    ],
    ids=[
        "spot-below",
        "spot-above",
        "strike-below",
        "strike-above",
        "strike-over-1000x-spot",
        "strike-under-spot-over-1000",
        "vol-below",
        "vol-above",
        "time-above",
        "rate-above",
    ],
)
def test_input_outside_the_domain_reverts_by_name(pricer, args, error, fields):
    with ape.reverts(getattr(pricer, error), **fields):
        pricer.quote(*args)


def test_the_first_input_outside_the_domain_names_the_error(pricer):
    with ape.reverts(pricer.SpotOutOfRange, spot=0):
        pricer.quote(0, 0, MAX_TIME + 1, 0, MAX_RATE + 1)


def _expected_error(spot, strike, seconds, vol, rate) -> str | None:
    """The library's check, in its order."""
    if not MIN_SPOT <= spot <= MAX_SPOT:
        return "SpotOutOfRange"
    if not MIN_SPOT <= strike <= MAX_SPOT:
        return "StrikeOutOfRange"
    if strike > MAX_MONEYNESS * spot or spot > MAX_MONEYNESS * strike:
        return "MoneynessOutOfRange"
    if not MIN_VOL <= vol <= MAX_VOL:
        return "VolatilityOutOfRange"
    if seconds > MAX_TIME:
        return "TimeOutOfRange"
    if rate > MAX_RATE:
        return "RateOutOfRange"
    return None


def _around(lo: int, hi: int) -> st.SearchStrategy[int]:
    """Values in and around [lo, hi]: just outside each end, anywhere inside, far outside."""
    return st.one_of(
        st.integers(max(0, lo - 3), lo + 3), st.integers(hi - 3, hi + 3), log_uniform(max(lo, 1), hi),
        st.integers(0, 2**256 - 1),
    )  # fmt: skip


@given(
    _around(MIN_SPOT, MAX_SPOT),
    _around(MIN_SPOT, MAX_SPOT),
    _around(0, MAX_TIME),
    _around(MIN_VOL, MAX_VOL),
    st.one_of(rates, _around(0, MAX_RATE)),
)
def test_any_input_is_priced_or_refused_by_name(engine_pricer, spot, strike, seconds, vol, rate):
    expected = _expected_error(spot, strike, seconds, vol, rate)
    try:
        engine_pricer.quote(spot, strike, seconds, vol, rate)
    except RevertError as exc:
        assert exc.error.name == expected
    else:
        assert expected is None
