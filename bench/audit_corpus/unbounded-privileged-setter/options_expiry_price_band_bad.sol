// [audit-corpus] unbounded-privileged-setter | BAD | `setExpiryPrice` lets the owner write any non-zero settlement price, which directly sets every holder's payout in `redeem`, with no check against the reference feed.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// Cash-settled call spreads on ETH, collateralised in a stablecoin (6 decimals).
contract CallSpreadSeries {
    using SafeERC20 for IERC20;

    struct Series {
        uint64 expiry;
        uint128 lowerStrike;
        uint128 upperStrike;
        uint256 settlementPrice;
    }

    uint256 public constant MAX_STALENESS = 1 hours;

    address public owner;
    IERC20 public immutable stable;
    AggregatorV3Interface public immutable refFeed;
    mapping(uint256 => Series) public series;
    mapping(uint256 => mapping(address => uint256)) public position;
    uint256 public nextSeries;

    modifier onlyOwner() {
        require(msg.sender == owner, "owner");
        _;
    }

    constructor(IERC20 stable_, AggregatorV3Interface refFeed_) {
        owner = msg.sender;
        stable = stable_;
        refFeed = refFeed_;
    }

    function listSeries(uint64 expiry, uint128 lowerStrike, uint128 upperStrike) external onlyOwner returns (uint256 id) {
        require(expiry > block.timestamp && lowerStrike < upperStrike, "args");
        id = nextSeries++;
        series[id] = Series(expiry, lowerStrike, upperStrike, 0);
    }

    /// Buyer posts the max payout (spread width per unit) and receives `units` spreads.
    function buy(uint256 id, uint256 units) external {
        Series memory s = series[id];
        require(block.timestamp < s.expiry, "expired");
        position[id][msg.sender] += units;
        stable.safeTransferFrom(msg.sender, address(this), (units * (s.upperStrike - s.lowerStrike)) / 1e8);
    }

    /// Reference ETH/USD price (8 decimals) used by front-ends and keepers.
    function spot() public view returns (uint256) {
        (, int256 answer, , uint256 updatedAt, ) = refFeed.latestRoundData();
        require(answer > 0, "bad answer");
        require(block.timestamp - updatedAt <= MAX_STALENESS, "stale");
        return uint256(answer);
    }

    function setExpiryPrice(uint256 id, uint256 price) external onlyOwner {
        Series storage s = series[id];
        require(block.timestamp >= s.expiry && s.settlementPrice == 0, "state");
        require(price != 0, "zero");
        s.settlementPrice = price;
    }

    function redeem(uint256 id) external {
        Series memory s = series[id];
        require(s.settlementPrice != 0, "unsettled");
        uint256 units = position[id][msg.sender];
        position[id][msg.sender] = 0;
        uint256 p = s.settlementPrice;
        if (p > s.upperStrike) p = s.upperStrike;
        uint256 intrinsic = p > s.lowerStrike ? p - s.lowerStrike : 0;
        stable.safeTransfer(msg.sender, (units * intrinsic) / 1e8);
    }
}
