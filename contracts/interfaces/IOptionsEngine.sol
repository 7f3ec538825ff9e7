// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IOptionsEngine
/// @notice The parts of the OptionsEngine (contracts/options/OptionsEngine.sol) the SettlementLedger uses: a series'
///         parameters and option token, settlement and redemption of expired series.
interface IOptionsEngine {
    /// @notice A series' parameters (the public getter of the engine's `series` mapping); all zero for an unknown id.
    function series(uint256 seriesId)
        external
        view
        returns (
            address underlying,
            address strikeAsset,
            uint64 expiry,
            bool isPut,
            bool settled,
            uint8 underlyingDecimals,
            uint8 strikeDecimals,
            uint256 strike,
            uint256 settlementPrice
        );

    /// @notice The OptionToken (ERC-20) of a series; reverts for an unknown series.
    function tokenOf(uint256 seriesId) external view returns (address);

    /// @notice Whether a series has settled.
    function isSettled(uint256 seriesId) external view returns (bool);

    /// @notice Fixes an expired series' settlement price from the router's final expiry price. Anyone, once.
    function settle(uint256 seriesId) external returns (uint256 price);

    /// @notice Burns `amount` options of a settled series held by the caller and pays their payout (rounded down).
    function redeem(uint256 seriesId, uint256 amount) external returns (uint256 payout);

    /// @notice The asset a series is collateralized and paid in (the underlying for a call, the strike asset for a
    ///         put).
    function collateralAsset(uint256 seriesId) external view returns (address);

    /// @notice What `amount` options of a settled series pay (rounded down).
    function payoutFor(uint256 seriesId, uint256 amount) external view returns (uint256);
}
