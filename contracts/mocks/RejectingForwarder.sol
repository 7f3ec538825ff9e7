// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title RejectingForwarder (test only)
/// @notice A contract account that acts for its owner and rejects every plain ETH transfer: the hostile or merely
///         broken receiver (a sequencer, challenger or treasury that is a contract without a receive function, or an
///         EOA whose EIP-7702 delegation reverts) that must never be able to block a challenge or anyone's payment.
contract RejectingForwarder {
    /// @notice The only caller of execute.
    address public immutable OWNER;

    error NotOwner();

    constructor() {
        OWNER = msg.sender;
    }

    /// @notice Calls `target` with `data` and the attached ETH; bubbles a revert up unchanged.
    /// @param target The contract to call.
    /// @param data The calldata.
    /// @return The call's return data.
    function execute(address target, bytes calldata data) external payable returns (bytes memory) {
        if (msg.sender != OWNER) revert NotOwner();
        (bool ok, bytes memory out) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(out, 32), mload(out))
            }
        }
        return out;
    }
}
