"""ChainlinkOracle: normalization, quotes both ways, and every check, with the known exploit classes as regressions."""

from __future__ import annotations

import ape
import pytest

from .conftest import MAX_PRICE, MIN_PRICE, STALENESS, USD


def _now(chain):
    return chain.pending_timestamp


def test_price_is_normalized_to_1e18(oracle, feed, weth, usdc):
    price, updated_at = oracle.getPrice(weth, usdc)
    assert price == 3_000 * USD
    assert updated_at == feed.latestTimestamp()


def test_quote_base_to_quote_scales_between_asset_decimals(oracle, weth, usdc):
    assert oracle.getQuote(2 * 10**18, weth, usdc) == 6_000 * 10**6  # 2 WETH -> 6,000 USDC


def test_quote_quote_to_base_is_the_inverse(oracle, weth, usdc):
    assert oracle.getQuote(3_000 * 10**6, usdc, weth) == 10**18  # 3,000 USDC -> 1 WETH


def test_quotes_round_down(oracle, feed, weth, usdc, chain, deployer):
    feed.updateRoundData(2, 3 * 10**8, _now(chain), _now(chain), sender=deployer)  # $3.00
    assert oracle.getQuote(1, weth, usdc) == 0  # 1 wei of WETH is worth 3e-12 USDC: rounds to 0, never up
    # 1e-6 USDC buys 1e-6 / 3 = 3.33...e-7 WETH: 333,333,333,333.33 wei, rounded down once (not 0 by a double floor).
    assert oracle.getQuote(1, usdc, weth) == 333_333_333_333


def test_unsupported_pair_is_named(oracle, weth, usdc, deployer):
    with ape.reverts(oracle.OracleUnsupportedPair, base=weth.address, quote=deployer.address):
        oracle.getQuote(1, weth, deployer)
    with ape.reverts(oracle.OracleUnsupportedPair, base=usdc.address, quote=weth.address):
        oracle.getPrice(usdc, weth)  # getPrice is directional: BASE priced in QUOTE only


def test_stale_price_reverts(oracle, feed, weth, usdc, chain, deployer):
    """Regression: a feed that stopped updating must not price anything."""
    updated = _now(chain) - STALENESS - 1
    feed.updateRoundData(2, 3_000 * 10**8, updated, updated, sender=deployer)
    with ape.reverts(oracle.StalePrice, updatedAt=updated, maxStaleness=STALENESS):
        oracle.getPrice(weth, usdc)


def test_future_timestamp_reverts(oracle, feed, weth, usdc, chain, deployer):
    future = _now(chain) + 600
    feed.updateRoundData(2, 3_000 * 10**8, future, future, sender=deployer)
    with ape.reverts(oracle.StalePrice, updatedAt=future, maxStaleness=STALENESS):
        oracle.getPrice(weth, usdc)


@pytest.mark.parametrize("answer", [0, -1, -(3_000 * 10**8)])
def test_zero_or_negative_answer_reverts(oracle, feed, weth, usdc, chain, deployer, answer):
    feed.updateRoundData(2, answer, _now(chain), _now(chain), sender=deployer)
    with ape.reverts(oracle.InvalidAnswer, answer=answer):
        oracle.getPrice(weth, usdc)


def test_price_stuck_at_min_answer_trips_the_circuit_breaker(oracle, feed, weth, usdc, chain, deployer):
    """Regression (LUNA, May 2022): an aggregator clamps a crashing price at its minAnswer; a protocol that trusts
    the clamped price lends or settles at a price far above the market. ETH at $0.10 is outside [1, 1e6] USD."""
    feed.updateRoundData(2, 10**7, _now(chain), _now(chain), sender=deployer)  # $0.10
    with ape.reverts(oracle.PriceOutOfBounds, price=10**17, minPrice=MIN_PRICE, maxPrice=MAX_PRICE):
        oracle.getPrice(weth, usdc)


def test_feed_with_18_decimals_prices_the_same_as_one_with_8(project, deployer, deploy_oracle, weth, usdc):
    """Regression (December 2025 Ribbon/Aevo class): a feed with 18 decimals read with an 8-decimal assumption is off
    by 1e10. Decimals are read from the feed at deployment, so both feeds give the same 1e18 price."""
    feed_18 = project.MockChainlinkFeed.deploy(18, 3_000 * 10**18, sender=deployer)
    feed_8 = project.MockChainlinkFeed.deploy(8, 3_000 * 10**8, sender=deployer)
    assert deploy_oracle(feed_18).getPrice(weth, usdc)[0] == deploy_oracle(feed_8).getPrice(weth, usdc)[0]
    assert deploy_oracle(feed_18).getQuote(10**18, weth, usdc) == 3_000 * 10**6


def _sequencer(project, deployer, status, up_since=None):
    """An L2 sequencer-uptime feed (Chainlink's mock): status 0 = up, 1 = down; up (or down) since `up_since`."""
    sequencer = project.MockChainlinkFeed.deploy(0, status, sender=deployer)
    if up_since is not None:
        sequencer.updateRoundData(2, status, up_since, up_since, sender=deployer)
    return sequencer


def test_sequencer_down_reverts(project, deployer, deploy_oracle, feed, weth, usdc, chain):
    sequencer = _sequencer(project, deployer, 1)  # 1 = down
    oracle = deploy_oracle(feed, sequencer=sequencer, grace=3_600)
    with ape.reverts(oracle.SequencerDown):
        oracle.getPrice(weth, usdc)


def test_sequencer_within_grace_period_reverts(project, deployer, deploy_oracle, feed, weth, usdc, chain):
    up_since = _now(chain) - 60
    sequencer = _sequencer(project, deployer, 0, up_since)
    oracle = deploy_oracle(feed, sequencer=sequencer, grace=3_600)
    with ape.reverts(oracle.SequencerGracePeriod, upSince=up_since, gracePeriod=3_600):
        oracle.getPrice(weth, usdc)


def test_sequencer_up_past_grace_period_allows_prices(project, deployer, deploy_oracle, feed, weth, usdc, chain):
    up_since = _now(chain) - 7_200
    sequencer = _sequencer(project, deployer, 0, up_since)
    oracle = deploy_oracle(feed, sequencer=sequencer, grace=3_600)
    assert oracle.getPrice(weth, usdc)[0] == 3_000 * USD


@pytest.mark.parametrize(
    ("kwargs", "reason"),
    [
        ({"staleness": 0}, "maxStaleness"),
        ({"min_price": 0}, "minPrice/maxPrice"),
        ({"min_price": 10 * USD, "max_price": USD}, "minPrice/maxPrice"),
    ],
)
def test_bad_configuration_is_named(project, deploy_oracle, feed, kwargs, reason):
    with ape.reverts(project.ChainlinkOracle.InvalidConfig, reason=reason):
        deploy_oracle(feed, **kwargs)


def test_feed_with_more_than_36_decimals_is_refused(project, deployer, deploy_oracle):
    feed_37 = project.MockChainlinkFeed.deploy(37, 1, sender=deployer)
    with ape.reverts(project.ChainlinkOracle.InvalidConfig, reason="feed decimals > 36"):
        deploy_oracle(feed_37)
