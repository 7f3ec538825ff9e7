"""Every oracle adapter and the router against the ERC-7726 suite: getQuote's rounding in both directions of the pair,
OracleUnsupportedPair for any other pair, overflow."""

from __future__ import annotations

import pytest

from strikeforge.conformance import SUITES, run_suite
from strikeforge.uniswap_v3 import factory_container
from tests.conformance.conftest import subject
from tests.oracles.conftest import MAX_EXPIRY_LAG
from tests.oracles.signing import sign
from tests.oracles.test_pyth_oracle import AHEAD, CONF_BPS, EXPIRY_LAG, FEE, FEED_ID, STALENESS, UPDATE_LAG
from tests.oracles.test_uniswap_twap_oracle import ETH_USDC_TICK, MIN_CARDINALITY, MIN_LIQUIDITY, WINDOW, _pool

PROPERTIES = [p.id for p in SUITES["erc7726"]]
ORACLES = ["ChainlinkOracle", "PythOracle", "UniswapV3TwapOracle", "SignedPriceOracle", "OracleRouter"]


@pytest.fixture
def adapter(request, project, chain, deployer, weth, usdc, feed, deploy_oracle, deploy_signed_oracle, signers):
    """The named oracle serving WETH/USDC with a fresh price (each set up as its own tests set it up)."""
    name = request.param
    if name == "ChainlinkOracle":
        return deploy_oracle(feed), None
    if name == "PythOracle":
        pyth = project.MockPythFeeds.deploy(STALENESS, FEE, sender=deployer)
        oracle = project.PythOracle.deploy(
            pyth, FEED_ID, weth, usdc, STALENESS, AHEAD, CONF_BPS, UPDATE_LAG, EXPIRY_LAG, sender=deployer
        )
        now = chain.pending_timestamp
        data = pyth.createPriceFeedUpdateData(FEED_ID, 3_012_34567890, 0, -8, 3_012_34567890, 0, now, 0)
        oracle.updatePrice([data], sender=deployer, value=FEE)
        return oracle, None
    if name == "UniswapV3TwapOracle":
        factory = factory_container().deploy(sender=deployer)
        driver = project.UniswapV3PoolDriver.deploy(sender=deployer)
        weth_first = int(weth.address, 16) < int(usdc.address, 16)
        pool = _pool(factory, deployer, driver, weth, usdc, ETH_USDC_TICK if weth_first else -ETH_USDC_TICK)
        chain.mine(1, timestamp=chain.pending_timestamp + WINDOW + 60)
        oracle = project.UniswapV3TwapOracle.deploy(
            weth, usdc, pool, WINDOW, MIN_LIQUIDITY, MIN_CARDINALITY, sender=deployer
        )
        return oracle, None
    if name == "SignedPriceOracle":
        oracle = deploy_signed_oracle()
        now = chain.pending_timestamp
        prices = [3_000 * 10**18 + i for i in range(3)]
        signatures = [sign(m, oracle, p, now, chain.chain_id) for m, p in zip(signers, prices, strict=False)]
        oracle.update(now, prices, signatures, sender=deployer)
        return oracle, None
    source = project.MockPriceSource.deploy(sender=deployer)
    source.set(2_987_654_321 * 10**12, chain.pending_timestamp, sender=deployer)
    router = project.OracleRouter.deploy(7_200, 3_600, 86_400, deployer, deployer, sender=deployer)
    router.set_route(weth, usdc, source, "0x" + "00" * 20, 0, False, MAX_EXPIRY_LAG, sender=deployer)
    return router, [(weth.address, usdc.address)]


@pytest.mark.parametrize("adapter", ORACLES, indirect=True)
@pytest.mark.parametrize("prop", PROPERTIES)
def test_every_oracle_conforms(adapter, prop, chain, actors):
    oracle, pairs = adapter
    bound = subject("erc7726", oracle, chain, actors)
    if pairs:
        bound.options["pairs"] = pairs  # the router serves routes, not one BASE/QUOTE pair
    [outcome] = run_suite("erc7726", bound, only=[prop])
    assert outcome.status == "pass", f"{outcome.prop.cite}: {outcome.detail}"
    assert "2 directions" in outcome.detail or prop != "rounding"


def test_an_oracle_that_quotes_any_pair_is_caught(project, chain, deployer, weth, usdc, actors):
    """The suite can fail: the test price source answers every pair (it ignores base and quote)."""
    source = project.MockPriceSource.deploy(sender=deployer)
    source.set(3_000 * 10**18, chain.pending_timestamp, sender=deployer)
    bound = subject("erc7726", source, chain, actors)
    bound.options["pairs"] = [(weth.address, usdc.address)]
    [outcome] = run_suite("erc7726", bound, only=["unsupported-pair"])
    assert outcome.status == "fail" and "expected OracleUnsupportedPair(" in outcome.detail
