// [audit-corpus] unguarded-privileged-setter | GOOD (good-only) | `setDelegate` is intentionally unguarded: it only writes `delegateOf[msg.sender]`, the caller's own voting delegate, while the contract's privileged settings are onlyOwner.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// Vote-escrow-lite: locked tokens give voting power to the locker or its delegate.
contract LockVotes {
    using SafeERC20 for IERC20;

    uint256 public constant MAX_MIN_LOCK = 365 days;

    IERC20 public immutable token;
    address public owner;
    uint256 public minLock = 7 days;
    mapping(address => uint256) public locked;
    mapping(address => uint256) public unlockTime;
    mapping(address => address) public delegateOf;
    mapping(address => uint256) public votingPower;

    constructor(IERC20 token_) {
        token = token_;
        owner = msg.sender;
    }

    function setOwner(address o) external {
        require(msg.sender == owner, "owner");
        owner = o;
    }

    function setMinLock(uint256 d) external {
        require(msg.sender == owner, "owner");
        require(d <= MAX_MIN_LOCK, "too long");
        minLock = d;
    }

    function setDelegate(address to) external {
        address prev = _votee(msg.sender);
        delegateOf[msg.sender] = to;
        address next = _votee(msg.sender);
        uint256 amount = locked[msg.sender];
        votingPower[prev] -= amount;
        votingPower[next] += amount;
    }

    function lock(uint256 amount, uint256 duration) external {
        require(duration >= minLock, "short");
        locked[msg.sender] += amount;
        uint256 until = block.timestamp + duration;
        if (until > unlockTime[msg.sender]) unlockTime[msg.sender] = until;
        votingPower[_votee(msg.sender)] += amount;
        token.safeTransferFrom(msg.sender, address(this), amount);
    }

    function unlock() external {
        require(block.timestamp >= unlockTime[msg.sender], "locked");
        uint256 amount = locked[msg.sender];
        locked[msg.sender] = 0;
        votingPower[_votee(msg.sender)] -= amount;
        token.safeTransfer(msg.sender, amount);
    }

    function _votee(address who) internal view returns (address) {
        address d = delegateOf[who];
        return d == address(0) ? who : d;
    }
}
