// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @dev The OracleRouter surface OptionsEngine reads, with prices the check sets (symbolic or not).
contract SymbolicRouter {
    uint256 public spot;
    uint256 public settlement;
    bool public isFinal = true;

    function set(uint256 spot_, uint256 settlement_) external {
        spot = spot_;
        settlement = settlement_;
    }

    function getPrice(address, address) external view returns (uint256, uint256) {
        return (spot, block.timestamp);
    }

    function expiry_price(address, address, uint256) external view returns (uint256) {
        return settlement;
    }

    function is_expiry_price_final(address, address, uint256) external view returns (bool) {
        return isFinal;
    }
}
