"""Aggregation: the median of fresh, sane observations, outliers dropped, signed only with a quorum of agreement."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal, localcontext

from strikeforge.oracle.sources import Observation

WAD = 10**18
BPS = 10_000


class NoQuorumError(RuntimeError):
    """Too few sources agree: nothing may be signed."""


class SanityBoundError(RuntimeError):
    """The price moved further from the last published one than the sanity bound allows: nothing may be signed."""


@dataclass(frozen=True)
class Rules:
    min_sources: int
    max_source_age: int
    outlier_bps: int
    sanity_bps: int


@dataclass(frozen=True)
class Aggregate:
    price: int  # 1e18-scaled, rounded down
    used: tuple[str, ...]
    rejected: dict[str, str] = field(default_factory=dict)  # source -> reason


def median(values: list[Decimal]) -> Decimal:
    """The median; for an even count, the exact mean of the two middle values."""
    if not values:
        raise ValueError("median of no values")
    ordered = sorted(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    with localcontext() as ctx:
        ctx.prec = 80
        return (ordered[middle - 1] + ordered[middle]) / 2


def to_wad(price: Decimal) -> int:
    """A Decimal price as a 1e18-scaled integer, rounded down."""
    with localcontext() as ctx:
        ctx.prec = 100
        return int((price * WAD).to_integral_value(rounding=ROUND_FLOOR))


def _within(value: Decimal, reference: Decimal, bps: int) -> bool:
    return abs(value - reference) * BPS <= reference * bps


def aggregate(observations: list[Observation], now: int, rules: Rules, last_published: int | None) -> Aggregate:
    """The price to sign, or NoQuorumError / SanityBoundError. `last_published` is the last 1e18 price on-chain."""
    rejected: dict[str, str] = {}
    usable: list[Observation] = []
    for obs in observations:
        if not obs.price.is_finite():
            rejected[obs.source] = f"non-finite value {obs.price}"
        elif obs.price <= 0:
            rejected[obs.source] = f"non-positive value {obs.price}"
        elif obs.timestamp > now + 5:
            rejected[obs.source] = f"timestamp {obs.timestamp} is in the future (now {now})"
        elif now - obs.timestamp > rules.max_source_age:
            rejected[obs.source] = f"stale: {now - obs.timestamp}s old (max {rules.max_source_age}s)"
        else:
            usable.append(obs)
    if len(usable) < rules.min_sources:
        raise NoQuorumError(f"{len(usable)} usable sources, {rules.min_sources} required; rejected: {rejected}")
    center = median([o.price for o in usable])
    agreeing = []
    for obs in usable:
        if _within(obs.price, center, rules.outlier_bps):
            agreeing.append(obs)
        else:
            rejected[obs.source] = f"outlier: {obs.price} vs median {center} (bound {rules.outlier_bps} bps)"
    if len(agreeing) < rules.min_sources:
        raise NoQuorumError(f"{len(agreeing)} sources agree, {rules.min_sources} required; rejected: {rejected}")
    price = to_wad(median([o.price for o in agreeing]))
    if price == 0:
        raise NoQuorumError("the median is below 1e-18")
    if last_published and not _within(Decimal(price), Decimal(last_published), rules.sanity_bps):
        raise SanityBoundError(
            f"median {price} moved beyond {rules.sanity_bps} bps from the last published {last_published}"
        )
    return Aggregate(price=price, used=tuple(o.source for o in agreeing), rejected=rejected)
