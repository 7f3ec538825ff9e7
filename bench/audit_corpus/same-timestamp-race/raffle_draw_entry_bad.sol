// [audit-corpus] same-timestamp-race | BAD | `claimPrize` accepts tickets with `joined <= d.drawnAt`, so a user who reads the drawer's seed from the mempool can join in the same block only when that seed makes them a winner.
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
        require(t != 0 && t <= d.drawnAt, "not in draw");
        require(uint256(keccak256(abi.encode(d.seed, msg.sender))) % ODDS == 0, "lost");
        joined[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: PRIZE}("");
        require(ok, "prize");
    }
}
