// [audit-corpus] merkle-second-preimage-handrolled | BAD | `claim` verifies a hand-rolled sorted-pair proof over a leaf that is a single keccak256 of the 64-byte abi.encode(account, amount), so an internal node's two children can be replayed as a forged (account, amount) leaf.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

contract SortedAirdrop {
    using SafeERC20 for IERC20;

    IERC20 public immutable token;
    bytes32 public immutable root;
    mapping(address => bool) public claimed;

    constructor(IERC20 token_, bytes32 root_) {
        token = token_;
        root = root_;
    }

    function claim(address account, uint256 amount, bytes32[] calldata proof) external {
        require(!claimed[account], "claimed");
        require(proof.length <= 32, "proof");
        bytes32 node = keccak256(abi.encode(account, amount));
        for (uint256 i = 0; i < proof.length; i++) {
            bytes32 sib = proof[i];
            node = node < sib ? keccak256(abi.encodePacked(node, sib)) : keccak256(abi.encodePacked(sib, node));
        }
        require(node == root, "invalid proof");
        claimed[account] = true;
        token.safeTransfer(account, amount);
    }
}
