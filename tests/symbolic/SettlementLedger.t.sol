// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IOptionsEngine} from "../../contracts/interfaces/IOptionsEngine.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {SettlementLedger} from "../../contracts/settlement/SettlementLedger.sol";
import {SymbolicTest} from "./Symbolic.sol";

/// @notice SettlementLedger's leaf bounds (its header: "cash and positions lie in [-MAX_DELTA, MAX_DELTA] (int128
///         range: negation and every sum of a batch fit int256) and each column sums to zero"): postBatch accepts no
///         calldata that breaks them, and within them no sum of a batch's tree can overflow.
contract SettlementLedgerLeafBoundsTest is SymbolicTest {
    uint256 internal constant BOND = 1 ether;
    uint256 internal constant LEAF_COUNT = 2;

    SettlementLedger internal ledger;
    int256 internal maxDelta;
    uint256 internal maxLeaves;

    function setUp() public {
        MockERC20 cash = new MockERC20("USD Coin", "USDC", 6);
        // No series is listed: postBatch's columns without a series must carry zero deltas, and the engine is never
        // called (any non-zero address will do).
        ledger = new SettlementLedger(
            IERC20(address(cash)),
            IOptionsEngine(address(0xE1)),
            1 hours,
            BOND,
            7 days,
            1 hours,
            address(0x7),
            address(this)
        );
        ledger.grantRole(ledger.SEQUENCER_ROLE(), address(this));
        vm.deal(address(this), 10 ether);
        maxDelta = ledger.MAX_DELTA();
        maxLeaves = ledger.MAX_LEAVES();
    }

    /// @dev 1 when x lies outside [-bound, bound], without a branch.
    function _outside(int256 x, int256 bound) internal pure returns (uint256 flag) {
        assembly ("memory-safe") {
            flag := or(sgt(x, bound), slt(x, sub(0, bound)))
        }
    }

    function _word(bytes memory data, uint256 offset) internal pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := mload(add(add(data, 32), offset))
        }
    }

    /// @dev Every byte of a two-leaf batch's calldata is symbolic but its head (32) and count (2), which postBatch
    ///      requires anyway for 64 + 2 * 416 bytes. Whatever postBatch accepts has every delta within MAX_DELTA, zero
    ///      deltas in the columns without a series, a zero cash sum and strictly increasing accounts.
    /// @custom:halmos --loop 12
    function check_postBatchAcceptsOnlyBoundedBalancedLeaves() public {
        bytes memory leaves = svm.createBytes(64 + LEAF_COUNT * 416, "leaves");
        assembly ("memory-safe") {
            mstore(add(leaves, 32), 32)
            mstore(add(leaves, 64), 2)
        }
        uint256[4] memory series; // four empty columns
        try ledger.postBatch{value: BOND}(bytes32(0), bytes32(0), series, leaves, 0, block.timestamp) returns (
            uint256 id
        ) {
            uint256 outside;
            uint256 positions;
            for (uint256 i; i < LEAF_COUNT; ++i) {
                uint256 tuple = 64 + 32 * LEAF_COUNT + 384 * i;
                assert(_word(leaves, tuple) == id);
                for (uint256 k; k < 5; ++k) {
                    int256 v = int256(_word(leaves, tuple + 32 * (2 + k)));
                    outside |= _outside(v, maxDelta);
                    if (k > 0) positions |= uint256(v);
                }
            }
            assert(outside == 0);
            assert(positions == 0);
            int256 cash0 = int256(_word(leaves, 64 + 64 + 64));
            int256 cash1 = int256(_word(leaves, 64 + 64 + 384 + 64));
            assert(cash0 == -cash1);
            uint256 account0 = _word(leaves, 64 + 64 + 32);
            uint256 account1 = _word(leaves, 64 + 64 + 384 + 32);
            assert(account0 < account1 && account1 < 2 ** 160);
        } catch {}
    }

    /// @dev Within the bounds, the running column sum of any batch (at most MAX_LEAVES leaves) never overflows: by
    ///      induction on the leaf count k, |sum of k deltas| <= k * MAX_DELTA, and one more delta keeps it exact.
    function check_boundedColumnSumsNeverOverflow(int256 partialSum, int256 delta, uint256 k) public view {
        vm.assume(k < maxLeaves);
        int256 reach = int256(k) * maxDelta;
        vm.assume(-reach <= partialSum && partialSum <= reach);
        vm.assume(-maxDelta <= delta && delta <= maxDelta);
        int256 wrapped;
        unchecked {
            wrapped = partialSum + delta;
        }
        assert((wrapped >= partialSum) == (delta >= 0)); // no wrap-around
        assert(-(reach + maxDelta) <= wrapped && wrapped <= reach + maxDelta);
        assert(-delta >= -maxDelta); // negation is exact too
    }

    /// @dev The same for the tree: a node at height h covers at most 2^h leaves, so |sums| <= 2^h * MAX_DELTA, and the
    ///      parent's sum (height h + 1 <= log2(MAX_LEAVES)) is exact.
    function check_boundedNodeSumsNeverOverflow(int256 left, int256 right, uint256 height) public view {
        vm.assume(2 ** (height + 1) <= maxLeaves);
        int256 reach = int256(2 ** height) * maxDelta;
        vm.assume(-reach <= left && left <= reach);
        vm.assume(-reach <= right && right <= reach);
        int256 wrapped;
        unchecked {
            wrapped = left + right;
        }
        assert((wrapped >= left) == (right >= 0));
        assert(-2 * reach <= wrapped && wrapped <= 2 * reach);
    }
}
