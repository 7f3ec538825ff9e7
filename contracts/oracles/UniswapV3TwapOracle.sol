// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {TickMath} from "@uniswap/v4-core/src/libraries/TickMath.sol";

import {IExpiryPriceOracle} from "../interfaces/IExpiryPriceOracle.sol";
import {PairOracle} from "./PairOracle.sol";

/// @title UniswapV3TwapOracle
/// @notice The time-weighted average price of one Uniswap v3 pool over a fixed window, as an ERC-7726 quote oracle
///         (`BASE` priced in `QUOTE`, either token order), and as expiry evidence (IExpiryPriceOracle: the TWAP over
///         the window ending at an expiry). Configured once at deployment (Euler-style thin adapter).
/// @dev Reads. Every answer comes from one `observe(secondsAgos)` call over a window of TWAP_WINDOW seconds (ending
///      now for getPrice/getQuote, ending at the expiry for priceAt), as Uniswap's OracleLibrary.consult computes it:
///      the arithmetic-mean tick (tick cumulatives' difference over the window, rounded toward negative infinity) and
///      the harmonic-mean in-range liquidity (window * (2^160 - 1) / (secondsPerLiquidity delta << 32)). The price is
///      1.0001^tick from v4-core's TickMath (the 0.8 port of v3's), squared in 512-bit precision and rounded down.
///      `updatedAt` is the timestamp of the pool's newest observation at or before the end of the window (its last
///      write: a pool nobody traded reports when it was last traded, not the block).
///
///      Threat model.
///      - A thin-pool manipulator (moves the price with little capital, for as long as it wants to hold it) must
///        never be able to make this adapter answer from a pool whose in-range liquidity, averaged harmonically over
///        the window (the liquidity the manipulator actually had to push through, second by second), is below
///        MIN_LIQUIDITY: such reads revert PoolTooThin. In a deep pool it can move the TWAP only by holding the
///        price for a share of the window, paying the arbitrage on every block (MIN_TWAP_WINDOW bounds the window).
///      - A stale pool (nobody traded for a while) cannot pass itself off as fresh: updatedAt is its last write, so
///        the router's staleness and expiry-lag rules see how old the evidence is.
///      - A pool whose observation ring is shorter than MIN_CARDINALITY is refused (CardinalityTooLow): with a few
///        slots, one trade per block overwrites the history the window needs, so a manipulator could make the TWAP
///        unavailable at will, or (cardinality 1) the "average" would be the last price.
///      - Callers and recorders choose nothing: priceAt's answer for an expiry is fixed by the pool's history once
///        block.timestamp > expiry (writes after the expiry only add later observations; the cumulative at the
///        expiry is interpolated between the observations around it), whoever calls it. It becomes unavailable
///        (TwapUnavailable, 'OLD') once later writes overwrite the window's observations: record within about
///        MIN_CARDINALITY blocks of the expiry.
///      - The deployer picks the pool, the window and both floors; nothing changes after deployment.
/// @custom:invariants (1) twapTick() == floor((tickCumulative(now) - tickCumulative(now - TWAP_WINDOW)) / TWAP_WINDOW)
///                        and no read answers unless the pool's observationCardinality >= MIN_CARDINALITY and the
///                        window's harmonic-mean liquidity >= MIN_LIQUIDITY.
///                    (2) getPrice == floor(1e18 * 10^baseDecimals * P / 10^quoteDecimals), P the raw price of BASE
///                        in QUOTE at twapTick() (sqrtPriceX96^2 / 2^192, or its inverse when BASE is token1).
///                    (3) updatedAt is the blockTimestamp of the pool's newest observation at or before the end of the
///                        window: never later than that end, never the block's timestamp unless the pool was written
///                        in this block.
///                    (4) priceAt(expiry) reverts while block.timestamp <= expiry; after, it is the same TWAP rule
///                        over [expiry - TWAP_WINDOW, expiry] and does not depend on the caller, the hint or the time
///                        of the call (it reverts once the window has left the observation ring).
///                    (5) getQuote rounds down once in both directions (PairOracle).
///                    (6) Nothing in this contract changes after deployment.
contract UniswapV3TwapOracle is PairOracle, IExpiryPriceOracle {
    /// @notice Shortest window accepted at deployment, in seconds.
    uint32 public constant MIN_TWAP_WINDOW = 5 minutes;

    /// @notice The pool whose TWAP is read.
    IUniswapV3Pool public immutable POOL;
    /// @notice Averaging window, in seconds.
    uint32 public immutable TWAP_WINDOW;
    /// @notice Smallest harmonic-mean in-range liquidity over the window for which the pool answers.
    uint128 public immutable MIN_LIQUIDITY;
    /// @notice Fewest observation slots the pool must keep in use (slot0.observationCardinality).
    uint16 public immutable MIN_CARDINALITY;
    /// @dev True when BASE is the pool's token0 (the pool prices token0 in token1).
    bool internal immutable BASE_IS_TOKEN0;

    /// @notice The pool cannot answer for the whole window (too little observation history): it reverted `reason`.
    error TwapUnavailable(uint32 twapWindow, bytes reason);
    /// @notice The price does not fit the quote arithmetic (a tick near the edge of Uniswap's range).
    error PriceOverflow(uint256 price);
    /// @notice The window's harmonic-mean in-range liquidity is below MIN_LIQUIDITY.
    error PoolTooThin(uint128 harmonicMeanLiquidity, uint128 minLiquidity);
    /// @notice The pool keeps fewer observation slots than MIN_CARDINALITY.
    error CardinalityTooLow(uint16 observationCardinality, uint16 minCardinality);
    /// @notice priceAt was asked for an expiry that has not passed yet (block.timestamp <= expiry).
    error ExpiryNotPassed(uint256 expiry);

    /// @param base The asset priced (one of the pool's tokens).
    /// @param quote The asset the price is expressed in (the pool's other token).
    /// @param pool The Uniswap v3 pool of base and quote.
    /// @param twapWindow Averaging window in seconds (>= MIN_TWAP_WINDOW). The pool must keep enough observations
    ///        (`increaseObservationCardinalityNext`) to cover it, or reads revert TwapUnavailable.
    /// @param minLiquidity Smallest harmonic-mean in-range liquidity over the window (> 0), in the pool's liquidity
    ///        units (sqrt(amount0 * amount1) of in-range reserves).
    /// @param minCardinality Fewest observation slots the pool must use (>= 2; about TWAP_WINDOW / block time).
    constructor(
        address base,
        address quote,
        IUniswapV3Pool pool,
        uint32 twapWindow,
        uint128 minLiquidity,
        uint16 minCardinality
    ) PairOracle(base, quote, 0) {
        if (address(pool) == address(0)) revert InvalidConfig("pool");
        address token0 = pool.token0();
        address token1 = pool.token1();
        if (!((token0 == base && token1 == quote) || (token0 == quote && token1 == base))) {
            revert InvalidConfig("pool tokens");
        }
        if (twapWindow < MIN_TWAP_WINDOW) revert InvalidConfig("twapWindow");
        if (minLiquidity == 0) revert InvalidConfig("minLiquidity");
        if (minCardinality < 2) revert InvalidConfig("minCardinality");
        POOL = pool;
        TWAP_WINDOW = twapWindow;
        MIN_LIQUIDITY = minLiquidity;
        MIN_CARDINALITY = minCardinality;
        BASE_IS_TOKEN0 = token0 == base;
    }

    /// @notice The pool's arithmetic-mean tick over the last TWAP_WINDOW seconds, rounded toward negative infinity.
    /// @dev Reverts like getPrice when the pool is too thin or keeps too few observations.
    /// @return tick The mean tick (price of token0 in token1 = 1.0001^tick).
    function twapTick() public view returns (int24 tick) {
        _checkCardinality();
        uint128 liquidity;
        (tick, liquidity) = _consult(TWAP_WINDOW, 0);
        if (liquidity < MIN_LIQUIDITY) revert PoolTooThin(liquidity, MIN_LIQUIDITY);
    }

    /// @dev Uniswap's OracleLibrary.consult over [now - startAgo, now - endAgo] (startAgo > endAgo), unchecked
    ///      against the floors. The same formulas as v3-periphery's OracleLibrary.consult (which only takes windows ending now), ported
    ///      to 0.8: the secondsPerLiquidity difference wraps (uint160 overflow is expected, as in the pool).
    ///      Returns the mean tick (rounded toward negative infinity) and the harmonic-mean in-range liquidity.
    function _consult(uint32 startAgo, uint32 endAgo)
        internal
        view
        returns (int24 arithmeticMeanTick, uint128 harmonicMeanLiquidity)
    {
        uint32[] memory secondsAgos = new uint32[](2);
        secondsAgos[0] = startAgo;
        secondsAgos[1] = endAgo;
        int56[] memory tickCumulatives;
        uint160[] memory secondsPerLiquidityCumulativeX128s;
        try POOL.observe(secondsAgos) returns (int56[] memory ticks, uint160[] memory liquidities) {
            (tickCumulatives, secondsPerLiquidityCumulativeX128s) = (ticks, liquidities);
        } catch (bytes memory reason) {
            revert TwapUnavailable(TWAP_WINDOW, reason);
        }
        uint32 window = startAgo - endAgo;
        int56 tickDelta = tickCumulatives[1] - tickCumulatives[0];
        arithmeticMeanTick = int24(tickDelta / int56(uint56(window)));
        if (tickDelta < 0 && tickDelta % int56(uint56(window)) != 0) arithmeticMeanTick--;
        uint160 secondsPerLiquidityDelta;
        unchecked {
            secondsPerLiquidityDelta = secondsPerLiquidityCumulativeX128s[1] - secondsPerLiquidityCumulativeX128s[0];
        }
        // Multiplying instead of shifting keeps the result within uint128 (OracleLibrary's comment). The pool adds
        // at least 1 per second (2^128 / liquidity, liquidity < 2^128, or as if 1 when none is in range): the
        // divisor is never 0 for a non-empty window.
        uint192 windowX160 = uint192(window) * type(uint160).max;
        harmonicMeanLiquidity = uint128(windowX160 / (uint192(secondsPerLiquidityDelta) << 32));
    }

    /// @inheritdoc IExpiryPriceOracle
    /// @dev The TWAP over [expiry - TWAP_WINDOW, expiry] under the same floors as getPrice; `hint` is ignored (the
    ///      answer needs none). updatedAt is the pool's newest observation at or before the expiry.
    function priceAt(address base, address quote, uint256 expiry, bytes calldata)
        external
        view
        returns (uint256 price, uint256 updatedAt)
    {
        if (base != BASE || quote != QUOTE) revert OracleUnsupportedPair(base, quote);
        if (block.timestamp <= expiry) revert ExpiryNotPassed(expiry);
        uint256 endAgo = block.timestamp - expiry;
        if (endAgo + TWAP_WINDOW > type(uint32).max) revert TwapUnavailable(TWAP_WINDOW, "");
        _checkCardinality();
        (int24 tick, uint128 liquidity) = _consult(uint32(endAgo) + TWAP_WINDOW, uint32(endAgo));
        if (liquidity < MIN_LIQUIDITY) revert PoolTooThin(liquidity, MIN_LIQUIDITY);
        price = _priceAtTick(tick);
        updatedAt = _newestObservationAtOrBefore(expiry);
    }

    /// @inheritdoc IExpiryPriceOracle
    /// @dev Always empty: priceAt needs no evidence locator.
    function expiryHint(address, address, uint256) external pure returns (bytes memory hint) {
        return hint;
    }

    /// @dev 1e18 * 10^baseDecimals * P / 10^quoteDecimals, rounded down, from the checked mean tick; updatedAt is the
    ///      pool's newest observation.
    function _price() internal view override returns (uint256 price, uint256 updatedAt) {
        price = _priceAtTick(twapTick());
        (,, uint16 index,,,,) = POOL.slot0();
        (uint32 newest,,,) = POOL.observations(index);
        updatedAt = newest;
    }

    /// @dev The 1e18-scaled price of BASE in QUOTE at `tick`, rounded down once.
    function _priceAtTick(int24 tick) internal view returns (uint256 price) {
        uint256 sqrtPriceX96 = TickMath.getSqrtPriceAtTick(tick);
        // The raw price of token0 in token1 is num / den; below 2^128 the square is exact in 256 bits.
        (uint256 num, uint256 den) = sqrtPriceX96 <= type(uint128).max
            ? (sqrtPriceX96 * sqrtPriceX96, uint256(1) << 192)
            : (Math.mulDiv(sqrtPriceX96, sqrtPriceX96, 1 << 64), uint256(1) << 128);
        if (!BASE_IS_TOKEN0) (num, den) = (den, num);
        // floor(floor(x / y) / z) == floor(x / (y * z)) for positive integers: one rounding in effect.
        price = BASE_HAS_MORE_DECIMALS
            ? Math.mulDiv(num, 1e18 * UNIT_RATIO, den)
            : Math.mulDiv(num, 1e18, den) / UNIT_RATIO;
        if (!BASE_HAS_MORE_DECIMALS && price > type(uint256).max / UNIT_RATIO) revert PriceOverflow(price);
    }

    /// @dev Reverts CardinalityTooLow unless the pool uses at least MIN_CARDINALITY observation slots.
    function _checkCardinality() internal view {
        (,,, uint16 cardinality,,,) = POOL.slot0();
        if (cardinality < MIN_CARDINALITY) revert CardinalityTooLow(cardinality, MIN_CARDINALITY);
    }

    /// @dev The blockTimestamp of the pool's newest observation at or before `target` (binary search over the ring:
    ///      at most 16 probes, cardinality < 2^16). Called after observe() answered for a window ending at `target`,
    ///      so the ring's oldest observation is at or before it. Uniswap stores timestamps mod 2^32 (until 2106).
    function _newestObservationAtOrBefore(uint256 target) internal view returns (uint256) {
        (,, uint16 index, uint16 cardinality,,,) = POOL.slot0();
        (uint32 newest,,,) = POOL.observations(index);
        if (newest <= target) return newest;
        // Unrolled positions lo (oldest) .. hi (newest); slot = position % cardinality.
        (,,, bool wrapped) = POOL.observations((uint256(index) + 1) % cardinality);
        uint256 lo = wrapped ? uint256(index) + 1 : 0;
        uint256 hi = uint256(index) + (wrapped ? cardinality : 0);
        (uint32 found,,,) = POOL.observations(lo % cardinality);
        if (found > target) revert TwapUnavailable(TWAP_WINDOW, "");
        while (lo < hi) {
            uint256 mid = (lo + hi + 1) / 2;
            (uint32 at,,,) = POOL.observations(mid % cardinality);
            if (at <= target) (lo, found) = (mid, at);
            else hi = mid - 1;
        }
        return found;
    }
}
