// [audit-corpus] unguarded-privileged-setter | GOOD | `updateRef` checks the EIP-1967 admin slot just like `changeAdmin`, so only the admin can change the implementation.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {StorageSlot} from "@openzeppelin/contracts/utils/StorageSlot.sol";

/// Minimal upgradeable proxy for a bridge escrow.
contract EscrowProxy {
    bytes32 private constant IMPL_SLOT = 0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc;
    bytes32 private constant ADMIN_SLOT = 0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103;

    event Upgraded(address indexed impl);

    constructor(address impl, address admin) {
        require(impl.code.length > 0, "impl");
        StorageSlot.getAddressSlot(IMPL_SLOT).value = impl;
        StorageSlot.getAddressSlot(ADMIN_SLOT).value = admin;
    }

    function changeAdmin(address next) external {
        require(msg.sender == StorageSlot.getAddressSlot(ADMIN_SLOT).value, "admin");
        StorageSlot.getAddressSlot(ADMIN_SLOT).value = next;
    }

    function updateRef(address next) external {
        require(msg.sender == StorageSlot.getAddressSlot(ADMIN_SLOT).value, "admin");
        require(next.code.length > 0, "not a contract");
        StorageSlot.getAddressSlot(IMPL_SLOT).value = next;
        emit Upgraded(next);
    }

    fallback() external payable {
        address impl = StorageSlot.getAddressSlot(IMPL_SLOT).value;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), impl, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            switch ok
            case 0 { revert(0, returndatasize()) }
            default { return(0, returndatasize()) }
        }
    }

    receive() external payable {}
}
