// [audit-corpus] same-timestamp-race | GOOD | A ticket only counts for draws posted at least NOTICE after joining (`t + NOTICE <= d.drawnAt`), so a seed seen in the mempool cannot be acted on.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

contract OpenRaffle {
    struct Draw {
        bytes32 seed;
        uint64 drawnAt;
    }

    uint256 public constant TICKET = 0.01 ether;
    uint256 public constant PRIZE = 0.05 ether;
    uint256 public constant ODDS = 10;
    uint256 public constant NOTICE = 10 minutes;

    address public immutable drawer;
    uint256 public drawCount;
    mapping(uint256 => Draw) public draws;
    mapping(address => uint64) public joined;

    constructor(address drawer_) payable {
        drawer = drawer_;
    }

    function join() external payable {
        require(msg.value == TICKET, "ticket");
        require(joined[msg.sender] == 0, "joined");
        joined[msg.sender] = uint64(block.timestamp);
    }

    function postDraw(bytes32 seed) external {
        require(msg.sender == drawer, "drawer");
        draws[drawCount++] = Draw(seed, uint64(block.timestamp));
    }

    function claimPrize(uint256 drawId) external {
        Draw memory d = draws[drawId];
        require(d.drawnAt != 0, "no draw");
        uint64 t = joined[msg.sender];
        require(t != 0 && t + NOTICE <= d.drawnAt, "not in draw");
        require(uint256(keccak256(abi.encode(d.seed, msg.sender))) % ODDS == 0, "lost");
        joined[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: PRIZE}("");
        require(ok, "prize");
    }
}
