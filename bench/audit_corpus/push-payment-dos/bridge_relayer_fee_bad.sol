// [audit-corpus] push-payment-dos | BAD | `finalizeExit` pays the relayer's fee with `send` wrapped in require, so a relayer contract that rejects ETH makes the user's exit impossible to finalize.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IExitVerifier {
    function verify(bytes32 exitId, address recipient, uint256 amount, uint256 fee, bytes calldata proof)
        external
        view
        returns (bool);
}

contract FastExitBridge {
    struct Exit {
        address recipient;
        address relayer;
        uint256 amount;
        uint256 fee;
        uint64 readyAt;
        bool done;
    }

    uint256 public constant DELAY = 1 hours;

    IExitVerifier public immutable verifier;
    mapping(bytes32 => Exit) public exits;

    constructor(IExitVerifier verifier_) {
        verifier = verifier_;
    }

    receive() external payable {}

    function submitExit(bytes32 exitId, address recipient, uint256 amount, uint256 fee, bytes calldata proof)
        external
    {
        require(exits[exitId].recipient == address(0), "known");
        require(fee < amount, "fee");
        require(verifier.verify(exitId, recipient, amount, fee, proof), "proof");
        exits[exitId] = Exit(recipient, msg.sender, amount, fee, uint64(block.timestamp + DELAY), false);
    }

    function finalizeExit(bytes32 exitId) external {
        Exit storage e = exits[exitId];
        require(msg.sender == e.recipient, "recipient");
        require(!e.done && block.timestamp >= e.readyAt, "not ready");
        e.done = true;
        require(payable(e.relayer).send(e.fee), "fee");
        (bool ok, ) = e.recipient.call{value: e.amount - e.fee}("");
        require(ok, "exit");
    }
}
