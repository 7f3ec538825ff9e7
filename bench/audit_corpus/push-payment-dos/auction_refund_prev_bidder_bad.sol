// [audit-corpus] push-payment-dos | BAD | `bid` refunds the previous leader with `transfer`, so a leader contract that rejects ETH makes every higher bid revert and wins the auction at its price.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IERC721Like {
    function transferFrom(address from, address to, uint256 tokenId) external;
}

contract EnglishAuction {
    IERC721Like public immutable collection;
    uint256 public immutable lot;
    address public immutable seller;
    uint256 public immutable endsAt;

    address public leader;
    uint256 public leadingBid;
    uint256 public proceeds;
    bool public settled;

    constructor(IERC721Like collection_, uint256 lot_, uint256 duration) {
        collection = collection_;
        lot = lot_;
        seller = msg.sender;
        endsAt = block.timestamp + duration;
    }

    function bid() external payable {
        require(block.timestamp < endsAt, "ended");
        require(msg.value > leadingBid + leadingBid / 20, "increment");
        address prev = leader;
        uint256 prevAmount = leadingBid;
        leader = msg.sender;
        leadingBid = msg.value;
        if (prev != address(0)) {
            payable(prev).transfer(prevAmount);
        }
    }

    function settle() external {
        require(block.timestamp >= endsAt && !settled, "not over");
        settled = true;
        proceeds = leadingBid;
        if (leader != address(0)) {
            collection.transferFrom(address(this), leader, lot);
        } else {
            collection.transferFrom(address(this), seller, lot);
        }
    }

    function withdrawProceeds() external {
        require(msg.sender == seller, "seller");
        uint256 amount = proceeds;
        proceeds = 0;
        (bool ok, ) = seller.call{value: amount}("");
        require(ok, "proceeds");
    }
}
