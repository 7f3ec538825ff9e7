// [audit-corpus] unbounded-privileged-setter | BAD | `setExitFee` (OpenZeppelin onlyOwner) accepts any basis-point value, and `unstake` charges it on every withdrawal, so the owner can take up to 100% of stakers' principal (or brick withdrawals above 10_000).
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

contract FeeStaking is Ownable {
    using SafeERC20 for IERC20;

    IERC20 public immutable asset;
    address public treasury;
    uint256 public exitFeeBps = 50;
    uint256 public totalStaked;
    uint256 public accruedFees;
    mapping(address => uint256) public stakedOf;

    constructor(IERC20 asset_, address treasury_) Ownable(msg.sender) {
        asset = asset_;
        treasury = treasury_;
    }

    function setTreasury(address t) external onlyOwner {
        require(t != address(0), "zero");
        treasury = t;
    }

    function setExitFee(uint256 bps) external onlyOwner {
        exitFeeBps = bps;
    }

    function sweepFees() external onlyOwner {
        uint256 amount = accruedFees;
        accruedFees = 0;
        asset.safeTransfer(treasury, amount);
    }

    function stake(uint256 amount) external {
        stakedOf[msg.sender] += amount;
        totalStaked += amount;
        asset.safeTransferFrom(msg.sender, address(this), amount);
    }

    function unstake(uint256 amount) external {
        stakedOf[msg.sender] -= amount;
        totalStaked -= amount;
        uint256 fee = (amount * exitFeeBps) / 10_000;
        accruedFees += fee;
        asset.safeTransfer(msg.sender, amount - fee);
    }
}
