// [audit-corpus] unsigned-signed-param | BAD | `fill` takes `fee` out of the maker's proceeds and pays it to the filler, but the EIP-712 Order struct hash does not include the fee, so a filler can set any fee up to the whole amount.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

contract LimitOrderBook is EIP712 {
    using SafeERC20 for IERC20;

    struct Order {
        address maker;
        address sellToken;
        address buyToken;
        uint256 sellAmount;
        uint256 buyAmount;
        uint256 nonce;
        uint256 deadline;
    }

    bytes32 public constant ORDER_TYPEHASH = keccak256(
        "Order(address maker,address sellToken,address buyToken,uint256 sellAmount,uint256 buyAmount,uint256 nonce,uint256 deadline)"
    );

    mapping(address => mapping(uint256 => bool)) public nonceUsed;

    constructor() EIP712("LimitOrderBook", "1") {}

    function fill(Order calldata o, uint256 fee, bytes calldata sig) external {
        require(block.timestamp <= o.deadline, "expired");
        require(!nonceUsed[o.maker][o.nonce], "used");
        require(fee <= o.buyAmount, "fee");
        bytes32 structHash = keccak256(
            abi.encode(ORDER_TYPEHASH, o.maker, o.sellToken, o.buyToken, o.sellAmount, o.buyAmount, o.nonce, o.deadline)
        );
        require(ECDSA.recover(_hashTypedDataV4(structHash), sig) == o.maker, "sig");
        nonceUsed[o.maker][o.nonce] = true;
        IERC20(o.buyToken).safeTransferFrom(msg.sender, o.maker, o.buyAmount - fee);
        IERC20(o.sellToken).safeTransferFrom(o.maker, msg.sender, o.sellAmount);
    }
}
