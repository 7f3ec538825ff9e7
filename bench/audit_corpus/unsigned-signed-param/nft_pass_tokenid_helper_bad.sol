// [audit-corpus] unsigned-signed-param | BAD | `mint` mints the caller-chosen `tokenId`, but `_checkPass` only signs (to, deadline, contract, chain), so an allowlisted minter can pick any (e.g. the rarest) token id.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

contract PassMint is ERC721 {
    address public immutable gatekeeper;
    mapping(bytes32 => bool) public passUsed;

    constructor(address gatekeeper_) ERC721("Pass Mint", "PASS") {
        gatekeeper = gatekeeper_;
    }

    function mint(address to, uint256 tokenId, uint256 deadline, bytes calldata pass) external {
        require(block.timestamp <= deadline, "expired");
        bytes32 passId = _checkPass(to, deadline, pass);
        passUsed[passId] = true;
        _mint(to, tokenId);
    }

    function _checkPass(address to, uint256 deadline, bytes calldata pass) internal view returns (bytes32 h) {
        h = keccak256(abi.encode(to, deadline, address(this), block.chainid));
        require(!passUsed[h], "pass used");
        address signer = ECDSA.recover(MessageHashUtils.toEthSignedMessageHash(h), pass);
        require(signer == gatekeeper, "bad pass");
    }
}
