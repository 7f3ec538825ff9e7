"""ChainlinkOracle properties, fuzzed on the in-process engine (exact timestamps, thousands of deployments)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strikeforge.fuzz.artifacts import from_project
from strikeforge.fuzz.chain import RevmChain
from strikeforge.fuzz.errors import RevertError

MAX_STALENESS = 3_600
NO_SEQUENCER = "0x" + "00" * 20
UINT_MAX = 2**256 - 1


@pytest.fixture(scope="module")
def world(project):
    types = from_project(project, "MockERC20", "MockChainlinkFeed", "ChainlinkOracle")
    chain = RevmChain()
    deployer = chain.actor("deployer")
    return {"chain": chain, "types": types, "deployer": deployer, "snapshot": chain.snapshot()}


def _deploy(world, feed_decimals, answer, base_decimals=18, quote_decimals=6, min_price=1, max_price=UINT_MAX):
    chain, types, d = world["chain"], world["types"], world["deployer"]
    chain.revert(world["snapshot"])
    base = chain.deploy(types["MockERC20"], "B", "B", base_decimals, sender=d)
    quote = chain.deploy(types["MockERC20"], "Q", "Q", quote_decimals, sender=d)
    feed = chain.deploy(types["MockChainlinkFeed"], feed_decimals, answer, sender=d)
    oracle = chain.deploy(
        types["ChainlinkOracle"], base, quote, feed, MAX_STALENESS, min_price, max_price, NO_SEQUENCER, 0, sender=d
    )
    return base, quote, feed, oracle


@given(decimals=st.integers(0, 36), answer=st.integers(1, 2**200))
def test_decimals_normalization_is_exact_for_0_to_36(world, decimals, answer):
    base, quote, _, oracle = _deploy(world, decimals, answer)
    expected = answer * 10 ** (18 - decimals) if decimals <= 18 else answer // 10 ** (decimals - 18)
    if expected > UINT_MAX:  # no real price: a named revert, not an arithmetic panic
        with pytest.raises(RevertError) as err:
            oracle.getPrice(base, quote)
        assert (err.value.error.name, err.value.error.args) == ("AnswerOverflow", (answer, decimals))
        return
    if expected == 0:  # a sub-1e-18 price is below any MIN_PRICE (>= 1)
        with pytest.raises(RevertError) as err:
            oracle.getPrice(base, quote)
        assert err.value.error.name == "PriceOutOfBounds"
        return
    assert oracle.getPrice(base, quote)[0] == expected


@given(age=st.integers(0, 2 * MAX_STALENESS))
def test_staleness_boundary_is_exact_to_the_second(world, age):
    base, quote, feed, oracle = _deploy(world, 8, 3_000 * 10**8)
    chain = world["chain"]
    updated = chain.timestamp
    feed.updateRoundData(2, 3_000 * 10**8, updated, updated, sender=world["deployer"])
    chain.set_time(updated + age)
    if age <= MAX_STALENESS:
        assert oracle.getPrice(base, quote) == (3_000 * 10**18, updated)
    else:
        with pytest.raises(RevertError) as err:
            oracle.getPrice(base, quote)
        assert (err.value.error.name, err.value.error.args) == ("StalePrice", (updated, MAX_STALENESS))


@given(
    base_decimals=st.integers(0, 36),
    quote_decimals=st.integers(0, 36),
    price=st.integers(1, 10**30),
    amount=st.integers(0, 10**40),
)
def test_quotes_are_the_exact_floor_both_ways(world, base_decimals, quote_decimals, price, amount):
    base, quote, _, oracle = _deploy(world, 18, price, base_decimals, quote_decimals, max_price=10**30)
    forward = oracle.getQuote(amount, base, quote)
    assert forward == amount * price * 10**quote_decimals // (10**18 * 10**base_decimals)
    backward = oracle.getQuote(amount, quote, base)
    assert backward == amount * 10**18 * 10**base_decimals // (price * 10**quote_decimals)


@given(price=st.integers(1, 10**30), amount=st.integers(0, 10**30))
def test_round_trip_never_returns_more_than_it_started_with(world, price, amount):
    base, quote, _, oracle = _deploy(world, 18, price, 18, 6, max_price=10**30)
    assert oracle.getQuote(oracle.getQuote(amount, base, quote), quote, base) <= amount
