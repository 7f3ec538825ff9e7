// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";

/// @dev A leaf as it travels in a batch's calldata (SettlementLedger.postBatch's `leaves`): with its co-signature.
struct SignedLeaf {
    uint256 batch;
    address account;
    int256 cash;
    int256[4] positions;
    bytes signature;
}

/// @dev A leaf of a batch's plain tree: OpenZeppelin merkle-tree's standard leaf of (index, batch, account, cash,
///      positions, signature hash).
function plainLeafHash(
    uint256 index,
    uint256 batch,
    address account,
    int256 cash,
    int256[4] memory positions,
    bytes32 signatureHash
) pure returns (bytes32) {
    return keccak256(bytes.concat(keccak256(abi.encode(index, batch, account, cash, positions, signatureHash))));
}

/// @title BatchTrees
/// @notice The on-chain rebuild of a SettlementLedger batch's two trees from its calldata (challengeData's proof).
///         The ledger deploys it in its constructor and calls it: a separate contract only to keep the ledger's
///         runtime code under EIP-170's 24,576 bytes. It is pure and stateless. A call that runs out of gas reverts
///         the ledger's challenge with it (a high-level call bubbles the failure): a starved rebuild can never read
///         as a fraud.
contract BatchTrees {
    uint256 internal constant _SERIES_PER_BATCH = 4;

    /// @notice The Merkle-sum root and the plain root of canonical batch calldata.
    /// @param leaves `abi.encode(SignedLeaf[])`, canonical (as postBatch accepts it).
    /// @return root The Merkle-sum root.
    /// @return leavesRoot The plain Merkle root.
    function dataRoot(bytes calldata leaves) external pure returns (bytes32 root, bytes32 leavesRoot) {
        SignedLeaf[] memory decoded = abi.decode(leaves, (SignedLeaf[]));
        uint256 n = decoded.length;
        if (n == 0) return (bytes32(0), bytes32(0));
        uint256 size = 1;
        while (size < n) {
            size <<= 1;
        }
        bytes32[] memory hashes = new bytes32[](size);
        bytes32[] memory plain = new bytes32[](2 * n - 1); // OpenZeppelin's layout: leaf i at 2n - 2 - i
        int256[5][] memory sums = new int256[5][](size);
        for (uint256 i; i < n; ++i) {
            SignedLeaf memory l = decoded[i];
            bytes32 signatureHash = keccak256(l.signature);
            hashes[i] = keccak256(abi.encode(uint256(0), l.batch, l.account, l.cash, l.positions, signatureHash));
            plain[2 * n - 2 - i] = plainLeafHash(i, l.batch, l.account, l.cash, l.positions, signatureHash);
            sums[i][0] = l.cash;
            for (uint256 j; j < _SERIES_PER_BATCH; ++j) {
                sums[i][j + 1] = l.positions[j];
            }
        }
        for (; size > 1; size >>= 1) {
            for (uint256 i; i < size; i += 2) {
                bytes32 parent = keccak256(abi.encode(uint256(1), hashes[i], sums[i], hashes[i + 1], sums[i + 1]));
                int256[5] memory parentSums;
                for (uint256 j; j < 5; ++j) {
                    parentSums[j] = sums[i][j] + sums[i + 1][j];
                }
                hashes[i >> 1] = parent;
                sums[i >> 1] = parentSums;
            }
        }
        for (uint256 i = n - 1; i > 0; --i) {
            plain[i - 1] = Hashes.commutativeKeccak256(plain[2 * i - 1], plain[2 * i]);
        }
        return (hashes[0], plain[0]);
    }
}
