// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BlackScholes} from "../pricing/BlackScholes.sol";

/// @title TextbookBlackScholes
/// @notice TEST/BENCH ONLY: the gas anchor of bench/pricing_gas.py. The textbook formula as a straightforward port
///         writes it: d1 = (ln(S/K) + (r + vol^2/2) T) / (vol sqrt T), d2 = d1 - vol sqrt T, call = S N(d1) - K e^{-rT}
///         N(d2), put = K e^{-rT} N(-d2) - S N(-d1), delta N(d1) or N(d1) - 1, with N from Abramowitz & Stegun 26.2.17
///         (absolute error < 7.5e-8) in 1e18 fixed point. It uses the same ln, exp and sqrt as BlackScholes (Solady's),
///         so the comparison is between the pricing methods. No domain checks; secondsToExpiry > 0; OTM prices lose
///         their relative precision to the cancellation of the two terms, and N's error bounds the rest.
contract TextbookBlackScholes {
    int256 private constant WAD = 1e18;
    // A&S 26.2.17: p and b1..b5, and 1/sqrt(2 pi), in 1e18.
    int256 private constant P = 231_641_900_000_000_000;
    int256 private constant B1 = 319_381_530_000_000_000;
    int256 private constant B2 = -356_563_782_000_000_000;
    int256 private constant B3 = 1_781_477_937_000_000_000;
    int256 private constant B4 = -1_821_255_978_000_000_000;
    int256 private constant B5 = 1_330_274_429_000_000_000;
    int256 private constant INV_SQRT_2PI = 398_942_280_401_432_678;

    /// @notice One option's price and delta by the textbook formula (1e18 units, as BlackScholes.priceAndDelta).
    function priceAndDelta(
        bool isCall,
        uint256 spot,
        uint256 strike,
        uint256 secondsToExpiry,
        uint256 vol,
        uint256 rate
    ) external pure returns (uint256 price, int256 delta) {
        (int256 d1, int256 d2, int256 kd) = _d(spot, strike, secondsToExpiry, vol, rate);
        int256 nd1 = _cdf(d1);
        int256 value;
        if (isCall) {
            value = int256(spot) * nd1 / WAD - kd * _cdf(d2) / WAD;
            delta = nd1;
        } else {
            value = kd * _cdf(-d2) / WAD - int256(spot) * (WAD - nd1) / WAD;
            delta = nd1 - WAD;
        }
        price = value > 0 ? uint256(value) : 0;
    }

    /// @dev d1, d2 and K e^{-rT}, 1e18.
    function _d(uint256 spot, uint256 strike, uint256 secondsToExpiry, uint256 vol, uint256 rate)
        private
        pure
        returns (int256 d1, int256 d2, int256 kd)
    {
        int256 t = int256(secondsToExpiry * 1e18 / 365 days);
        int256 sigma = int256(vol);
        int256 sd = sigma * int256(BlackScholes.sqrt(uint256(t) * 1e18)) / WAD;
        d1 = (BlackScholes.lnWad(int256(spot * 1e18 / strike)) + (int256(rate) + sigma * sigma / (2 * WAD)) * t / WAD)
            * WAD / sd;
        d2 = d1 - sd;
        kd = int256(strike) * BlackScholes.expWad(-int256(rate) * t / WAD) / WAD;
    }

    /// @dev N(x), 1e18, by Abramowitz & Stegun 26.2.17.
    function _cdf(int256 x) private pure returns (int256) {
        int256 ax = x < 0 ? -x : x;
        int256 k = WAD * WAD / (WAD + P * ax / WAD);
        int256 poly = ((((B5 * k / WAD + B4) * k / WAD + B3) * k / WAD + B2) * k / WAD + B1) * k / WAD;
        int256 pdf = INV_SQRT_2PI * BlackScholes.expWad(-ax * ax / (2 * WAD)) / WAD;
        int256 upper = WAD - pdf * poly / WAD;
        return x >= 0 ? upper : WAD - upper;
    }
}
