// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MockERC20} from "./MockERC20.sol";

/// @title MockRestrictedERC20
/// @notice TEST ONLY. MockERC20 with the switches of a centrally administered stablecoin (USDC, USDT): an account
///         blacklist and a global pause, set by anyone because this is a test token. A refused transfer reverts, or
///         returns false when `refuseWithFalse` is set (tokens that signal failure by their return value). A separate
///         contract so that MockERC20's transfers (and every benchmark measured on them) cost what they did. Never
///         deploy it to a live network.
/// @dev Invariants: MockERC20's; while paused no balance changes; a blacklisted account's balance never changes.
contract MockRestrictedERC20 is MockERC20 {
    /// @notice Accounts that can neither send nor receive.
    mapping(address account => bool) public blacklisted;
    /// @notice No transfer, mint or burn while true.
    bool public paused;
    /// @notice Refused transfers return false instead of reverting.
    bool public refuseWithFalse;

    /// @notice A transfer touched a blacklisted account.
    error Blacklisted(address account);
    /// @notice A transfer while the token is paused.
    error TokenPaused();

    /// @notice `account` was blacklisted or cleared.
    event BlacklistSet(address indexed account, bool blacklisted);
    /// @notice The token was paused or resumed.
    event PauseSet(bool paused);
    /// @notice The refusal mode changed.
    event RefuseWithFalseSet(bool refuseWithFalse);

    /// @param name_ Token name.
    /// @param symbol_ Token symbol.
    /// @param decimals_ Token decimals.
    constructor(string memory name_, string memory symbol_, uint8 decimals_) MockERC20(name_, symbol_, decimals_) {}

    /// @notice Blacklists or clears `account`; unrestricted because this is a test token.
    /// @param account The account.
    /// @param value True to blacklist.
    function setBlacklisted(address account, bool value) external {
        blacklisted[account] = value;
        emit BlacklistSet(account, value);
    }

    /// @notice Pauses or resumes every transfer; unrestricted because this is a test token.
    /// @param value True to pause.
    function setPaused(bool value) external {
        paused = value;
        emit PauseSet(value);
    }

    /// @notice Makes refused transfers return false (true) or revert (false); unrestricted (test token).
    /// @param value The mode.
    function setRefuseWithFalse(bool value) external {
        refuseWithFalse = value;
        emit RefuseWithFalseSet(value);
    }

    /// @notice ERC-20 transfer; refused (revert or false) while paused or when an end is blacklisted.
    /// @param to Receiver.
    /// @param value Amount.
    /// @return Whether it happened.
    function transfer(address to, uint256 value) public override returns (bool) {
        if (refuseWithFalse && _refused(msg.sender, to)) return false;
        return super.transfer(to, value);
    }

    /// @notice ERC-20 transferFrom; refused (revert or false) while paused or when an end is blacklisted.
    /// @param from Sender.
    /// @param to Receiver.
    /// @param value Amount.
    /// @return Whether it happened.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (refuseWithFalse && _refused(from, to)) return false;
        return super.transferFrom(from, to, value);
    }

    function _refused(address from, address to) private view returns (bool) {
        return paused || blacklisted[from] || blacklisted[to];
    }

    function _update(address from, address to, uint256 value) internal override {
        if (paused) revert TokenPaused();
        if (blacklisted[from]) revert Blacklisted(from);
        if (blacklisted[to]) revert Blacklisted(to);
        super._update(from, to, value);
    }
}
