// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title GasProbe
/// @notice TEST/BENCH ONLY. Measures the gas of one call made from a contract (no intrinsic or calldata cost), as a
///         protocol that reads an oracle would pay it. The first call to an address in a transaction is cold (EIP-2929).
contract GasProbe {
    /// @notice The call failed; its revert data.
    error CallFailed(bytes data);

    /// @notice Gas spent by `target.call(data)` as measured around it (includes the CALL's own cost).
    /// @param target Contract to call.
    /// @param data Calldata.
    /// @return gasUsed Gas consumed by the call.
    /// @return result The call's return data.
    function measure(address target, bytes calldata data) external returns (uint256 gasUsed, bytes memory result) {
        bool ok;
        uint256 start = gasleft();
        (ok, result) = target.call(data);
        gasUsed = start - gasleft();
        if (!ok) revert CallFailed(result);
    }

    /// @notice Gas of a second identical call in the same transaction (warm accounts and slots, EIP-2929).
    /// @param target Contract to call.
    /// @param data Calldata.
    /// @return gasUsed Gas consumed by the second call.
    function measureWarm(address target, bytes calldata data) external returns (uint256 gasUsed) {
        (bool ok, bytes memory result) = target.call(data);
        if (!ok) revert CallFailed(result);
        uint256 start = gasleft();
        (ok, result) = target.call(data);
        gasUsed = start - gasleft();
        if (!ok) revert CallFailed(result);
    }
}
