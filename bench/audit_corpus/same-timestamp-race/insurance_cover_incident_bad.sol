// [audit-corpus] same-timestamp-race | BAD | `claimPayout` pays any cover with `boughtAt <= incidentAt`, so someone who sees the assessor's incident report can buy cover in the same block and be paid for a loss that had already happened.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

contract CoverPool {
    using SafeERC20 for IERC20;

    struct Cover {
        uint128 amount;
        uint64 boughtAt;
        uint64 expiresAt;
        bool paid;
    }

    uint256 public constant PREMIUM_BPS = 200;
    uint256 public constant TERM = 30 days;

    IERC20 public immutable stable;
    address public immutable assessor;
    uint64 public incidentAt;
    mapping(address => Cover) public covers;

    constructor(IERC20 stable_, address assessor_) {
        stable = stable_;
        assessor = assessor_;
    }

    function buyCover(uint128 amount) external {
        require(incidentAt == 0, "incident");
        require(covers[msg.sender].expiresAt <= block.timestamp, "active");
        uint256 premium = (uint256(amount) * PREMIUM_BPS) / 10_000;
        covers[msg.sender] = Cover(amount, uint64(block.timestamp), uint64(block.timestamp + TERM), false);
        stable.safeTransferFrom(msg.sender, address(this), premium);
    }

    function reportIncident() external {
        require(msg.sender == assessor, "assessor");
        require(incidentAt == 0, "reported");
        incidentAt = uint64(block.timestamp);
    }

    function claimPayout() external {
        Cover storage c = covers[msg.sender];
        require(incidentAt != 0 && !c.paid, "nothing");
        require(c.boughtAt <= incidentAt && incidentAt < c.expiresAt, "not covered");
        c.paid = true;
        stable.safeTransfer(msg.sender, c.amount);
    }
}
