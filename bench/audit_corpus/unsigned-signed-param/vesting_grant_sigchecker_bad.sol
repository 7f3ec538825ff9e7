// [audit-corpus] unsigned-signed-param | BAD | `createGrant` stores the caller-supplied `duration`, but the governor-signed digest built by `_grantDigest` omits it, so the beneficiary can submit duration = 1 and vest the whole grant immediately.
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
        bytes32 digest = _grantDigest(beneficiary, total, start);
        require(SignatureChecker.isValidSignatureNow(governor, digest, sig), "sig");
        grantNonce[beneficiary]++;
        grants[beneficiary] = Grant(total, 0, start, duration);
    }

    function _grantDigest(address beneficiary, uint128 total, uint64 start) internal view returns (bytes32) {
        bytes32 inner = keccak256(
            abi.encode(GRANT_TAG, address(this), block.chainid, beneficiary, total, start, grantNonce[beneficiary])
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
