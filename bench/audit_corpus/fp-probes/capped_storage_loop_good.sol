// [audit-corpus] fp-probes | GOOD | `accrueAll` loops over a storage array that `addMarket` hard-caps at MAX_MARKETS (20) entries, so the loop is bounded.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

contract RateAccumulator {
    uint256 public constant MAX_MARKETS = 20;
    uint256 public constant MAX_RATE = 1e10; // per-second, 1e18 scale

    address public owner;
    address[] public markets;
    mapping(address => uint256) public ratePerSecond;
    mapping(address => uint256) public index;
    uint256 public lastAccrual;

    constructor() {
        owner = msg.sender;
        lastAccrual = block.timestamp;
    }

    function addMarket(address m, uint256 rate) external {
        require(msg.sender == owner, "owner");
        require(markets.length < MAX_MARKETS, "cap");
        require(index[m] == 0 && rate <= MAX_RATE, "args");
        markets.push(m);
        ratePerSecond[m] = rate;
        index[m] = 1e18;
    }

    function accrueAll() external {
        uint256 dt = block.timestamp - lastAccrual;
        lastAccrual = block.timestamp;
        for (uint256 i = 0; i < markets.length; i++) {
            address m = markets[i];
            index[m] += (index[m] * ratePerSecond[m] * dt) / 1e18;
        }
    }
}
