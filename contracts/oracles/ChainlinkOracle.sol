// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

import {IExpiryPriceOracle} from "../interfaces/IExpiryPriceOracle.sol";
import {PairOracle} from "./PairOracle.sol";

/// @title ChainlinkOracle
/// @notice One Chainlink price feed for one asset pair (`BASE` priced in `QUOTE`), as an ERC-7726 quote oracle, and
///         the feed's expiry evidence (IExpiryPriceOracle): the round that was current at an expiry, proven from its
///         round id. Configured once at deployment, immutable afterwards (Euler-style thin adapter).
/// @dev Spot reads (getPrice, getQuote) check: the answer is positive; it is no older than `MAX_STALENESS` seconds
///      (and not from the future); its 1e18-scaled price lies within [`MIN_PRICE`, `MAX_PRICE`] (a circuit breaker for
///      a feed stuck at its aggregator's minAnswer/maxAnswer); on an L2, the sequencer is up and has been up for
///      `GRACE_PERIOD`. Feed decimals (0-36) are read once at deployment; asset decimals likewise.
///
///      Expiry reads (priceAt): the hint is abi.encode(uint80 roundId) of a proxy round id (phase << 64 | aggregator
///      round). The round is the one current at `expiry` when: it exists, updatedAt <= expiry, answer > 0, every
///      round that can follow it and exists is dated after expiry (roundId + 1, and the next phase's first round
///      ((phase + 1) << 64 | 1) even when roundId + 1 exists: an old aggregator may keep reporting after the proxy
///      moved, so a round of a phase the proxy had already left before expiry is refused), and at least one of them
///      exists OR it is the proxy's latest round (then, since block.timestamp > expiry, no later round can ever be
///      dated <= expiry). A round "exists" when getRoundData neither reverts nor answers updatedAt == 0 (OCR2
///      aggregators answer zeros for unknown rounds, OCR1 ones revert). priceAt applies no staleness and no lag
///      tolerance (the OracleRouter applies its route's max_expiry_lag to updatedAt), and no sequencer check: rounds
///      are historical facts; a round frozen by an L2 sequencer outage keeps its old updatedAt, so the router's lag
///      tolerance refuses it instead. expiryHint finds the round with a bounded search: a binary search over the
///      latest phase's round ids (at most 64 probes), then, when the phase's first round is already after expiry, the
///      previous phases one by one (at most MAX_HINT_PHASES phases, each located with at most 194 probes). It returns
///      a round of the latest phase that has one dated at or before expiry, so every later phase's first round (if
///      any) is after expiry: the round priceAt accepts.
///
///      Threat model. Deployer: fixes feed, bounds and sequencer feed once; nothing is settable afterwards. Any caller
///      (a first recorder, a keeper, an attacker) chooses only the hint: a hint that does not name the round current
///      at expiry reverts with a named error, so no caller can pick an earlier (stale) or later (post-expiry) round,
///      and the answer does not depend on who calls or when. The feed's operators (Chainlink) are trusted for the
///      answers themselves; MIN_PRICE/MAX_PRICE bound what a broken feed can report. Phase switches: the round is
///      taken from the last phase with a round dated at or before expiry (the next phase's first round must be dated
///      after expiry), so an old aggregator that keeps reporting after the switch cannot offer a second round.
///      Residual: rounds of a phase two or more switches later dated at or before expiry (an aggregator that reported
///      before it was attached, while the phase in between started after expiry), or a phase with no rounds, are not
///      looked at; both are genuine Chainlink answers and the router's lag tolerance bounds them.
/// @custom:invariants (1) getPrice never returns a price outside [MIN_PRICE, MAX_PRICE] or older than MAX_STALENESS.
///                    (2) getPrice and priceAt return floor(answer * 1e18 / 10^FEED_DECIMALS) exactly.
///                    (3) getQuote rounds down once in both directions (PairOracle).
///                    (4) Nothing in this contract changes after deployment.
///                    (5) priceAt answers only after expiry, only with a round dated at or before expiry whose next
///                        round and next phase's first round, where they exist, are dated after it (or which is the
///                        latest), with a positive in-bounds answer: at most one round id satisfies this among
///                        consecutive phases that have rounds, whoever calls and whenever; expiryHint returns it.
contract ChainlinkOracle is PairOracle, IExpiryPriceOracle {
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
    /// @notice Most phases expiryHint searches (the latest one and the ones before it).
    uint256 public constant MAX_HINT_PHASES = 8;

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
    /// @notice An expiry price is asked for while block.timestamp <= expiry.
    error ExpiryNotPassed(uint256 expiry);
    /// @notice The hint is not abi.encode(uint80 roundId).
    error InvalidHint(bytes hint);
    /// @notice The hinted round does not exist (getRoundData reverted or answered updatedAt == 0).
    error RoundNotFound(uint80 roundId);
    /// @notice The hinted round was published after expiry.
    error RoundAfterExpiry(uint80 roundId, uint256 updatedAt, uint256 expiry);
    /// @notice The hinted round's next round is dated at or before expiry: that one (or a later one) was current.
    error RoundSuperseded(uint80 roundId, uint80 nextRoundId, uint256 nextUpdatedAt);
    /// @notice The hinted round has no next round (in its phase or the next phase) and is not the latest round.
    error NextRoundMissing(uint80 roundId, uint80 latestRoundId);
    /// @notice expiryHint found no round dated at or before expiry within its search bounds.
    error NoRoundAtExpiry(uint256 expiry);
    /// @notice A round lookup failed with at most 1/64 of its gas left: it may have been starved, so it proves nothing.
    error RoundLookupOutOfGas(uint80 roundId);

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

    /// @inheritdoc IExpiryPriceOracle
    /// @dev hint = abi.encode(uint80 roundId); see the contract header for the rule.
    function priceAt(address base, address quote, uint256 expiry, bytes calldata hint)
        external
        view
        returns (uint256 price, uint256 updatedAt)
    {
        if (base != BASE || quote != QUOTE) revert OracleUnsupportedPair(base, quote);
        if (block.timestamp <= expiry) revert ExpiryNotPassed(expiry);
        if (hint.length != 32 || uint256(bytes32(hint)) > type(uint80).max) revert InvalidHint(hint);
        uint80 roundId = uint80(uint256(bytes32(hint)));
        (bool exists, int256 answer, uint256 roundAt) = _round(roundId);
        if (!exists) revert RoundNotFound(roundId);
        if (roundAt > expiry) revert RoundAfterExpiry(roundId, roundAt, expiry);
        if (answer <= 0) revert InvalidAnswer(answer);
        _checkNextRound(roundId, expiry);
        price = _normalize(answer);
        if (price < MIN_PRICE || price > MAX_PRICE) revert PriceOutOfBounds(price, MIN_PRICE, MAX_PRICE);
        updatedAt = roundAt;
    }

    /// @inheritdoc IExpiryPriceOracle
    /// @dev Bounded: at most 65 probes in the latest phase, then at most MAX_HINT_PHASES - 1 earlier phases of at most
    ///      194 probes each. Meant for eth_call; reverts NoRoundAtExpiry when nothing within the bounds is dated at or
    ///      before expiry.
    function expiryHint(address base, address quote, uint256 expiry) external view returns (bytes memory hint) {
        if (base != BASE || quote != QUOTE) revert OracleUnsupportedPair(base, quote);
        (uint80 latest,,, uint256 latestAt,) = FEED.latestRoundData();
        if (latestAt != 0 && latestAt <= expiry) return abi.encode(latest);
        uint256 phase = uint256(latest) >> 64;
        uint256 last = uint64(latest);
        for (uint256 step; step < MAX_HINT_PHASES; ++step) {
            if (last != 0) {
                uint256 found = _lastRoundAtOrBefore(phase, last, expiry);
                if (found != 0) return abi.encode(uint80((phase << 64) | found));
            }
            if (phase == 0) break;
            --phase;
            last = _lastRoundOfPhase(phase);
        }
        revert NoRoundAtExpiry(expiry);
    }

    /// @dev Requires every round that can follow `roundId` and exists to be dated after expiry: roundId + 1 and the
    ///      next phase's first round ((phase + 1) << 64 | 1; checked even when roundId + 1 exists, since an old
    ///      aggregator may keep reporting after the proxy moved to the next phase); when neither exists, `roundId`
    ///      must be the proxy's latest round.
    function _checkNextRound(uint80 roundId, uint256 expiry) internal view {
        uint256 id = roundId;
        bool followed;
        if (uint64(id) != type(uint64).max) followed = _checkLater(roundId, uint80(id + 1), expiry);
        if ((id >> 64) < type(uint16).max && _checkLater(roundId, uint80((((id >> 64) + 1) << 64) | 1), expiry)) {
            followed = true;
        }
        if (followed) return;
        (uint80 latest,,,,) = FEED.latestRoundData();
        if (latest != roundId) revert NextRoundMissing(roundId, latest);
    }

    /// @dev Whether round `next` exists; reverts RoundSuperseded if it does and is dated at or before expiry.
    function _checkLater(uint80 roundId, uint80 next, uint256 expiry) internal view returns (bool exists) {
        uint256 nextAt;
        (exists,, nextAt) = _round(next);
        if (exists && nextAt <= expiry) revert RoundSuperseded(roundId, next, nextAt);
    }

    /// @dev Whether round `roundId` exists, and its answer and updatedAt; never reverts on a missing round.
    function _round(uint80 roundId) internal view returns (bool exists, int256 answer, uint256 updatedAt) {
        uint256 before = gasleft();
        try FEED.getRoundData(roundId) returns (uint80, int256 answer_, uint256, uint256 updatedAt_, uint80) {
            return (updatedAt_ != 0, answer_, updatedAt_);
        } catch {
            // A lookup that may have run out of the gas it was given (at most 1/64 of it is left) is no evidence
            // that the round is missing: a caller could otherwise starve one probe to skip a round.
            if (gasleft() <= before / 63) revert RoundLookupOutOfGas(roundId);
            return (false, 0, 0);
        }
    }

    /// @dev Whether round `round` of `phase` exists and is dated at or before `expiry`.
    function _atOrBefore(uint256 phase, uint256 round, uint256 expiry) internal view returns (bool) {
        (bool exists,, uint256 updatedAt) = _round(uint80((phase << 64) | round));
        return exists && updatedAt <= expiry;
    }

    /// @dev The largest aggregator round in [1, last] of `phase` dated at or before expiry (rounds are dated in
    ///      order), or 0 if none. At most 65 probes: last < 2^64.
    function _lastRoundAtOrBefore(uint256 phase, uint256 last, uint256 expiry) internal view returns (uint256) {
        if (_atOrBefore(phase, last, expiry)) return last;
        uint256 lo; // 0, or a round dated at or before expiry
        uint256 hi = last - 1; // the answer is in [lo, hi]
        while (lo < hi) {
            uint256 mid = (lo + hi + 1) / 2;
            if (_atOrBefore(phase, mid, expiry)) lo = mid;
            else hi = mid - 1;
        }
        return lo;
    }

    /// @dev The last existing aggregator round of `phase` (rounds 1..n exist), or 0 if it has none: a doubling search
    ///      then a binary search, at most 128 probes.
    function _lastRoundOfPhase(uint256 phase) internal view returns (uint256) {
        if (!_exists(phase, 1)) return 0;
        uint256 lo = 1; // exists
        uint256 hi = 2; // candidate upper bound
        while (hi <= type(uint64).max && _exists(phase, hi)) {
            lo = hi;
            hi *= 2;
        }
        if (hi > type(uint64).max) hi = uint256(type(uint64).max) + 1;
        // lo exists, hi does not (or is beyond the phase's id space): find the last existing one in [lo, hi).
        while (hi - lo > 1) {
            uint256 mid = (lo + hi) / 2;
            if (_exists(phase, mid)) lo = mid;
            else hi = mid;
        }
        return lo;
    }

    function _exists(uint256 phase, uint256 round) internal view returns (bool exists) {
        (exists,,) = _round(uint80((phase << 64) | round));
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
