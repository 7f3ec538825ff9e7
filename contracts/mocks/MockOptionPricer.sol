// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title MockOptionPricer
/// @notice Test double of ThetaVault's IOptionPricer: returns a set value per option (collateral asset, 1e18-scaled),
///         or reverts, or returns garbage, as a hostile or broken pricer would.
contract MockOptionPricer {
    /// @notice What `premium` does: 0 returns `value`, 1 reverts, 2 returns short data, 3 burns all gas.
    uint256 public mode;
    /// @notice The value returned per option.
    uint256 public value;

    error PricerDown();

    event Set(uint256 value, uint256 mode);

    constructor(uint256 value_) {
        value = value_;
    }

    /// @notice Sets the value and the behaviour.
    function set(uint256 value_, uint256 mode_) external {
        (value, mode) = (value_, mode_);
        emit Set(value_, mode_);
    }

    /// @notice ThetaVault's pricer call.
    function premium(address, address, uint256, bool) external view returns (uint256) {
        uint256 m = mode;
        if (m == 1) revert PricerDown();
        if (m == 2) {
            assembly {
                mstore(0, 1)
                return(0, 16)
            }
        }
        if (m == 3) {
            while (true) {}
        }
        return value;
    }
}
