// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Seeded faults for the engine's value dictionary (tests/fuzz/test_dictionary.py): `poke` breaks on a
/// constant of the code, `close` on a ticket an earlier `open` returned. Neither is found by random words.
contract MagicNumbers {
    uint256 internal constant MAGIC = 0x5eedf00d1234;
    bool public broken;
    bool public brokenByTicket;
    uint256 internal opened;
    mapping(uint256 => bool) internal tickets;

    function poke(uint256 x) external {
        if (x == MAGIC) broken = true;
    }

    function open() external returns (uint256 ticket) {
        opened += 1;
        ticket = uint256(keccak256(abi.encode(opened, msg.sender))) >> 64;
        tickets[ticket] = true;
    }

    function close(uint256 ticket) external {
        if (tickets[ticket]) brokenByTicket = true;
    }
}
