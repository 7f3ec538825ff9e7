"""The Python reference for DeltaStrikeSelector: the strike whose Black-Scholes delta is exactly the target, in closed
form (d1 = N^-1(target), K = S exp((r + s^2/2) T - d1 s sqrt T)) at 50 digits with mpmath, then the listed strike
(a grid multiple within the engine's [10%, 1000%] of spot) whose exact delta is closest to the target."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import mpmath

from strikeforge.pricing.reference import DIGITS, WAD, YEAR, black_scholes

MIN_STRIKE_BPS, MAX_STRIKE_BPS, BPS = 1_000, 100_000, 10_000
MAX_SPOT = 10**36


@dataclass(frozen=True)
class Pick:
    strike: int
    delta: mpmath.mpf  # the exact delta at `strike`
    distance: mpmath.mpf  # |delta - target|
    runner_up: mpmath.mpf  # the other neighbour's distance (a near tie when close to `distance`)
    root: mpmath.mpf  # the continuous strike with delta == target, in units


def d1_hint(target: float) -> int:
    """N^-1 of a call target (or of 1 + a put target), 1e18: the constructor's CALL_D1 / PUT_D1."""
    return round(NormalDist().inv_cdf(target) * WAD)


def listed_range(spot: int, grid: int) -> tuple[int, int]:
    """The first and last grid index the selector lists (the engine's strike bounds)."""
    first = max((spot * MIN_STRIKE_BPS + BPS * grid - 1) // (BPS * grid), 1)
    last = min(spot * MAX_STRIKE_BPS // (BPS * grid), MAX_SPOT // grid)
    return first, last


def exact_delta(is_put: bool, spot: int, strike: int, seconds: int, vol: int, rate: int) -> mpmath.mpf:
    exact = black_scholes(spot, strike, seconds, vol, rate)
    return exact.put_delta if is_put else exact.call_delta


def root_strike(spot: int, seconds: int, vol: int, rate: int, target: mpmath.mpf, is_put: bool) -> mpmath.mpf:
    """The strike (units) whose delta is exactly `target`: the closed-form inverse of N(d1)."""
    with mpmath.workdps(DIGITS):
        p = 1 + target if is_put else target
        d1 = mpmath.sqrt(2) * mpmath.erfinv(2 * p - 1)
        t = mpmath.mpf(seconds) / YEAR
        s = mpmath.mpf(vol) / WAD * mpmath.sqrt(t)
        r = mpmath.mpf(rate) / WAD
        return mpmath.mpf(spot) / WAD * mpmath.exp((r + (mpmath.mpf(vol) / WAD) ** 2 / 2) * t - d1 * s)


def reference_pick(spot: int, seconds: int, vol: int, rate: int, grid: int, target_raw: int, is_put: bool) -> Pick:
    """The listed strike closest in exact delta to the target; a tie goes to the smaller |delta|."""
    with mpmath.workdps(DIGITS):
        target = mpmath.mpf(target_raw) / WAD
        root = root_strike(spot, seconds, vol, rate, target, is_put)
        first, last = listed_range(spot, grid)
        below = int(mpmath.floor(root * WAD / grid))
        candidates = sorted({min(max(i, first), last) for i in (below, below + 1)})
        scored = []
        for index in candidates:
            delta = exact_delta(is_put, spot, index * grid, seconds, vol, rate)
            scored.append((abs(delta - target), abs(delta), index, delta))
        scored.sort()
        best = scored[0]
        runner_up = scored[1][0] if len(scored) > 1 else mpmath.inf
        return Pick(best[2] * grid, best[3], best[0], runner_up, root)
