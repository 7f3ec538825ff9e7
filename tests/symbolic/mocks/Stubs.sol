// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @dev A contract with code and the one engine view ThetaVault reads outside a roll: the open series' collateral.
contract VaultPeerStub {
    uint256 public collateral;

    function collateralOf(uint256, address) external view returns (uint256) {
        return collateral;
    }
}
