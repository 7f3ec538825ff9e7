// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BugsBase} from "./BugsBase.sol";

interface IFeed {
    function updateRoundData(uint80 roundId, int256 answer, uint256 timestamp, uint256 startedAt) external;
    function updateAnswer(int256 answer) external;
    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80);
}

interface IChainlinkOracle {
    function getPrice(address base, address quote) external view returns (uint256 price, uint256 updatedAt);
    function priceAt(address base, address quote, uint256 expiry, bytes calldata hint)
        external
        view
        returns (uint256 price, uint256 updatedAt);
}

/// @dev The oracle world (bench/faults/oracle.py is its Python twin): ChainlinkOracle for WETH/USDC over an 8-decimal
///      feed and an L2 sequencer-uptime feed; staleness 1 hour, bounds [100, 100,000], grace 1 hour; one expiry two
///      hours after the start.
uint256 constant MAX_STALENESS = 3600;
uint256 constant MIN_PRICE = 100e18;
uint256 constant MAX_PRICE = 100_000e18;
uint256 constant GRACE_PERIOD = 3600;
uint256 constant EXPIRY = 1_767_254_400 + 7200;

contract OracleHandler is BugsBase {
    IFeed public immutable feed;
    IFeed public immutable sequencerFeed;
    /// @notice Each round's timestamp by round id (index 0 unused); the feed's rounds are dated in order.
    uint256[] public roundAt;
    uint256 public sequencerStatus;

    constructor(IFeed feed_, IFeed sequencerFeed_) {
        feed = feed_;
        sequencerFeed = sequencerFeed_;
        roundAt.push(0);
        roundAt.push(START_TIME); // the feed's constructor round
    }

    /// @dev A new round: an answer in [0, 200,000] (8 decimals), dated between the last round and now.
    function update(uint256 rawAnswer, uint256 rawAt) external {
        int256 answer = int256(bound(rawAnswer, 0, 200_000e8));
        uint256 at = bound(rawAt, roundAt[roundAt.length - 1], block.timestamp);
        feed.updateRoundData(uint80(roundAt.length), answer, at, at);
        roundAt.push(at);
    }

    function warp(uint256 raw) external {
        warpBy(raw, 600);
    }

    /// @dev The sequencer goes down (1) or comes back up (0); a status change starts a new round dated now.
    function sequencer(uint256 raw) external {
        uint256 status = raw % 2;
        if (status == sequencerStatus) return;
        sequencerFeed.updateAnswer(int256(status));
        sequencerStatus = status;
    }

    function rounds() external view returns (uint256) {
        return roundAt.length - 1;
    }
}

contract OracleBugs is BugsBase {
    IFeed internal feed;
    IFeed internal sequencerFeed;
    IChainlinkOracle internal oracle;
    address internal weth;
    address internal usdc;
    OracleHandler internal handler;

    function setUp() public {
        hevm.warp(START_TIME);
        address deployer = actor("deployer");
        weth = deployCode("MockERC20", abi.encode("Wrapped Ether", "WETH", uint8(18)), deployer);
        usdc = deployCode("MockERC20", abi.encode("USD Coin", "USDC", uint8(6)), deployer);
        feed = IFeed(deployCode("MockChainlinkFeed", abi.encode(uint8(8), int256(2000e8)), deployer));
        sequencerFeed = IFeed(deployCode("MockChainlinkFeed", abi.encode(uint8(0), int256(0)), deployer));
        oracle = IChainlinkOracle(
            deployCode(
                "ChainlinkOracle",
                abi.encode(
                    weth, usdc, address(feed), MAX_STALENESS, MIN_PRICE, MAX_PRICE, address(sequencerFeed), GRACE_PERIOD
                ),
                deployer
            )
        );
        handler = new OracleHandler(feed, sequencerFeed);
        bytes4[] memory selectors = new bytes4[](3);
        selectors[0] = OracleHandler.update.selector;
        selectors[1] = OracleHandler.warp.selector;
        selectors[2] = OracleHandler.sequencer.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev One campaign checks every property after every call (forge runs one campaign per invariant function).
    function invariant_world() public view {
        _spot();
        _expiry();
    }

    /// @dev A spot price is only ever the latest answer, positive, fresh, scaled, within the circuit breaker, with
    ///      the sequencer up past its grace period.
    function _spot() internal view {
        try oracle.getPrice(weth, usdc) returns (uint256 price, uint256 at) {
            (, int256 answer,, uint256 updatedAt,) = feed.latestRoundData();
            require(answer > 0, "non-positive answer accepted");
            require(at == updatedAt && at <= block.timestamp, "not the latest answer");
            require(block.timestamp - at <= MAX_STALENESS, "stale price accepted");
            require(price == uint256(answer) * 1e10, "price is not the answer scaled");
            require(price >= MIN_PRICE && price <= MAX_PRICE, "price outside the circuit breaker");
            (, int256 status, uint256 startedAt,,) = sequencerFeed.latestRoundData();
            require(
                status == 0 && block.timestamp - startedAt > GRACE_PERIOD, "price while the sequencer is not trusted"
            );
        } catch {}
    }

    /// @dev After expiry at most one round answers for it: of the last three rounds dated at or before expiry and the
    ///      first one after it, one hint at most passes priceAt.
    function _expiry() internal view {
        if (block.timestamp <= EXPIRY) return;
        uint256 n = handler.rounds();
        uint256 last = n;
        while (last > 1 && handler.roundAt(last) > EXPIRY) {
            --last;
        }
        uint256 from = last > 2 ? last - 2 : 1;
        uint256 to = last < n ? last + 1 : n;
        uint256 answers;
        for (uint256 r = from; r <= to; ++r) {
            try oracle.priceAt(weth, usdc, EXPIRY, abi.encode(uint80(r))) {
                ++answers;
            } catch {}
        }
        require(answers <= 1, "two rounds answer for one expiry");
    }
}
