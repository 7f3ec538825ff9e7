// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Hostile actors of the ABI fuzzer (strikeforge audit --fuzz). TEST ONLY: never deploy to a live network.
/// @notice Contract accounts that act like the campaign's EOAs (every call goes through `act`) but behave badly when
///         the target pays them or calls them back: one rejects ETH and every callback, one re-enters the target, one
///         burns all the gas it is given. The campaign funds them directly (no `msg.value` to `act`).

/// @notice Forwards the campaign's calls from this contract: the target sees this contract as `msg.sender`.
abstract contract Forwarder {
    /// @notice Calls `target` with `data` and `value` wei of this contract's own balance; bubbles a revert unchanged.
    /// @param target The contract to call.
    /// @param data The calldata.
    /// @param value Wei to send from this contract's balance.
    /// @return The call's return data.
    function act(address target, bytes calldata data, uint256 value) external payable returns (bytes memory) {
        _beforeAct();
        (bool ok, bytes memory out) = target.call{value: value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(out, 32), mload(out))
            }
        }
        return out;
    }

    function _beforeAct() internal virtual {}
}

/// @notice Reverts on every ETH transfer and every callback (a contract without receive, a hostile recipient).
contract RejectingActor is Forwarder {
    error Rejected();

    receive() external payable {
        revert Rejected();
    }

    fallback() external payable {
        revert Rejected();
    }
}

/// @notice Burns all the gas it is given when paid or called back (INVALID consumes the whole allowance).
contract GasBurningActor is Forwarder {
    receive() external payable {
        assembly {
            invalid()
        }
    }

    fallback() external payable {
        assembly {
            invalid()
        }
    }
}

/// @notice On receiving ETH or any callback (ERC-721/1155 onReceived, ERC-777 tokensReceived, a vault's hook...) it
///         calls `target` again with the armed calldata, at most `times` times per `act`; callbacks answer with their
///         own selector, as the receiver checks of ERC-721 and ERC-1155 expect. The remaining count lives in transient
///         storage, so a 2,300-gas `transfer` still reaches the receive function's check.
contract ReenteringActor is Forwarder {
    /// @notice The contract re-entered.
    address public reentryTarget;
    /// @notice The calldata sent on re-entry.
    bytes public reentryData;
    /// @notice Re-entries allowed per `act`.
    uint256 public reentryTimes;
    /// @notice Re-entries that succeeded (for the campaign's statistics).
    uint256 public reentered;

    uint256 private constant _LEFT_SLOT = uint256(keccak256("strikeforge.abifuzz.reentry.left"));

    /// @notice Sets what to call back on the next callbacks.
    /// @param target The contract to re-enter.
    /// @param data Its calldata.
    /// @param times Re-entries per `act` (0 disarms).
    function arm(address target, bytes calldata data, uint256 times) external {
        reentryTarget = target;
        reentryData = data;
        reentryTimes = times;
    }

    function _beforeAct() internal override {
        uint256 times = reentryTimes;
        uint256 slot = _LEFT_SLOT;
        assembly {
            tstore(slot, times)
        }
    }

    function _reenter() internal {
        uint256 slot = _LEFT_SLOT;
        uint256 left;
        assembly {
            left := tload(slot)
        }
        if (left == 0) return;
        assembly {
            tstore(slot, sub(left, 1))
        }
        (bool ok,) = reentryTarget.call(reentryData);
        if (ok) reentered += 1;
    }

    receive() external payable {
        _reenter();
    }

    fallback(bytes calldata) external payable returns (bytes memory) {
        _reenter();
        return abi.encode(msg.sig);
    }
}
