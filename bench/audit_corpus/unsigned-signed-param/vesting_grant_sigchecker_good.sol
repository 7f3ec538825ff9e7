// [audit-corpus] unsigned-signed-param | GOOD | `_grantDigest` covers beneficiary, total, start, duration and the per-beneficiary nonce, so every stored grant field is authorised by the governor.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// Grants are approved off-chain by the governor (an EOA or a Safe) and
/// submitted by the beneficiary.
contract SignedVesting {
    using SafeERC20 for IERC20;

    struct Grant {
        uint128 total;
        uint128 claimed;
        uint64 start;
        uint64 duration;
    }

    bytes32 private constant GRANT_TAG = keccak256("SignedVesting.Grant");

    IERC20 public immutable token;
    address public immutable governor;
    mapping(address => Grant) public grants;
    mapping(address => uint256) public grantNonce;

    constructor(IERC20 token_, address governor_) {
        token = token_;
        governor = governor_;
    }

    function createGrant(address beneficiary, uint128 total, uint64 start, uint64 duration, bytes calldata sig)
        external
    {
        require(grants[beneficiary].total == 0, "exists");
        require(duration > 0, "duration");
        bytes32 digest = _grantDigest(beneficiary, total, start, duration);
        require(SignatureChecker.isValidSignatureNow(governor, digest, sig), "sig");
        grantNonce[beneficiary]++;
        grants[beneficiary] = Grant(total, 0, start, duration);
    }

    function _grantDigest(address beneficiary, uint128 total, uint64 start, uint64 duration) internal view returns (bytes32) {
        bytes32 inner = keccak256(
            abi.encode(GRANT_TAG, address(this), block.chainid, beneficiary, total, start, duration, grantNonce[beneficiary])
        );
        return MessageHashUtils.toEthSignedMessageHash(inner);
    }

    function vested(address who) public view returns (uint256) {
        Grant memory g = grants[who];
        if (block.timestamp <= g.start) return 0;
        uint256 elapsed = block.timestamp - g.start;
        if (elapsed >= g.duration) return g.total;
        return (uint256(g.total) * elapsed) / g.duration;
    }

    function claim() external {
        Grant storage g = grants[msg.sender];
        uint256 amount = vested(msg.sender) - g.claimed;
        g.claimed += uint128(amount);
        token.safeTransfer(msg.sender, amount);
    }
}
