// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IOracleRouter} from "../interfaces/IOracleRouter.sol";
import {OptionToken} from "./OptionToken.sol";

/// @title OptionsEngine
/// @notice Fully collateralized, cash-settled European options. A series (underlying, strike asset, strike, expiry,
///         call or put) is created by the series creator role with validated parameters; anyone may then write it:
///         calls are collateralized in the underlying (one whole unit per option), puts in the strike asset (the
///         strike per option). At expiry the series settles on the OracleRouter's final expiry price: holders redeem
///         max(0, S - K) per call, paid in the underlying (q * (S - K) / S), and max(0, K - S) per put, paid in the
///         strike asset; writers reclaim the rest. Before expiry a writer may burn options it holds to release
///         their collateral.
/// @dev Amounts of options are 1e18-scaled (1e18 = one whole underlying unit); strikes and prices are 1e18-scaled
///      prices of one whole underlying in whole strike asset. Rounding is always against the claimant: collateral
///      in rounds up, collateral back and payouts round down, and a writer's reserve for holders rounds up, so the
///      sum of payouts never exceeds the collateral.
/// @custom:invariants (1) For each series, payouts and reclaims paid never exceed the collateral deposited minus the
///                        collateral released by burns; the engine's balance of each asset covers every series' rest.
///                    (2) A holder's payout per option is at most the collateral per option (one underlying unit for a
///                        call, K for a put).
///                    (3) A series settles once, at or after expiry, on a final router price; it never changes after.
///                    (4) Options are minted only against collateral received in the same call; totalSupply of a
///                        series' token equals options written minus options burned or redeemed.
///                    (5) Expiries fall on Fridays 08:00 UTC; strikes lie within [MIN_STRIKE_BPS, MAX_STRIKE_BPS] of
///                        the routed spot at creation.
contract OptionsEngine is AccessControl, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice May create series (the vault, or governance).
    bytes32 public constant SERIES_CREATOR_ROLE = keccak256("SERIES_CREATOR_ROLE");
    /// @notice Expiries are Fridays 08:00 UTC: 1970-01-02 (a Friday) 08:00 modulo one week.
    uint256 public constant EXPIRY_OFFSET = 1 days + 8 hours;
    /// @notice Furthest expiry accepted at creation.
    uint256 public constant MAX_EXPIRY_HORIZON = 366 days;
    /// @notice Lowest strike, in basis points of the routed spot at creation.
    uint256 public constant MIN_STRIKE_BPS = 1000;
    /// @notice Highest strike, in basis points of the routed spot at creation.
    uint256 public constant MAX_STRIKE_BPS = 100_000;
    /// @notice Highest strike accepted (1e18-scaled): keeps strike * 10^decimals below 2^256.
    uint256 public constant MAX_STRIKE = 1e36;
    /// @notice Assets with more decimals are refused (keeps every product below 2^256).
    uint8 public constant MAX_DECIMALS = 36;

    /// @notice The price source: routed spot prices and final expiry prices.
    IOracleRouter public immutable ROUTER;
    /// @notice The OptionToken implementation every series clones.
    address public immutable TOKEN_IMPLEMENTATION;

    struct Series {
        address underlying;
        address strikeAsset;
        uint64 expiry;
        bool isPut;
        bool settled;
        uint8 underlyingDecimals;
        uint8 strikeDecimals;
        uint256 strike;
        uint256 settlementPrice;
    }

    /// @notice Every series, by id (1-based).
    mapping(uint256 => Series) public series;
    /// @notice The id of a series by its parameters' hash (0: none).
    mapping(bytes32 => uint256) public seriesIdOf;
    /// @notice How many series exist.
    uint256 public seriesCount;

    /// @dev A writer's position in a series: options written and not burned, collateral deposited and not released.
    struct Position {
        uint128 written;
        uint128 collateral;
    }

    /// @dev Positions per series and writer (one storage slot each).
    mapping(uint256 => mapping(address => Position)) internal _positions;
    /// @notice Collateral held for each series (all writers), not yet paid out or returned.
    mapping(uint256 => uint256) public seriesCollateral;

    event SeriesCreated(
        uint256 indexed seriesId,
        address indexed underlying,
        address indexed strikeAsset,
        uint256 strike,
        uint64 expiry,
        bool isPut,
        address token
    );
    event OptionsWritten(
        uint256 indexed seriesId, address indexed writer, address indexed to, uint256 amount, uint256 collateral
    );
    event OptionsBurned(uint256 indexed seriesId, address indexed writer, uint256 amount, uint256 collateralReleased);
    event SeriesSettled(uint256 indexed seriesId, uint256 settlementPrice);
    event OptionsRedeemed(uint256 indexed seriesId, address indexed holder, uint256 amount, uint256 payout);
    event CollateralReclaimed(uint256 indexed seriesId, address indexed writer, uint256 written, uint256 collateral);

    error InvalidConfig(string reason);
    error InvalidExpiry(uint256 expiry);
    error StrikeOutOfBounds(uint256 strike, uint256 spot);
    error UnsupportedAsset(address asset);
    error SeriesExists(uint256 seriesId);
    error UnknownSeries(uint256 seriesId);
    error SeriesExpired(uint256 seriesId, uint256 expiry);
    error SeriesNotExpired(uint256 seriesId, uint256 expiry);
    error SettlementPriceNotFinal(uint256 seriesId);
    error SeriesNotSettled(uint256 seriesId);
    error AlreadySettled(uint256 seriesId);
    error ZeroAmount();
    error InsufficientWritten(uint256 written, uint256 amount);
    error NothingToReclaim(uint256 seriesId, address writer);

    /// @param router The OracleRouter (spot and final expiry prices).
    /// @param admin The admin of roles: a timelock.
    constructor(IOracleRouter router, address admin) {
        if (address(router) == address(0)) revert InvalidConfig("router");
        if (admin == address(0)) revert InvalidConfig("admin");
        ROUTER = router;
        TOKEN_IMPLEMENTATION = address(new OptionToken());
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ---------------------------------------------------------------------------------------------- series

    /// @notice Creates a series and its option token. Series creator role only.
    /// @param underlying The asset the option is on (ERC-20, decimals <= 36).
    /// @param strikeAsset The asset strikes and put collateral are in (ERC-20, decimals <= 36).
    /// @param strike 1e18-scaled price of one whole underlying in whole strike asset.
    /// @param expiry A Friday 08:00 UTC in the future, at most MAX_EXPIRY_HORIZON ahead.
    /// @param isPut True for a put, false for a call.
    /// @return seriesId The new series' id.
    function createSeries(address underlying, address strikeAsset, uint256 strike, uint64 expiry, bool isPut)
        external
        onlyRole(SERIES_CREATOR_ROLE)
        returns (uint256 seriesId)
    {
        if (expiry <= block.timestamp || expiry > block.timestamp + MAX_EXPIRY_HORIZON) {
            revert InvalidExpiry(expiry);
        }
        if (expiry % 1 weeks != EXPIRY_OFFSET) revert InvalidExpiry(expiry);
        bytes32 key = keccak256(abi.encode(underlying, strikeAsset, strike, expiry, isPut));
        if (seriesIdOf[key] != 0) revert SeriesExists(seriesIdOf[key]);
        uint8 underlyingDecimals = _decimals(underlying);
        uint8 strikeDecimals = _decimals(strikeAsset);
        (uint256 spot,) = ROUTER.getPrice(underlying, strikeAsset);
        if (
            strike == 0 || strike > MAX_STRIKE || strike * 10_000 < spot * MIN_STRIKE_BPS
                || strike * 10_000 > spot * MAX_STRIKE_BPS
        ) {
            revert StrikeOutOfBounds(strike, spot);
        }

        seriesId = ++seriesCount;
        // CREATE2 with the series id as salt: the token's address is derived, never stored (tokenOf).
        OptionToken token = OptionToken(
            Clones.cloneDeterministicWithImmutableArgs(
                TOKEN_IMPLEMENTATION, abi.encode(seriesId, isPut), bytes32(seriesId)
            )
        );
        seriesIdOf[key] = seriesId;
        series[seriesId] = Series({
            underlying: underlying,
            strikeAsset: strikeAsset,
            expiry: expiry,
            isPut: isPut,
            settled: false,
            underlyingDecimals: underlyingDecimals,
            strikeDecimals: strikeDecimals,
            strike: strike,
            settlementPrice: 0
        });
        emit SeriesCreated(seriesId, underlying, strikeAsset, strike, expiry, isPut, address(token));
    }

    // ---------------------------------------------------------------------------------------------- writing

    /// @notice Writes `amount` options of a series: takes their full collateral from the caller and mints the options
    ///         to `to`. Collateral is rounded up.
    /// @param seriesId The series.
    /// @param amount Options (1e18 = one whole underlying).
    /// @param to Recipient of the options.
    /// @return collateral Collateral taken (underlying for a call, strike asset for a put).
    function write(uint256 seriesId, uint256 amount, address to) external nonReentrant returns (uint256 collateral) {
        Series storage s = _series(seriesId);
        if (block.timestamp >= s.expiry) revert SeriesExpired(seriesId, s.expiry);
        if (amount == 0) revert ZeroAmount();
        collateral = collateralFor(seriesId, amount);
        if (collateral == 0) revert ZeroAmount();
        Position storage p = _positions[seriesId][msg.sender];
        (p.written, p.collateral) =
        (SafeCast.toUint128(p.written + amount), SafeCast.toUint128(p.collateral + collateral));
        seriesCollateral[seriesId] += collateral;
        IERC20(_collateralAsset(s)).safeTransferFrom(msg.sender, address(this), collateral);
        _token(seriesId, s).mint(to, amount);
        emit OptionsWritten(seriesId, msg.sender, to, amount, collateral);
    }

    /// @notice Burns `amount` options the caller wrote and holds, before expiry, releasing their share of the
    ///         caller's collateral (rounded down).
    /// @param seriesId The series.
    /// @param amount Options to burn.
    /// @return released Collateral returned.
    function burn(uint256 seriesId, uint256 amount) external nonReentrant returns (uint256 released) {
        Series storage s = _series(seriesId);
        if (block.timestamp >= s.expiry) revert SeriesExpired(seriesId, s.expiry);
        if (amount == 0) revert ZeroAmount();
        Position storage p = _positions[seriesId][msg.sender];
        uint256 writtenBy = p.written;
        if (amount > writtenBy) revert InsufficientWritten(writtenBy, amount);
        released = Math.mulDiv(p.collateral, amount, writtenBy);
        (p.written, p.collateral) = (uint128(writtenBy - amount), uint128(p.collateral - released));
        seriesCollateral[seriesId] -= released;
        _token(seriesId, s).burn(msg.sender, amount);
        IERC20(_collateralAsset(s)).safeTransfer(msg.sender, released);
        emit OptionsBurned(seriesId, msg.sender, amount, released);
    }

    // ---------------------------------------------------------------------------------------------- settlement

    /// @notice Fixes the settlement price of an expired series from the router's final expiry price. Anyone, once.
    /// @param seriesId The series.
    /// @return price The settlement price.
    function settle(uint256 seriesId) external returns (uint256 price) {
        Series storage s = _series(seriesId);
        if (s.settled) revert AlreadySettled(seriesId);
        if (block.timestamp < s.expiry) revert SeriesNotExpired(seriesId, s.expiry);
        if (!ROUTER.is_expiry_price_final(s.underlying, s.strikeAsset, s.expiry)) {
            revert SettlementPriceNotFinal(seriesId);
        }
        price = ROUTER.expiry_price(s.underlying, s.strikeAsset, s.expiry);
        s.settled = true;
        s.settlementPrice = price;
        emit SeriesSettled(seriesId, price);
    }

    /// @notice Redeems `amount` options of a settled series for their payout (rounded down); worthless options are
    ///         burned for nothing.
    /// @param seriesId The series.
    /// @param amount Options to redeem.
    /// @return payout Paid to the caller (underlying for a call, strike asset for a put).
    function redeem(uint256 seriesId, uint256 amount) external nonReentrant returns (uint256 payout) {
        Series storage s = _settled(seriesId);
        if (amount == 0) revert ZeroAmount();
        payout = _payout(s, amount, Math.Rounding.Floor);
        seriesCollateral[seriesId] -= payout;
        _token(seriesId, s).burn(msg.sender, amount);
        if (payout > 0) IERC20(_collateralAsset(s)).safeTransfer(msg.sender, payout);
        emit OptionsRedeemed(seriesId, msg.sender, amount, payout);
    }

    /// @notice Returns a writer's collateral left after reserving the payout of every option it wrote (reserve
    ///         rounded up).
    /// @param seriesId The series.
    /// @return amount Collateral returned to the caller.
    function reclaim(uint256 seriesId) external nonReentrant returns (uint256 amount) {
        Series storage s = _settled(seriesId);
        Position memory p = _positions[seriesId][msg.sender];
        uint256 writtenBy = p.written;
        uint256 deposited = p.collateral;
        if (deposited == 0) revert NothingToReclaim(seriesId, msg.sender);
        amount = deposited - Math.min(deposited, _payout(s, writtenBy, Math.Rounding.Ceil));
        delete _positions[seriesId][msg.sender];
        seriesCollateral[seriesId] -= amount;
        if (amount > 0) IERC20(_collateralAsset(s)).safeTransfer(msg.sender, amount);
        emit CollateralReclaimed(seriesId, msg.sender, writtenBy, amount);
    }

    // ---------------------------------------------------------------------------------------------- views

    /// @notice Collateral required to write `amount` options (rounded up).
    /// @param seriesId The series.
    /// @param amount Options.
    /// @return Collateral in the series' collateral asset.
    function collateralFor(uint256 seriesId, uint256 amount) public view returns (uint256) {
        Series storage s = _series(seriesId);
        if (s.isPut) return Math.mulDiv(amount, s.strike * 10 ** s.strikeDecimals, 1e36, Math.Rounding.Ceil);
        return Math.mulDiv(amount, 10 ** s.underlyingDecimals, 1e18, Math.Rounding.Ceil);
    }

    /// @notice What `amount` options of a settled series pay (rounded down).
    /// @param seriesId The series.
    /// @param amount Options.
    /// @return Payout in the series' collateral asset.
    function payoutFor(uint256 seriesId, uint256 amount) external view returns (uint256) {
        return _payout(_settled(seriesId), amount, Math.Rounding.Floor);
    }

    /// @notice The asset a series is collateralized and paid in.
    /// @param seriesId The series.
    /// @return The underlying for a call, the strike asset for a put.
    function collateralAsset(uint256 seriesId) external view returns (address) {
        return _collateralAsset(_series(seriesId));
    }

    /// @notice Options `writer` wrote in a series and has not burned.
    /// @param seriesId The series.
    /// @param writer The writer.
    /// @return Options (1e18 = one whole underlying).
    function written(uint256 seriesId, address writer) external view returns (uint256) {
        return _positions[seriesId][writer].written;
    }

    /// @notice Collateral `writer` deposited in a series and has not had released.
    /// @param seriesId The series.
    /// @param writer The writer.
    /// @return Collateral in the series' collateral asset.
    function collateralOf(uint256 seriesId, address writer) external view returns (uint256) {
        return _positions[seriesId][writer].collateral;
    }

    /// @notice Whether a series has settled.
    /// @param seriesId The series.
    /// @return True once `settle` ran.
    function isSettled(uint256 seriesId) external view returns (bool) {
        return _series(seriesId).settled;
    }

    /// @notice The option token of a series.
    /// @param seriesId The series.
    /// @return The ERC-20.
    function tokenOf(uint256 seriesId) external view returns (address) {
        return address(_token(seriesId, _series(seriesId)));
    }

    // ---------------------------------------------------------------------------------------------- internals

    function _payout(Series storage s, uint256 amount, Math.Rounding rounding) internal view returns (uint256) {
        uint256 price = s.settlementPrice;
        uint256 strike = s.strike;
        if (s.isPut) {
            if (price >= strike) return 0;
            return Math.mulDiv(amount, (strike - price) * 10 ** s.strikeDecimals, 1e36, rounding);
        }
        if (price <= strike) return 0;
        // q * (S - K) / S whole underlying units: the call's intrinsic value, paid in the underlying.
        return Math.mulDiv(amount, (price - strike) * 10 ** s.underlyingDecimals, price * 1e18, rounding);
    }

    function _series(uint256 seriesId) internal view returns (Series storage s) {
        s = series[seriesId];
        if (s.underlying == address(0)) revert UnknownSeries(seriesId);
    }

    function _token(uint256 seriesId, Series storage s) internal view returns (OptionToken) {
        return OptionToken(
            Clones.predictDeterministicAddressWithImmutableArgs(
                TOKEN_IMPLEMENTATION, abi.encode(seriesId, s.isPut), bytes32(seriesId), address(this)
            )
        );
    }

    function _settled(uint256 seriesId) internal view returns (Series storage s) {
        s = _series(seriesId);
        if (!s.settled) revert SeriesNotSettled(seriesId);
    }

    function _collateralAsset(Series storage s) internal view returns (address) {
        return s.isPut ? s.strikeAsset : s.underlying;
    }

    function _decimals(address asset) internal view returns (uint8 decimals) {
        if (asset == address(0) || asset.code.length == 0) revert UnsupportedAsset(asset);
        decimals = IERC20Metadata(asset).decimals();
        if (decimals > MAX_DECIMALS) revert UnsupportedAsset(asset);
    }
}
