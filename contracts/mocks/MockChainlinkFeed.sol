// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MockV3Aggregator} from "@chainlink/contracts/src/v0.8/shared/mocks/MockV3Aggregator.sol";

/// @title MockChainlinkFeed
/// @notice TEST ONLY. Chainlink's official MockV3Aggregator, declared here so that Ape builds it (Ape keeps the
///         contract types of the project's own sources only). Also serves as an L2 sequencer-uptime feed (answer 0 =
///         up, 1 = down; `startedAt` = when the status last changed, set with `updateRoundData`). For expiry tests it
///         behaves like an AggregatorProxy's round ids: `setRound` writes any round (phase << 64 | aggregator round)
///         with a chosen timestamp, and moves the latest round only forward; unknown rounds answer zeros (as OCR2).
contract MockChainlinkFeed is MockV3Aggregator {
    /// @param decimals_ Feed decimals.
    /// @param initialAnswer First answer.
    constructor(uint8 decimals_, int256 initialAnswer) MockV3Aggregator(decimals_, initialAnswer) {}

    /// @notice The proxy round id of `aggregatorRound` in `phase`.
    /// @param phase The proxy phase.
    /// @param aggregatorRound The aggregator's own round id.
    /// @return The proxy round id, phase << 64 | aggregatorRound.
    function roundIdOf(uint16 phase, uint64 aggregatorRound) public pure returns (uint80) {
        return uint80((uint256(phase) << 64) | aggregatorRound);
    }

    /// @notice Writes round (`phase`, `aggregatorRound`) with `answer` dated `updatedAt` (startedAt = updatedAt). It
    ///         becomes the latest round only if its id is at least the current latest round's.
    /// @param phase The proxy phase.
    /// @param aggregatorRound The aggregator's own round id (> 0).
    /// @param answer The answer.
    /// @param updatedAt The round's timestamp.
    /// @return roundId The proxy round id written.
    function setRound(uint16 phase, uint64 aggregatorRound, int256 answer, uint256 updatedAt)
        external
        returns (uint80 roundId)
    {
        roundId = roundIdOf(phase, aggregatorRound);
        (uint256 round, int256 lastAnswer, uint256 lastAt) = (latestRound, latestAnswer, latestTimestamp);
        updateRoundData(roundId, answer, updatedAt, updatedAt);
        if (roundId < round) (latestRound, latestAnswer, latestTimestamp) = (round, lastAnswer, lastAt);
    }
}
