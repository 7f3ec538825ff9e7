"""Aggregation: what may be signed, and the median's resistance to a corrupted minority."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strikeforge.oracle.aggregate import NoQuorumError, Rules, SanityBoundError, aggregate, median, to_wad
from strikeforge.oracle.sources import Observation

NOW = 1_900_000_000
RULES = Rules(min_sources=2, max_source_age=60, outlier_bps=200, sanity_bps=2_000)


def obs(name: str, price: str, age: int = 0) -> Observation:
    return Observation(name, Decimal(price), NOW - age)


def test_the_median_of_agreeing_sources_is_signed_as_1e18():
    result = aggregate([obs("a", "3000.5"), obs("b", "3001"), obs("c", "2999.9")], NOW, RULES, None)
    assert result.price == 3_000_500_000_000_000_000_000
    assert sorted(result.used) == ["a", "b", "c"]


def test_an_even_count_takes_the_exact_middle_mean_rounded_down():
    result = aggregate([obs("a", "1"), obs("b", "1.000000000000000001")], NOW, RULES, None)
    assert result.price == 10**18  # mean 1.0000000000000000005 floors to 1e18


def test_an_outlier_is_dropped_and_named():
    result = aggregate([obs("a", "3000"), obs("b", "3001"), obs("liar", "4000")], NOW, RULES, None)
    assert result.price == 3_000_500_000_000_000_000_000
    assert "outlier" in result.rejected["liar"]


@pytest.mark.parametrize(
    ("price", "reason"),
    [("NaN", "non-finite"), ("Infinity", "non-finite"), ("0", "non-positive"), ("-5", "non-positive")],
)
def test_unusable_values_never_count(price, reason):
    with pytest.raises(NoQuorumError):
        aggregate([obs("a", "3000"), obs("bad", price)], NOW, RULES, None)
    result = aggregate([obs("a", "3000"), obs("b", "3000"), obs("bad", price)], NOW, RULES, None)
    assert reason in result.rejected["bad"]


def test_a_stale_source_is_rejected_to_the_second():
    fresh = aggregate([obs("a", "3000", age=60), obs("b", "3000", age=60)], NOW, RULES, None)
    assert fresh.price == 3_000 * 10**18
    with pytest.raises(NoQuorumError, match="stale"):
        aggregate([obs("a", "3000", age=61), obs("b", "3000")], NOW, RULES, None)


def test_no_quorum_when_sources_disagree():
    with pytest.raises(NoQuorumError, match="agree"):
        aggregate([obs("a", "3000"), obs("b", "2000"), obs("c", "4000")], NOW, RULES, None)


def test_a_move_beyond_the_sanity_bound_is_refused():
    last = 3_000 * 10**18
    assert aggregate([obs("a", "3600"), obs("b", "3600")], NOW, RULES, last).price == 3_600 * 10**18  # +20%
    with pytest.raises(SanityBoundError):
        aggregate([obs("a", "3600.01"), obs("b", "3600.01")], NOW, RULES, last)


honest_prices = st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("1e12"), places=6, allow_nan=False)
any_prices = st.decimals(allow_nan=False, allow_infinity=False, places=6)


@given(honest=st.lists(honest_prices, min_size=1, max_size=12), data=st.data())
def test_the_median_survives_fewer_than_half_corrupted_sources(honest, data):
    corrupted = data.draw(st.lists(any_prices, max_size=(len(honest) - 1)))  # strictly fewer than half of all
    result = median(honest + corrupted)
    assert min(honest) <= result <= max(honest)


@given(
    center=st.decimals(min_value=Decimal(1), max_value=Decimal("1e9"), places=4),
    offsets=st.lists(st.integers(0, 100), min_size=2, max_size=9),  # honest sources within 1% of each other
    data=st.data(),
)
def test_the_signed_price_stays_in_the_honest_range(center, offsets, data):
    honest = [center * (1 + Decimal(o) / 10_000) for o in offsets]
    liars = data.draw(
        st.lists(st.decimals(min_value=Decimal("1e-6"), max_value=Decimal("1e15"), places=6), max_size=len(honest) - 1)
    )
    observations = [obs(f"h{i}", str(p)) for i, p in enumerate(honest)] + [
        obs(f"x{i}", str(p)) for i, p in enumerate(liars)
    ]
    result = aggregate(observations, NOW, RULES, None)
    assert to_wad(min(honest)) <= result.price <= to_wad(max(honest))
