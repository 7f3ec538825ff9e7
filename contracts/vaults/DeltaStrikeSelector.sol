// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IPriceOracle} from "../interfaces/IPriceOracle.sol";
import {BlackScholes} from "../pricing/BlackScholes.sol";

/// @title DeltaStrikeSelector
/// @notice Picks the next strike for an options vault the way Ribbon v2 does: the listed strike whose Black-Scholes
///         delta is closest to a target (0.10 for calls, -0.10 for puts by default). Listed strikes are the
///         multiples of STRIKE_GRID that OptionsEngine accepts: within [10%, 1000%] of the routed spot
///         (MIN_STRIKE_BPS, MAX_STRIKE_BPS). Inputs: spot from the OracleRouter (`getPrice`), volatility from a
///         signed implied-volatility feed (a SignedPriceOracle whose QUOTE is VolatilityUnit: BASE = the underlying,
///         1e18 = 100%/yr), time to the vault's next expiry and a fixed rate (RATE, 0 by default). The vault calls
///         `select(underlying, strike_asset, is_put)` as it calls PercentOtmStrikeSelector: the interface is
///         unchanged. The expiry is computed as ThetaVault computes it in the same transaction (the first Friday
///         08:00 UTC at least a day after block.timestamp), so the selector prices exactly the series the vault
///         then writes.
/// @dev Search. Delta is non-increasing in the strike for calls and puts alike (N(d1) falls as K rises). From the
///      closed-form estimate K = S exp((r + s^2/2)T - z s sqrt(T)), z = N^-1(target) (CALL_D1, PUT_D1: checked at
///      deployment), the grid index below it is probed, then the search gallops to a bracket lo < hi = lo + 1 with
///      delta(lo) >= target > delta(hi) and returns the closer of the two (on a tie, the one with the smaller |delta|,
///      further out of the money). The estimate only saves gas: the bracket is always verified with the library's
///      own deltas, so the pick does not depend on the estimate's accuracy. With an exact estimate: two evaluations.
///      If every listed strike's delta is >= target the highest is returned; if every one is < target, the lowest.
///
///      Threat model. The selector holds no state and no roles; the vault calls it with a static call and rolls
///      without options if it reverts (ThetaVault: "strike selection failed"), so nothing here can stop a roll.
///      - A rogue volatility signer, or up to f of them colluding (f = the vol feed's max_faulty, threshold >= 2f+1):
///        cannot move the published vol outside the range the honest signers signed (SignedPriceOracle's lower
///        median, invariant 3), so the strike is the one an honest vol in that range would give. More than f: the
///        vol can be set anywhere in the feed's [MIN_PRICE, MAX_PRICE] and this selector's [MIN_VOL, MAX_VOL] (1% to
///        500%), which bounds the strike to the listed grid; governance sets f.
///      - A stale vol (signers down, no publication): refused with VolatilityStale once the latest round is older
///        than MAX_VOL_AGE (the feed's own getPrice also refuses rounds older than its MAX_AGE: StalePrice). A vol
///        outside [MIN_VOL, MAX_VOL] is refused with VolatilityOutOfBounds (never clamped); no vol, NoPrice.
///      - A manipulated spot: the spot is the router's (its staleness, bounds and primary/fallback deviation checks
///        apply, see contracts/oracles/README.md); the strike is then 10-delta for that spot, within the engine's
///        [10%, 1000%] of the same spot, and the engine re-checks it against the same read in the same transaction.
///      - A wrong feed at deployment (a price feed passed for the vol feed): refused, the feed's QUOTE must be
///        VOL_UNIT (InvalidConfig("vol feed")) and its BASE is the only underlying getPrice answers for.
///      - A caller choosing the transaction's timestamp (a keeper, a validator): it only chooses which expiry and
///        how much time is left, exactly as for the vault's own expiry computation.
/// @custom:invariants (1) select returns a multiple of STRIKE_GRID within [spot * MIN_STRIKE_BPS / 1e4, spot *
///                        MAX_STRIKE_BPS / 1e4] (the engine's bounds for the same spot), or reverts with a named error.
///                    (2) Among the listed strikes, the returned one's delta (BlackScholes, spot from ROUTER, vol
///                        from VOL_FEED, time to the vault's next expiry, RATE) is closest to the target; ties go
///                        to the smaller |delta|. (The library's deltas are within 1e-9 of exact: checked against a
///                        root find in mpmath in tests/vaults/test_delta_strike_selector.py.)
///                    (3) It never picks on a vol older than MAX_VOL_AGE or outside [MIN_VOL, MAX_VOL].
///                    (4) Stateless: every parameter is immutable; select is a view. No events (nothing changes).
contract DeltaStrikeSelector {
    /// @notice A constructor argument is unusable; `reason` names it.
    error InvalidConfig(string reason);
    /// @notice The vol feed's latest round, dated `updatedAt`, is older than `maxAge` seconds.
    error VolatilityStale(uint256 updatedAt, uint256 maxAge);
    /// @notice The vol feed's value is outside [min, max] (1e18 = 100%/yr).
    error VolatilityOutOfBounds(uint256 vol, uint256 min, uint256 max);
    /// @notice No multiple of STRIKE_GRID lies within the engine's strike bounds around `spot`.
    error NoListedStrike(uint256 spot);

    /// @notice Lowest accepted volatility: 1%/yr (BlackScholes.MIN_VOL).
    uint256 public constant MIN_VOL = 1e16;
    /// @notice Highest accepted volatility: 500%/yr (BlackScholes.MAX_VOL).
    uint256 public constant MAX_VOL = 5e18;
    /// @notice Lowest listed strike, in basis points of spot (OptionsEngine.MIN_STRIKE_BPS).
    uint256 public constant MIN_STRIKE_BPS = 1000;
    /// @notice Highest listed strike, in basis points of spot (OptionsEngine.MAX_STRIKE_BPS).
    uint256 public constant MAX_STRIKE_BPS = 100_000;
    /// @notice Expiries are Fridays 08:00 UTC (ThetaVault.EXPIRY_OFFSET).
    uint256 public constant EXPIRY_OFFSET = 1 days + 8 hours;
    /// @notice One week.
    uint256 public constant WEEK = 7 days;
    /// @notice A series is written at least this long before its expiry (ThetaVault: else the next Friday).
    uint256 public constant MIN_TIME_TO_EXPIRY = 1 days;
    /// @notice How far N(CALL_D1) and N(PUT_D1) may be from their targets (1e18 = 1): the estimate's tolerance.
    uint256 public constant D1_TOLERANCE = 1e12;

    uint256 private constant WAD = 1e18;
    uint256 private constant BPS = 10_000;
    int256 private constant MAX_EXPONENT = 20e18;
    uint256 private constant MAX_STEPS = 256;

    /// @notice The spot source (the OracleRouter): getPrice(underlying, strike asset).
    IPriceOracle public immutable ROUTER;
    /// @notice The implied-volatility feed: getPrice(underlying, VOL_UNIT) is the annualised vol, 1e18 = 100%.
    IPriceOracle public immutable VOL_FEED;
    /// @notice The vol feed's QUOTE marker (VolatilityUnit).
    address public immutable VOL_UNIT;
    /// @notice Strikes are multiples of this (1e18-scaled price).
    uint256 public immutable STRIKE_GRID;
    /// @notice Target call delta, 1e18 (0.10e18 for Ribbon's 10-delta calls).
    int256 public immutable CALL_DELTA;
    /// @notice Target put delta, 1e18, negative (-0.10e18).
    int256 public immutable PUT_DELTA;
    /// @notice N^-1(CALL_DELTA): the d1 of a call at the target delta (estimate only), 1e18.
    int256 public immutable CALL_D1;
    /// @notice N^-1(1 + PUT_DELTA): the d1 of a put at the target delta (estimate only), 1e18.
    int256 public immutable PUT_D1;
    /// @notice Oldest acceptable vol round, in seconds.
    uint256 public immutable MAX_VOL_AGE;
    /// @notice Annual continuously compounded rate used in the deltas, 1e18 = 100% (0: none).
    uint256 public immutable RATE;

    /// @param router The spot source (OracleRouter).
    /// @param volFeed The implied-volatility feed (a SignedPriceOracle whose QUOTE() is `volUnit`).
    /// @param volUnit The VolatilityUnit marker.
    /// @param strikeGrid Strike grid step, 1e18-scaled (>= 1e9, BlackScholes.MIN_SPOT).
    /// @param callDelta Target call delta in (0, 1e18).
    /// @param putDelta Target put delta in (-1e18, 0).
    /// @param callD1 N^-1(callDelta) in 1e18, |callD1| <= 6e18; N(callD1) within D1_TOLERANCE of callDelta.
    /// @param putD1 N^-1(1e18 + putDelta), same bounds.
    /// @param maxVolAge Oldest acceptable vol round, seconds (> 0).
    /// @param rate Annual rate, 1e18 = 100% (<= BlackScholes.MAX_RATE).
    constructor(
        IPriceOracle router,
        IPriceOracle volFeed,
        address volUnit,
        uint256 strikeGrid,
        int256 callDelta,
        int256 putDelta,
        int256 callD1,
        int256 putD1,
        uint256 maxVolAge,
        uint256 rate
    ) {
        if (address(router) == address(0)) revert InvalidConfig("router");
        (bool ok, bytes memory quoteAsset) = address(volFeed).staticcall(abi.encodeCall(VolatilityFeed.QUOTE, ()));
        if (volUnit == address(0) || !ok || quoteAsset.length != 32 || abi.decode(quoteAsset, (address)) != volUnit) {
            revert InvalidConfig("vol feed");
        }
        if (strikeGrid < BlackScholes.MIN_SPOT || strikeGrid > BlackScholes.MAX_SPOT) revert InvalidConfig("grid");
        if (callDelta <= 0 || callDelta >= int256(WAD)) revert InvalidConfig("call delta");
        if (putDelta <= -int256(WAD) || putDelta >= 0) revert InvalidConfig("put delta");
        if (!_isInverse(callD1, callDelta)) revert InvalidConfig("call d1");
        if (!_isInverse(putD1, putDelta + int256(WAD))) revert InvalidConfig("put d1");
        if (maxVolAge == 0) revert InvalidConfig("max vol age");
        if (rate > BlackScholes.MAX_RATE) revert InvalidConfig("rate");
        ROUTER = router;
        VOL_FEED = volFeed;
        VOL_UNIT = volUnit;
        STRIKE_GRID = strikeGrid;
        CALL_DELTA = callDelta;
        PUT_DELTA = putDelta;
        CALL_D1 = callD1;
        PUT_D1 = putD1;
        MAX_VOL_AGE = maxVolAge;
        RATE = rate;
    }

    /// @notice The strike for the next series (ThetaVault's IStrikeSelector).
    /// @param underlying The underlying (the vol feed's BASE).
    /// @param strikeAsset The strike asset.
    /// @param isPut True for puts.
    /// @return strike The listed strike whose delta is closest to the target, 1e18-scaled.
    function select(address underlying, address strikeAsset, bool isPut) external view returns (uint256 strike) {
        (strike,,,,) = quote(underlying, strikeAsset, isPut);
    }

    /// @notice The pick and everything it was made from (for keepers, the demo's summary and tests).
    /// @param underlying The underlying.
    /// @param strikeAsset The strike asset.
    /// @param isPut True for puts.
    /// @return strike The selected strike, 1e18.
    /// @return delta Its delta, 1e18 (negative for a put).
    /// @return spot The routed spot, 1e18.
    /// @return vol The vol used, 1e18 = 100%/yr.
    /// @return secondsToExpiry Time to the vault's next expiry.
    function quote(address underlying, address strikeAsset, bool isPut)
        public
        view
        returns (uint256 strike, int256 delta, uint256 spot, uint256 vol, uint256 secondsToExpiry)
    {
        (spot,) = ROUTER.getPrice(underlying, strikeAsset);
        vol = volatility(underlying);
        secondsToExpiry = nextExpiry() - block.timestamp;
        (strike, delta) = _pick(spot, vol, secondsToExpiry, isPut);
    }

    /// @notice The Black-Scholes value of one option (1e18 units) of the series a roll in this block writes (expiry
    ///         `nextExpiry()`), in its collateral asset, 1e18-scaled: for a call, the call price divided by spot
    ///         (underlying per option: a call vault's asset); for a put, the put price (strike asset per option).
    ///         Spot and vol are read and checked as in `quote`. Rounded up (a reserve price is a floor the seller
    ///         keeps). ThetaVault's reserve price for each epoch's auction (IOptionPricer).
    /// @param underlying The underlying.
    /// @param strikeAsset The strike asset.
    /// @param strike The strike, 1e18.
    /// @param isPut True for puts.
    /// @return value Collateral-asset value per option, 1e18-scaled.
    function premium(address underlying, address strikeAsset, uint256 strike, bool isPut)
        external
        view
        returns (uint256 value)
    {
        (uint256 spot,) = ROUTER.getPrice(underlying, strikeAsset);
        uint256 vol = volatility(underlying);
        uint256 t = nextExpiry() - block.timestamp;
        (uint256 price,) = BlackScholes.priceAndDelta(!isPut, spot, strike, t, vol, RATE);
        value = isPut ? price : (price * WAD + spot - 1) / spot;
    }

    /// @notice The vol feed's current value for `underlying`, checked: no older than MAX_VOL_AGE, within
    ///         [MIN_VOL, MAX_VOL].
    /// @param underlying The underlying.
    /// @return vol Annualised implied volatility, 1e18 = 100%.
    function volatility(address underlying) public view returns (uint256 vol) {
        uint256 updatedAt;
        (vol, updatedAt) = VOL_FEED.getPrice(underlying, VOL_UNIT);
        if (updatedAt < block.timestamp && block.timestamp - updatedAt > MAX_VOL_AGE) {
            revert VolatilityStale(updatedAt, MAX_VOL_AGE);
        }
        if (vol < MIN_VOL || vol > MAX_VOL) revert VolatilityOutOfBounds(vol, MIN_VOL, MAX_VOL);
    }

    /// @notice The expiry of the series a roll in this block writes: ThetaVault's rule.
    /// @return expiry The first Friday 08:00 UTC at least MIN_TIME_TO_EXPIRY after block.timestamp.
    function nextExpiry() public view returns (uint256 expiry) {
        uint256 now_ = block.timestamp;
        expiry = now_ - (now_ - EXPIRY_OFFSET) % WEEK + WEEK;
        if (expiry - now_ < MIN_TIME_TO_EXPIRY) expiry += WEEK;
    }

    /// @notice The listed strike with the delta closest to the target for the given inputs (no oracle reads).
    /// @param spot Spot, 1e18.
    /// @param vol Vol, 1e18 = 100%/yr (library domain).
    /// @param secondsToExpiry Time to expiry (> 0, library domain).
    /// @param isPut True for puts.
    /// @return strike The strike, 1e18.
    /// @return delta Its delta, 1e18.
    function pick(uint256 spot, uint256 vol, uint256 secondsToExpiry, bool isPut)
        external
        view
        returns (uint256 strike, int256 delta)
    {
        return _pick(spot, vol, secondsToExpiry, isPut);
    }

    // ------------------------------------------------------------------------------------------------------------

    /// @dev One search's inputs (a struct: the search keeps more values than the stack holds).
    struct Search {
        uint256 spot;
        uint256 vol;
        uint256 t;
        bool isPut;
        int256 target;
        uint256 grid;
    }

    function _pick(uint256 spot, uint256 vol, uint256 t, bool isPut) private view returns (uint256, int256) {
        BlackScholes.checkDomain(spot, spot, t, vol, RATE);
        Search memory q = Search(spot, vol, t, isPut, isPut ? PUT_DELTA : CALL_DELTA, STRIKE_GRID);
        uint256 first = (spot * MIN_STRIKE_BPS + BPS * q.grid - 1) / (BPS * q.grid); // ceil: >= 10% of spot
        uint256 last = spot * MAX_STRIKE_BPS / (BPS * q.grid); // floor: <= 1000% of spot
        if (last > BlackScholes.MAX_SPOT / q.grid) last = BlackScholes.MAX_SPOT / q.grid;
        if (first == 0) first = 1;
        if (first > last) revert NoListedStrike(spot);

        uint256 i = _estimate(spot, vol, t, isPut) / q.grid;
        if (i < first) i = first;
        if (i > last) i = last;
        int256 d = _delta(q, i);
        // Gallop away from i to a bracket [lo, hi]: delta(lo) >= target > delta(hi).
        uint256 lo;
        uint256 hi;
        int256 dLo;
        int256 dHi;
        if (d >= q.target) {
            (lo, dLo) = (i, d);
            for (uint256 step = 1; step < MAX_STEPS; ++step) {
                if (lo == last) return (lo * q.grid, dLo); // every listed strike's delta is >= target
                uint256 j = last - lo > (1 << step) / 2 ? lo + (1 << step) / 2 : last;
                d = _delta(q, j);
                if (d < q.target) {
                    (hi, dHi) = (j, d);
                    break;
                }
                (lo, dLo) = (j, d);
            }
        } else {
            (hi, dHi) = (i, d);
            for (uint256 step = 1; step < MAX_STEPS; ++step) {
                if (hi == first) return (hi * q.grid, dHi); // every listed strike's delta is < target
                uint256 j = hi - first > (1 << step) / 2 ? hi - (1 << step) / 2 : first;
                d = _delta(q, j);
                if (d >= q.target) {
                    (lo, dLo) = (j, d);
                    break;
                }
                (hi, dHi) = (j, d);
            }
        }
        // Bisect to adjacent indices (at most 255 halvings: the range is below 2^255).
        for (uint256 step; step < MAX_STEPS && hi - lo > 1; ++step) {
            uint256 mid = lo + (hi - lo) / 2;
            d = _delta(q, mid);
            if (d >= q.target) (lo, dLo) = (mid, d);
            else (hi, dHi) = (mid, d);
        }
        // A tie goes to the smaller |delta|: the higher strike for a call, the lower for a put.
        if (uint256(dLo - q.target) < uint256(q.target - dHi) || (dLo - q.target == q.target - dHi && isPut)) {
            return (lo * q.grid, dLo);
        }
        return (hi * q.grid, dHi);
    }

    /// @dev The strike whose delta is the target, K = S exp((r + s^2/2) T - z s sqrt(T)), from the d1 hint (1e18).
    function _estimate(uint256 spot, uint256 vol, uint256 t, bool isPut) private view returns (uint256) {
        uint256 s = vol * BlackScholes.sqrt(t * 1e36 / BlackScholes.YEAR) / WAD; // vol sqrt(T), <= 7.1e18
        int256 z = isPut ? PUT_D1 : CALL_D1;
        int256 x = int256((RATE * t) / BlackScholes.YEAR + (s * s) / (2 * WAD)) - (z * int256(s)) / int256(WAD);
        if (x > MAX_EXPONENT) x = MAX_EXPONENT;
        if (x < -MAX_EXPONENT) x = -MAX_EXPONENT;
        return spot * uint256(BlackScholes.expWad(x)) / WAD;
    }

    /// @dev The delta of the listed strike `index * grid`.
    function _delta(Search memory q, uint256 index) private view returns (int256 delta) {
        (, delta) = BlackScholes.priceAndDelta(!q.isPut, q.spot, index * q.grid, q.t, q.vol, RATE);
    }

    /// @dev Whether N(d1) is within D1_TOLERANCE of `p` (1e18), read from the library: with S = 1, vol = 100%, T = one
    ///      year and no rate, the call delta at K = exp(1/2 - d1) is N(d1).
    function _isInverse(int256 d1, int256 p) private pure returns (bool) {
        if (d1 > 6e18 || d1 < -6e18) return false;
        uint256 strike = uint256(BlackScholes.expWad(5e17 - d1));
        (, int256 n) = BlackScholes.priceAndDelta(true, WAD, strike, BlackScholes.YEAR, WAD, 0);
        return n - p <= int256(D1_TOLERANCE) && p - n <= int256(D1_TOLERANCE);
    }
}

/// @dev The one SignedPriceOracle getter the constructor reads.
interface VolatilityFeed {
    function QUOTE() external view returns (address);
}
