// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IUniswapV3Pool} from "@uniswap/v3-core/contracts/interfaces/IUniswapV3Pool.sol";
import {IUniswapV3MintCallback} from "@uniswap/v3-core/contracts/interfaces/callback/IUniswapV3MintCallback.sol";
import {IUniswapV3SwapCallback} from "@uniswap/v3-core/contracts/interfaces/callback/IUniswapV3SwapCallback.sol";

/// @title UniswapV3PoolDriver
/// @notice TEST ONLY. Adds liquidity to and swaps in a real Uniswap v3 pool, paying from its own token balances (the
///         pool's mint and swap callbacks). Fund it with both tokens first.
contract UniswapV3PoolDriver is IUniswapV3MintCallback, IUniswapV3SwapCallback {
    using SafeERC20 for IERC20;

    /// @notice A callback came from an address other than the pool being driven.
    error UnexpectedCaller(address caller);

    address private _pool;

    /// @notice Adds `liquidity` between `tickLower` and `tickUpper`.
    /// @param pool The pool.
    /// @param tickLower Lower tick (a multiple of the pool's tick spacing).
    /// @param tickUpper Upper tick (a multiple of the pool's tick spacing).
    /// @param liquidity Liquidity to add.
    function mint(IUniswapV3Pool pool, int24 tickLower, int24 tickUpper, uint128 liquidity) external {
        _pool = address(pool);
        pool.mint(address(this), tickLower, tickUpper, liquidity, "");
        _pool = address(0);
    }

    /// @notice Swaps until the pool's price reaches `sqrtPriceLimitX96` (or the input runs out).
    /// @param pool The pool.
    /// @param zeroForOne True to sell token0 (price down), false to sell token1 (price up).
    /// @param amountIn Most input to spend.
    /// @param sqrtPriceLimitX96 Price at which to stop.
    function swapTo(IUniswapV3Pool pool, bool zeroForOne, uint256 amountIn, uint160 sqrtPriceLimitX96) external {
        _pool = address(pool);
        pool.swap(address(this), zeroForOne, int256(amountIn), sqrtPriceLimitX96, "");
        _pool = address(0);
    }

    /// @inheritdoc IUniswapV3MintCallback
    function uniswapV3MintCallback(uint256 amount0Owed, uint256 amount1Owed, bytes calldata) external {
        _pay(amount0Owed, amount1Owed);
    }

    /// @inheritdoc IUniswapV3SwapCallback
    function uniswapV3SwapCallback(int256 amount0Delta, int256 amount1Delta, bytes calldata) external {
        _pay(amount0Delta > 0 ? uint256(amount0Delta) : 0, amount1Delta > 0 ? uint256(amount1Delta) : 0);
    }

    function _pay(uint256 amount0, uint256 amount1) private {
        if (msg.sender != _pool) revert UnexpectedCaller(msg.sender);
        IUniswapV3Pool pool = IUniswapV3Pool(msg.sender);
        if (amount0 > 0) IERC20(pool.token0()).safeTransfer(msg.sender, amount0);
        if (amount1 > 0) IERC20(pool.token1()).safeTransfer(msg.sender, amount1);
    }
}
