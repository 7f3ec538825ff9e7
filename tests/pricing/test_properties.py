"""BlackScholes.sol header invariants over the whole domain, on the in-process engine: put-call parity, no-arbitrage
bounds, delta ranges, monotonicity in spot, and the single-option functions agreeing with quote."""

from __future__ import annotations

import mpmath
from hypothesis import given, target
from hypothesis import strategies as st

from strikeforge.pricing.reference import WAD, YEAR
from tests.pricing.strategies import MAX_SPOT, inputs, near, strike_range


def _discounted_strike(strike: int, seconds: int, rate: int) -> int:
    """K e^{-rT} (raw) from 50 digits, rounded down."""
    with mpmath.workdps(50):
        return int(mpmath.floor(mpmath.mpf(strike) * mpmath.exp(-mpmath.mpf(rate) / WAD * seconds / YEAR)))


def _slack(strike: int) -> int:
    """How far the library's K e^{-rT} may be from the exact one: its expWad's 1e-18 and two units of rounding."""
    return 2 + strike // 10**17


@given(st.lists(inputs(), min_size=1, max_size=64))
def test_put_call_parity_holds_exactly(quote_many, cases):
    for (spot, strike, seconds, _vol, rate), quote in zip(cases, quote_many(cases), strict=True):
        call, put = quote[0], quote[1]
        kd = _discounted_strike(strike, seconds, rate)
        # call - put == S - K e^{-rT} with the library's rounded K e^{-rT}; where one side would be negative by
        # rounding it is 0 instead.
        assert abs(call - put - (spot - kd)) <= _slack(strike)


@given(st.lists(inputs(), min_size=1, max_size=64))
def test_prices_stay_within_no_arbitrage_bounds(quote_many, cases):
    for (spot, strike, seconds, _vol, rate), quote in zip(cases, quote_many(cases), strict=True):
        call, put = quote[0], quote[1]
        kd, slack = _discounted_strike(strike, seconds, rate), _slack(strike)
        assert 0 <= call <= spot
        assert 0 <= put <= kd + slack
        assert call >= spot - kd - slack
        assert put >= kd - spot - slack


@given(st.lists(inputs(), min_size=1, max_size=64))
def test_deltas_are_in_range_and_differ_by_one(quote_many, cases):
    for quote in quote_many(cases):
        call_delta, put_delta = quote[2], quote[3]
        assert 0 <= call_delta <= WAD
        assert -WAD <= put_delta <= 0
        assert call_delta - put_delta == WAD


@st.composite
def spot_pairs(draw):
    """Two spots, the second above the first (often just above, across the forward), and the other inputs."""
    spot, strike, seconds, vol, rate = draw(inputs())
    lo, hi = strike_range(strike)  # the spots the strike allows (the moneyness bound is symmetric)
    spot = min(max(spot, lo), hi - 1)
    higher = draw(st.one_of(near(spot, spot + 1, hi), st.integers(spot + 1, min(hi, MAX_SPOT))))
    return (spot, strike, seconds, vol, rate), (higher, strike, seconds, vol, rate)


@given(st.lists(spot_pairs(), min_size=1, max_size=32))
def test_call_rises_and_put_falls_with_spot(quote_many, pairs):
    lows = quote_many([low for low, _ in pairs])
    highs = quote_many([high for _, high in pairs])
    worst = 0.0
    for low, high in zip(lows, highs, strict=True):
        # Up to the documented accuracy: 1e-9 of the price plus a unit of the grid.
        assert high[0] >= low[0] - low[0] // 10**9 - 1
        assert high[1] <= low[1] + low[1] // 10**9 + 1
        assert high[2] >= low[2] - 10**9  # call delta rises too (gamma >= 0), within the delta accuracy
        if low[0] > high[0]:
            worst = max(worst, (low[0] - high[0]) / low[0])
    target(worst, label="relative decrease of the call as spot rises")


@given(st.lists(inputs(), min_size=1, max_size=8), st.booleans())
def test_single_option_functions_agree_with_quote(engine_pricer, cases, is_call):
    for case in cases:
        call, put, call_delta, put_delta = engine_pricer.quote(*case)
        assert engine_pricer.priceAndDelta(is_call, *case) == ((call, call_delta) if is_call else (put, put_delta))
        assert engine_pricer.callPrice(*case) == call
        assert engine_pricer.putPrice(*case) == put
        assert engine_pricer.callDelta(*case) == call_delta
        assert engine_pricer.putDelta(*case) == put_delta
