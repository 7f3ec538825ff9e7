// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IPyth} from "@pythnetwork/pyth-sdk-solidity/IPyth.sol";
import {PythStructs} from "@pythnetwork/pyth-sdk-solidity/PythStructs.sol";

import {PairOracle} from "./PairOracle.sol";

/// @title PythOracle
/// @notice One Pyth price feed (pull oracle) for one asset pair, as an ERC-7726 quote oracle. Prices are pushed by
///         anyone through `updatePrice`, which pays Pyth's update fee exactly and refunds the rest.
/// @dev Checks on every read: the price is positive; its publish time is at most `MAX_STALENESS` seconds old and at
///      most `MAX_AHEAD` seconds in the future (Pyth's clock can run ahead of the chain's); the confidence interval
///      is at most `MAX_CONF_WIDTH_BPS` of the price; the exponent is within [-36, 0].
/// @custom:invariants (1) getPrice returns floor(price * 10^(18 + expo)) exactly, within the checks above, never 0.
///                    (2) updatePrice never keeps ether: the fee goes to Pyth, the rest back to the caller.
///                    (3) Nothing in this contract's configuration changes after deployment.
contract PythOracle is PairOracle, ReentrancyGuardTransient {
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

    /// @notice A price update was paid for and forwarded to Pyth.
    /// @param payer Who paid.
    /// @param fee The update fee paid to Pyth.
    /// @param refund Ether returned to the payer.
    event PriceUpdatePaid(address indexed payer, uint256 fee, uint256 refund);

    /// @param pyth The Pyth contract.
    /// @param feedId Pyth price-feed id for base/quote.
    /// @param base The asset priced.
    /// @param quote The asset the price is expressed in.
    /// @param maxStaleness Oldest acceptable publish time, in seconds (> 0).
    /// @param maxAhead Furthest acceptable future publish time, in seconds.
    /// @param maxConfWidthBps Widest acceptable confidence interval, in basis points of the price (1..10,000).
    constructor(
        IPyth pyth,
        bytes32 feedId,
        address base,
        address quote,
        uint256 maxStaleness,
        uint256 maxAhead,
        uint256 maxConfWidthBps
    ) PairOracle(base, quote, MAX_PYTH_PRICE) {
        if (address(pyth) == address(0)) revert InvalidConfig("pyth");
        if (feedId == bytes32(0)) revert InvalidConfig("feedId");
        if (maxStaleness == 0) revert InvalidConfig("maxStaleness");
        if (maxConfWidthBps == 0 || maxConfWidthBps > 10_000) revert InvalidConfig("maxConfWidthBps");
        PYTH = pyth;
        FEED_ID = feedId;
        MAX_STALENESS = maxStaleness;
        MAX_AHEAD = maxAhead;
        MAX_CONF_WIDTH_BPS = maxConfWidthBps;
    }

    /// @notice Pushes Pyth price updates, paying Pyth's fee from `msg.value` and refunding the rest to the caller.
    /// @param updateData Pyth update payloads (from Hermes, or MockPyth in tests).
    function updatePrice(bytes[] calldata updateData) external payable nonReentrant {
        uint256 fee = PYTH.getUpdateFee(updateData);
        if (msg.value < fee) revert InsufficientFee(msg.value, fee);
        uint256 refund = msg.value - fee;
        emit PriceUpdatePaid(msg.sender, fee, refund);
        PYTH.updatePriceFeeds{value: fee}(updateData);
        if (refund > 0) {
            (bool ok,) = msg.sender.call{value: refund}("");
            if (!ok) revert RefundFailed(msg.sender, refund);
        }
    }

    /// @dev Pyth's latest price for FEED_ID, checked, scaled to 1e18.
    function _price() internal view override returns (uint256 price, uint256 updatedAt) {
        PythStructs.Price memory p = PYTH.getPriceUnsafe(FEED_ID);
        if (p.price <= 0) revert InvalidAnswer(p.price);
        updatedAt = p.publishTime;
        if (updatedAt > block.timestamp + MAX_AHEAD) revert PriceTooFarAhead(updatedAt, MAX_AHEAD);
        if (updatedAt + MAX_STALENESS < block.timestamp) revert StalePrice(updatedAt, MAX_STALENESS);
        if (uint256(p.conf) * 10_000 > uint256(uint64(p.price)) * MAX_CONF_WIDTH_BPS) {
            revert ConfidenceTooWide(p.conf, p.price, MAX_CONF_WIDTH_BPS);
        }
        if (p.expo < MIN_EXPONENT || p.expo > 0) revert InvalidExponent(p.expo);
        int32 shift = 18 + p.expo;
        uint256 raw = uint256(uint64(p.price));
        price = shift >= 0 ? raw * 10 ** uint32(shift) : raw / 10 ** uint32(-shift);
        if (price == 0) revert PriceBelowResolution(p.price, p.expo);
    }
}
