// [audit-corpus] merkle-second-preimage-handrolled | BAD | `_verify` (called by `mintAllowlisted`) walks an index-bit-ordered proof from a leaf keccak256(abi.encode(minter, quota)) that is exactly 64 bytes, so an internal node can be passed off as a leaf.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

contract AllowlistDrop is ERC721 {
    uint256 public constant PRICE = 0.05 ether;

    bytes32 public immutable listRoot;
    uint256 public nextId;
    mapping(address => uint256) public mintedBy;

    constructor(bytes32 listRoot_) ERC721("Allowlist Drop", "ALD") {
        listRoot = listRoot_;
    }

    function mintAllowlisted(uint256 index, uint256 quota, uint256 qty, bytes32[] calldata path) external payable {
        require(msg.value == PRICE * qty, "price");
        require(mintedBy[msg.sender] + qty <= quota, "quota");
        require(_verify(index, keccak256(abi.encode(msg.sender, quota)), path), "not listed");
        mintedBy[msg.sender] += qty;
        for (uint256 i = 0; i < qty; i++) {
            _mint(msg.sender, nextId++);
        }
    }

    function _verify(uint256 index, bytes32 leaf, bytes32[] calldata path) internal view returns (bool) {
        require(path.length <= 20, "depth");
        bytes32 h = leaf;
        for (uint256 i = 0; i < path.length; i++) {
            if ((index >> i) & 1 == 0) {
                h = keccak256(abi.encodePacked(h, path[i]));
            } else {
                h = keccak256(abi.encodePacked(path[i], h));
            }
        }
        return h == listRoot;
    }
}
