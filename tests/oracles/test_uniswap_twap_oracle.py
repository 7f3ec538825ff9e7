"""UniswapV3TwapOracle against a real UniswapV3Pool (deployed from v3-core's shipped artifacts)."""

from __future__ import annotations

from decimal import Decimal

import ape
import pytest

from strikeforge.uniswap_v3 import FEE, FULL_RANGE, factory_container, pool_container, sqrt_price_x96
from tests.oracles.uniswap import price_1e18

WINDOW = 1_800
ETH_USDC_TICK = Decimal("-195_000.5")  # about $3,400 when WETH is token0; mirrored when USDC is token0
LIQUIDITY = 10**15


@pytest.fixture
def factory(deployer):
    return factory_container().deploy(sender=deployer)


@pytest.fixture
def driver(project, deployer):
    return project.UniswapV3PoolDriver.deploy(sender=deployer)


def _pool(factory, deployer, driver, token_a, token_b, tick: Decimal):
    factory.createPool(token_a, token_b, FEE, sender=deployer)
    pool = pool_container().at(factory.getPool(token_a, token_b, FEE))
    pool.initialize(sqrt_price_x96(tick), sender=deployer)
    pool.increaseObservationCardinalityNext(16, sender=deployer)
    for token in (token_a, token_b):
        token.mint(driver, 10**40, sender=deployer)
    driver.mint(pool, *FULL_RANGE, LIQUIDITY, sender=deployer)
    return pool


@pytest.fixture
def eth_pool(factory, deployer, driver, weth, usdc):
    weth_is_token0 = int(weth.address, 16) < int(usdc.address, 16)
    return _pool(factory, deployer, driver, weth, usdc, ETH_USDC_TICK if weth_is_token0 else -ETH_USDC_TICK)


@pytest.fixture
def deploy_twap(project, deployer):
    def deploy(base, quote, pool, window=WINDOW):
        return project.UniswapV3TwapOracle.deploy(base, quote, pool, window, sender=deployer)

    return deploy


def _wait(chain, seconds):
    chain.mine(1, timestamp=chain.pending_timestamp + seconds)


def _floor_mean_tick(pool, window) -> tuple[int, int]:
    cumulatives, _ = pool.observe([window, 0])
    delta = cumulatives[1] - cumulatives[0]
    return delta, delta // window  # Python's // rounds toward negative infinity


def _assert_close(actual: int, exact: Decimal):
    assert abs(Decimal(actual) - exact) <= exact * Decimal("1e-15") + 1


def test_constant_tick_prices_both_token_orders(eth_pool, deploy_twap, weth, usdc, chain):
    _wait(chain, WINDOW + 60)
    tick = eth_pool.slot0().tick
    weth_is_token0 = eth_pool.token0() == weth.address
    weth_in_usdc = deploy_twap(weth, usdc, eth_pool)
    usdc_in_weth = deploy_twap(usdc, weth, eth_pool)

    assert weth_in_usdc.twapTick() == tick
    weth_price, updated_at = weth_in_usdc.getPrice(weth, usdc)
    usdc_price, _ = usdc_in_weth.getPrice(usdc, weth)
    _assert_close(weth_price, price_1e18(tick, weth_is_token0, 18, 6))
    _assert_close(usdc_price, price_1e18(tick, not weth_is_token0, 6, 18))
    assert 3_000 * 10**18 < weth_price < 4_000 * 10**18
    assert updated_at == chain.blocks.head.timestamp


def test_quote_uses_asset_decimals_in_both_directions(eth_pool, deploy_twap, weth, usdc, chain):
    _wait(chain, WINDOW + 60)
    oracle = deploy_twap(weth, usdc, eth_pool)
    price, _ = oracle.getPrice(weth, usdc)
    assert oracle.getQuote(2 * 10**18, weth, usdc) == 2 * price // 10**12
    assert oracle.getQuote(1_000 * 10**6, usdc, weth) == 1_000 * 10**6 * 10**18 * 10**12 // price


def test_mean_tick_rounds_toward_negative_infinity(factory, deployer, driver, project, deploy_twap, chain):
    token_a = project.MockERC20.deploy("Token A", "A", 18, sender=deployer)
    token_b = project.MockERC20.deploy("Token B", "B", 18, sender=deployer)
    pool = _pool(factory, deployer, driver, token_a, token_b, Decimal("-10.5"))
    _wait(chain, WINDOW)
    token0 = token_a if pool.token0() == token_a.address else token_b
    # Sell token0 down into tick -12 for part of the window: the mean tick becomes a negative non-integer.
    driver.swapTo(pool, True, 10**30, sqrt_price_x96(Decimal("-11.5")), sender=deployer)
    _wait(chain, WINDOW // 3)

    oracle = deploy_twap(token0, token_b if token0 == token_a else token_a, pool)
    delta, floor_tick = _floor_mean_tick(pool, WINDOW)
    assert delta < 0 and delta % WINDOW != 0, "the scenario must produce a negative, non-integral mean tick"
    assert oracle.twapTick() == floor_tick
    assert floor_tick == int(delta / WINDOW) - 1  # truncation toward zero would be one tick too high


def test_a_single_block_spike_barely_moves_the_twap(eth_pool, deploy_twap, driver, deployer, weth, usdc, chain):
    _wait(chain, WINDOW + 60)
    oracle = deploy_twap(weth, usdc, eth_pool)
    before = oracle.twapTick()
    spot = eth_pool.slot0().tick
    zero_for_one = eth_pool.token0() == weth.address  # push WETH's price down by ~5,000 ticks (40%)
    target = spot - 5_000 if zero_for_one else spot + 5_000
    driver.swapTo(eth_pool, zero_for_one, 10**40, sqrt_price_x96(target), sender=deployer)
    assert abs(eth_pool.slot0().tick - spot) >= 4_999
    elapsed = chain.pending_timestamp - chain.blocks.head.timestamp
    # The spiked tick has weighed for `elapsed` seconds of the window only.
    assert abs(oracle.twapTick() - before) <= 5_000 * max(elapsed, 1) // WINDOW + 1


def test_a_window_longer_than_the_pool_history_reverts(factory, deployer, driver, deploy_twap, weth, usdc):
    pool = _pool(factory, deployer, driver, weth, usdc, Decimal("100.5"))
    oracle = deploy_twap(weth, usdc, pool)
    with ape.reverts(oracle.TwapUnavailable):
        oracle.getPrice(weth, usdc)


def test_window_below_the_minimum_is_rejected(project, eth_pool, deploy_twap, weth, usdc):
    with ape.reverts(project.UniswapV3TwapOracle.InvalidConfig, reason="twapWindow"):
        deploy_twap(weth, usdc, eth_pool, window=299)


def test_pool_of_other_tokens_is_rejected(project, eth_pool, deploy_twap, deployer, weth):
    other = project.MockERC20.deploy("Other", "OTH", 18, sender=deployer)
    with ape.reverts(project.UniswapV3TwapOracle.InvalidConfig, reason="pool tokens"):
        deploy_twap(weth, other, eth_pool)


def test_other_pairs_are_unsupported(eth_pool, deploy_twap, weth, usdc, deployer, project, chain):
    _wait(chain, WINDOW + 60)
    oracle = deploy_twap(weth, usdc, eth_pool)
    with ape.reverts(oracle.UnsupportedPair):
        oracle.getPrice(usdc, weth)
