"""BlackScholes.sol against mpmath (50 digits) over its whole domain, and against QuantLib where double precision
holds: relative price error <= 1e-9 above dust (max(spot / 1e12, 1e-8 units)), absolute delta error <= 1e-9.

Each example evaluates a list of inputs in one quoteBatch call on the in-process engine; Hypothesis targets the
largest error seen so it searches towards the worst cases, not only at random."""

from __future__ import annotations

from hypothesis import given, target
from hypothesis import strategies as st

from strikeforge.pricing.reference import WAD, black_scholes, delta_error, dust, price_error, quantlib
from tests.pricing.strategies import inputs, small_prices

PRICE_TOLERANCE = 1e-9
DELTA_TOLERANCE = 1e-9


def _worst_errors(cases, quotes) -> tuple[float, float, list]:
    """Largest relative price error above dust and largest absolute delta error, with the offending cases."""
    worst_price = worst_delta = 0.0
    bad = []
    for case, (call, put, call_delta, put_delta) in zip(cases, quotes, strict=True):
        exact = black_scholes(*case)
        floor = dust(case[0])
        for got, ref in ((call, exact.call), (put, exact.put)):
            if ref * WAD > floor:
                error = price_error(got, ref)
                worst_price = max(worst_price, error)
                if error > PRICE_TOLERANCE:
                    bad.append(("price", case, got, ref))
        for got, ref in ((call_delta, exact.call_delta), (put_delta, exact.put_delta)):
            error = delta_error(got, ref)
            worst_delta = max(worst_delta, error)
            if error > DELTA_TOLERANCE:
                bad.append(("delta", case, got, ref))
    return worst_price, worst_delta, bad


@given(st.lists(inputs(), min_size=1, max_size=64))
def test_prices_and_deltas_match_mpmath_over_the_domain(quote_many, cases):
    worst_price, worst_delta, bad = _worst_errors(cases, quote_many(cases))
    target(worst_price / PRICE_TOLERANCE, label="price error / tolerance")
    target(worst_delta / DELTA_TOLERANCE, label="delta error / tolerance")
    assert not bad, bad[:3]


@given(st.lists(small_prices(), min_size=1, max_size=64))
def test_small_prices_keep_their_relative_accuracy(quote_many, cases):
    worst_price, _, bad = _worst_errors(cases, quote_many(cases))
    target(worst_price / PRICE_TOLERANCE, label="price error / tolerance")
    assert not bad, bad[:3]


# QuantLib's own error (double precision, two close terms subtracted) is below 1e-10 of the price from 1e-5 of
# max(S, K e^{-rT}) up; below that mpmath alone is the reference.
QUANTLIB_FLOOR = 1e-5


@given(st.lists(inputs(time=st.integers(1, 2 * 365 * 86_400)), min_size=1, max_size=64))
def test_prices_and_deltas_agree_with_quantlib(quote_many, cases):
    bad = []
    for case, quote in zip(cases, quote_many(cases), strict=True):
        reference = quantlib(*case)
        floor = max(QUANTLIB_FLOOR * max(case[0], case[1]), dust(case[0])) / WAD
        for got, ref in zip(quote[:2], reference[:2], strict=True):
            if ref > floor and abs(got / WAD - ref) > PRICE_TOLERANCE * ref:
                bad.append(("price", case, got, ref))
        for got, ref in zip(quote[2:], reference[2:], strict=True):
            if abs(got / WAD - ref) > DELTA_TOLERANCE:
                bad.append(("delta", case, got, ref))
    assert not bad, bad[:3]
