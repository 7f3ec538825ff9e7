// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

/// @title OptionToken
/// @notice The ERC-20 of one option series: 1e18 units are the right on one whole unit of the underlying. Deployed
///         by the OptionsEngine as an EIP-1167 clone with immutable arguments (the series id and whether it is a
///         put), so a series costs a clone and no storage writes; the engine alone mints and burns.
/// @dev An ERC-20 per series (not ERC-1155) so that wallets, indexers, AMMs and the vault's accounting read options as
///      plain tokens. `engine` is an immutable of the implementation, which the engine deploys and every clone runs.
///      Name and symbol are computed from the clone's arguments (e.g. "Strikeforge call #12", "sfOPT-12").
/// @custom:invariants (1) Only the engine changes balances other than by transfer; totalSupply equals options minted
///                        minus options burned by the engine.
contract OptionToken is ERC20 {
    /// @notice The engine that mints and burns this token.
    address public immutable engine;

    /// @notice Only the engine may mint or burn.
    error NotEngine(address caller);

    constructor() ERC20("", "") {
        engine = msg.sender;
    }

    /// @notice The series this token belongs to.
    /// @return seriesId The engine's series id.
    /// @return isPut True for a put series.
    function series() public view returns (uint256 seriesId, bool isPut) {
        return abi.decode(Clones.fetchCloneArgs(address(this)), (uint256, bool));
    }

    /// @inheritdoc ERC20
    function name() public view override returns (string memory) {
        (uint256 seriesId, bool isPut) = series();
        return string.concat("Strikeforge ", isPut ? "put #" : "call #", Strings.toString(seriesId));
    }

    /// @inheritdoc ERC20
    function symbol() public view override returns (string memory) {
        (uint256 seriesId,) = series();
        return string.concat("sfOPT-", Strings.toString(seriesId));
    }

    /// @notice Mints options. Engine only.
    /// @param to Recipient.
    /// @param amount Options (1e18 = one whole underlying unit).
    function mint(address to, uint256 amount) external {
        if (msg.sender != engine) revert NotEngine(msg.sender);
        _mint(to, amount);
    }

    /// @notice Burns options. Engine only.
    /// @param from Holder.
    /// @param amount Options.
    function burn(address from, uint256 amount) external {
        if (msg.sender != engine) revert NotEngine(msg.sender);
        _burn(from, amount);
    }
}
