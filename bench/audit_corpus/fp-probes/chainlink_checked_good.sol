// [audit-corpus] fp-probes | GOOD | `collateralValue` reads Chainlink latestRoundData and checks every value it uses (answer > 0, updatedAt not in the future and within MAX_AGE); answeredInRound is deliberately ignored (deprecated).
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

contract FeedValuation {
    uint256 public constant MAX_AGE = 3600;

    AggregatorV3Interface public immutable feed;
    uint8 public immutable feedDecimals;

    constructor(AggregatorV3Interface feed_) {
        feed = feed_;
        feedDecimals = feed_.decimals();
    }

    /// Value of `amount` (18 decimals) of the collateral asset, in USD with 18 decimals.
    function collateralValue(uint256 amount) external view returns (uint256) {
        return (amount * _price()) / 1e18;
    }

    function _price() internal view returns (uint256) {
        (, int256 answer, , uint256 updatedAt, ) = feed.latestRoundData();
        require(answer > 0, "invalid answer");
        require(updatedAt <= block.timestamp, "future");
        require(block.timestamp - updatedAt <= MAX_AGE, "stale");
        return uint256(answer) * 10 ** (18 - feedDecimals);
    }
}
