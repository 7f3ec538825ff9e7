// [audit-corpus] unguarded-privileged-setter | GOOD (good-only) | `poke` is intentionally permissionless: it copies the owner-chosen Chainlink feed's validated answer into the cache and takes no caller-chosen value, while `setFeed` is owner-only.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// Gas-cheap price cache for a lending market: keepers (or anyone) refresh it.
contract PriceCache {
    uint256 public constant MAX_AGE = 1 hours;

    address public owner;
    AggregatorV3Interface public feed;
    uint256 public cachedPrice;
    uint256 public cachedAt;

    event Poked(uint256 price, uint256 updatedAt);

    constructor(AggregatorV3Interface feed_) {
        owner = msg.sender;
        feed = feed_;
    }

    function setOwner(address o) external {
        require(msg.sender == owner, "owner");
        owner = o;
    }

    function setFeed(AggregatorV3Interface f) external {
        require(msg.sender == owner, "owner");
        feed = f;
    }

    function poke() external {
        (, int256 answer, , uint256 updatedAt, ) = feed.latestRoundData();
        require(answer > 0, "bad answer");
        require(updatedAt <= block.timestamp && block.timestamp - updatedAt <= MAX_AGE, "stale");
        require(updatedAt > cachedAt, "not newer");
        cachedPrice = uint256(answer);
        cachedAt = updatedAt;
        emit Poked(cachedPrice, updatedAt);
    }

    function price() external view returns (uint256) {
        require(block.timestamp - cachedAt <= MAX_AGE, "stale cache");
        return cachedPrice;
    }
}
