// [audit-corpus] merkle-second-preimage-handrolled | GOOD | (OpenZeppelin contrast) The leaf is keccak256 of 96 bytes (sale address, tokenId, price), so it cannot equal a 64-byte internal-node preimage.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

/// Fixed-price sale where each token id's price is committed in a Merkle root.
contract PricedSale is ERC721 {
    bytes32 public immutable priceRoot;
    address public immutable creator;
    uint256 public proceeds;

    constructor(bytes32 priceRoot_) ERC721("Priced Sale", "PRS") {
        priceRoot = priceRoot_;
        creator = msg.sender;
    }

    function buy(uint256 tokenId, uint256 price, bytes32[] calldata proof) external payable {
        require(msg.value == price, "price");
        bytes32 leaf = keccak256(abi.encode(address(this), tokenId, price));
        require(MerkleProof.processProof(proof, leaf) == priceRoot, "unlisted");
        proceeds += msg.value;
        _mint(msg.sender, tokenId);
    }

    function withdrawProceeds() external {
        require(msg.sender == creator, "creator");
        uint256 amount = proceeds;
        proceeds = 0;
        (bool ok, ) = creator.call{value: amount}("");
        require(ok, "send");
    }
}
