// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title StrikeforgeTimelock
/// @notice The protocol's governance delay: OpenZeppelin's TimelockController, unchanged. Every privileged function in
///         Strikeforge (oracle committees, router sources, ...) is owned by an instance of this contract, whose
///         proposers are a Safe, so every change is public for `minDelay` seconds before it can run.
/// @custom:invariants (1) No call executes before it was scheduled and `minDelay` passed (OpenZeppelin's own).
contract StrikeforgeTimelock is TimelockController {
    /// @param minDelay Seconds between scheduling and execution.
    /// @param proposers Who may schedule (and cancel).
    /// @param executors Who may execute; empty address = anyone.
    /// @param admin Optional bootstrap admin (address(0) for none: the timelock administers itself).
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
