// [audit-corpus] merkle-second-preimage-handrolled | BAD | (OpenZeppelin contrast) `claimBonus` calls MerkleProof.verify on keccak256(abi.encode(staker, bonus)), a single hash of 64 bytes, so an internal node of the bonus tree can be claimed as a leaf.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

contract StakingBonus {
    using SafeERC20 for IERC20;

    IERC20 public immutable bonusToken;
    address public immutable curator;
    bytes32 public bonusRoot;
    uint256 public round;
    mapping(uint256 => mapping(address => bool)) public paid;

    constructor(IERC20 bonusToken_) {
        bonusToken = bonusToken_;
        curator = msg.sender;
    }

    function openRound(bytes32 root_) external {
        require(msg.sender == curator, "curator");
        bonusRoot = root_;
        round++;
    }

    function claimBonus(uint256 bonus, bytes32[] calldata proof) external {
        require(!paid[round][msg.sender], "paid");
        require(MerkleProof.verify(proof, bonusRoot, keccak256(abi.encode(msg.sender, bonus))), "proof");
        paid[round][msg.sender] = true;
        bonusToken.safeTransfer(msg.sender, bonus);
    }
}
