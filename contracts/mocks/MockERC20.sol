// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MockERC20
/// @notice TEST ONLY. An OpenZeppelin ERC-20 with configurable decimals that anyone may mint or burn, used as the
///         underlying and strike assets in tests, fuzz campaigns and local demos. Never deploy it to a live network.
/// @dev Invariants: totalSupply equals the sum of all balances (OpenZeppelin ERC20); decimals never change.
contract MockERC20 is ERC20 {
    uint8 private immutable _DECIMALS;

    /// @param name_ Token name.
    /// @param symbol_ Token symbol.
    /// @param decimals_ Token decimals (0-255), fixed for the token's life.
    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _DECIMALS = decimals_;
    }

    /// @notice The token's decimals, fixed at deployment.
    /// @return The number of decimals.
    function decimals() public view override returns (uint8) {
        return _DECIMALS;
    }

    /// @notice Mints `amount` tokens to `to`; unrestricted because this is a test token.
    /// @param to Receiver of the new tokens.
    /// @param amount Amount to mint, in the token's smallest unit.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Burns `amount` tokens from `from`; unrestricted because this is a test token.
    /// @param from Holder whose tokens are burned.
    /// @param amount Amount to burn, in the token's smallest unit.
    function burn(address from, uint256 amount) external {
        _burn(from, amount);
    }
}
