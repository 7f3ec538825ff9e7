// [audit-corpus] fp-probes | GOOD | `withdraw` pushes ETH with call+require only to msg.sender for its own balance (zeroed first), so a failing recipient can only block itself.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

contract PrizeLedger {
    address public immutable host;
    mapping(address => uint256) public balanceOf;

    constructor() {
        host = msg.sender;
    }

    function award(address[] calldata winners, uint256 each) external payable {
        require(msg.sender == host, "host");
        require(winners.length <= 50, "too many");
        require(msg.value == each * winners.length, "value");
        for (uint256 i = 0; i < winners.length; i++) {
            balanceOf[winners[i]] += each;
        }
    }

    function withdraw() external {
        uint256 amount = balanceOf[msg.sender];
        require(amount > 0, "nothing");
        balanceOf[msg.sender] = 0;
        (bool ok, ) = payable(msg.sender).call{value: amount}("");
        require(ok, "transfer failed");
    }
}
