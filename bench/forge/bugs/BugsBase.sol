// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {StrikeforgeTest} from "./StrikeforgeTest.sol";

/// @notice The cheatcodes the time-to-bug benchmark needs beyond StrikeforgeTest's (forge-std is not on npm).
interface VmBugs {
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function deal(address who, uint256 newBalance) external;
    function warp(uint256 timestamp) external;
    function readFile(string calldata path) external view returns (string memory);
    function parseBytes(string calldata text) external pure returns (bytes memory);
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);
    function addr(uint256 privateKey) external pure returns (address);
}

interface IERC20Like {
    function mint(address to, uint256 amount) external;
    function approve(address spender, uint256 amount) external returns (bool);
    function transfer(address to, uint256 amount) external returns (bool);
    function balanceOf(address who) external view returns (uint256);
    function totalSupply() external view returns (uint256);
}

/// @notice What every world of bench/fuzz_bugs.py shares with its Python twin (bench/faults/): the actors' addresses
///         (strikeforge.fuzz.chain.RevmChain.actor derives them from their labels the same way), the start time,
///         the funding, the time step, and deployment from the bytecode files the benchmark writes (code/<Name>.hex:
///         the very bytecode the Python engine deploys, patched or not).
abstract contract BugsBase is StrikeforgeTest {
    VmBugs internal constant hevm = VmBugs(address(uint160(uint256(keccak256("hevm cheat code")))));
    /// @dev strikeforge.fuzz.chain.DEFAULT_TIMESTAMP: both engines deploy the world at this time.
    uint256 internal constant START_TIME = 1_767_254_400;
    uint256 internal constant FUNDS = 1e24;

    function actor(string memory label) internal pure returns (address) {
        return address(uint160(uint256(keccak256(bytes(string.concat("strikeforge.actor.", label))))));
    }

    /// @dev Deploys code/<name>.hex with `args` appended, as `deployer`.
    function deployCode(string memory name, bytes memory args, address deployer) internal returns (address deployed) {
        bytes memory code = abi.encodePacked(hevm.parseBytes(hevm.readFile(string.concat("code/", name, ".hex"))), args);
        hevm.prank(deployer);
        assembly {
            deployed := create(0, add(code, 0x20), mload(code))
        }
        require(deployed != address(0), string.concat("create failed: ", name));
    }

    /// @dev The time handlers: 0 to 12 steps of `step` seconds.
    function warpBy(uint256 raw, uint256 step) internal {
        hevm.warp(block.timestamp + bound(raw, 0, 12) * step);
    }
}
