"""High-precision Black-Scholes references for contracts/pricing/BlackScholes.sol: mpmath at 50 digits (the accuracy
oracle) and QuantLib's BlackCalculator (the core of its AnalyticEuropeanEngine, double precision).

Inputs are the library's raw integers (1e18-scaled spot, strike, vol, rate; seconds to expiry), read exactly; the
library's conventions (365-day year, continuous rate, no dividend, the at-the-money delta at expiry) are followed.
"""

from __future__ import annotations

from dataclasses import dataclass

import mpmath

WAD = 10**18
YEAR = 365 * 86_400
DIGITS = 50


@dataclass(frozen=True)
class Exact:
    """A reference evaluation in units (mpmath numbers): prices and deltas of the call and the put."""

    call: mpmath.mpf
    put: mpmath.mpf
    call_delta: mpmath.mpf
    put_delta: mpmath.mpf


def dust(spot: int) -> int:
    """The price (raw, 1e18-scaled) below which the relative accuracy bound does not apply: max(spot / 1e12, 1e10)."""
    return max(spot // 10**12, 10**10)


def black_scholes(spot: int, strike: int, seconds: int, vol: int, rate: int) -> Exact:
    """Prices and deltas at 50 significant digits (the expiry convention of the library when seconds == 0)."""
    with mpmath.workdps(DIGITS):
        s_, k_ = mpmath.mpf(spot) / WAD, mpmath.mpf(strike) / WAD
        if seconds == 0:
            call_delta = mpmath.mpf(1) if spot > strike else mpmath.mpf("0.5") if spot == strike else mpmath.mpf(0)
            return Exact(max(s_ - k_, 0), max(k_ - s_, 0), call_delta, call_delta - 1)
        t = mpmath.mpf(seconds) / YEAR
        r = mpmath.mpf(rate) / WAD
        sd = mpmath.mpf(vol) / WAD * mpmath.sqrt(t)
        kd = k_ * mpmath.exp(-r * t)
        d1 = (mpmath.log(s_ / kd)) / sd + sd / 2
        d2 = d1 - sd
        call = s_ * mpmath.ncdf(d1) - kd * mpmath.ncdf(d2)
        put = kd * mpmath.ncdf(-d2) - s_ * mpmath.ncdf(-d1)
        return Exact(call, put, mpmath.ncdf(d1), -mpmath.ncdf(-d1))


def quantlib(spot: int, strike: int, seconds: int, vol: int, rate: int) -> tuple[float, float, float, float]:
    """(call, put, call delta, put delta) in units from QuantLib's BlackCalculator in double precision; seconds > 0.

    Its out-of-the-money prices subtract two close terms: measured against mpmath, its relative error reaches 1e-9
    near 1e-6 of the spot and 1e-6 near 1e-9, so it is a cross-check only where prices are not small.
    """
    import QuantLib as ql  # noqa: N813  (the package's own convention)

    s_, k_ = spot / WAD, strike / WAD
    t = seconds / YEAR
    discount = mpmath.exp(-mpmath.mpf(rate) / WAD * t)
    forward = float(mpmath.mpf(spot) / WAD / discount)
    std = vol / WAD * t**0.5
    out = []
    for kind in (ql.Option.Call, ql.Option.Put):
        calc = ql.BlackCalculator(ql.PlainVanillaPayoff(kind, k_), forward, std, float(discount))
        out.append((calc.value(), calc.delta(s_)))
    (call, call_delta), (put, put_delta) = out
    return call, put, call_delta, put_delta


def price_error(got: int, reference: mpmath.mpf) -> float:
    """Relative error of a raw (1e18) price against a reference in units (computed at 50 digits)."""
    with mpmath.workdps(DIGITS):
        return float(abs(mpmath.mpf(got) / WAD - reference) / reference)


def delta_error(got: int, reference: mpmath.mpf) -> float:
    """Absolute error of a raw (1e18) delta against a reference in units."""
    with mpmath.workdps(DIGITS):
        return float(abs(mpmath.mpf(got) / WAD - reference))
