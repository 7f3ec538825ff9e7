// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BugsBase} from "./BugsBase.sol";

interface IRouterSpot {
    function setSpot(address base, address quote, uint256 price) external;
    function getPrice(address base, address quote) external view returns (uint256 price, uint256 updatedAt);
}

interface IStrikeSelector {
    function select(address underlying, address strikeAsset, bool isPut) external view returns (uint256);
}

/// @dev The selector world (bench/faults/selector.py is its Python twin): the Vyper PercentOtmStrikeSelector over a
///      router stub, 10% out of the money on a grid of 50.
uint256 constant OTM_BPS = 1000;
uint256 constant GRID = 50e18;

contract SelectorHandler is BugsBase {
    IRouterSpot public immutable router;
    address public immutable weth;
    address public immutable usdc;

    constructor(IRouterSpot router_, address weth_, address usdc_) {
        router = router_;
        weth = weth_;
        usdc = usdc_;
    }

    function spot(uint256 raw) external {
        router.setSpot(weth, usdc, bound(raw, 1e15, 1e24));
    }
}

contract SelectorBugs is BugsBase {
    IRouterSpot internal router;
    IStrikeSelector internal selector;
    address internal weth;
    address internal usdc;

    function setUp() public {
        hevm.warp(START_TIME);
        address deployer = actor("deployer");
        weth = actor("weth");
        usdc = actor("usdc");
        router = IRouterSpot(deployCode("StubRouter", "", deployer));
        selector = IStrikeSelector(
            deployCode("PercentOtmStrikeSelector", abi.encode(address(router), OTM_BPS, GRID), deployer)
        );
        hevm.prank(deployer);
        router.setSpot(weth, usdc, 2000e18);
        SelectorHandler handler = new SelectorHandler(router, weth, usdc);
        bytes4[] memory selectors = new bytes4[](1);
        selectors[0] = SelectorHandler.spot.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev Both strikes lie on the grid, out of the money (a put at least one step: never 0).
    function invariant_world() public view {
        (uint256 price,) = router.getPrice(weth, usdc);
        uint256 callStrike = selector.select(weth, usdc, false);
        uint256 putStrike = selector.select(weth, usdc, true);
        require(
            callStrike % GRID == 0 && callStrike * 10_000 >= price * (10_000 + OTM_BPS),
            "call strike not out of the money"
        );
        require(putStrike % GRID == 0 && putStrike >= GRID, "put strike off the grid");
        require(
            putStrike * 10_000 <= price * (10_000 - OTM_BPS) || putStrike == GRID, "put strike not out of the money"
        );
    }
}
