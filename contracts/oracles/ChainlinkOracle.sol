// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

import {PairOracle} from "./PairOracle.sol";

/// @title ChainlinkOracle
/// @notice One Chainlink price feed for one asset pair (`BASE` priced in `QUOTE`), as an ERC-7726 quote oracle.
///         Configured once at deployment, immutable afterwards (Euler-style thin adapter).
/// @dev Checks on every read: the answer is positive; it is no older than `MAX_STALENESS` seconds (and not from the
///      future); its 1e18-scaled price lies within [`MIN_PRICE`, `MAX_PRICE`] (a circuit breaker for a feed stuck at
///      its aggregator's minAnswer/maxAnswer); on an L2, the sequencer is up and has been up for `GRACE_PERIOD`.
///      Feed decimals (0-36) are read once at deployment; asset decimals likewise.
/// @custom:invariants (1) getPrice never returns a price outside [MIN_PRICE, MAX_PRICE] or older than MAX_STALENESS.
///                    (2) getPrice returns floor(answer * 1e18 / 10^FEED_DECIMALS) exactly.
///                    (3) getQuote rounds down once in both directions (PairOracle).
///                    (4) Nothing in this contract changes after deployment.
contract ChainlinkOracle is PairOracle {
    /// @notice Largest feed decimals supported (prices are normalized to 1e18 without overflow up to here).
    uint8 public constant MAX_FEED_DECIMALS = 36;

    /// @notice The Chainlink feed (BASE/QUOTE).
    AggregatorV3Interface public immutable FEED;
    /// @notice Decimals of the feed's answers.
    uint8 public immutable FEED_DECIMALS;
    /// @notice Oldest acceptable answer, in seconds.
    uint256 public immutable MAX_STALENESS;
    /// @notice Lowest acceptable 1e18-scaled price (circuit breaker).
    uint256 public immutable MIN_PRICE;
    /// @notice Highest acceptable 1e18-scaled price (circuit breaker).
    uint256 public immutable MAX_PRICE;
    /// @notice L2 sequencer-uptime feed, or address(0) on L1.
    AggregatorV3Interface public immutable SEQUENCER_FEED;
    /// @notice Seconds the sequencer must have been up before prices are trusted again.
    uint256 public immutable GRACE_PERIOD;

    /// @notice The feed answered zero or a negative number.
    error InvalidAnswer(int256 answer);
    /// @notice The answer cannot be scaled to 1e18 within 256 bits: no real price, a broken feed.
    error AnswerOverflow(int256 answer, uint8 feedDecimals);
    /// @notice The answer is older than MAX_STALENESS (or dated in the future).
    error StalePrice(uint256 updatedAt, uint256 maxStaleness);
    /// @notice The price is outside [MIN_PRICE, MAX_PRICE]: the feed may be stuck at its aggregator's bounds.
    error PriceOutOfBounds(uint256 price, uint256 minPrice, uint256 maxPrice);
    /// @notice The L2 sequencer is down.
    error SequencerDown();
    /// @notice The L2 sequencer came back up at `upSince`; prices are trusted again after the grace period.
    error SequencerGracePeriod(uint256 upSince, uint256 gracePeriod);

    /// @param base The asset priced (an ERC-20 with decimals).
    /// @param quote The asset the price is expressed in (an ERC-20 with decimals).
    /// @param feed Chainlink feed for base/quote.
    /// @param maxStaleness Oldest acceptable answer, in seconds (> 0).
    /// @param minPrice Lowest acceptable 1e18-scaled price (> 0).
    /// @param maxPrice Highest acceptable 1e18-scaled price (>= minPrice).
    /// @param sequencerFeed L2 sequencer-uptime feed, or address(0) on L1.
    /// @param gracePeriod Seconds after a sequencer restart before prices are trusted (ignored on L1).
    constructor(
        address base,
        address quote,
        AggregatorV3Interface feed,
        uint256 maxStaleness,
        uint256 minPrice,
        uint256 maxPrice,
        AggregatorV3Interface sequencerFeed,
        uint256 gracePeriod
    ) PairOracle(base, quote, maxPrice) {
        if (address(feed) == address(0)) revert InvalidConfig("feed");
        if (maxStaleness == 0) revert InvalidConfig("maxStaleness");
        if (minPrice == 0 || maxPrice < minPrice) revert InvalidConfig("minPrice/maxPrice");
        uint8 feedDecimals = feed.decimals();
        if (feedDecimals > MAX_FEED_DECIMALS) revert InvalidConfig("feed decimals > 36");
        FEED = feed;
        FEED_DECIMALS = feedDecimals;
        MAX_STALENESS = maxStaleness;
        MIN_PRICE = minPrice;
        MAX_PRICE = maxPrice;
        SEQUENCER_FEED = sequencerFeed;
        GRACE_PERIOD = gracePeriod;
    }

    /// @dev The sequencer (on L2), then the answer: positive, fresh, scaled to 1e18, within the circuit breaker.
    function _price() internal view override returns (uint256 price, uint256 updatedAt) {
        if (address(SEQUENCER_FEED) != address(0)) _checkSequencer();
        int256 answer;
        (, answer,, updatedAt,) = FEED.latestRoundData();
        if (answer <= 0) revert InvalidAnswer(answer);
        if (updatedAt > block.timestamp || block.timestamp - updatedAt > MAX_STALENESS) {
            revert StalePrice(updatedAt, MAX_STALENESS);
        }
        price = _normalize(answer);
        if (price < MIN_PRICE || price > MAX_PRICE) revert PriceOutOfBounds(price, MIN_PRICE, MAX_PRICE);
    }

    function _normalize(int256 answer) internal view returns (uint256) {
        uint256 raw = uint256(answer); // answer > 0 was checked
        if (FEED_DECIMALS > 18) return raw / 10 ** (FEED_DECIMALS - 18);
        uint256 scale = 10 ** (18 - FEED_DECIMALS);
        if (raw > type(uint256).max / scale) revert AnswerOverflow(answer, FEED_DECIMALS);
        return raw * scale;
    }

    function _checkSequencer() internal view {
        (, int256 status, uint256 startedAt,,) = SEQUENCER_FEED.latestRoundData();
        // 0 = up, 1 = down; a round that never started (startedAt == 0) is not evidence of uptime.
        if (status != 0 || startedAt == 0) revert SequencerDown();
        if (block.timestamp - startedAt <= GRACE_PERIOD) revert SequencerGracePeriod(startedAt, GRACE_PERIOD);
    }
}
