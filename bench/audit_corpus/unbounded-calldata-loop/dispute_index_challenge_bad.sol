// [audit-corpus] unbounded-calldata-loop | BAD | `challenge` (via `_recordDisputes`) copies an uncapped calldata index list into storage, so a challenger can dispute so many items that the proposer's `defend` cannot fit in a block and the honest proposer is slashed.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// Optimistic state batches: a challenger names the items it disputes and the
/// proposer must open each of them against the batch root before the deadline.
contract DisputableBatches {
    struct Batch {
        address proposer;
        address challenger;
        bytes32 root;
        uint64 size;
        uint64 postedAt;
        uint64 challengedAt;
        bool resolved;
    }

    uint256 public constant BOND = 1 ether;
    uint256 public constant WINDOW = 1 days;
    uint256 public constant RESPONSE_TIME = 1 days;

    uint256 public nextBatch;
    mapping(uint256 => Batch) public batches;
    mapping(uint256 => uint256[]) public disputed;
    mapping(address => uint256) public owed;

    function propose(bytes32 root, uint64 size) external payable returns (uint256 id) {
        require(msg.value == BOND && size > 0, "args");
        id = nextBatch++;
        batches[id] = Batch(msg.sender, address(0), root, size, uint64(block.timestamp), 0, false);
    }

    function challenge(uint256 id, uint256[] calldata idx) external payable {
        Batch storage b = batches[id];
        require(msg.value == BOND, "bond");
        require(b.challenger == address(0) && block.timestamp < b.postedAt + WINDOW, "state");
        require(idx.length > 0, "empty");
        b.challenger = msg.sender;
        b.challengedAt = uint64(block.timestamp);
        _recordDisputes(id, b.size, idx);
    }

    function _recordDisputes(uint256 id, uint64 size, uint256[] calldata idx) internal {
        uint256[] storage list = disputed[id];
        for (uint256 i = 0; i < idx.length; i++) {
            require(idx[i] < size, "range");
            list.push(idx[i]);
        }
    }

    function defend(uint256 id, bytes32[] calldata values, bytes32[][] calldata proofs) external {
        Batch storage b = batches[id];
        require(msg.sender == b.proposer && b.challenger != address(0) && !b.resolved, "state");
        uint256[] storage list = disputed[id];
        require(values.length == list.length && proofs.length == list.length, "length");
        for (uint256 i = 0; i < list.length; i++) {
            bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(list[i], values[i]))));
            require(MerkleProof.verify(proofs[i], b.root, leaf), "proof");
        }
        b.resolved = true;
        owed[b.proposer] += 2 * BOND;
    }

    function slash(uint256 id) external {
        Batch storage b = batches[id];
        require(b.challenger != address(0) && !b.resolved, "state");
        require(block.timestamp >= b.challengedAt + RESPONSE_TIME, "too early");
        b.resolved = true;
        owed[b.challenger] += 2 * BOND;
    }

    function withdraw() external {
        uint256 amount = owed[msg.sender];
        owed[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "withdraw");
    }
}
