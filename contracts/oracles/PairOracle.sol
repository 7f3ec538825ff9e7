// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IERC7726, IPriceOracle} from "../interfaces/IPriceOracle.sol";

/// @title PairOracle
/// @notice Base of the single-pair adapters: `BASE` priced in `QUOTE`. An adapter implements `_price()` (a checked,
///         1e18-scaled price and its timestamp); this base answers `getPrice` and ERC-7726 `getQuote` in both
///         directions from it. Everything is fixed at deployment.
/// @custom:invariants (1) getQuote rounds down once in each direction: floor(in * price * 10^qd / (1e18 * 10^bd))
///                        and floor(in * 1e18 * 10^bd / (price * 10^qd)).
///                    (2) Only (BASE, QUOTE) and (QUOTE, BASE) are answered; any other pair reverts OracleUnsupportedPair.
abstract contract PairOracle is IPriceOracle {
    /// @notice The asset priced.
    address public immutable BASE;
    /// @notice The asset the price is expressed in.
    address public immutable QUOTE;

    /// @dev 10^|baseDecimals - quoteDecimals|: quotes scale by this exact integer ratio, in one mulDiv each way.
    uint256 internal immutable UNIT_RATIO;
    /// @dev True when BASE has at least as many decimals as QUOTE.
    bool internal immutable BASE_HAS_MORE_DECIMALS;

    /// @notice The pair is not (BASE, QUOTE) in either order.
    error OracleUnsupportedPair(address base, address quote);
    /// @notice A constructor argument is unusable; `reason` names it.
    error InvalidConfig(string reason);

    /// @param base The asset priced (an ERC-20 with decimals <= 36).
    /// @param quote The asset the price is expressed in (an ERC-20 with decimals <= 36).
    /// @param maxPrice The largest 1e18-scaled price `_price()` can return (guards quote arithmetic against overflow).
    constructor(address base, address quote, uint256 maxPrice) {
        if (base == address(0) || quote == address(0) || base == quote) revert InvalidConfig("base/quote");
        uint8 baseDecimals = IERC20Metadata(base).decimals();
        uint8 quoteDecimals = IERC20Metadata(quote).decimals();
        if (baseDecimals > 36 || quoteDecimals > 36) revert InvalidConfig("asset decimals > 36");
        BASE = base;
        QUOTE = quote;
        BASE_HAS_MORE_DECIMALS = baseDecimals >= quoteDecimals;
        UNIT_RATIO = 10 ** (BASE_HAS_MORE_DECIMALS ? baseDecimals - quoteDecimals : quoteDecimals - baseDecimals);
        // price * UNIT_RATIO must fit in 256 bits for every price the adapter can return.
        if (!BASE_HAS_MORE_DECIMALS && maxPrice > type(uint256).max / UNIT_RATIO) revert InvalidConfig("maxPrice");
    }

    /// @inheritdoc IPriceOracle
    function getPrice(address base, address quote) external view returns (uint256 price, uint256 updatedAt) {
        if (base != BASE || quote != QUOTE) revert OracleUnsupportedPair(base, quote);
        return _price();
    }

    /// @inheritdoc IERC7726
    function getQuote(uint256 inAmount, address base, address quote) external view returns (uint256 outAmount) {
        (uint256 price,) = _price();
        if (base == BASE && quote == QUOTE) {
            return BASE_HAS_MORE_DECIMALS
                ? Math.mulDiv(inAmount, price, 1e18 * UNIT_RATIO)
                : Math.mulDiv(inAmount, price * UNIT_RATIO, 1e18);
        }
        if (base == QUOTE && quote == BASE) {
            return BASE_HAS_MORE_DECIMALS
                ? Math.mulDiv(inAmount, 1e18 * UNIT_RATIO, price)
                : Math.mulDiv(inAmount, 1e18, price * UNIT_RATIO);
        }
        revert OracleUnsupportedPair(base, quote);
    }

    /// @dev The checked price of one whole BASE in whole QUOTE, 1e18-scaled, and when its source last updated.
    function _price() internal view virtual returns (uint256 price, uint256 updatedAt);
}
