// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AbstractPyth} from "@pythnetwork/pyth-sdk-solidity/AbstractPyth.sol";
import {PythErrors} from "@pythnetwork/pyth-sdk-solidity/PythErrors.sol";
import {PythStructs} from "@pythnetwork/pyth-sdk-solidity/PythStructs.sol";

/// @title MockPythFeeds
/// @notice TEST ONLY. Pyth's official MockPyth (pyth-sdk-solidity 4.3.1, Apache-2.0), copied rather than inherited so
///         that `parsePriceFeedUpdatesUnique` checks uniqueness as the real Pyth contract does: MockPyth passes
///         checkUniqueness = false and declares the function non-virtual. Everything else is MockPyth's behaviour:
///         update payloads are abi.encode(PriceFeed, uint64 prevPublishTime) from `createPriceFeedUpdateData`, a
///         stored price only moves to a strictly later publish time, parse functions also store fresher prices.
/// @dev Uniqueness (Pyth's definition): an update for a feed is the unique one for [min, max] when its publish time
///      lies in the range and the feed's previous publish time (signed with it) is before `min`: it is the first
///      price published at or after `min`.
contract MockPythFeeds is AbstractPyth {
    mapping(bytes32 => PythStructs.PriceFeed) private priceFeeds;

    uint256 private immutable SINGLE_UPDATE_FEE_IN_WEI;
    uint256 private immutable VALID_TIME_PERIOD;

    /// @param validTimePeriod Seconds a price stays valid for Pyth's own `getPrice`.
    /// @param singleUpdateFeeInWei Fee per update payload.
    constructor(uint256 validTimePeriod, uint256 singleUpdateFeeInWei) {
        SINGLE_UPDATE_FEE_IN_WEI = singleUpdateFeeInWei;
        VALID_TIME_PERIOD = validTimePeriod;
    }

    /// @inheritdoc AbstractPyth
    function queryPriceFeed(bytes32 id) public view override returns (PythStructs.PriceFeed memory priceFeed) {
        if (priceFeeds[id].id == 0) revert PythErrors.PriceFeedNotFound();
        return priceFeeds[id];
    }

    /// @inheritdoc AbstractPyth
    function priceFeedExists(bytes32 id) public view override returns (bool) {
        return priceFeeds[id].id != 0;
    }

    /// @inheritdoc AbstractPyth
    function getValidTimePeriod() public view override returns (uint256) {
        return VALID_TIME_PERIOD;
    }

    /// @notice Stores each payload's price feed when it is more recent than the stored one (MockPyth's format).
    /// @param updateData abi.encode(PriceFeed, uint64 prevPublishTime) payloads.
    function updatePriceFeeds(bytes[] calldata updateData) public payable override {
        if (msg.value < getUpdateFee(updateData)) revert PythErrors.InsufficientFee();
        for (uint256 i = 0; i < updateData.length; i++) {
            (PythStructs.PriceFeed memory feed,) = abi.decode(updateData[i], (PythStructs.PriceFeed, uint64));
            _storeIfFresh(feed);
        }
    }

    /// @notice The fee for `updateData`: a flat fee per payload.
    /// @param updateData The payloads.
    /// @return feeAmount singleUpdateFeeInWei * updateData.length.
    function getUpdateFee(bytes[] calldata updateData) public view override returns (uint256 feeAmount) {
        return SINGLE_UPDATE_FEE_IN_WEI * updateData.length;
    }

    /// @notice The fee for TWAP payloads: the same flat fee per payload.
    /// @param updateData The payloads.
    /// @return feeAmount singleUpdateFeeInWei * updateData.length.
    function getTwapUpdateFee(bytes[] calldata updateData) public view override returns (uint256 feeAmount) {
        return SINGLE_UPDATE_FEE_IN_WEI * updateData.length;
    }

    /// @notice Finds, for each id, a payload in [minAllowedPublishTime, maxAllowedPublishTime] (and the unique one,
    ///         prevPublishTime < minAllowedPublishTime, when checkUniqueness); stores fresher prices as MockPyth does.
    /// @param updateData The payloads.
    /// @param priceIds The feeds wanted.
    /// @param minAllowedPublishTime Earliest publish time accepted.
    /// @param maxAllowedPublishTime Latest publish time accepted.
    /// @param checkUniqueness Require the first price published at or after minAllowedPublishTime.
    /// @return feeds The price feed found for each id.
    /// @return slots The publish times (standing in for Pythnet slots).
    function parsePriceFeedUpdatesWithConfig(
        bytes[] calldata updateData,
        bytes32[] calldata priceIds,
        uint64 minAllowedPublishTime,
        uint64 maxAllowedPublishTime,
        bool checkUniqueness,
        bool,
        bool
    ) public payable returns (PythStructs.PriceFeed[] memory feeds, uint64[] memory slots) {
        if (msg.value < getUpdateFee(updateData)) revert PythErrors.InsufficientFee();
        feeds = new PythStructs.PriceFeed[](priceIds.length);
        slots = new uint64[](priceIds.length);
        for (uint256 i = 0; i < priceIds.length; i++) {
            bool found;
            for (uint256 j = 0; j < updateData.length && !found; j++) {
                (PythStructs.PriceFeed memory feed, uint64 prevPublishTime) =
                    abi.decode(updateData[j], (PythStructs.PriceFeed, uint64));
                _storeIfFresh(feed);
                uint256 publishTime = feed.price.publishTime;
                found = feed.id == priceIds[i] && minAllowedPublishTime <= publishTime
                    && publishTime <= maxAllowedPublishTime
                    && (!checkUniqueness || prevPublishTime < minAllowedPublishTime);
                if (found) {
                    feeds[i] = feed;
                    slots[i] = uint64(publishTime);
                }
            }
            if (!found) revert PythErrors.PriceFeedNotFoundWithinRange();
        }
    }

    /// @inheritdoc AbstractPyth
    function parsePriceFeedUpdates(
        bytes[] calldata updateData,
        bytes32[] calldata priceIds,
        uint64 minPublishTime,
        uint64 maxPublishTime
    ) external payable override returns (PythStructs.PriceFeed[] memory feeds) {
        (feeds,) = parsePriceFeedUpdatesWithConfig(
            updateData, priceIds, minPublishTime, maxPublishTime, false, true, false
        );
    }

    /// @inheritdoc AbstractPyth
    /// @dev Unlike MockPyth, uniqueness is checked: the payload's prevPublishTime must be before minPublishTime.
    function parsePriceFeedUpdatesUnique(
        bytes[] calldata updateData,
        bytes32[] calldata priceIds,
        uint64 minPublishTime,
        uint64 maxPublishTime
    ) external payable override returns (PythStructs.PriceFeed[] memory feeds) {
        (feeds,) = parsePriceFeedUpdatesWithConfig(
            updateData, priceIds, minPublishTime, maxPublishTime, true, true, false
        );
    }

    /// @inheritdoc AbstractPyth
    /// @dev Not used by Strikeforge: reverts.
    function parseTwapPriceFeedUpdates(bytes[] calldata, bytes32[] calldata)
        external
        payable
        override
        returns (PythStructs.TwapPriceFeed[] memory)
    {
        revert PythErrors.InvalidTwapUpdateDataSet();
    }

    /// @notice Builds an update payload (MockPyth's format; the EMA price shares the expo and publish time).
    /// @param id Feed id.
    /// @param price Price.
    /// @param conf Confidence interval.
    /// @param expo Exponent.
    /// @param emaPrice EMA price.
    /// @param emaConf EMA confidence interval.
    /// @param publishTime Publish time.
    /// @param prevPublishTime The feed's previous publish time (uniqueness).
    /// @return priceFeedData abi.encode(PriceFeed, prevPublishTime).
    function createPriceFeedUpdateData(
        bytes32 id,
        int64 price,
        uint64 conf,
        int32 expo,
        int64 emaPrice,
        uint64 emaConf,
        uint64 publishTime,
        uint64 prevPublishTime
    ) public pure returns (bytes memory priceFeedData) {
        PythStructs.PriceFeed memory priceFeed;
        priceFeed.id = id;
        priceFeed.price = PythStructs.Price(price, conf, expo, publishTime);
        priceFeed.emaPrice = PythStructs.Price(emaPrice, emaConf, expo, publishTime);
        priceFeedData = abi.encode(priceFeed, prevPublishTime);
    }

    function _storeIfFresh(PythStructs.PriceFeed memory feed) private {
        if (priceFeeds[feed.id].price.publishTime < feed.price.publishTime) {
            priceFeeds[feed.id] = feed;
            emit PriceFeedUpdate(feed.id, uint64(feed.price.publishTime), feed.price.price, feed.price.conf);
        }
    }
}
