// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/shared/mocks/MockV3Aggregator.sol";

/// @title MockChainlinkFeed
/// @notice TEST ONLY. Chainlink's official MockV3Aggregator, declared here so that Ape builds it (Ape keeps the
///         contract types of the project's own sources only). Also serves as an L2 sequencer-uptime feed (answer 0 =
///         up, 1 = down; `startedAt` = when the status last changed, set with `updateRoundData`).
contract MockChainlinkFeed is MockV3Aggregator {
    /// @param decimals_ Feed decimals.
    /// @param initialAnswer First answer.
    constructor(uint8 decimals_, int256 initialAnswer) MockV3Aggregator(decimals_, initialAnswer) {}
}
