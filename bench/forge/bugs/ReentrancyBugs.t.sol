// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BugsBase, IERC20Like} from "./BugsBase.sol";
import {ILedgerCash, LedgerCashHandlers} from "./LedgerHandlers.sol";

interface IDepositor {
    function depositTwice(uint256 outer, uint256 inner) external;
}

/// @dev The reentrancy world (bench/faults/reentrancy.py is its Python twin): SettlementLedger whose cash token calls
///      a sender that opted in before moving its tokens (ERC-777 style), and one such account, a ReentrantDepositor,
///      beside three plain ones. Same periods as the ledger world; no batches.
contract ReentrancyHandler is LedgerCashHandlers {
    ILedgerCash public immutable ledger;
    IDepositor public immutable depositor;

    constructor(ILedgerCash ledger_, IERC20Like cash_, IDepositor depositor_, address[3] memory actors_)
        LedgerCashHandlers(cash_, actors_)
    {
        ledger = ledger_;
        depositor = depositor_;
    }

    function _cashLedger() internal view override returns (ILedgerCash) {
        return ledger;
    }

    /// @dev The hooked account deposits `outer` and, from inside that transfer, `inner` more (0: none).
    function depositHooked(uint256 rawOuter, uint256 rawInner) external {
        uint256 held = cash.balanceOf(address(depositor));
        if (held == 0) return;
        uint256 outer = bound(rawOuter, 1, held);
        uint256 inner = bound(rawInner, 0, held - outer);
        try depositor.depositTwice(outer, inner) {} catch {}
    }

    function withdraw(uint256 seed, uint256 raw) external {
        address a = actors[seed % 3];
        uint256 balance = ledger.balanceOf(a);
        if (balance == 0) return;
        uint256 amount = bound(raw, 1, balance);
        hevm.prank(a);
        try ledger.withdraw(amount) {} catch {}
    }

    function warp(uint256 raw) external {
        warpBy(raw, 600);
    }
}

contract ReentrancyBugs is BugsBase {
    ILedgerCash internal ledger;
    IERC20Like internal cash;
    address internal depositor;
    ReentrancyHandler internal handler;
    address[3] internal actors;

    function setUp() public {
        hevm.warp(START_TIME);
        address deployer = actor("deployer");
        actors = [actor("alice"), actor("bob"), actor("carol")];
        cash = IERC20Like(deployCode("HookERC20", "", deployer));
        ledger = ILedgerCash(
            deployCode(
                "SettlementLedger",
                abi.encode(
                    address(cash),
                    actor("engine"),
                    uint256(3600),
                    uint256(1 ether),
                    uint256(7200),
                    uint256(7200),
                    actor("treasury"),
                    deployer
                ),
                deployer
            )
        );
        depositor = deployCode("ReentrantDepositor", abi.encode(address(ledger), address(cash)), deployer);
        hevm.startPrank(deployer);
        for (uint256 i; i < 3; ++i) {
            cash.mint(actors[i], FUNDS);
        }
        cash.mint(depositor, FUNDS);
        hevm.stopPrank();
        for (uint256 i; i < 3; ++i) {
            hevm.prank(actors[i]);
            cash.approve(address(ledger), type(uint256).max);
        }
        handler = new ReentrancyHandler(ledger, cash, IDepositor(depositor), actors);
        bytes4[] memory selectors = new bytes4[](5);
        selectors[0] = LedgerCashHandlers.deposit.selector;
        selectors[1] = ReentrancyHandler.depositHooked.selector;
        selectors[2] = LedgerCashHandlers.request.selector;
        selectors[3] = ReentrancyHandler.withdraw.selector;
        selectors[4] = ReentrancyHandler.warp.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev One campaign checks every property after every call (forge runs one campaign per invariant function).
    function invariant_world() public view {
        _conservation();
    }

    /// @dev Solvency: the cash held equals every account's balance (no batches here).
    function _conservation() internal view {
        uint256 balances = ledger.balanceOf(depositor);
        for (uint256 i; i < 3; ++i) {
            balances += ledger.balanceOf(actors[i]);
        }
        require(cash.balanceOf(address(ledger)) == balances, "cash held != balances");
    }
}
