// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";

/// @title OptionToken
/// @notice The ERC-20 of one option series: 1e18 units are the right on one whole unit of the underlying. Deployed
///         as an EIP-1167 clone per series by the OptionsEngine, which alone mints and burns.
/// @dev An ERC-20 per series (not ERC-1155) so that wallets, indexers, AMMs and the vault's accounting read options as
///      plain tokens; clones keep a series' deployment near 50k gas. The implementation contract is locked at
///      construction, so only clones are ever initialized.
/// @custom:invariants (1) Only ENGINE changes balances other than by transfer; totalSupply equals options minted minus
///                        options burned by the engine.
contract OptionToken is ERC20Upgradeable {
    /// @notice The engine that mints and burns this token.
    address public engine;

    /// @notice Only the engine may mint or burn.
    error NotEngine(address caller);

    constructor() {
        _disableInitializers();
    }

    /// @notice Sets the name, symbol and engine of a clone (once).
    /// @param name_ Token name.
    /// @param symbol_ Token symbol.
    /// @param engine_ The OptionsEngine.
    function initialize(string calldata name_, string calldata symbol_, address engine_) external initializer {
        __ERC20_init(name_, symbol_);
        engine = engine_;
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
