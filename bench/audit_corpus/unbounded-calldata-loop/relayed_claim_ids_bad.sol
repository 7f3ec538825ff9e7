// [audit-corpus] unbounded-calldata-loop | BAD | `claimFor` loops over the user-signed `ids` array with no length cap, so a user can make the sponsoring relayer submit a claim that costs arbitrarily much gas (or exceeds the block limit) for the same flat fee.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

/// Gasless reward claims: users sign, the protocol's relayer submits and is
/// reimbursed a flat fee out of the claimed rewards.
contract SponsoredRewards {
    using SafeERC20 for IERC20;

    uint256 public constant RELAY_FEE = 5e18;

    IERC20 public immutable reward;
    address public immutable relayer;
    address public immutable distributor;

    mapping(uint256 => address) public ownerOf;
    mapping(uint256 => uint256) public accrued;
    mapping(address => uint256) public nonces;

    constructor(IERC20 reward_, address relayer_, address distributor_) {
        reward = reward_;
        relayer = relayer_;
        distributor = distributor_;
    }

    function register(uint256 id, address owner, uint256 amount) external {
        require(msg.sender == distributor, "distributor");
        require(ownerOf[id] == address(0) || ownerOf[id] == owner, "owner");
        ownerOf[id] = owner;
        accrued[id] += amount;
        reward.safeTransferFrom(msg.sender, address(this), amount);
    }

    function claimFor(address user, uint256[] calldata ids, bytes calldata sig) external {
        require(msg.sender == relayer, "relayer");
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(
            keccak256(abi.encode(address(this), block.chainid, user, nonces[user], keccak256(abi.encodePacked(ids))))
        );
        require(ECDSA.recover(digest, sig) == user, "sig");
        nonces[user]++;
        uint256 total;
        for (uint256 i = 0; i < ids.length; i++) {
            require(ownerOf[ids[i]] == user, "not owner");
            total += accrued[ids[i]];
            accrued[ids[i]] = 0;
        }
        require(total >= RELAY_FEE, "too small");
        reward.safeTransfer(relayer, RELAY_FEE);
        reward.safeTransfer(user, total - RELAY_FEE);
    }
}
