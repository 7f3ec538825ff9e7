// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BlackScholes} from "./BlackScholes.sol";

/// @title BlackScholesPricer
/// @notice A thin external wrapper of the BlackScholes library (units, domain, accuracy and errors: see the library),
///         for tests, gas measurement and off-chain reads. Contracts that price on-chain link the library directly.
/// @custom:invariants Stateless: every function is pure and returns exactly what the library returns.
contract BlackScholesPricer {
    /// @notice One evaluation's inputs: spot, strike, seconds to expiry, vol, rate (library units).
    struct Inputs {
        uint256 spot;
        uint256 strike;
        uint256 secondsToExpiry;
        uint256 vol;
        uint256 rate;
    }

    /// @notice One evaluation's outputs.
    struct Quote {
        uint256 callPrice;
        uint256 putPrice;
        int256 callDelta;
        int256 putDelta;
    }

    /// @notice Call and put prices and deltas (BlackScholes.quote).
    function quote(uint256 spot, uint256 strike, uint256 secondsToExpiry, uint256 vol, uint256 rate)
        external
        pure
        returns (uint256 call, uint256 put, int256 deltaCall, int256 deltaPut)
    {
        return BlackScholes.quote(spot, strike, secondsToExpiry, vol, rate);
    }

    /// @notice One option's price and delta (BlackScholes.priceAndDelta).
    function priceAndDelta(
        bool isCall,
        uint256 spot,
        uint256 strike,
        uint256 secondsToExpiry,
        uint256 vol,
        uint256 rate
    ) external pure returns (uint256 price, int256 delta) {
        return BlackScholes.priceAndDelta(isCall, spot, strike, secondsToExpiry, vol, rate);
    }

    /// @notice Call price (BlackScholes.callPrice).
    function callPrice(uint256 spot, uint256 strike, uint256 secondsToExpiry, uint256 vol, uint256 rate)
        external
        pure
        returns (uint256)
    {
        return BlackScholes.callPrice(spot, strike, secondsToExpiry, vol, rate);
    }

    /// @notice Put price (BlackScholes.putPrice).
    function putPrice(uint256 spot, uint256 strike, uint256 secondsToExpiry, uint256 vol, uint256 rate)
        external
        pure
        returns (uint256)
    {
        return BlackScholes.putPrice(spot, strike, secondsToExpiry, vol, rate);
    }

    /// @notice Call delta (BlackScholes.callDelta).
    function callDelta(uint256 spot, uint256 strike, uint256 secondsToExpiry, uint256 vol, uint256 rate)
        external
        pure
        returns (int256)
    {
        return BlackScholes.callDelta(spot, strike, secondsToExpiry, vol, rate);
    }

    /// @notice Put delta (BlackScholes.putDelta).
    function putDelta(uint256 spot, uint256 strike, uint256 secondsToExpiry, uint256 vol, uint256 rate)
        external
        pure
        returns (int256)
    {
        return BlackScholes.putDelta(spot, strike, secondsToExpiry, vol, rate);
    }

    /// @notice Many evaluations in one call (tests evaluate thousands of points without a transaction each). Reverts
    ///         with the library's error on the first input outside the domain.
    function quoteBatch(Inputs[] calldata inputs) external pure returns (Quote[] memory quotes) {
        quotes = new Quote[](inputs.length);
        for (uint256 i; i < inputs.length; ++i) {
            Inputs calldata x = inputs[i];
            Quote memory q = quotes[i];
            (q.callPrice, q.putPrice, q.callDelta, q.putDelta) =
                BlackScholes.quote(x.spot, x.strike, x.secondsToExpiry, x.vol, x.rate);
        }
    }
}
