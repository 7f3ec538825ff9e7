// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title VolatilityUnit
/// @notice The QUOTE marker of an implied-volatility feed: a SignedPriceOracle deployed with BASE = the underlying and
///         QUOTE = this contract publishes the underlying's annualised implied volatility, 1e18 = 100%/yr (the units
///         of contracts/pricing/BlackScholes.sol's `vol`), instead of a price. It is not a token: it holds nothing,
///         has no balances and no supply; it answers `decimals()` (18) because SignedPriceOracle reads its pair's
///         decimals at deployment, and `name`/`symbol` say what the feed's numbers mean. One deployment serves
///         every underlying's volatility feed.
/// @dev Threat model: nothing to attack (no state, no owner, no functions but constants). A feed whose QUOTE is this
///      contract is recognisable on chain (DeltaStrikeSelector checks it at deployment), so a price feed cannot be
///      passed where a volatility feed is expected by mistake. The ERC-7726 `getQuote` of such a feed (amounts of
///      the underlying "in volatility") has no meaning and no caller in the protocol.
/// @custom:invariants (1) decimals() == 18, name() and symbol() never change: the contract has no storage.
contract VolatilityUnit {
    /// @notice What a feed quoted in this unit publishes.
    string public constant name = "Annualized implied volatility (1e18 = 100%)";
    /// @notice Short name.
    string public constant symbol = "IVOL";
    /// @notice A value of 1e18 is 100%/yr.
    uint8 public constant decimals = 18;
}
