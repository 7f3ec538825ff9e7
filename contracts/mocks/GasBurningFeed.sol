// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title GasBurningFeed
/// @notice TEST ONLY. A Chainlink-shaped feed with rounds 1 (`answer` at `firstAt`) and 2 (latest, at `latestAt`)
///         whose `getRoundData(burnRound)` burns all the gas it is given, as a call starved of gas by a caller would
///         fail: the adapter must not read such a failure as "the round does not exist".
contract GasBurningFeed {
    int256 public immutable ANSWER;
    uint256 public immutable FIRST_AT;
    uint256 public immutable LATEST_AT;
    uint80 public immutable BURN_ROUND;

    /// @param answer Both rounds' answer (8 decimals).
    /// @param firstAt Round 1's timestamp.
    /// @param latestAt Round 2's timestamp.
    /// @param burnRound The round whose lookup burns all its gas.
    constructor(int256 answer, uint256 firstAt, uint256 latestAt, uint80 burnRound) {
        (ANSWER, FIRST_AT, LATEST_AT, BURN_ROUND) = (answer, firstAt, latestAt, burnRound);
    }

    /// @notice 8, as Chainlink's USD feeds.
    /// @return The feed's decimals.
    function decimals() external pure returns (uint8) {
        return 8;
    }

    /// @notice Round 2.
    /// @return roundId 2, the answer, startedAt, updatedAt and answeredInRound.
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return (2, ANSWER, LATEST_AT, LATEST_AT, 2);
    }

    /// @notice Rounds 1 and 2; any other round answers zeros; BURN_ROUND burns all the gas it is given.
    /// @param roundId The round.
    /// @return The round's id, answer, startedAt, updatedAt and answeredInRound.
    function getRoundData(uint80 roundId) external view returns (uint80, int256, uint256, uint256, uint80) {
        if (roundId == BURN_ROUND) {
            uint256 sink;
            while (gasleft() > 0) {
                sink = uint256(keccak256(abi.encode(sink)));
            }
        }
        if (roundId == 1) return (1, ANSWER, FIRST_AT, FIRST_AT, 1);
        if (roundId == 2) return (2, ANSWER, LATEST_AT, LATEST_AT, 2);
        return (roundId, 0, 0, 0, roundId);
    }
}
