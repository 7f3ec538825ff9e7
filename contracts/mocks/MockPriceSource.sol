// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IExpiryPriceOracle} from "../interfaces/IExpiryPriceOracle.sol";
import {IERC7726, IPriceOracle} from "../interfaces/IPriceOracle.sol";

/// @title MockPriceSource
/// @notice TEST ONLY. An IPriceOracle whose price, timestamp and failure are set directly: the router's sources in
///         unit tests and fuzzing. Every `set` is kept as a round (round id 1, 2, ...) and proves expiry prices with
///         Chainlink's rule (IExpiryPriceOracle): hint = abi.encode(uint256 roundId); the round is dated at or before
///         expiry with a non-zero price, and either round roundId + 1 is dated after expiry or roundId is the latest.
///         While `down`, every read reverts.
contract MockPriceSource is IPriceOracle, IExpiryPriceOracle {
    /// @notice The source is set to fail.
    error SourceDown();
    /// @notice An expiry price is asked for while block.timestamp <= expiry.
    error ExpiryNotPassed(uint256 expiry);
    /// @notice The hint is not abi.encode(uint256 roundId) of an existing round.
    error InvalidHint(bytes hint);
    /// @notice The hinted round is dated after expiry.
    error RoundAfterExpiry(uint256 roundId, uint256 updatedAt, uint256 expiry);
    /// @notice The hinted round's next round is dated at or before expiry.
    error RoundSuperseded(uint256 roundId, uint256 nextUpdatedAt);
    /// @notice The hinted round's price is zero (no usable answer).
    error ZeroPrice(uint256 roundId);
    /// @notice expiryHint found no round dated at or before expiry.
    error NoRoundAtExpiry(uint256 expiry);

    struct Round {
        uint256 price;
        uint256 updatedAt;
    }

    /// @notice Most rounds expiryHint scans back from the latest.
    uint256 public constant MAX_SCAN = 1024;

    Round[] internal _rounds;
    bool public down;

    /// @notice Sets the answer: a new round.
    /// @param price_ 1e18-scaled price.
    /// @param updatedAt_ Its timestamp.
    function set(uint256 price_, uint256 updatedAt_) external {
        _rounds.push(Round(price_, updatedAt_));
    }

    /// @notice Makes every read revert (or work again).
    /// @param down_ True to fail.
    function setDown(bool down_) external {
        down = down_;
    }

    /// @notice The latest price (0 before the first set).
    function price() public view returns (uint256) {
        return _rounds.length == 0 ? 0 : _rounds[_rounds.length - 1].price;
    }

    /// @notice The latest timestamp (0 before the first set).
    function updatedAt() public view returns (uint256) {
        return _rounds.length == 0 ? 0 : _rounds[_rounds.length - 1].updatedAt;
    }

    /// @notice How many rounds were set (the latest round's id).
    function roundCount() external view returns (uint256) {
        return _rounds.length;
    }

    /// @notice Round `roundId` (1-based): its price and timestamp.
    /// @param roundId The round id.
    function rounds(uint256 roundId) external view returns (uint256, uint256) {
        Round memory round = _rounds[roundId - 1];
        return (round.price, round.updatedAt);
    }

    /// @inheritdoc IPriceOracle
    function getPrice(address, address) external view returns (uint256, uint256) {
        if (down) revert SourceDown();
        return (price(), updatedAt());
    }

    /// @inheritdoc IERC7726
    function getQuote(uint256 inAmount, address, address) external view returns (uint256) {
        if (down) revert SourceDown();
        return inAmount * price() / 1e18;
    }

    /// @inheritdoc IExpiryPriceOracle
    function priceAt(address, address, uint256 expiry, bytes calldata hint) external view returns (uint256, uint256) {
        if (down) revert SourceDown();
        if (block.timestamp <= expiry) revert ExpiryNotPassed(expiry);
        if (hint.length != 32) revert InvalidHint(hint);
        uint256 roundId = uint256(bytes32(hint));
        if (roundId == 0 || roundId > _rounds.length) revert InvalidHint(hint);
        Round memory round = _rounds[roundId - 1];
        if (round.updatedAt > expiry) revert RoundAfterExpiry(roundId, round.updatedAt, expiry);
        if (round.price == 0) revert ZeroPrice(roundId);
        if (roundId < _rounds.length && _rounds[roundId].updatedAt <= expiry) {
            revert RoundSuperseded(roundId, _rounds[roundId].updatedAt);
        }
        return (round.price, round.updatedAt);
    }

    /// @inheritdoc IExpiryPriceOracle
    /// @dev The latest round dated at or before expiry (its next round, if any, is then dated after expiry), scanning
    ///      back at most MAX_SCAN rounds.
    function expiryHint(address, address, uint256 expiry) external view returns (bytes memory) {
        if (down) revert SourceDown();
        uint256 count = _rounds.length;
        uint256 stop = count > MAX_SCAN ? count - MAX_SCAN : 0;
        for (uint256 id = count; id > stop; --id) {
            if (_rounds[id - 1].updatedAt <= expiry) return abi.encode(id);
        }
        revert NoRoundAtExpiry(expiry);
    }
}
