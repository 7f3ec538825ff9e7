// [audit-corpus] unguarded-privileged-setter | GOOD | `setSource` is onlyOwner like every other setter, so only the owner can change the price source used by `borrow`.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

interface ISource {
    function read() external view returns (uint256); // collateral in debt units, 1e18
}

contract SimpleLender {
    using SafeERC20 for IERC20;

    uint256 public constant MAX_LTV_BPS = 8_000;

    IERC20 public immutable collateral;
    IERC20 public immutable loanToken;
    address public owner;
    ISource public src;
    uint256 public ltvBps = 6_000;
    mapping(address => uint256) public collOf;
    mapping(address => uint256) public debtOf;

    modifier onlyOwner() {
        require(msg.sender == owner, "owner");
        _;
    }

    constructor(IERC20 collateral_, IERC20 loanToken_, ISource src_) {
        collateral = collateral_;
        loanToken = loanToken_;
        src = src_;
        owner = msg.sender;
    }

    function transferOwnership(address next) external onlyOwner {
        owner = next;
    }

    function setLtv(uint256 bps) external onlyOwner {
        require(bps <= MAX_LTV_BPS, "ltv");
        ltvBps = bps;
    }

    function setSource(ISource next) external onlyOwner {
        require(address(next) != address(0), "zero");
        src = next;
    }

    function deposit(uint256 amount) external {
        collOf[msg.sender] += amount;
        collateral.safeTransferFrom(msg.sender, address(this), amount);
    }

    function borrow(uint256 amount) external {
        debtOf[msg.sender] += amount;
        uint256 value = (collOf[msg.sender] * src.read()) / 1e18;
        require(debtOf[msg.sender] * 10_000 <= value * ltvBps, "ltv");
        loanToken.safeTransfer(msg.sender, amount);
    }

    function repay(uint256 amount) external {
        debtOf[msg.sender] -= amount;
        loanToken.safeTransferFrom(msg.sender, address(this), amount);
    }
}
