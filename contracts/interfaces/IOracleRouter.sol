// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPriceOracle} from "./IPriceOracle.sol";

/// @title IOracleRouter
/// @notice The Vyper OracleRouter as Solidity sees it: routed prices plus final expiry prices.
interface IOracleRouter is IPriceOracle {
    /// @notice The final settlement price of `expiry` (reverts until recorded and past its dispute period).
    function expiry_price(address base, address quote, uint256 expiry) external view returns (uint256);

    /// @notice Whether `expiry`'s price is recorded and past its dispute period.
    function is_expiry_price_final(address base, address quote, uint256 expiry) external view returns (bool);
}
