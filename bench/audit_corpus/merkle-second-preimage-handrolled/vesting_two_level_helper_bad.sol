// [audit-corpus] merkle-second-preimage-handrolled | BAD | `start` proves a grant through `_proveGrant` -> `_fold`, a hand-rolled Merkle walk whose leaf is one keccak256 of the 64-byte abi.encode(beneficiary, total), so internal nodes are valid forged grants.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// Grants are published as a Merkle root; a beneficiary starts its stream by proving its grant.
contract MerkleVesting {
    using SafeERC20 for IERC20;

    uint256 public constant DURATION = 365 days;

    IERC20 public immutable token;
    bytes32 public immutable grantsRoot;
    mapping(address => uint256) public totalOf;
    mapping(address => uint256) public startedAt;
    mapping(address => uint256) public released;

    constructor(IERC20 token_, bytes32 grantsRoot_) {
        token = token_;
        grantsRoot = grantsRoot_;
    }

    function start(uint256 total, bytes32[] calldata proof) external {
        require(startedAt[msg.sender] == 0, "started");
        require(_proveGrant(msg.sender, total, proof), "no grant");
        totalOf[msg.sender] = total;
        startedAt[msg.sender] = block.timestamp;
    }

    function release() external {
        uint256 t0 = startedAt[msg.sender];
        require(t0 != 0, "not started");
        uint256 elapsed = block.timestamp - t0;
        uint256 vested = elapsed >= DURATION ? totalOf[msg.sender] : (totalOf[msg.sender] * elapsed) / DURATION;
        uint256 amount = vested - released[msg.sender];
        released[msg.sender] = vested;
        token.safeTransfer(msg.sender, amount);
    }

    function _proveGrant(address who, uint256 total, bytes32[] calldata proof) internal view returns (bool) {
        bytes32 leaf = keccak256(abi.encode(who, total));
        return _fold(leaf, proof) == grantsRoot;
    }

    function _fold(bytes32 h, bytes32[] calldata proof) private pure returns (bytes32) {
        require(proof.length <= 32, "depth");
        for (uint256 i = 0; i < proof.length; i++) {
            bytes32 p = proof[i];
            h = uint256(h) < uint256(p) ? keccak256(abi.encodePacked(h, p)) : keccak256(abi.encodePacked(p, h));
        }
        return h;
    }
}
