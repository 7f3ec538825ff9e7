// [audit-corpus] unbounded-calldata-loop | GOOD | `sendBatch` caps batches at MAX_BATCH recipients, and only the peer can deliver payloads, so `_applyBatch`'s decode-and-loop is bounded and cannot block the ordered inbox.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IMessenger {
    function sendMessage(bytes calldata payload) external;
}

/// Bridged points token deployed on both chains; messages between the two
/// peers are delivered strictly in order by the messenger.
contract BridgedPoints {
    uint256 public constant MAX_BATCH = 100;

    IMessenger public immutable messenger;
    address public immutable peer;

    uint64 public nextInbound;
    mapping(address => uint256) public balanceOf;

    event BatchSent(uint256 count, uint256 total);

    constructor(IMessenger messenger_, address peer_) {
        messenger = messenger_;
        peer = peer_;
    }

    function sendBatch(address[] calldata to, uint256[] calldata amounts) external {
        require(to.length == amounts.length, "length");
        require(to.length <= MAX_BATCH, "batch too large");
        uint256 total;
        for (uint256 i = 0; i < amounts.length; i++) {
            total += amounts[i];
        }
        balanceOf[msg.sender] -= total;
        messenger.sendMessage(abi.encode(to, amounts));
        emit BatchSent(to.length, total);
    }

    function receiveMessage(address from, uint64 nonce, bytes calldata payload) external {
        require(msg.sender == address(messenger) && from == peer, "auth");
        require(nonce == nextInbound, "order");
        nextInbound = nonce + 1;
        _applyBatch(payload);
    }

    function _applyBatch(bytes calldata payload) internal {
        (address[] memory to, uint256[] memory amounts) = abi.decode(payload, (address[], uint256[]));
        for (uint256 i = 0; i < to.length; i++) {
            balanceOf[to[i]] += amounts[i];
        }
    }
}
