// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BugsBase, IERC20Like} from "./BugsBase.sol";

interface IRouterStub {
    function setSpot(address base, address quote, uint256 price) external;
    function setExpiryPrice(address base, address quote, uint256 expiry, uint256 price) external;
    function is_expiry_price_final(address base, address quote, uint256 expiry) external view returns (bool);
}

interface IEngine {
    function SERIES_CREATOR_ROLE() external view returns (bytes32);
    function grantRole(bytes32 role, address account) external;
    function createSeries(address underlying, address strikeAsset, uint256 strike, uint64 expiry, bool isPut)
        external
        returns (uint256);
    function write(uint256 seriesId, uint256 amount, address to) external returns (uint256);
    function burn(uint256 seriesId, uint256 amount) external returns (uint256);
    function settle(uint256 seriesId) external returns (uint256);
    function redeem(uint256 seriesId, uint256 amount) external returns (uint256);
    function reclaim(uint256 seriesId) external returns (uint256);
    function seriesCollateral(uint256 seriesId) external view returns (uint256);
    function written(uint256 seriesId, address writer) external view returns (uint256);
    function collateralOf(uint256 seriesId, address writer) external view returns (uint256);
    function isSettled(uint256 seriesId) external view returns (bool);
    function tokenOf(uint256 seriesId) external view returns (address);
    function payoutFor(uint256 seriesId, uint256 amount) external view returns (uint256);
    function series(uint256 seriesId)
        external
        view
        returns (address, address, uint64, bool, bool, uint8, uint8, uint256, uint256);
}

/// @dev The options world (bench/faults/options.py is its Python twin): WETH (18 decimals) and USDC (6), a router
///      stub at 2,000 USDC, a call (series 1, collateral WETH) and a put (series 2, collateral USDC) struck at 2,000
///      expiring the next Friday 08:00 (one day after the start).
uint256 constant STRIKE = 2000e18;
uint256 constant EXPIRY = 1_767_340_800;
uint256 constant MAX_WRITE = 1000e18;

contract OptionsHandler is BugsBase {
    IEngine public immutable engine;
    IRouterStub public immutable router;
    IERC20Like public immutable weth;
    IERC20Like public immutable usdc;
    address[3] public actors;
    IERC20Like[3] public tokens; // by series id (1: call, 2: put)

    constructor(IEngine engine_, IRouterStub router_, IERC20Like weth_, IERC20Like usdc_, address[3] memory actors_) {
        engine = engine_;
        router = router_;
        weth = weth_;
        usdc = usdc_;
        actors = actors_;
        tokens[1] = IERC20Like(engine_.tokenOf(1));
        tokens[2] = IERC20Like(engine_.tokenOf(2));
    }

    function write(uint256 seed, uint256 raw) external {
        address a = actors[seed % 3];
        uint256 s = 1 + (seed / 3) % 2;
        uint256 amount = bound(raw, 1, MAX_WRITE);
        hevm.prank(a);
        try engine.write(s, amount, a) {} catch {}
    }

    function burn(uint256 seed, uint256 raw) external {
        address a = actors[seed % 3];
        uint256 s = 1 + (seed / 3) % 2;
        uint256 writtenBy = engine.written(s, a);
        uint256 held = tokens[s].balanceOf(a);
        uint256 most = writtenBy < held ? writtenBy : held;
        if (most == 0) return;
        uint256 amount = bound(raw, 1, most);
        hevm.prank(a);
        try engine.burn(s, amount) {} catch {}
    }

    function transfer(uint256 seed, uint256 raw) external {
        address from = actors[seed % 3];
        address to = actors[(seed / 3) % 3];
        uint256 s = 1 + (seed / 9) % 2;
        uint256 amount = bound(raw, 0, tokens[s].balanceOf(from));
        hevm.prank(from);
        try tokens[s].transfer(to, amount) {} catch {}
    }

    function warp(uint256 raw) external {
        warpBy(raw, 3600);
    }

    /// @dev After expiry: records the expiry price (the first settle's; final afterwards) and settles both series.
    function settle(uint256 raw) external {
        if (block.timestamp < EXPIRY) return;
        uint256 price = bound(raw, 1000e18, 8000e18);
        if (!router.is_expiry_price_final(address(weth), address(usdc), EXPIRY)) {
            router.setExpiryPrice(address(weth), address(usdc), EXPIRY, price);
        }
        try engine.settle(1) {} catch {}
        try engine.settle(2) {} catch {}
    }

    function redeem(uint256 seed, uint256 raw) external {
        address a = actors[seed % 3];
        uint256 s = 1 + (seed / 3) % 2;
        uint256 held = tokens[s].balanceOf(a);
        if (held == 0) return;
        uint256 amount = bound(raw, 1, held);
        hevm.prank(a);
        try engine.redeem(s, amount) {} catch {}
    }

    function reclaim(uint256 seed) external {
        address a = actors[seed % 3];
        uint256 s = 1 + (seed / 3) % 2;
        hevm.prank(a);
        try engine.reclaim(s) {} catch {}
    }
}

contract OptionsBugs is BugsBase {
    IEngine internal engine;
    IERC20Like internal weth;
    IERC20Like internal usdc;
    OptionsHandler internal handler;
    address[3] internal actors;

    function setUp() public {
        hevm.warp(START_TIME);
        address deployer = actor("deployer");
        actors = [actor("alice"), actor("bob"), actor("carol")];
        weth = IERC20Like(deployCode("MockERC20", abi.encode("Wrapped Ether", "WETH", uint8(18)), deployer));
        usdc = IERC20Like(deployCode("MockERC20", abi.encode("USD Coin", "USDC", uint8(6)), deployer));
        IRouterStub router = IRouterStub(deployCode("StubRouter", "", deployer));
        engine = IEngine(deployCode("OptionsEngine", abi.encode(address(router), deployer), deployer));
        hevm.startPrank(deployer);
        router.setSpot(address(weth), address(usdc), STRIKE);
        engine.grantRole(engine.SERIES_CREATOR_ROLE(), deployer);
        engine.createSeries(address(weth), address(usdc), STRIKE, uint64(EXPIRY), false);
        engine.createSeries(address(weth), address(usdc), STRIKE, uint64(EXPIRY), true);
        for (uint256 i; i < 3; ++i) {
            weth.mint(actors[i], FUNDS);
            usdc.mint(actors[i], FUNDS);
        }
        hevm.stopPrank();
        for (uint256 i; i < 3; ++i) {
            hevm.prank(actors[i]);
            weth.approve(address(engine), type(uint256).max);
            hevm.prank(actors[i]);
            usdc.approve(address(engine), type(uint256).max);
        }
        handler = new OptionsHandler(engine, router, weth, usdc, actors);
        bytes4[] memory selectors = new bytes4[](7);
        selectors[0] = OptionsHandler.write.selector;
        selectors[1] = OptionsHandler.burn.selector;
        selectors[2] = OptionsHandler.transfer.selector;
        selectors[3] = OptionsHandler.warp.selector;
        selectors[4] = OptionsHandler.settle.selector;
        selectors[5] = OptionsHandler.redeem.selector;
        selectors[6] = OptionsHandler.reclaim.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev Collateral a writer must hold for `amount` options: one WETH each (call), ceil(amount * K) USDC (put).
    function _need(uint256 s, uint256 amount) internal pure returns (uint256) {
        if (s == 1) return amount;
        return (amount * STRIKE * 1e6 + 1e36 - 1) / 1e36;
    }

    /// @dev What `amount` options pay at `price`, rounded up: q * (S - K) / S WETH (call), q * (K - S) USDC (put).
    function _payoutUp(uint256 s, uint256 amount, uint256 price) internal pure returns (uint256) {
        if (s == 1) return price <= STRIKE ? 0 : (amount * (price - STRIKE) + price - 1) / price;
        return price >= STRIKE ? 0 : (amount * (STRIKE - price) * 1e6 + 1e36 - 1) / 1e36;
    }

    /// @dev One campaign checks every property after every call (forge runs one campaign per invariant function).
    function invariant_world() public view {
        _collateralized();
        _covered();
    }

    /// @dev Every writer holds the full collateral of the options it wrote and has not burned.
    function _collateralized() internal view {
        for (uint256 s = 1; s <= 2; ++s) {
            for (uint256 i; i < 3; ++i) {
                require(
                    engine.collateralOf(s, actors[i]) >= _need(s, engine.written(s, actors[i])),
                    "writer under-collateralized"
                );
            }
        }
    }

    /// @dev The engine holds each series' collateral; a settled series covers every outstanding option's payout, and
    ///      no option pays more than its collateral.
    function _covered() internal view {
        require(weth.balanceOf(address(engine)) == engine.seriesCollateral(1), "WETH held != call collateral");
        require(usdc.balanceOf(address(engine)) == engine.seriesCollateral(2), "USDC held != put collateral");
        for (uint256 s = 1; s <= 2; ++s) {
            if (!engine.isSettled(s)) continue;
            (,,,,,,,, uint256 price) = engine.series(s);
            uint256 supply = IERC20Like(engine.tokenOf(s)).totalSupply();
            require(engine.seriesCollateral(s) >= _payoutUp(s, supply, price), "outstanding options not covered");
            require(engine.payoutFor(s, 1e18) <= _need(s, 1e18), "an option pays more than its collateral");
        }
    }
}
