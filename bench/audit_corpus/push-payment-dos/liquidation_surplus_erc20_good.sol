// [audit-corpus] push-payment-dos | GOOD | `liquidate` only records the surplus in `surplusOf[borrower]` and the borrower pulls it with `claimSurplus`, so the borrower's receiver cannot make liquidation revert.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

interface IQuote {
    /// collateral price in debt-token units, 1e18 scale
    function price() external view returns (uint256);
}

contract PawnDesk {
    using SafeERC20 for IERC20;

    struct Loan {
        uint256 coll;
        uint256 debt;
    }

    uint256 public constant MAX_LTV_BPS = 7_000;
    uint256 public constant LIQ_LTV_BPS = 8_000;
    uint256 public constant BONUS_BPS = 500;

    IERC20 public immutable collateral;
    IERC20 public immutable debtToken;
    IQuote public immutable pricer;

    mapping(address => Loan) public loans;
    mapping(address => address) public refundTo;
    mapping(address => uint256) public surplusOf;

    constructor(IERC20 collateral_, IERC20 debtToken_, IQuote pricer_) {
        collateral = collateral_;
        debtToken = debtToken_;
        pricer = pricer_;
    }

    function setRefundTo(address to) external {
        refundTo[msg.sender] = to;
    }

    function borrow(uint256 coll, uint256 debt) external {
        Loan storage l = loans[msg.sender];
        require(l.debt == 0, "open loan");
        uint256 value = (coll * pricer.price()) / 1e18;
        require(debt * 10_000 <= value * MAX_LTV_BPS, "ltv");
        l.coll = coll;
        l.debt = debt;
        collateral.safeTransferFrom(msg.sender, address(this), coll);
        debtToken.safeTransfer(msg.sender, debt);
    }

    function repay() external {
        Loan memory l = loans[msg.sender];
        delete loans[msg.sender];
        debtToken.safeTransferFrom(msg.sender, address(this), l.debt);
        collateral.safeTransfer(msg.sender, l.coll);
    }

    function liquidate(address borrower) external {
        Loan memory l = loans[borrower];
        require(l.debt > 0, "no loan");
        uint256 p = pricer.price();
        require(l.debt * 10_000 > ((l.coll * p) / 1e18) * LIQ_LTV_BPS, "healthy");
        uint256 seize = (((l.debt * (10_000 + BONUS_BPS)) / 10_000) * 1e18) / p;
        if (seize > l.coll) seize = l.coll;
        delete loans[borrower];
        debtToken.safeTransferFrom(msg.sender, address(this), l.debt);
        collateral.safeTransfer(msg.sender, seize);
        uint256 surplus = l.coll - seize;
        if (surplus > 0) {
            surplusOf[borrower] += surplus;
        }
    }

    function claimSurplus() external {
        uint256 amount = surplusOf[msg.sender];
        surplusOf[msg.sender] = 0;
        address to = refundTo[msg.sender] == address(0) ? msg.sender : refundTo[msg.sender];
        collateral.safeTransfer(to, amount);
    }
}
