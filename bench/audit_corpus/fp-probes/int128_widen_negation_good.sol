// [audit-corpus] fp-probes | GOOD | `close` negates `int256(p.size)` where size is stored as int128, so the widened value is never type(int256).min and the negation cannot overflow.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

interface IMark {
    function mark() external view returns (uint256); // 1e18
}

contract PerpLite {
    struct Position {
        int128 size;
        uint128 entry;
    }

    uint256 public constant FEE_BPS = 5;

    IMark public immutable markSource;
    mapping(address => Position) public positions;
    mapping(address => int256) public realized;

    constructor(IMark markSource_) {
        markSource = markSource_;
    }

    function open(int128 size) external {
        require(size != 0 && positions[msg.sender].size == 0, "args");
        positions[msg.sender] = Position(size, uint128(markSource.mark()));
    }

    function close() external {
        Position memory p = positions[msg.sender];
        require(p.size != 0, "none");
        delete positions[msg.sender];
        int256 wide = int256(p.size);
        uint256 qty = wide < 0 ? uint256(-wide) : uint256(wide);
        uint256 markPx = markSource.mark();
        int256 pnl = ((int256(markPx) - int256(uint256(p.entry))) * wide) / 1e18;
        uint256 fee = (((qty * markPx) / 1e18) * FEE_BPS) / 10_000;
        realized[msg.sender] += pnl - int256(fee);
    }
}
