// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MockPyth} from "@pythnetwork/pyth-sdk-solidity/MockPyth.sol";

/// @title MockPythFeeds
/// @notice TEST ONLY. Pyth's official MockPyth, declared here so that Ape builds it (Ape keeps the contract types of
///         the project's own sources only). `createPriceFeedUpdateData` builds update payloads.
contract MockPythFeeds is MockPyth {
    /// @param validTimePeriod Seconds a price stays valid for Pyth's own `getPrice`.
    /// @param singleUpdateFeeInWei Fee per update payload.
    constructor(uint256 validTimePeriod, uint256 singleUpdateFeeInWei)
        MockPyth(validTimePeriod, singleUpdateFeeInWei)
    {}
}
