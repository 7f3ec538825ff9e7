// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SignedPriceOracleArtifact} from ".cache/symbolic/vyper/SignedPriceOracleArtifact.sol";

import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {SymbolicTest} from "./Symbolic.sol";

interface ISignedPriceOracle {
    function update(uint256 timestamp, uint256[] calldata prices, bytes[] calldata signatures) external;
    function latest_price() external view returns (uint256);
    function latest_round() external view returns (uint256);
    function report_digest(uint256 price, uint256 timestamp) external view returns (bytes32);
}

/// @notice SignedPriceOracle (Vyper, deployed from its bytecode), its invariant 3: with at most max_faulty faulty
///         signers in an update, the accepted price lies between the lowest and the highest price the honest signers
///         in it signed. A committee of four, threshold 3, max_faulty 1; the faulty member is FAULTY (members are
///         interchangeable: every price and signature is symbolic, so any member may sign at any position). halmos
///         models ecrecover as an uninterpreted function: a signature "is" a member's exactly when it recovers to that
///         member, which the check recomputes from the oracle's own digest.
///         Proved for updates of three signatures; four (deep_*, 1,800+ paths of sorting and signer orders) times
///         out.
/// @custom:halmos --storage-layout generic
contract SignedPriceOracleMedianTest is SymbolicTest {
    address internal constant FAULTY = address(0x5104);

    ISignedPriceOracle internal oracle;

    function setUp() public {
        vm.warp(1_767_945_600);
        address[] memory signers = new address[](4);
        signers[0] = address(0x5101);
        signers[1] = address(0x5102);
        signers[2] = address(0x5103);
        signers[3] = FAULTY;
        MockERC20 base = new MockERC20("Wrapped Ether", "WETH", 18);
        MockERC20 quote = new MockERC20("USD Coin", "USDC", 6);
        bytes memory args = abi.encode(
            address(base), address(quote), 1 hours, 5 minutes, 1, type(uint192).max, signers, 3, 1, address(this)
        );
        bytes memory initcode = bytes.concat(SignedPriceOracleArtifact.INITCODE, args);
        address deployed;
        assembly ("memory-safe") {
            deployed := create(0, add(initcode, 32), mload(initcode))
        }
        require(deployed != address(0), "SignedPriceOracle deployment failed");
        oracle = ISignedPriceOracle(deployed);
    }

    function _signer(uint256 price, bytes memory signature) internal view returns (address) {
        bytes32 digest = oracle.report_digest(price, block.timestamp);
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly ("memory-safe") {
            r := mload(add(signature, 32))
            s := mload(add(signature, 64))
            v := byte(0, mload(add(signature, 96)))
        }
        return ecrecover(digest, v, r, s);
    }

    function _medianWithinHonestPrices(uint256 count) internal {
        uint256[] memory prices = new uint256[](count);
        bytes[] memory signatures = new bytes[](count);
        for (uint256 i; i < count; ++i) {
            prices[i] = svm.createUint256("price");
            signatures[i] = svm.createBytes(65, "signature");
        }
        oracle.update(block.timestamp, prices, signatures); // a refused update is no round: only accepted ones matter
        assert(oracle.latest_round() == 1);
        uint256 price = oracle.latest_price();
        uint256 lowest = type(uint256).max;
        uint256 highest;
        for (uint256 i; i < count; ++i) {
            if (_signer(prices[i], signatures[i]) != FAULTY) {
                lowest = prices[i] < lowest ? prices[i] : lowest;
                highest = prices[i] > highest ? prices[i] : highest;
            }
        }
        assert(lowest <= price && price <= highest);
    }

    /// @custom:halmos --loop 8
    function check_medianOfThreeWithinHonestPrices() public {
        _medianWithinHonestPrices(3);
    }

    /// @custom:halmos --loop 8
    function deep_medianOfFourWithinHonestPrices() public {
        _medianWithinHonestPrices(4);
    }
}
