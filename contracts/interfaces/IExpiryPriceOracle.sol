// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IExpiryPriceOracle
/// @notice Expiry evidence: the one price a source reported for an expiry instant, proven on-chain from a hint.
///         Every adapter that can settle an option expiry implements it; the OracleRouter records settlement prices
///         only from it (issue 17, findings M-1 and H-5).
/// @dev Semantics shared by every implementation:
///      - priceAt reverts `ExpiryNotPassed(expiry)` while block.timestamp <= expiry;
///      - it returns a 1e18-scaled price within the adapter's own bounds, and the source's timestamp for it;
///      - it never applies a lag tolerance itself (the router does, against its route's max_expiry_lag);
///      - once the source's data for that instant is final, the answer depends neither on who calls nor when, and
///        every hint that does not point at THE unique answer reverts.
interface IExpiryPriceOracle {
    /// @notice The source's price for `expiry`, proven on-chain from `hint`; reverts unless it is THE unique answer.
    /// @param base The asset priced.
    /// @param quote The asset the price is expressed in.
    /// @param expiry The expiry timestamp.
    /// @param hint Adapter-specific evidence locator (e.g. abi.encode(uint80 roundId) for Chainlink; empty for some).
    /// @return price 1e18-scaled price.
    /// @return updatedAt The source's timestamp of that price.
    function priceAt(address base, address quote, uint256 expiry, bytes calldata hint)
        external
        view
        returns (uint256 price, uint256 updatedAt);

    /// @notice A hint for priceAt, found on-chain (for off-chain callers: eth_call; may use a lot of gas).
    /// @param base The asset priced.
    /// @param quote The asset the price is expressed in.
    /// @param expiry The expiry timestamp.
    /// @return hint The hint that makes priceAt(base, quote, expiry, hint) answer, if it can.
    function expiryHint(address base, address quote, uint256 expiry) external view returns (bytes memory hint);
}
