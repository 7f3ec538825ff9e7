// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IHookToken {
    function approve(address spender, uint256 amount) external returns (bool);
    function setHook(bool on) external;
}

interface ILedgerDeposit {
    function deposit(uint256 amount) external;
}

/// @title ReentrantDepositor
/// @notice BENCHMARK ONLY (bench/fuzz_bugs.py). An account of the ledger that holds a HookERC20 and, while its own
///         deposit's transfer is in flight, deposits again from the token's pre-transfer call: a deposit credited by
///         balance difference then counts the inner deposit twice unless the ledger refuses the reentry.
contract ReentrantDepositor {
    ILedgerDeposit public immutable LEDGER;
    address public immutable TOKEN;
    uint256 internal _inner;

    constructor(ILedgerDeposit ledger, IHookToken token) {
        LEDGER = ledger;
        TOKEN = address(token);
        token.approve(address(ledger), type(uint256).max);
        token.setHook(true);
    }

    /// @notice Deposits `outer`, and `inner` more from inside the outer deposit's transfer (none when 0).
    function depositTwice(uint256 outer, uint256 inner) external {
        _inner = inner;
        LEDGER.deposit(outer);
        _inner = 0;
    }

    /// @notice The token's pre-transfer call: deposits the pending inner amount once.
    function tokensToSend(address, address, uint256) external {
        require(msg.sender == TOKEN, "not the token");
        uint256 inner = _inner;
        if (inner != 0) {
            _inner = 0;
            LEDGER.deposit(inner);
        }
    }
}
