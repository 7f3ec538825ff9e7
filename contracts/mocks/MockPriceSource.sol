// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC7726, IPriceOracle} from "../interfaces/IPriceOracle.sol";

/// @title MockPriceSource
/// @notice TEST ONLY. An IPriceOracle whose price, timestamp and failure are set directly: the router's sources in
///         unit tests and fuzzing.
contract MockPriceSource is IPriceOracle {
    /// @notice The source is set to fail.
    error SourceDown();

    uint256 public price;
    uint256 public updatedAt;
    bool public down;

    /// @notice Sets the answer.
    /// @param price_ 1e18-scaled price.
    /// @param updatedAt_ Its timestamp.
    function set(uint256 price_, uint256 updatedAt_) external {
        price = price_;
        updatedAt = updatedAt_;
    }

    /// @notice Makes every read revert (or work again).
    /// @param down_ True to fail.
    function setDown(bool down_) external {
        down = down_;
    }

    /// @inheritdoc IPriceOracle
    function getPrice(address, address) external view returns (uint256, uint256) {
        if (down) revert SourceDown();
        return (price, updatedAt);
    }

    /// @inheritdoc IERC7726
    function getQuote(uint256 inAmount, address, address) external view returns (uint256) {
        if (down) revert SourceDown();
        return inAmount * price / 1e18;
    }
}
