// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title InteropDepositor
/// @notice TEST ONLY. Deposits into any ERC-4626 vault on a user's behalf through OpenZeppelin's `IERC4626`
///         interface. With a Vyper vault it proves Solidity-to-Vyper calls; the Vyper vault in turn calls the
///         Solidity asset. Not part of the protocol.
/// @dev Invariant: the depositor holds no assets and no shares between transactions.
contract InteropDepositor {
    using SafeERC20 for IERC20;

    /// @notice The vault returned fewer shares than the caller's minimum.
    /// @param shares Shares minted.
    /// @param minShares The caller's minimum.
    error InsufficientShares(uint256 shares, uint256 minShares);

    /// @notice Emitted once per deposit routed through this contract.
    /// @param vault The ERC-4626 vault.
    /// @param sender Who paid the assets.
    /// @param receiver Who received the shares.
    /// @param assets Assets deposited.
    /// @param shares Shares minted.
    event Routed(
        address indexed vault, address indexed sender, address indexed receiver, uint256 assets, uint256 shares
    );

    /// @notice Pulls `assets` of the vault's asset from the caller and deposits them for `receiver`.
    /// @param vault The ERC-4626 vault to deposit into.
    /// @param assets Amount of the vault's asset to deposit.
    /// @param receiver Receiver of the shares.
    /// @param minShares Reverts with `InsufficientShares` when the vault mints fewer shares.
    /// @return shares Shares minted to `receiver`.
    function deposit(IERC4626 vault, uint256 assets, address receiver, uint256 minShares)
        external
        returns (uint256 shares)
    {
        IERC20 asset = IERC20(vault.asset());
        asset.safeTransferFrom(msg.sender, address(this), assets);
        asset.forceApprove(address(vault), assets);
        shares = vault.deposit(assets, receiver);
        if (shares < minShares) revert InsufficientShares(shares, minShares);
        emit Routed(address(vault), msg.sender, receiver, assets, shares);
    }
}
