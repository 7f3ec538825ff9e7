// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {TickMath} from "@uniswap/v4-core/src/libraries/TickMath.sol";

import {PairOracle} from "./PairOracle.sol";

/// @title UniswapV3TwapOracle
/// @notice The time-weighted average price of one Uniswap v3 pool over a fixed window, as an ERC-7726 quote oracle
///         (`BASE` priced in `QUOTE`, either token order). Configured once at deployment (Euler-style thin adapter).
/// @dev The mean tick is the difference of the pool's tick cumulatives divided by the window, rounded toward negative
///      infinity (Solidity's `/` rounds toward zero; Uniswap's OracleLibrary corrects the same way). The price is
///      1.0001^tick from v4-core's TickMath (the 0.8 port of v3's), squared in 512-bit precision and rounded down.
///      A TWAP resists single-block manipulation only if the window is long and the pool deep: the window has a floor
///      (MIN_TWAP_WINDOW), the depth is the deployer's responsibility. `updatedAt` is the current block: the average
///      ends now.
/// @custom:invariants (1) twapTick() == floor((tickCumulative(now) - tickCumulative(now - TWAP_WINDOW)) / TWAP_WINDOW).
///                    (2) getPrice == floor(1e18 * 10^baseDecimals * P / 10^quoteDecimals), P the raw price of BASE
///                        in QUOTE at twapTick() (sqrtPriceX96^2 / 2^192, or its inverse when BASE is token1).
///                    (3) getQuote rounds down once in both directions (PairOracle).
///                    (4) Nothing in this contract changes after deployment.
contract UniswapV3TwapOracle is PairOracle {
    /// @notice Shortest window accepted at deployment, in seconds.
    uint32 public constant MIN_TWAP_WINDOW = 5 minutes;

    /// @notice The pool whose TWAP is read.
    IUniswapV3Pool public immutable POOL;
    /// @notice Averaging window, in seconds.
    uint32 public immutable TWAP_WINDOW;
    /// @dev True when BASE is the pool's token0 (the pool prices token0 in token1).
    bool internal immutable BASE_IS_TOKEN0;

    /// @notice The pool cannot answer for the whole window (too little observation history): it reverted `reason`.
    error TwapUnavailable(uint32 twapWindow, bytes reason);
    /// @notice The price does not fit the quote arithmetic (a tick near the edge of Uniswap's range).
    error PriceOverflow(uint256 price);

    /// @param base The asset priced (one of the pool's tokens).
    /// @param quote The asset the price is expressed in (the pool's other token).
    /// @param pool The Uniswap v3 pool of base and quote.
    /// @param twapWindow Averaging window in seconds (>= MIN_TWAP_WINDOW). The pool must keep enough observations
    ///        (`increaseObservationCardinalityNext`) to cover it, or reads revert TwapUnavailable.
    constructor(address base, address quote, IUniswapV3Pool pool, uint32 twapWindow) PairOracle(base, quote, 0) {
        if (address(pool) == address(0)) revert InvalidConfig("pool");
        address token0 = pool.token0();
        address token1 = pool.token1();
        if (!((token0 == base && token1 == quote) || (token0 == quote && token1 == base))) {
            revert InvalidConfig("pool tokens");
        }
        if (twapWindow < MIN_TWAP_WINDOW) revert InvalidConfig("twapWindow");
        POOL = pool;
        TWAP_WINDOW = twapWindow;
        BASE_IS_TOKEN0 = token0 == base;
    }

    /// @notice The pool's arithmetic-mean tick over the last TWAP_WINDOW seconds, rounded toward negative infinity.
    /// @return tick The mean tick (price of token0 in token1 = 1.0001^tick).
    function twapTick() public view returns (int24 tick) {
        uint32[] memory secondsAgos = new uint32[](2);
        secondsAgos[0] = TWAP_WINDOW;
        int56[] memory tickCumulatives;
        try POOL.observe(secondsAgos) returns (int56[] memory cumulatives, uint160[] memory) {
            tickCumulatives = cumulatives;
        } catch (bytes memory reason) {
            revert TwapUnavailable(TWAP_WINDOW, reason);
        }
        int56 delta = tickCumulatives[1] - tickCumulatives[0];
        int56 window = int56(uint56(TWAP_WINDOW));
        tick = int24(delta / window);
        if (delta < 0 && delta % window != 0) tick--;
    }

    /// @dev 1e18 * 10^baseDecimals * P / 10^quoteDecimals, rounded down, from the mean tick.
    function _price() internal view override returns (uint256 price, uint256 updatedAt) {
        uint256 sqrtPriceX96 = TickMath.getSqrtPriceAtTick(twapTick());
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
        updatedAt = block.timestamp;
    }
}
