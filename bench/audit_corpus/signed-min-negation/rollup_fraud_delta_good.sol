// [audit-corpus] signed-min-negation | GOOD | `challenge` computes the magnitude in uint256 as `uint256(-(d + 1)) + 1` for negative d, which is exact for every int256 including type(int256).min, so no batch escapes the fraud proof.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Optimistic ledger: a bonded proposer posts the net liability change of each
/// batch; within the window anyone can prove a batch implausible and take the bond.
contract BatchLedger {
    struct Batch {
        address proposer;
        int256 claimed;
        uint64 postedAt;
        bool finalized;
    }

    uint256 public constant WINDOW = 1 days;
    uint256 public constant BOND = 10 ether;
    uint256 public constant MAX_BATCH_DELTA = 1_000_000 ether;

    uint256 public nextId;
    int256 public liabilities;
    mapping(uint256 => Batch) public batches;
    mapping(address => uint256) public credit;

    event Proposed(uint256 indexed id, address indexed proposer, int256 claimed);
    event Slashed(uint256 indexed id, address indexed challenger);

    function propose(int256 claimed) external payable returns (uint256 id) {
        require(msg.value == BOND, "bond");
        id = nextId++;
        batches[id] = Batch(msg.sender, claimed, uint64(block.timestamp), false);
        emit Proposed(id, msg.sender, claimed);
    }

    function challenge(uint256 id) external {
        Batch storage b = batches[id];
        require(b.proposer != address(0) && !b.finalized, "state");
        require(block.timestamp < b.postedAt + WINDOW, "window");
        int256 d = b.claimed;
        uint256 magnitude;
        unchecked {
            magnitude = d < 0 ? uint256(-(d + 1)) + 1 : uint256(d);
        }
        require(magnitude > MAX_BATCH_DELTA, "plausible");
        b.finalized = true;
        credit[msg.sender] += BOND;
        emit Slashed(id, msg.sender);
    }

    function finalize(uint256 id) external {
        Batch storage b = batches[id];
        require(b.proposer != address(0) && !b.finalized, "state");
        require(block.timestamp >= b.postedAt + WINDOW, "window");
        b.finalized = true;
        liabilities += b.claimed;
        credit[b.proposer] += BOND;
    }

    function withdrawCredit() external {
        uint256 amount = credit[msg.sender];
        credit[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "send");
    }
}
