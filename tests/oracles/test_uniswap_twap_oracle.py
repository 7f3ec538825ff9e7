"""UniswapV3TwapOracle against a real UniswapV3Pool (deployed from v3-core's shipped artifacts).

The `test_l1_*` tests are finding L-1's regressions (issue 17): thin pools and short observation rings are refused,
and updatedAt is the pool's last write, not the block. The `test_expiry_*` tests cover the expiry evidence (priceAt).
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

import ape
import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from strikeforge.fuzz.abi import ContractABI
from strikeforge.fuzz.chain import Contract
from strikeforge.fuzz.errors import RevertError
from strikeforge.fuzz.machine import ChainMachine
from strikeforge.uniswap_v3 import FEE, FULL_RANGE, factory_container, pool_container, sqrt_price_x96
from tests.oracles.uniswap import price_1e18

WINDOW = 1_800
ETH_USDC_TICK = Decimal("-195_000.5")  # about $3,400 when WETH is token0; mirrored when USDC is token0
LIQUIDITY = 10**15
MIN_LIQUIDITY = 10**12  # the test pools hold 10^15; a thin pool 10^9
MIN_CARDINALITY = 8
THIN_LIQUIDITY = 10**9


@pytest.fixture
def factory(deployer):
    return factory_container().deploy(sender=deployer)


@pytest.fixture
def driver(project, deployer):
    return project.UniswapV3PoolDriver.deploy(sender=deployer)


def _pool(factory, deployer, driver, token_a, token_b, tick: Decimal, liquidity=LIQUIDITY, cardinality=16):
    factory.createPool(token_a, token_b, FEE, sender=deployer)
    pool = pool_container().at(factory.getPool(token_a, token_b, FEE))
    pool.initialize(sqrt_price_x96(tick), sender=deployer)
    if cardinality > 1:
        pool.increaseObservationCardinalityNext(cardinality, sender=deployer)
    for token in (token_a, token_b):
        token.mint(driver, 10**40, sender=deployer)
    driver.mint(pool, *FULL_RANGE, liquidity, sender=deployer)
    return pool


@pytest.fixture
def eth_pool(factory, deployer, driver, weth, usdc):
    weth_is_token0 = int(weth.address, 16) < int(usdc.address, 16)
    return _pool(factory, deployer, driver, weth, usdc, ETH_USDC_TICK if weth_is_token0 else -ETH_USDC_TICK)


@pytest.fixture
def deploy_twap(project, deployer):
    def deploy(base, quote, pool, window=WINDOW, min_liquidity=MIN_LIQUIDITY, min_cardinality=MIN_CARDINALITY):
        return project.UniswapV3TwapOracle.deploy(
            base, quote, pool, window, min_liquidity, min_cardinality, sender=deployer
        )

    return deploy


def _wait(chain, seconds):
    chain.mine(1, timestamp=chain.pending_timestamp + seconds)


def _floor_mean_tick(pool, window) -> tuple[int, int]:
    cumulatives, _ = pool.observe([window, 0])
    delta = cumulatives[1] - cumulatives[0]
    return delta, delta // window  # Python's // rounds toward negative infinity


def _last_write(pool) -> int:
    """The blockTimestamp of the pool's newest observation."""
    return pool.observations(pool.slot0().observationIndex).blockTimestamp


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
    assert updated_at == _last_write(eth_pool)


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
    with ape.reverts(oracle.OracleUnsupportedPair):
        oracle.getPrice(usdc, weth)


def _harmonic_mean_liquidity(pool, start_ago: int, end_ago: int) -> int:
    """OracleLibrary.consult's harmonicMeanLiquidity over [now - start_ago, now - end_ago], in Python."""
    _, seconds_per_liquidity = pool.observe([start_ago, end_ago])
    delta = (seconds_per_liquidity[1] - seconds_per_liquidity[0]) % 2**160
    return (start_ago - end_ago) * (2**160 - 1) // (delta << 32) % 2**128


def _newest_write_at_or_before(pool, when: int) -> int:
    """The blockTimestamp of the pool's newest initialized observation at or before `when` (a scan of the ring)."""
    cardinality = pool.slot0().observationCardinality
    stamps = [o.blockTimestamp for o in (pool.observations(i) for i in range(cardinality)) if o.initialized]
    return max(t for t in stamps if t <= when)


def _sell_weth(pool, driver, deployer, weth, ticks: int):
    """Swap WETH's price down by about `ticks` (>= 1) ticks, to the middle of a tick."""
    zero_for_one = pool.token0() == weth.address
    spot = pool.slot0().tick
    target = Decimal(spot - ticks if zero_for_one else spot + ticks) + Decimal("0.5")
    driver.swapTo(pool, zero_for_one, 10**40, sqrt_price_x96(target), sender=deployer)


def test_l1_thin_pool_is_refused(factory, deployer, driver, deploy_twap, weth, usdc, chain):
    pool = _pool(factory, deployer, driver, weth, usdc, Decimal("100.5"), liquidity=THIN_LIQUIDITY)
    _wait(chain, WINDOW + 60)
    oracle = deploy_twap(weth, usdc, pool)
    expected = _harmonic_mean_liquidity(pool, WINDOW, 0)
    assert THIN_LIQUIDITY - 2 <= expected <= THIN_LIQUIDITY
    with ape.reverts(oracle.PoolTooThin, harmonicMeanLiquidity=expected, minLiquidity=MIN_LIQUIDITY):
        oracle.getPrice(weth, usdc)
    with ape.reverts(oracle.PoolTooThin):
        oracle.getQuote(10**18, weth, usdc)


def test_l1_liquidity_added_at_the_end_of_the_window_does_not_pass(
    factory, deployer, driver, deploy_twap, weth, usdc, chain
):
    """The floor is on the harmonic mean over the window: depth added just before a read weighs its seconds only."""
    pool = _pool(factory, deployer, driver, weth, usdc, Decimal("100.5"), liquidity=THIN_LIQUIDITY)
    _wait(chain, WINDOW + 60)
    driver.mint(pool, *FULL_RANGE, LIQUIDITY, sender=deployer)  # spot liquidity is deep from now on
    _wait(chain, 60)
    oracle = deploy_twap(weth, usdc, pool)
    assert pool.liquidity() > LIQUIDITY
    with ape.reverts(oracle.PoolTooThin):
        oracle.getPrice(weth, usdc)
    _wait(chain, WINDOW)  # a whole window of depth: the pool answers
    assert oracle.getPrice(weth, usdc)[0] > 0
    assert _harmonic_mean_liquidity(pool, WINDOW, 0) >= MIN_LIQUIDITY


def test_l1_low_cardinality_is_refused(factory, deployer, driver, deploy_twap, weth, usdc, chain):
    """A one-slot ring still answers while nobody trades (the window interpolates from the last write): refused."""
    pool = _pool(factory, deployer, driver, weth, usdc, Decimal("100.5"), cardinality=1)
    _wait(chain, WINDOW + 60)
    oracle = deploy_twap(weth, usdc, pool)
    assert pool.slot0().observationCardinality == 1
    with ape.reverts(oracle.CardinalityTooLow, observationCardinality=1, minCardinality=MIN_CARDINALITY):
        oracle.getPrice(weth, usdc)
    with ape.reverts(oracle.CardinalityTooLow):
        oracle.twapTick()


def test_l1_updated_at_is_the_last_observation_not_the_block(
    eth_pool, deploy_twap, driver, deployer, weth, usdc, chain
):
    _wait(chain, WINDOW + 60)
    oracle = deploy_twap(weth, usdc, eth_pool)
    written = _last_write(eth_pool)
    _, updated_at = oracle.getPrice(weth, usdc)
    assert updated_at == written
    assert chain.blocks.head.timestamp - updated_at >= WINDOW + 60  # nobody traded: the answer is that old
    _wait(chain, 60)
    _sell_weth(eth_pool, driver, deployer, weth, 10)  # a trade writes an observation
    assert oracle.getPrice(weth, usdc)[1] == _last_write(eth_pool) == chain.blocks.head.timestamp


@pytest.mark.parametrize(
    ("args", "reason"), [({"min_liquidity": 0}, "minLiquidity"), ({"min_cardinality": 1}, "minCardinality")]
)
def test_floors_must_be_set(project, eth_pool, deploy_twap, weth, usdc, args, reason):
    with ape.reverts(project.UniswapV3TwapOracle.InvalidConfig, reason=reason):
        deploy_twap(weth, usdc, eth_pool, **args)


def test_expiry_price_waits_for_the_expiry(eth_pool, deploy_twap, weth, usdc, chain):
    _wait(chain, WINDOW + 60)
    oracle = deploy_twap(weth, usdc, eth_pool)
    now = chain.blocks.head.timestamp
    for expiry in (now, now + 600):
        with ape.reverts(oracle.ExpiryNotPassed, expiry=expiry):
            oracle.priceAt(weth, usdc, expiry, b"")
    assert oracle.expiryHint(weth, usdc, now) == b""
    with ape.reverts(oracle.OracleUnsupportedPair):
        oracle.priceAt(usdc, weth, now - 1, b"")


def test_expiry_price_is_the_window_ending_at_expiry_and_later_trades_do_not_move_it(
    eth_pool, deploy_twap, driver, deployer, weth, usdc, chain
):
    _wait(chain, WINDOW + 60)
    oracle = deploy_twap(weth, usdc, eth_pool)
    weth_is_token0 = eth_pool.token0() == weth.address
    for _ in range(3):  # trades inside the expiry window
        _wait(chain, 200)
        _sell_weth(eth_pool, driver, deployer, weth, 50)
    expiry = chain.blocks.head.timestamp + 100
    _wait(chain, 150)
    now = chain.blocks.head.timestamp
    tick = _floor_mean_tick_between(eth_pool, now - expiry + WINDOW, now - expiry)
    price, updated_at = oracle.priceAt(weth, usdc, expiry, b"")
    _assert_close(price, price_1e18(tick, weth_is_token0, 18, 6))
    assert updated_at == _newest_write_at_or_before(eth_pool, expiry) < expiry

    for _ in range(4):  # trades after the expiry: new observations, the same answer (the binary search path)
        _wait(chain, 30)
        _sell_weth(eth_pool, driver, deployer, weth, 500)
    assert _last_write(eth_pool) > expiry
    assert oracle.priceAt(weth, usdc, expiry, b"") == (price, updated_at)
    assert oracle.priceAt(weth, usdc, expiry, b"\x01") == (price, updated_at)  # the hint is ignored


def test_expiry_price_refuses_a_thin_window(factory, deployer, driver, deploy_twap, weth, usdc, chain):
    pool = _pool(factory, deployer, driver, weth, usdc, Decimal("100.5"), liquidity=THIN_LIQUIDITY)
    _wait(chain, WINDOW + 60)
    expiry = chain.blocks.head.timestamp
    _wait(chain, 10)
    oracle = deploy_twap(weth, usdc, pool)
    with ape.reverts(oracle.PoolTooThin):
        oracle.priceAt(weth, usdc, expiry, b"")


def test_expiry_window_overwritten_by_later_trades_is_unavailable(
    factory, deployer, driver, deploy_twap, weth, usdc, chain
):
    pool = _pool(factory, deployer, driver, weth, usdc, Decimal("100.5"), cardinality=MIN_CARDINALITY)
    _wait(chain, WINDOW + 60)
    expiry = chain.blocks.head.timestamp
    oracle = deploy_twap(weth, usdc, pool)
    _wait(chain, 10)
    assert oracle.priceAt(weth, usdc, expiry, b"")[0] > 0
    for _ in range(MIN_CARDINALITY + 1):
        _wait(chain, 12)
        _sell_weth(pool, driver, deployer, weth, 1)
    with ape.reverts(oracle.TwapUnavailable):
        oracle.priceAt(weth, usdc, expiry, b"")


def _floor_mean_tick_between(pool, start_ago: int, end_ago: int) -> int:
    cumulatives, _ = pool.observe([start_ago, end_ago])
    return (cumulatives[1] - cumulatives[0]) // (start_ago - end_ago)


MACHINE_WINDOW = 300  # MIN_TWAP_WINDOW: short, so trades overwrite the ring of MIN_CARDINALITY slots quickly


class TwapExpiryMachine(ChainMachine):
    """Trades at random moments around an expiry in a pool with a ring of MIN_CARDINALITY slots. Invariants: once
    priceAt(expiry) answers, it answers the same whatever trades follow, or it reverts TwapUnavailable for good (the
    window left the ring); its updatedAt is the pool's newest write at or before the expiry (a scan of the ring)."""

    ACTORS = ("trader",)
    types: ClassVar[dict] = {}

    @classmethod
    def deploy(cls, chain, actors):
        d = actors["deployer"]
        base = chain.deploy(cls.contract_type("MockERC20"), "B", "B", 18, sender=d)
        quote = chain.deploy(cls.contract_type("MockERC20"), "Q", "Q", 18, sender=d)
        factory = chain.deploy(factory_container().contract_type, sender=d)
        factory.createPool(base, quote, FEE, sender=d)
        pool_type = pool_container().contract_type
        pool = Contract(chain, factory.getPool(base, quote, FEE), ContractABI.from_contract_type(pool_type))
        chain.deployed[pool.address.lower()] = pool.abi
        pool.initialize(sqrt_price_x96(Decimal("100.5")), sender=d)
        pool.increaseObservationCardinalityNext(MIN_CARDINALITY, sender=d)
        driver = chain.deploy(cls.contract_type("UniswapV3PoolDriver"), sender=d)
        for token in (base, quote):
            token.mint(driver, 10**40, sender=d)
        chain.warp(12)
        driver.mint(pool, *FULL_RANGE, LIQUIDITY, sender=d)
        chain.warp(MACHINE_WINDOW + 60)
        oracle = chain.deploy(
            cls.contract_type("UniswapV3TwapOracle"),
            base,
            quote,
            pool,
            MACHINE_WINDOW,
            MIN_LIQUIDITY,
            MIN_CARDINALITY,
            sender=d,
        )
        return {"base": base, "quote": quote, "pool": pool, "driver": driver, "oracle": oracle}

    def __init__(self):
        super().__init__()
        self.expiry: int | None = None
        self.answer: tuple[int, int] | None = None
        self.gone = False

    @rule(seconds=st.integers(1, 150), ticks=st.integers(1, 300), down=st.booleans())
    def trade(self, seconds, ticks, down):
        self.chain.warp(seconds)
        spot = self.c.pool.slot0()[1]
        target = Decimal(spot - ticks if down else spot + ticks) + Decimal("0.5")
        self.c.driver.swapTo(self.c.pool, down, 10**40, sqrt_price_x96(target), sender=self.who("trader"))

    @rule()
    def expire(self):
        if self.expiry is None:
            self.expiry = self.chain.timestamp
            self.chain.warp(1)

    def _newest_write_at_or_before(self, when: int) -> int:
        pool = self.c.pool
        stamps = [o[0] for o in (pool.observations(i) for i in range(pool.slot0()[3])) if o[3]]
        return max(t for t in stamps if t <= when)

    @invariant()
    def expiry_answer_is_fixed(self):
        if self.expiry is None:
            return
        oracle = self.c.oracle
        try:
            answer = tuple(oracle.priceAt(self.c.base, self.c.quote, self.expiry, b""))
        except RevertError as exc:
            assert exc.error.name == "TwapUnavailable", exc
            self.gone = True
            event("expiry window left the ring")
            return
        assert not self.gone, "the expiry window came back after leaving the ring"
        assert answer[1] == self._newest_write_at_or_before(self.expiry)
        if self.answer is None:
            self.answer = answer
        event(
            "expiry answered after later writes"
            if self.c.pool.observations(self.c.pool.slot0()[2])[0] > self.expiry
            else "expiry answered"
        )
        assert answer == self.answer


TestTwapExpiryMachine = TwapExpiryMachine.TestCase
