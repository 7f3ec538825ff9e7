// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BlackScholes} from "../../contracts/pricing/BlackScholes.sol";
import {SymbolicTest} from "./Symbolic.sol";

/// @notice BlackScholes' no-arbitrage bounds max(0, S - K e^{-rT}) <= call <= S and the call's monotonicity in spot
///         (the library's invariants 2 and 5), over its whole documented domain.
/// @dev At expiry (T = 0) the checks are proofs over every spot, strike, vol and rate of the domain. Before expiry the
///      library's erfcx/ln/exp arithmetic branches into thousands of paths over 256-bit non-linear terms, which the
///      solvers do not finish: those checks are named `deep_*` and run only when asked for
///      (`strikeforge prove --match '^deep_'`); they report timeouts, not proofs.
contract BlackScholesTest is SymbolicTest {
    uint256 internal constant WAD = 1e18;

    function _inDomain(uint256 spot, uint256 strike, uint256 t, uint256 vol, uint256 rate) internal pure {
        vm.assume(BlackScholes.MIN_SPOT <= spot && spot <= BlackScholes.MAX_SPOT);
        vm.assume(BlackScholes.MIN_SPOT <= strike && strike <= BlackScholes.MAX_SPOT);
        vm.assume(strike <= BlackScholes.MAX_MONEYNESS * spot && spot <= BlackScholes.MAX_MONEYNESS * strike);
        vm.assume(BlackScholes.MIN_VOL <= vol && vol <= BlackScholes.MAX_VOL);
        vm.assume(t <= BlackScholes.MAX_TIME && rate <= BlackScholes.MAX_RATE);
    }

    /// @dev K e^{-rT} as the library rounds it.
    function _discountedStrike(uint256 strike, uint256 t, uint256 rate) internal pure returns (uint256) {
        if (rate == 0) return strike;
        int256 rt = int256(rate * t / BlackScholes.YEAR);
        return strike * uint256(BlackScholes.expWad(-rt)) / WAD;
    }

    function _bounded(uint256 spot, uint256 strike, uint256 kd, uint256 t, uint256 vol, uint256 rate) internal pure {
        uint256 call = BlackScholes.callPrice(spot, strike, t, vol, rate);
        assert(call <= spot);
        assert(spot <= kd || spot - kd <= call);
    }

    function check_callBoundsAtExpiry(uint256 spot, uint256 strike, uint256 vol, uint256 rate) public pure {
        _inDomain(spot, strike, 0, vol, rate);
        _bounded(spot, strike, strike, 0, vol, rate); // e^{-r 0} = 1: K e^{-rT} is K exactly
    }

    function check_callMonotoneInSpotAtExpiry(uint256 spot, uint256 higher, uint256 strike, uint256 vol, uint256 rate)
        public
        pure
    {
        _inDomain(spot, strike, 0, vol, rate);
        _inDomain(higher, strike, 0, vol, rate);
        vm.assume(spot <= higher);
        uint256 low = BlackScholes.callPrice(spot, strike, 0, vol, rate);
        assert(low <= BlackScholes.callPrice(higher, strike, 0, vol, rate));
    }

    function deep_callBounds(uint256 spot, uint256 strike, uint256 t, uint256 vol, uint256 rate) public pure {
        _inDomain(spot, strike, t, vol, rate);
        _bounded(spot, strike, _discountedStrike(strike, t, rate), t, vol, rate);
    }

    /// @dev Up to the library's stated error (relative 1e-9 above DUST = max(S / 1e12, 1e10)): "a move smaller than the
    ///      error bound may show as a tiny decrease".
    function deep_callMonotoneInSpot(uint256 spot, uint256 higher, uint256 strike, uint256 t, uint256 vol, uint256 rate)
        public
        pure
    {
        _inDomain(spot, strike, t, vol, rate);
        _inDomain(higher, strike, t, vol, rate);
        vm.assume(spot <= higher);
        uint256 low = BlackScholes.callPrice(spot, strike, t, vol, rate);
        uint256 high = BlackScholes.callPrice(higher, strike, t, vol, rate);
        uint256 dust = higher / 1e12 > 1e10 ? higher / 1e12 : 1e10;
        assert(low <= high + high / 1e9 + dust);
    }
}
