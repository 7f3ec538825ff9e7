// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {StrikeforgeTest} from "./StrikeforgeTest.sol";
import {Bytecode} from "./Bytecode.sol";

interface IToken {
    function mint(address to, uint256 amount) external;
    function approve(address spender, uint256 amount) external returns (bool);
    function transfer(address to, uint256 amount) external returns (bool);
    function balanceOf(address who) external view returns (uint256);
}

interface IVault {
    function deposit(uint256 assets, address receiver) external returns (uint256);
    function withdraw(uint256 assets, address receiver, address owner) external returns (uint256);
    function redeem(uint256 shares, address receiver, address owner) external returns (uint256);
    function totalAssets() external view returns (uint256);
    function totalSupply() external view returns (uint256);
    function balanceOf(address who) external view returns (uint256);
    function maxWithdraw(address owner) external view returns (uint256);
}

uint256 constant START = 1_000_000e18;

/// @notice The benchmark's call mix: the same four handlers, with the same bounds, as bench/fuzz_throughput.py.
contract VaultHandler is StrikeforgeTest {
    IToken public immutable token;
    IVault public immutable vault;
    address[3] public actors;

    constructor(IToken token_, IVault vault_, address[3] memory actors_) {
        token = token_;
        vault = vault_;
        actors = actors_;
    }

    function deposit(uint256 seed, uint256 assets) external {
        address a = actors[seed % 3];
        assets = bound(assets, 0, token.balanceOf(a));
        vm.prank(a);
        vault.deposit(assets, a);
    }

    function withdraw(uint256 seed, uint256 assets) external {
        address a = actors[seed % 3];
        assets = bound(assets, 0, vault.maxWithdraw(a));
        vm.prank(a);
        vault.withdraw(assets, a, a);
    }

    function redeem(uint256 seed, uint256 fraction) external {
        address a = actors[seed % 3];
        uint256 shares = vault.balanceOf(a) * bound(fraction, 0, 100) / 100;
        vm.prank(a);
        vault.redeem(shares, a, a);
    }

    function donate(uint256 seed, uint256 assets) external {
        address a = actors[seed % 3];
        assets = bound(assets, 0, token.balanceOf(a));
        vm.prank(a);
        token.transfer(address(vault), assets);
    }
}

/// @notice Both invariants in one function, checked after every call of one campaign (as on the Python side).
contract VaultInvariants is StrikeforgeTest {
    IToken internal token;
    IVault internal vault;
    VaultHandler internal handler;
    address[3] internal actors = [address(0xA11CE), address(0xB0B), address(0xCA401)];

    function setUp() public {
        token = IToken(_create(abi.encodePacked(Bytecode.TOKEN, abi.encode("Mock USD", "mUSD", uint8(18)))));
        vault = IVault(_create(abi.encodePacked(Bytecode.VAULT, abi.encode(address(token), uint8(0)))));
        handler = new VaultHandler(token, vault, actors);
        for (uint256 i = 0; i < 3; i++) {
            token.mint(actors[i], START);
            vm.prank(actors[i]);
            token.approve(address(vault), type(uint256).max);
        }
        bytes4[] memory selectors = new bytes4[](4);
        selectors[0] = VaultHandler.deposit.selector;
        selectors[1] = VaultHandler.withdraw.selector;
        selectors[2] = VaultHandler.redeem.selector;
        selectors[3] = VaultHandler.donate.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    function invariant_vault_accounting() public view {
        require(vault.totalAssets() == token.balanceOf(address(vault)), "totalAssets != vault balance");
        uint256 sum = vault.balanceOf(actors[0]) + vault.balanceOf(actors[1]) + vault.balanceOf(actors[2]);
        require(vault.totalSupply() == sum, "totalSupply != sum of balances");
    }

    function _create(bytes memory code) internal returns (address deployed) {
        assembly {
            deployed := create(0, add(code, 0x20), mload(code))
        }
        require(deployed != address(0), "create failed");
    }
}
