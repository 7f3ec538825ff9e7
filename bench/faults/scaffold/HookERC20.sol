// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice What a HookERC20 calls on a sender that opted in, before moving its tokens (ERC-777's tokensToSend).
interface ITokensToSend {
    function tokensToSend(address from, address to, uint256 amount) external;
}

/// @title HookERC20
/// @notice BENCHMARK ONLY (bench/fuzz_bugs.py). A mintable 18-decimal ERC-20 that, like ERC-777, calls a sender that
///         opted in (`setHook(true)`) before moving its tokens: the cash token of the reentrancy fault's world.
contract HookERC20 is ERC20 {
    mapping(address => bool) public hooked;

    constructor() ERC20("Hooked USD", "hUSD") {}

    /// @notice Mints `amount` to `to` (anyone: a test token).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Opts the caller in (or out) of the pre-transfer call.
    function setHook(bool on) external {
        hooked[msg.sender] = on;
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && hooked[from]) ITokensToSend(from).tokensToSend(from, to, value);
        super._update(from, to, value);
    }
}
