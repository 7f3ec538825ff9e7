// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BatchTrees, SignedLeaf} from "../../contracts/settlement/BatchTrees.sol";
import {SymbolicTest} from "./Symbolic.sol";

/// @notice BatchTrees.dataRoot (the ledger's on-chain rebuild in challengeData) builds the Merkle-sum tree by its rule:
///         every node commits to its children's hashes and sums, a parent's sums are exactly its children's sums, the
///         tree is padded with empty nodes (hash 0, sums 0), and a sum that overflows int256 is never committed
///         (the rebuild reverts instead of wrapping).
contract BatchTreesNodeRuleTest is SymbolicTest {
    BatchTrees internal trees;

    function setUp() public {
        trees = new BatchTrees();
    }

    function _leaf(string memory name) internal returns (SignedLeaf memory l) {
        l.batch = svm.createUint256(string.concat(name, ".batch"));
        l.account = svm.createAddress(string.concat(name, ".account"));
        l.cash = svm.createInt256(string.concat(name, ".cash"));
        l.positions[0] = svm.createInt256(string.concat(name, ".position0"));
        l.positions[1] = svm.createInt256(string.concat(name, ".position1"));
        l.positions[2] = svm.createInt256(string.concat(name, ".position2"));
        l.positions[3] = svm.createInt256(string.concat(name, ".position3"));
        l.signature = svm.createBytes(65, string.concat(name, ".signature"));
    }

    function _hash(SignedLeaf memory l) internal pure returns (bytes32) {
        return keccak256(abi.encode(uint256(0), l.batch, l.account, l.cash, l.positions, keccak256(l.signature)));
    }

    function _sums(SignedLeaf memory l) internal pure returns (int256[5] memory s) {
        s[0] = l.cash;
        for (uint256 j; j < 4; ++j) {
            s[j + 1] = l.positions[j];
        }
    }

    function _node(bytes32 left, int256[5] memory leftSums, bytes32 right, int256[5] memory rightSums)
        internal
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(uint256(1), left, leftSums, right, rightSums));
    }

    /// @dev Whether a + b overflows int256, without a branch (a branch per column would multiply the paths): the
    ///      wrapped sum's sign differs from both operands' exactly on overflow.
    function _overflows(int256 a, int256 b) internal pure returns (uint256 flag) {
        unchecked {
            int256 wrapped = a + b;
            assembly ("memory-safe") {
                flag := slt(and(xor(wrapped, a), xor(wrapped, b)), 0)
            }
        }
    }

    /// @dev Three leaves: a tree of four, the last slot an empty node. The root is node(node(l0, l1), node(l2, empty))
    ///      with the inner nodes carrying s0 + s1 and s2; dataRoot reverts exactly when a column's s0 + s1 or
    ///      s0 + s1 + s2 overflows. The loop bound covers the rebuild's per-column overflow checks (15 per path).
    /// @custom:halmos --loop 16
    function check_dataRootFollowsTheNodeRule() public {
        SignedLeaf[] memory leaves = new SignedLeaf[](3);
        for (uint256 i; i < 3; ++i) {
            leaves[i] = _leaf(string.concat("leaf", i == 0 ? "0" : i == 1 ? "1" : "2"));
        }
        int256[5] memory s0 = _sums(leaves[0]);
        int256[5] memory s1 = _sums(leaves[1]);
        uint256 overflow;
        int256[5] memory s01;
        int256[5] memory s2 = _sums(leaves[2]);
        for (uint256 j; j < 5; ++j) {
            unchecked {
                s01[j] = s0[j] + s1[j];
            }
            // the inner node's sum, then the root's (computed by the rebuild, though no parent commits to it)
            overflow |= _overflows(s0[j], s1[j]) | _overflows(s01[j], s2[j]);
        }
        int256[5] memory empty;
        try trees.dataRoot(abi.encode(leaves)) returns (bytes32 root, bytes32) {
            assert(overflow == 0); // a wrapped sum is never committed
            bytes32 left = _node(_hash(leaves[0]), s0, _hash(leaves[1]), s1);
            bytes32 right = _node(_hash(leaves[2]), s2, bytes32(0), empty);
            assert(root == _node(left, s01, right, s2));
        } catch {
            assert(overflow == 1); // and the rebuild fails only on an overflowing sum
        }
    }
}
