// [audit-corpus] unsigned-signed-param | BAD | `redeem` pays `to`, but the ecrecover digest covers only amount/nonce/contract/chain, so anyone who sees a voucher in the mempool can redeem it to their own address.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IERC20Min {
    function transfer(address to, uint256 amount) external returns (bool);
}

/// Off-chain issued payout vouchers (e.g. bug-bounty or rebate payouts).
contract VoucherDesk {
    IERC20Min public immutable token;
    address public immutable issuer;
    mapping(uint256 => bool) public spent;

    event Redeemed(uint256 indexed nonce, address indexed to, uint256 amount);

    constructor(IERC20Min token_, address issuer_) {
        token = token_;
        issuer = issuer_;
    }

    function redeem(address to, uint256 amount, uint256 nonce, uint8 v, bytes32 r, bytes32 s) external {
        require(!spent[nonce], "spent");
        bytes32 h = keccak256(abi.encode(amount, nonce, address(this), block.chainid));
        bytes32 ethHash = keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", h));
        address who = ecrecover(ethHash, v, r, s);
        require(who != address(0) && who == issuer, "bad sig");
        spent[nonce] = true;
        require(token.transfer(to, amount), "transfer");
        emit Redeemed(nonce, to, amount);
    }
}
