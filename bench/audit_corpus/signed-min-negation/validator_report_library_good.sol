// [audit-corpus] signed-min-negation | GOOD | `_magnitude` uses OpenZeppelin SignedMath.abs, which returns 2**255 for type(int256).min instead of reverting, so every implausible report stays challengeable.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SignedMath} from "@openzeppelin/contracts/utils/math/SignedMath.sol";

/// Staking operators report their validators' balance change every epoch; an
/// implausible report can be challenged by anyone and the operator's bond is slashed.
contract OperatorReports {
    struct Report {
        int256 balanceChange;
        uint64 epoch;
        bool challenged;
    }

    uint256 public constant MIN_BOND = 16 ether;
    uint256 public constant EPOCH = 1 days;
    uint256 public constant MAX_EPOCH_CHANGE = 3_200 ether;

    mapping(address => uint256) public bonds;
    mapping(address => Report) public reports;
    mapping(address => uint256) public rewards;
    uint256 public burned;

    function currentEpoch() public view returns (uint64) {
        return uint64(block.timestamp / EPOCH);
    }

    function bond() external payable {
        bonds[msg.sender] += msg.value;
    }

    function report(int256 balanceChange) external {
        require(bonds[msg.sender] >= MIN_BOND, "unbonded");
        reports[msg.sender] = Report(balanceChange, currentEpoch(), false);
    }

    function challenge(address operator) external {
        Report storage r = reports[operator];
        require(r.epoch == currentEpoch() && !r.challenged, "stale");
        require(_implausible(r.balanceChange), "plausible");
        r.challenged = true;
        uint256 b = bonds[operator];
        bonds[operator] = 0;
        rewards[msg.sender] += b / 2;
        burned += b - b / 2;
    }

    function _implausible(int256 c) internal pure returns (bool) {
        return _magnitude(c) > MAX_EPOCH_CHANGE;
    }

    function _magnitude(int256 c) private pure returns (uint256) {
        return SignedMath.abs(c);
    }

    function claimReward() external {
        uint256 amount = rewards[msg.sender];
        rewards[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "send");
    }
}
