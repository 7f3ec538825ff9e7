// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title StrikeforgeTimelock
/// @notice The protocol's governance delay: OpenZeppelin's TimelockController with an immutable floor under its delay.
///         Every privileged function in Strikeforge (oracle committees, router sources, vault fees, buyer, premium,
///         strike selector, ...) is owned by an instance of this contract, whose proposers are a Safe, so every change
///         is public for `minDelay` seconds before it can run. The floor is the longest exit of a depositor (deploy
///         code: 8 days of epoch + max(the router's SOURCE_GRACE, STALL_PERIOD) + DISPUTE_PERIOD + 1 day of keeper
///         margin; the vault's guardian pause never lengthens an exit): a depositor who requests redemption when a
///         change is scheduled is paid at a roll under the old terms before it runs.
/// @custom:security Threat model. The proposers (a Safe) can schedule any call; they can never make one run sooner
///         than DELAY_FLOOR after it is scheduled, neither at deployment nor by `updateDelay` (itself a timelocked
///         call). Executors run only what waited out the delay. Nobody can lower DELAY_FLOOR (immutable).
/// @custom:invariants (1) No call executes before it was scheduled and `minDelay` passed (OpenZeppelin's own).
///                    (2) getMinDelay() >= DELAY_FLOOR at all times, so every scheduled call waits at least the floor.
contract StrikeforgeTimelock is TimelockController {
    /// @notice The least delay this timelock can ever have.
    uint256 public immutable DELAY_FLOOR;

    /// @notice A delay under the floor (at deployment or through updateDelay).
    error DelayBelowFloor(uint256 delay, uint256 floor);

    /// @param minDelay Seconds between scheduling and execution (>= delayFloor).
    /// @param delayFloor The least delay ever allowed: the longest exit path of the contracts it governs.
    /// @param proposers Who may schedule (and cancel).
    /// @param executors Who may execute; empty address = anyone.
    /// @param admin Optional bootstrap admin (address(0) for none: the timelock administers itself).
    constructor(
        uint256 minDelay,
        uint256 delayFloor,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {
        if (minDelay < delayFloor) revert DelayBelowFloor(minDelay, delayFloor);
        DELAY_FLOOR = delayFloor;
    }

    /// @notice Changes the delay of future operations; only through the timelock itself, never under DELAY_FLOOR.
    /// @param newDelay The new delay in seconds.
    function updateDelay(uint256 newDelay) public override {
        if (newDelay < DELAY_FLOOR) revert DelayBelowFloor(newDelay, DELAY_FLOOR);
        super.updateDelay(newDelay); // checks the caller is the timelock itself
    }
}
