// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BugsBase, IERC20Like} from "./BugsBase.sol";

/// @dev SettlementLedger's cash entry points the ledger worlds' handlers use.
interface ILedgerCash {
    function deposit(uint256 amount) external;
    function requestWithdrawal(uint256 amount) external;
    function withdraw(uint256 amount) external;
    function balanceOf(address account) external view returns (uint256);
}

/// @dev The handlers every ledger world has (bench/faults/ledger.py's CashHandlers is the Python twin): an actor
///      deposits, or requests a withdrawal of, a bounded amount; a revert is ignored.
abstract contract LedgerCashHandlers is BugsBase {
    IERC20Like public immutable cash;
    address[3] public actors;

    constructor(IERC20Like cash_, address[3] memory actors_) {
        cash = cash_;
        actors = actors_;
    }

    /// @dev The ledger the handlers act on.
    function _cashLedger() internal view virtual returns (ILedgerCash);

    function deposit(uint256 seed, uint256 raw) external {
        address a = actors[seed % 3];
        uint256 held = cash.balanceOf(a);
        if (held == 0) return;
        uint256 amount = bound(raw, 1, held);
        hevm.prank(a);
        try _cashLedger().deposit(amount) {} catch {}
    }

    function request(uint256 seed, uint256 raw) external {
        address a = actors[seed % 3];
        uint256 balance = _cashLedger().balanceOf(a);
        uint256 amount = bound(raw, 1, balance == 0 ? 1 : balance);
        hevm.prank(a);
        try _cashLedger().requestWithdrawal(amount) {} catch {}
    }
}
