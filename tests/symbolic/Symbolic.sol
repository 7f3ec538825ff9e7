// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @dev halmos' own cheatcodes (SVM), declared by hand: forge-std and halmos-cheatcodes are not installed.
interface SVM {
    function createUint(uint256 bits, string calldata name) external returns (uint256);
    function createInt(uint256 bits, string calldata name) external returns (int256);
    function createUint256(string calldata name) external returns (uint256);
    function createInt256(string calldata name) external returns (int256);
    function createBytes(uint256 length, string calldata name) external returns (bytes memory);
    function createBytes32(string calldata name) external returns (bytes32);
    function createAddress(string calldata name) external returns (address);
    function createBool(string calldata name) external returns (bool);
    function enableSymbolicStorage(address target) external;
}

/// @dev The hevm cheatcodes halmos implements, declared by hand.
interface Vm {
    function assume(bool condition) external pure;
    function warp(uint256 timestamp) external;
    function deal(address account, uint256 amount) external;
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function etch(address target, bytes calldata code) external;
    function store(address target, bytes32 slot, bytes32 value) external;
    function load(address target, bytes32 slot) external view returns (bytes32);
}

/// @dev Base of every symbolic check: the two cheatcode handles.
abstract contract SymbolicTest {
    SVM internal constant svm = SVM(0xF3993A62377BCd56AE39D773740A5390411E8BC9);
    Vm internal constant vm = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
}
