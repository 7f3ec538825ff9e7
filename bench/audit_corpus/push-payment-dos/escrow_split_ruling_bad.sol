// [audit-corpus] push-payment-dos | BAD | `resolve` pushes both legs of a split ruling through `_payout`, which requires the call to succeed, so a buyer or seller contract that rejects ETH blocks the arbiter's ruling for the other party.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

contract ArbitratedEscrow {
    struct Deal {
        address buyer;
        address seller;
        uint256 amount;
        bool disputed;
        bool closed;
    }

    uint256 public constant ARBITER_FEE_BPS = 100;

    address public immutable arbiter;
    uint256 public nextDeal;
    mapping(uint256 => Deal) public deals;
    mapping(address => uint256) public owed;

    constructor(address arbiter_) {
        arbiter = arbiter_;
    }

    function open(address seller) external payable returns (uint256 id) {
        require(msg.value > 0 && seller != address(0), "args");
        id = nextDeal++;
        deals[id] = Deal(msg.sender, seller, msg.value, false, false);
    }

    function release(uint256 id) external {
        Deal storage d = deals[id];
        require(msg.sender == d.buyer && !d.closed && !d.disputed, "state");
        d.closed = true;
        owed[d.seller] += d.amount;
    }

    function raiseDispute(uint256 id) external {
        Deal storage d = deals[id];
        require(msg.sender == d.buyer || msg.sender == d.seller, "party");
        require(!d.closed, "closed");
        d.disputed = true;
    }

    function resolve(uint256 id, uint16 buyerBps) external {
        require(msg.sender == arbiter, "arbiter");
        require(buyerBps <= 10_000, "bps");
        Deal storage d = deals[id];
        require(d.disputed && !d.closed, "state");
        d.closed = true;
        uint256 fee = (d.amount * ARBITER_FEE_BPS) / 10_000;
        uint256 rest = d.amount - fee;
        uint256 toBuyer = (rest * buyerBps) / 10_000;
        owed[arbiter] += fee;
        _payout(d.buyer, toBuyer);
        _payout(d.seller, rest - toBuyer);
    }

    function _payout(address to, uint256 amount) private {
        if (amount == 0) return;
        (bool ok, ) = to.call{value: amount}("");
        require(ok, "payout failed");
    }

    function withdraw() external {
        uint256 amount = owed[msg.sender];
        owed[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "withdraw");
    }
}
