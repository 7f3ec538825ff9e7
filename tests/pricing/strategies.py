"""Hypothesis strategies over BlackScholes.sol's documented domain (the constants mirror the library's)."""

from __future__ import annotations

import math

from hypothesis import strategies as st

from strikeforge.pricing.reference import WAD, YEAR

MIN_SPOT, MAX_SPOT = 10**9, 10**36
MAX_MONEYNESS = 1_000
MIN_VOL, MAX_VOL = 10**16, 5 * 10**18
MAX_TIME = 2 * YEAR
MAX_RATE = 10**18
STEPS = 10**6


def log_uniform(lo: int, hi: int) -> st.SearchStrategy[int]:
    """An integer in [lo, hi] spread evenly in log scale (with all its digits), or an end or its neighbour."""
    if lo >= hi:
        return st.just(lo)

    def at(step: int, jitter: int) -> int:
        value = round(lo * (hi / lo) ** (step / STEPS))
        value += jitter * value // 10**9  # full-precision digits below the float's
        return min(hi, max(lo, value))

    edges = st.sampled_from(sorted({lo, lo + 1, hi - 1, hi}))
    return st.one_of(edges, st.builds(at, st.integers(0, STEPS), st.integers(0, 10**6)), st.integers(lo, hi))


def strike_range(spot: int) -> tuple[int, int]:
    """The strikes the domain allows for a spot."""
    return max(MIN_SPOT, -(-spot // MAX_MONEYNESS)), min(MAX_SPOT, spot * MAX_MONEYNESS)


def near(value: int, lo: int, hi: int) -> st.SearchStrategy[int]:
    """value moved by at most 1e-4 of itself (at the money, across the forward), within [lo, hi]."""
    return st.integers(-(10**6), 10**6).map(lambda j: min(hi, max(lo, value + j * value // 10**10)))


seconds = st.one_of(
    st.just(0), st.integers(1, 600), log_uniform(1, MAX_TIME), st.sampled_from([1, 86_400, YEAR, MAX_TIME])
)
vols = log_uniform(MIN_VOL, MAX_VOL)
rates = st.one_of(st.just(0), log_uniform(1, MAX_RATE))


@st.composite
def inputs(draw: st.DrawFn, time: st.SearchStrategy[int] = seconds) -> tuple[int, int, int, int, int]:
    """(spot, strike, seconds, vol, rate) anywhere in the domain."""
    spot = draw(log_uniform(MIN_SPOT, MAX_SPOT))
    lo, hi = strike_range(spot)
    strike = draw(st.one_of(log_uniform(lo, hi), near(spot, lo, hi)))
    return spot, strike, draw(time), draw(vols), draw(rates)


@st.composite
def small_prices(draw: st.DrawFn) -> tuple[int, int, int, int, int]:
    """Inputs whose out-of-the-money price is small, from 1e-2 of spot down through the dust line: |d2| up to 7.3,
    often with a tiny vol * sqrt(T) (one second to a day), where the two terms of the textbook formula cancel most."""
    spot = draw(log_uniform(10**18, MAX_SPOT))
    time = draw(st.one_of(st.integers(1, 86_400), log_uniform(1, MAX_TIME)))
    vol, rate = draw(vols), draw(rates)
    s = vol / WAD * math.sqrt(time / YEAR)
    d = draw(st.integers(0, 7_300)) / 1_000
    k = draw(st.sampled_from([1, -1])) * (d * s + s * s / 2) + rate / WAD * time / YEAR  # ln(K / S)
    lo, hi = strike_range(spot)
    strike = min(hi, max(lo, int(spot * math.exp(max(-7.0, min(7.0, k))))))
    return spot, strike, time, vol, rate
