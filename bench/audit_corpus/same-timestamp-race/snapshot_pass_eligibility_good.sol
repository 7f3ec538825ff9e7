// [audit-corpus] same-timestamp-race | GOOD | `_eligible` requires the stake to predate the snapshot by MIN_HOLD (`t + MIN_HOLD <= snapshotTime`), so staking in or just before the snapshot block does not qualify.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// Stakers holding at least MIN_STAKE at the operator's snapshot can claim one pass.
contract StakeForPass {
    using SafeERC20 for IERC20;

    uint256 public constant MIN_STAKE = 1_000e18;
    uint256 public constant MIN_HOLD = 1 days;

    IERC20 public immutable stakeToken;
    address public immutable operator;
    uint64 public snapshotTime;
    uint256 public passesIssued;

    mapping(address => uint256) public stakeOf;
    mapping(address => uint64) public since;
    mapping(address => bool) public hasPass;

    constructor(IERC20 stakeToken_, address operator_) {
        stakeToken = stakeToken_;
        operator = operator_;
    }

    function stake(uint256 amount) external {
        stakeOf[msg.sender] += amount;
        since[msg.sender] = uint64(block.timestamp);
        stakeToken.safeTransferFrom(msg.sender, address(this), amount);
    }

    function unstake(uint256 amount) external {
        stakeOf[msg.sender] -= amount;
        since[msg.sender] = 0;
        stakeToken.safeTransfer(msg.sender, amount);
    }

    function takeSnapshot() external {
        require(msg.sender == operator, "operator");
        require(snapshotTime == 0, "taken");
        snapshotTime = uint64(block.timestamp);
    }

    function claimPass() external {
        require(snapshotTime != 0, "no snapshot");
        require(!hasPass[msg.sender], "claimed");
        require(_eligible(msg.sender), "ineligible");
        hasPass[msg.sender] = true;
        passesIssued++;
    }

    function _eligible(address who) internal view returns (bool) {
        uint64 t = since[who];
        return stakeOf[who] >= MIN_STAKE && t != 0 && t + MIN_HOLD <= snapshotTime;
    }
}
