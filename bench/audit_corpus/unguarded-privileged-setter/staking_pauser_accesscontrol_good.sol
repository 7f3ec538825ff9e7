// [audit-corpus] unguarded-privileged-setter | GOOD | `setPauser` is onlyRole(DEFAULT_ADMIN_ROLE), so only the admin can appoint the account that can pause withdrawals.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

contract PausableStaking is AccessControl {
    using SafeERC20 for IERC20;

    uint256 public constant MAX_COOLDOWN = 14 days;

    IERC20 public immutable stakeToken;
    address public pauser;
    bool public paused;
    uint256 public cooldown = 3 days;
    mapping(address => uint256) public stakeOf;
    mapping(address => uint256) public unlockAt;

    constructor(IERC20 stakeToken_) {
        stakeToken = stakeToken_;
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
        pauser = msg.sender;
    }

    function setCooldown(uint256 c) external onlyRole(DEFAULT_ADMIN_ROLE) {
        require(c <= MAX_COOLDOWN, "cooldown");
        cooldown = c;
    }

    function setPauser(address p) external onlyRole(DEFAULT_ADMIN_ROLE) {
        pauser = p;
    }

    function setPaused(bool p) external {
        require(msg.sender == pauser, "pauser");
        paused = p;
    }

    function stake(uint256 amount) external {
        require(!paused, "paused");
        stakeOf[msg.sender] += amount;
        stakeToken.safeTransferFrom(msg.sender, address(this), amount);
    }

    function requestUnstake() external {
        unlockAt[msg.sender] = block.timestamp + cooldown;
    }

    function unstake(uint256 amount) external {
        require(!paused, "paused");
        require(unlockAt[msg.sender] != 0 && block.timestamp >= unlockAt[msg.sender], "cooldown");
        stakeOf[msg.sender] -= amount;
        stakeToken.safeTransfer(msg.sender, amount);
    }
}
