// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {ERC1967Utils} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Utils.sol";

/// @title MockUpgradeableProxy
/// @notice TEST ONLY. An ERC-1967 proxy that anyone can upgrade: the sentinel's upgrade alerts are tested against it.
contract MockUpgradeableProxy is ERC1967Proxy {
    /// @param implementation The first implementation (emits Upgraded).
    constructor(address implementation) ERC1967Proxy(implementation, "") {}

    /// @dev The mock's implementations need no initialization call.
    function _unsafeAllowUninitialized() internal pure override returns (bool) {
        return true;
    }

    /// @notice Points the proxy at `implementation` (emits ERC-1967 Upgraded).
    /// @param implementation A contract address.
    function upgradeTo(address implementation) external {
        ERC1967Utils.upgradeToAndCall(implementation, "");
    }
}
