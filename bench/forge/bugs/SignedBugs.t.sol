// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BugsBase} from "./BugsBase.sol";

interface ISignedOracle {
    function update(uint256 timestamp, uint256[] calldata prices, bytes[] calldata signatures) external;
    function report_digest(uint256 price, uint256 timestamp) external view returns (bytes32);
    function latest_round() external view returns (uint256);
    function latest_price() external view returns (uint256);
    function latest_timestamp() external view returns (uint256);
    function getPrice(address base, address quote) external view returns (uint256 price, uint256 updatedAt);
}

/// @dev The signed-price world (bench/faults/signed.py is its Python twin): the Vyper SignedPriceOracle with a
///      committee of five (threshold 3, one tolerated faulty signer: signer 4, the rogue) and an outsider's key;
///      reports good for an hour, up to 5 minutes ahead; prices accepted in [100, 100,000].
uint256 constant MAX_AGE = 3600;
uint256 constant MAX_FUTURE_DRIFT = 300;
uint256 constant MIN_PRICE = 100e18;
uint256 constant MAX_PRICE = 100_000e18;
uint256 constant THRESHOLD = 3;
uint256 constant MAX_FAULTY = 1;
uint256 constant ROGUE = 4;
uint256 constant OUTSIDER = 5;
uint256 constant START_MID = 2000e18;

/// @dev Signer i's private key (i = 5: the outsider's), as signed.py's signer_key.
function signerKey(uint256 i) pure returns (uint256) {
    return uint256(keccak256(bytes(string.concat("strikeforge.signer.", _digit(i)))));
}

function _digit(uint256 i) pure returns (string memory) {
    bytes memory b = new bytes(1);
    b[0] = bytes1(uint8(48 + i));
    return string(b);
}

contract SignedHandler is BugsBase {
    ISignedOracle public immutable oracle;
    address[3] public actors;
    uint256 public mid = START_MID;
    uint256[] public acceptedAt;
    uint256[] public acceptedPrice;
    string public broken;

    constructor(ISignedOracle oracle_, address[3] memory actors_) {
        oracle = oracle_;
        actors = actors_;
    }

    function market(uint256 raw) external {
        mid = bound(raw, 50e18, 200_000e18);
    }

    /// @dev 1 to 5 distinct members in turn from `first` (signer 4 signs rawPrice), then a twist: none (5 in 8), the
    ///      last report replaced by the one before it again, or by the outsider's, or the last one repeated at the end.
    function submit(uint256 pick, uint256 rawPrice, uint256 rawAt) external {
        uint256 at = bound(rawAt, block.timestamp - MAX_AGE - 300, block.timestamp + MAX_FUTURE_DRIFT + 60);
        uint256[] memory who = _who(pick);
        uint256[] memory prices = new uint256[](who.length);
        bytes[] memory signatures = new bytes[](who.length);
        for (uint256 j; j < who.length; ++j) {
            prices[j] = who[j] < ROGUE ? mid + who[j] : rawPrice;
            signatures[j] = _sign(who[j], prices[j], at);
        }
        hevm.prank(actors[pick % 3]);
        try oracle.update(at, prices, signatures) {
            uint256 price = oracle.latest_price();
            acceptedAt.push(at);
            acceptedPrice.push(price);
            _judge(who, price);
        } catch {}
    }

    function _who(uint256 pick) internal pure returns (uint256[] memory who) {
        uint256 count = 1 + pick % 5;
        uint256 first = (pick >> 3) % 5;
        uint256 twist = (pick >> 6) % 8;
        who = new uint256[](twist == 7 ? count + 1 : count);
        for (uint256 j; j < count; ++j) {
            who[j] = (first + j) % 5;
        }
        if (twist == 5 && count > 1) who[count - 1] = who[count - 2];
        else if (twist == 6) who[count - 1] = OUTSIDER;
        else if (twist == 7) who[count] = who[count - 1];
    }

    function _sign(uint256 k, uint256 price, uint256 at) internal view returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = hevm.sign(signerKey(k), oracle.report_digest(price, at));
        return abi.encodePacked(r, s, v);
    }

    function _judge(uint256[] memory who, uint256 price) internal {
        if (bytes(broken).length != 0) return;
        uint256 members; // bit k: member k signed
        bool outsider;
        for (uint256 j; j < who.length; ++j) {
            if (who[j] == OUTSIDER) outsider = true;
            else members |= 1 << who[j];
        }
        uint256 distinct;
        uint256 lo = type(uint256).max;
        uint256 hi;
        for (uint256 k; k <= ROGUE; ++k) {
            if (members & (1 << k) == 0) continue;
            ++distinct;
            if (k < ROGUE) {
                uint256 honest = mid + k;
                if (honest < lo) lo = honest;
                if (honest > hi) hi = honest;
            }
        }
        if (outsider || distinct < THRESHOLD) {
            broken = "a round accepted without the threshold of distinct members";
        } else if (hi == 0 || price < lo || price > hi) {
            broken = "a round's price outside the honest signers' prices";
        }
    }

    function warp(uint256 raw) external {
        warpBy(raw, 300);
    }

    function accepted() external view returns (uint256) {
        return acceptedAt.length;
    }
}

contract SignedBugs is BugsBase {
    ISignedOracle internal oracle;
    address internal weth;
    address internal usdc;
    SignedHandler internal handler;

    function setUp() public {
        hevm.warp(START_TIME);
        address deployer = actor("deployer");
        weth = deployCode("MockERC20", abi.encode("Wrapped Ether", "WETH", uint8(18)), deployer);
        usdc = deployCode("MockERC20", abi.encode("USD Coin", "USDC", uint8(6)), deployer);
        address[] memory signers = new address[](5);
        for (uint256 i; i < 5; ++i) {
            signers[i] = hevm.addr(signerKey(i));
        }
        oracle = ISignedOracle(
            deployCode(
                "SignedPriceOracle",
                abi.encode(
                    weth,
                    usdc,
                    MAX_AGE,
                    MAX_FUTURE_DRIFT,
                    MIN_PRICE,
                    MAX_PRICE,
                    signers,
                    THRESHOLD,
                    MAX_FAULTY,
                    actor("governance")
                ),
                deployer
            )
        );
        handler = new SignedHandler(oracle, [actor("alice"), actor("bob"), actor("carol")]);
        bytes4[] memory selectors = new bytes4[](3);
        selectors[0] = SignedHandler.market.selector;
        selectors[1] = SignedHandler.submit.selector;
        selectors[2] = SignedHandler.warp.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev Every accepted round met the committee's rule; the oracle's latest round is the last accepted, within
    ///      the bounds; getPrice never answers with a round older than MAX_AGE.
    function invariant_world() public view {
        require(bytes(handler.broken()).length == 0, handler.broken());
        uint256 n = handler.accepted();
        require(oracle.latest_round() == n, "a round that was not accepted");
        if (n != 0) {
            uint256 at = handler.acceptedAt(n - 1);
            uint256 price = handler.acceptedPrice(n - 1);
            require(oracle.latest_timestamp() == at, "the latest round is not the last accepted");
            require(price >= MIN_PRICE && price <= MAX_PRICE, "a price outside the bounds");
        }
        try oracle.getPrice(weth, usdc) returns (uint256 price, uint256 at) {
            require(at >= block.timestamp || block.timestamp - at <= MAX_AGE, "a price older than MAX_AGE");
            require(
                at == handler.acceptedAt(n - 1) && price == handler.acceptedPrice(n - 1),
                "getPrice is not the last accepted round"
            );
        } catch {}
    }
}
