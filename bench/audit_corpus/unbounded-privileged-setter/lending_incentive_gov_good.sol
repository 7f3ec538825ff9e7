// [audit-corpus] unbounded-privileged-setter | GOOD | `setIncentive` caps the liquidation incentive at MAX_INCENTIVE_BPS (15%), so gov cannot over-reward liquidators at borrowers' expense.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

interface IQuoteSource {
    function quote() external view returns (uint256); // collateral in debt units, 1e18
}

contract IsolatedMarket {
    using SafeERC20 for IERC20;

    struct Account {
        uint256 coll;
        uint256 debt;
    }

    uint256 public constant LIQ_THRESHOLD_BPS = 8_500;
    uint256 public constant MAX_INCENTIVE_BPS = 1_500;

    IERC20 public immutable collToken;
    IERC20 public immutable debtToken;
    IQuoteSource public immutable src;
    address public gov;
    uint256 public incentiveBps = 500;
    mapping(address => Account) public accounts;

    constructor(IERC20 collToken_, IERC20 debtToken_, IQuoteSource src_) {
        collToken = collToken_;
        debtToken = debtToken_;
        src = src_;
        gov = msg.sender;
    }

    function setGov(address next) external {
        require(msg.sender == gov, "gov");
        gov = next;
    }

    function setIncentive(uint256 bps) external {
        require(msg.sender == gov, "gov");
        require(bps <= MAX_INCENTIVE_BPS, "incentive too high");
        incentiveBps = bps;
    }

    function supplyCollateral(uint256 amount) external {
        accounts[msg.sender].coll += amount;
        collToken.safeTransferFrom(msg.sender, address(this), amount);
    }

    function borrow(uint256 amount) external {
        Account storage a = accounts[msg.sender];
        a.debt += amount;
        require(a.debt * 10_000 <= ((a.coll * src.quote()) / 1e18) * LIQ_THRESHOLD_BPS, "undercollateralised");
        debtToken.safeTransfer(msg.sender, amount);
    }

    function liquidate(address who, uint256 repay) external {
        Account storage a = accounts[who];
        uint256 q = src.quote();
        require(a.debt * 10_000 > ((a.coll * q) / 1e18) * LIQ_THRESHOLD_BPS, "healthy");
        require(repay <= a.debt, "repay");
        uint256 seize = (repay * 1e18 * (10_000 + incentiveBps)) / (q * 10_000);
        if (seize > a.coll) seize = a.coll;
        a.debt -= repay;
        a.coll -= seize;
        debtToken.safeTransferFrom(msg.sender, address(this), repay);
        collToken.safeTransfer(msg.sender, seize);
    }
}
