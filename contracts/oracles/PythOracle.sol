// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IPyth} from "@pythnetwork/pyth-sdk-solidity/IPyth.sol";
import {PythStructs} from "@pythnetwork/pyth-sdk-solidity/PythStructs.sol";

import {IExpiryPriceOracle} from "../interfaces/IExpiryPriceOracle.sol";
import {PairOracle} from "./PairOracle.sol";

/// @title PythOracle
/// @notice One Pyth price feed (pull oracle) for one asset pair, as an ERC-7726 quote oracle and as expiry evidence
///         (IExpiryPriceOracle). Anyone pushes a fresh price through `updatePrice` and records an expiry's price
///         through `recordExpiryPrice`; both pay Pyth's update fee exactly and refund the rest to the caller.
/// @dev The adapter reads only prices it stored itself. `updatePrice` forwards the payloads to Pyth, then copies
///      Pyth's newest price for FEED_ID, which must have been published at most MAX_UPDATE_LAG seconds before the
///      block (UpdateTooOld otherwise). `recordExpiryPrice` stores, once per expiry, the unique first price published
///      at or after the expiry (Pyth's parsePriceFeedUpdatesUnique over [expiry, expiry + MAX_EXPIRY_LAG]).
///      Checks on every read (getPrice, getQuote): the price is positive; its publish time is at most
///      `MAX_STALENESS` seconds old and at most `MAX_AHEAD` seconds in the future (Pyth's clock can run ahead of the
///      chain's); the confidence interval is at most `MAX_CONF_WIDTH_BPS` of the price; the exponent is within
///      [-36, 0]. An expiry price passes the same price checks when it is recorded.
///
///      Threat model.
///      - The updater (anyone who calls updatePrice, a keeper or a trader about to use the price) must never be
///        able to make the adapter answer a signed price older than MAX_UPDATE_LAG at the moment it was pushed
///        (finding L-1: before, any signed price inside the MAX_STALENESS window could be chosen). Pushing an old
///        price straight to Pyth does not help either: the adapter ignores Pyth's storage except right after an
///        update, under the same age rule. Remaining choice, stated: which of the prices Pyth published in the last
///        MAX_UPDATE_LAG seconds (one every ~400 ms) it pushes, and when it pushes (including not at all: the stored
///        price then ages and reads revert StalePrice after MAX_STALENESS).
///      - A front-runner of an update can only push a newer price first (Pyth and the adapter keep the newest); the
///        honest update then still succeeds and stores that newest price.
///      - A recorder or a front-runner of recordExpiryPrice chooses nothing: the only price Pyth accepts is the
///        first published at or after the expiry (its signed prevPublishTime is before the expiry); an update
///        published before the expiry or a later one is refused, and a recorded expiry price never changes. If that
///        price fails the adapter's checks, or none was published within MAX_EXPIRY_LAG (halted feed), the expiry
///        cannot be recorded here: the router uses its other source.
///      - A caller whose refund cannot be delivered (a contract rejecting ether) only fails its own call; it cannot
///        block anyone else's update or recording.
///      - The deployer fixes every parameter; nothing changes after deployment.
/// @custom:invariants (1) getPrice returns floor(price * 10^(18 + expo)) of the stored price exactly, within the
///                        checks above, never 0.
///                    (2) The stored price's publish time only increases, and every stored price was published at
///                        most MAX_UPDATE_LAG seconds before the block that stored it.
///                    (3) expiryPrice(e), once set, never changes; it was the unique first price published in
///                        [e, e + MAX_EXPIRY_LAG], and priceAt(e) returns it (updatedAt = its publish time >= e).
///                    (4) updatePrice and recordExpiryPrice never keep ether: the fee goes to Pyth, the rest back to
///                        the caller.
///                    (5) Nothing in this contract's configuration changes after deployment.
contract PythOracle is PairOracle, IExpiryPriceOracle, ReentrancyGuardTransient {
    /// @notice Lowest supported exponent (Pyth's exponents are small negatives, e.g. -8).
    int32 public constant MIN_EXPONENT = -36;
    /// @notice Largest 1e18-scaled price a Pyth answer can give (int64 max with exponent 0).
    uint256 public constant MAX_PYTH_PRICE = uint256(uint64(type(int64).max)) * 1e18;

    /// @notice The Pyth contract.
    IPyth public immutable PYTH;
    /// @notice The Pyth price-feed id for BASE/QUOTE.
    bytes32 public immutable FEED_ID;
    /// @notice Oldest acceptable publish time, in seconds before the block.
    uint256 public immutable MAX_STALENESS;
    /// @notice Furthest acceptable publish time, in seconds after the block.
    uint256 public immutable MAX_AHEAD;
    /// @notice Widest acceptable confidence interval, in basis points of the price.
    uint256 public immutable MAX_CONF_WIDTH_BPS;
    /// @notice Oldest publish time updatePrice stores, in seconds before the block (a few seconds: L-1).
    uint256 public immutable MAX_UPDATE_LAG;
    /// @notice Latest publish time after an expiry that recordExpiryPrice accepts, in seconds.
    uint256 public immutable MAX_EXPIRY_LAG;

    /// @notice A Pyth price as stored by the adapter (one slot).
    struct StoredPrice {
        int64 price;
        uint64 conf;
        int32 expo;
        uint64 publishTime;
    }

    /// @notice An expiry's recorded price (one slot).
    struct ExpiryPrice {
        uint128 price; // 1e18-scaled, <= MAX_PYTH_PRICE < 2^128
        uint64 publishTime;
    }

    /// @dev The newest price stored by updatePrice.
    StoredPrice internal _latest;
    /// @dev Recorded expiry prices, by expiry timestamp.
    mapping(uint256 expiry => ExpiryPrice) internal _expiryPrices;

    /// @notice The price is zero or negative.
    error InvalidAnswer(int64 price);
    /// @notice The publish time is older than MAX_STALENESS.
    error StalePrice(uint256 publishTime, uint256 maxStaleness);
    /// @notice The publish time is more than MAX_AHEAD in the future.
    error PriceTooFarAhead(uint256 publishTime, uint256 maxAhead);
    /// @notice The confidence interval is wider than MAX_CONF_WIDTH_BPS of the price.
    error ConfidenceTooWide(uint64 conf, int64 price, uint256 maxConfWidthBps);
    /// @notice The exponent is outside [-36, 0].
    error InvalidExponent(int32 expo);
    /// @notice The price is below 1e-18 (it scales to 0), which no quote can use.
    error PriceBelowResolution(int64 price, int32 expo);
    /// @notice Less ether was sent than Pyth's update fee.
    error InsufficientFee(uint256 paid, uint256 fee);
    /// @notice Returning the excess ether to the caller failed.
    error RefundFailed(address to, uint256 amount);
    /// @notice No price has been stored yet.
    error NoPrice();
    /// @notice After the update, Pyth's newest price was published more than MAX_UPDATE_LAG seconds ago.
    error UpdateTooOld(uint256 publishTime, uint256 maxUpdateLag);
    /// @notice The expiry has not passed yet (block.timestamp <= expiry).
    error ExpiryNotPassed(uint256 expiry);
    /// @notice This expiry's price is already recorded (it never changes).
    error ExpiryPriceAlreadyRecorded(uint256 expiry, uint256 publishTime);
    /// @notice No price is recorded for this expiry.
    error ExpiryPriceNotRecorded(uint256 expiry);
    /// @notice Pyth answered a publish time outside [expiry, expiry + MAX_EXPIRY_LAG].
    error ExpiryPriceOutOfRange(uint256 expiry, uint256 publishTime);
    /// @notice The expiry does not fit Pyth's 64-bit publish times.
    error ExpiryOutOfRange(uint256 expiry);

    /// @notice A price update was paid for and forwarded to Pyth.
    /// @param payer Who paid.
    /// @param fee The update fee paid to Pyth.
    /// @param refund Ether returned to the payer.
    event PriceUpdatePaid(address indexed payer, uint256 fee, uint256 refund);
    /// @notice The adapter stored a newer price.
    /// @param price Pyth price.
    /// @param conf Pyth confidence interval.
    /// @param expo Pyth exponent.
    /// @param publishTime Its publish time.
    event PriceStored(int64 price, uint64 conf, int32 expo, uint64 publishTime);
    /// @notice An expiry's price was recorded.
    /// @param expiry The expiry.
    /// @param recorder Who recorded it (and paid).
    /// @param price 1e18-scaled price.
    /// @param publishTime Its publish time (>= expiry).
    event ExpiryPriceRecorded(uint256 indexed expiry, address indexed recorder, uint256 price, uint256 publishTime);

    /// @param pyth The Pyth contract.
    /// @param feedId Pyth price-feed id for base/quote.
    /// @param base The asset priced.
    /// @param quote The asset the price is expressed in.
    /// @param maxStaleness Oldest acceptable publish time, in seconds (> 0).
    /// @param maxAhead Furthest acceptable future publish time, in seconds.
    /// @param maxConfWidthBps Widest acceptable confidence interval, in basis points of the price (1..10,000).
    /// @param maxUpdateLag Oldest publish time updatePrice stores, in seconds (1..maxStaleness; a few seconds).
    /// @param maxExpiryLag Latest publish time after an expiry recordExpiryPrice accepts, in seconds (> 0).
    constructor(
        IPyth pyth,
        bytes32 feedId,
        address base,
        address quote,
        uint256 maxStaleness,
        uint256 maxAhead,
        uint256 maxConfWidthBps,
        uint256 maxUpdateLag,
        uint256 maxExpiryLag
    ) PairOracle(base, quote, MAX_PYTH_PRICE) {
        if (address(pyth) == address(0)) revert InvalidConfig("pyth");
        if (feedId == bytes32(0)) revert InvalidConfig("feedId");
        if (maxStaleness == 0) revert InvalidConfig("maxStaleness");
        if (maxConfWidthBps == 0 || maxConfWidthBps > 10_000) revert InvalidConfig("maxConfWidthBps");
        if (maxUpdateLag == 0 || maxUpdateLag > maxStaleness) revert InvalidConfig("maxUpdateLag");
        if (maxExpiryLag == 0 || maxExpiryLag > type(uint32).max) revert InvalidConfig("maxExpiryLag");
        PYTH = pyth;
        FEED_ID = feedId;
        MAX_STALENESS = maxStaleness;
        MAX_AHEAD = maxAhead;
        MAX_CONF_WIDTH_BPS = maxConfWidthBps;
        MAX_UPDATE_LAG = maxUpdateLag;
        MAX_EXPIRY_LAG = maxExpiryLag;
    }

    /// @notice Pushes Pyth price updates, paying Pyth's fee from `msg.value` and refunding the rest to the caller,
    ///         then stores Pyth's newest price for FEED_ID if it is newer than the stored one.
    /// @dev Reverts UpdateTooOld unless Pyth's newest price (after the update) was published at most MAX_UPDATE_LAG
    ///      seconds before the block: nobody can make the adapter answer an older signed price they prefer.
    /// @param updateData Pyth update payloads (from Hermes, or MockPythFeeds in tests).
    function updatePrice(bytes[] calldata updateData) external payable nonReentrant {
        uint256 refund = _payFee(updateData);
        PYTH.updatePriceFeeds{value: msg.value - refund}(updateData);
        PythStructs.Price memory p = PYTH.getPriceUnsafe(FEED_ID);
        if (p.publishTime + MAX_UPDATE_LAG < block.timestamp) revert UpdateTooOld(p.publishTime, MAX_UPDATE_LAG);
        if (p.publishTime > _latest.publishTime) {
            uint64 publishTime = SafeCast.toUint64(p.publishTime);
            _latest = StoredPrice(p.price, p.conf, p.expo, publishTime);
            emit PriceStored(p.price, p.conf, p.expo, publishTime);
        }
        _refund(refund);
    }

    /// @notice Records `expiry`'s price: the first price Pyth published at or after it (within MAX_EXPIRY_LAG),
    ///         proven by Pyth's uniqueness check. Anyone can call it, once per expiry, after the expiry; it pays
    ///         Pyth's fee from `msg.value` and refunds the rest to the caller.
    /// @dev Reverts with Pyth's PriceFeedNotFoundWithinRange for any payload that is not that unique price, and
    ///      with this adapter's price checks (InvalidAnswer, ConfidenceTooWide, ...) if that price fails them.
    /// @param updateData Pyth update payloads holding the first price published at or after `expiry`.
    /// @param expiry The expiry timestamp.
    function recordExpiryPrice(bytes[] calldata updateData, uint256 expiry) external payable nonReentrant {
        if (block.timestamp <= expiry) revert ExpiryNotPassed(expiry);
        if (expiry + MAX_EXPIRY_LAG > type(uint64).max) revert ExpiryOutOfRange(expiry);
        uint64 recorded = _expiryPrices[expiry].publishTime;
        if (recorded != 0) revert ExpiryPriceAlreadyRecorded(expiry, recorded);
        uint256 refund = _payFee(updateData);
        bytes32[] memory ids = new bytes32[](1);
        ids[0] = FEED_ID;
        PythStructs.PriceFeed[] memory feeds = PYTH.parsePriceFeedUpdatesUnique{value: msg.value - refund}(
            updateData, ids, uint64(expiry), uint64(expiry + MAX_EXPIRY_LAG)
        );
        PythStructs.Price memory p = feeds[0].price;
        if (feeds[0].id != FEED_ID || p.publishTime < expiry || p.publishTime > expiry + MAX_EXPIRY_LAG) {
            revert ExpiryPriceOutOfRange(expiry, p.publishTime);
        }
        uint256 price = _scaled(p.price, p.conf, p.expo);
        _expiryPrices[expiry] = ExpiryPrice(uint128(price), uint64(p.publishTime));
        emit ExpiryPriceRecorded(expiry, msg.sender, price, p.publishTime);
        _refund(refund);
    }

    /// @inheritdoc IExpiryPriceOracle
    /// @dev The price recordExpiryPrice stored for `expiry`; `hint` is ignored (the answer needs none).
    function priceAt(address base, address quote, uint256 expiry, bytes calldata)
        external
        view
        returns (uint256 price, uint256 updatedAt)
    {
        if (base != BASE || quote != QUOTE) revert OracleUnsupportedPair(base, quote);
        if (block.timestamp <= expiry) revert ExpiryNotPassed(expiry);
        ExpiryPrice memory recorded = _expiryPrices[expiry];
        if (recorded.publishTime == 0) revert ExpiryPriceNotRecorded(expiry);
        return (recorded.price, recorded.publishTime);
    }

    /// @inheritdoc IExpiryPriceOracle
    /// @dev Always empty: priceAt needs no evidence locator (record the expiry price first).
    function expiryHint(address, address, uint256) external pure returns (bytes memory hint) {
        return hint;
    }

    /// @notice The price recorded for `expiry` (zeros when none).
    /// @param expiry The expiry timestamp.
    /// @return price 1e18-scaled price.
    /// @return publishTime Its publish time.
    function expiryPrice(uint256 expiry) external view returns (uint256 price, uint256 publishTime) {
        ExpiryPrice memory recorded = _expiryPrices[expiry];
        return (recorded.price, recorded.publishTime);
    }

    /// @notice The price stored by the last effective updatePrice, unchecked.
    /// @return stored Pyth's price, confidence, exponent and publish time.
    function latestStoredPrice() external view returns (StoredPrice memory stored) {
        return _latest;
    }

    /// @dev The stored price, checked, scaled to 1e18.
    function _price() internal view override returns (uint256 price, uint256 updatedAt) {
        StoredPrice memory p = _latest;
        if (p.publishTime == 0) revert NoPrice();
        updatedAt = p.publishTime;
        if (updatedAt > block.timestamp + MAX_AHEAD) revert PriceTooFarAhead(updatedAt, MAX_AHEAD);
        if (updatedAt + MAX_STALENESS < block.timestamp) revert StalePrice(updatedAt, MAX_STALENESS);
        price = _scaled(p.price, p.conf, p.expo);
    }

    /// @dev A Pyth price checked (positive, confidence, exponent) and scaled to 1e18, rounded down, never 0.
    function _scaled(int64 answer, uint64 conf, int32 expo) internal view returns (uint256 price) {
        if (answer <= 0) revert InvalidAnswer(answer);
        if (uint256(conf) * 10_000 > uint256(uint64(answer)) * MAX_CONF_WIDTH_BPS) {
            revert ConfidenceTooWide(conf, answer, MAX_CONF_WIDTH_BPS);
        }
        if (expo < MIN_EXPONENT || expo > 0) revert InvalidExponent(expo);
        int32 shift = 18 + expo;
        uint256 raw = uint256(uint64(answer));
        price = shift >= 0 ? raw * 10 ** uint32(shift) : raw / 10 ** uint32(-shift);
        if (price == 0) revert PriceBelowResolution(answer, expo);
    }

    /// @dev Checks msg.value against Pyth's fee for `updateData`, logs the payment, and returns the refund.
    function _payFee(bytes[] calldata updateData) internal returns (uint256 refund) {
        uint256 fee = PYTH.getUpdateFee(updateData);
        if (msg.value < fee) revert InsufficientFee(msg.value, fee);
        refund = msg.value - fee;
        emit PriceUpdatePaid(msg.sender, fee, refund);
    }

    /// @dev Returns `amount` to the caller. A caller that rejects it fails only its own call.
    function _refund(uint256 amount) internal {
        if (amount == 0) return;
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert RefundFailed(msg.sender, amount);
    }
}
