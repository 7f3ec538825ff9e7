// [audit-corpus] merkle-second-preimage-handrolled | BAD | `claimCumulative` checks a hand-rolled while-loop proof over keccak256(abi.encodePacked(uint256(uint160(account)), cumulative)), a single hash of exactly 64 bytes, so an internal node of the rewards tree verifies as a leaf.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// Epoch rewards: the distributor publishes a root of cumulative earnings each
/// epoch; accounts claim the difference from what they already took.
contract CumulativeRewards {
    using SafeERC20 for IERC20;

    IERC20 public immutable rewardToken;
    address public immutable distributor;
    bytes32 public currentRoot;
    mapping(address => uint256) public taken;

    constructor(IERC20 rewardToken_, address distributor_) {
        rewardToken = rewardToken_;
        distributor = distributor_;
    }

    function publish(bytes32 newRoot) external {
        require(msg.sender == distributor, "distributor");
        currentRoot = newRoot;
    }

    function claimCumulative(address account, uint256 cumulative, bytes32[] calldata siblings) external {
        bytes32 acc = keccak256(abi.encodePacked(uint256(uint160(account)), cumulative));
        require(siblings.length <= 32, "depth");
        uint256 i;
        while (i < siblings.length) {
            bytes32 s = siblings[i];
            if (acc <= s) {
                acc = keccak256(abi.encodePacked(acc, s));
            } else {
                acc = keccak256(abi.encodePacked(s, acc));
            }
            unchecked {
                ++i;
            }
        }
        require(acc == currentRoot, "bad proof");
        uint256 due = cumulative - taken[account];
        taken[account] = cumulative;
        rewardToken.safeTransfer(account, due);
    }
}
