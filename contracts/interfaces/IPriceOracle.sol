// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IERC7726
/// @notice ERC-7726 common quote oracle: the value of `inAmount` of `base` expressed in `quote`.
interface IERC7726 {
    /// @notice Returns the value of `inAmount` of `base` in `quote`, in `quote`'s smallest unit, rounded down.
    /// @param inAmount Amount of `base`, in its smallest unit.
    /// @param base The asset being priced.
    /// @param quote The asset the amount is expressed in.
    /// @return outAmount The value of `inAmount` in `quote`.
    function getQuote(uint256 inAmount, address base, address quote) external view returns (uint256 outAmount);
}

/// @title IPriceOracle
/// @notice Strikeforge's oracle adapter interface: ERC-7726 quotes plus a raw price read for settlement and routing.
interface IPriceOracle is IERC7726 {
    /// @notice The price of one whole `base` in whole `quote`, scaled to 1e18, and when it was last updated.
    /// @param base The asset being priced.
    /// @param quote The asset the price is expressed in.
    /// @return price 1e18-scaled price (rounded down).
    /// @return updatedAt Timestamp of the source's last update.
    function getPrice(address base, address quote) external view returns (uint256 price, uint256 updatedAt);
}
