// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOracleRouter} from "../../contracts/interfaces/IOracleRouter.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {OptionsEngine} from "../../contracts/options/OptionsEngine.sol";
import {SymbolicTest} from "./Symbolic.sol";
import {SymbolicRouter} from "./mocks/SymbolicRouter.sol";

/// @notice OptionsEngine's collateral rule (its invariants 1 and 2) on the real contract, for any strike, settlement
///         price and amount below 2^96 (options up to ~7.9e10 whole units; prices up to ~7.9e10 strike units per
///         underlying; WETH 18 / USDC 6 decimals). Proved (check_*): a holder's payout never exceeds the collateral
///         written for its options (every redemption that succeeds). Stated but not proved (deep_*, `strikeforge
///         prove --match '^deep_'`; the solvers do not finish the 512-bit mulDiv paths of write, redeem and reclaim
///         together, nor prove that a redemption cannot revert): with two holders, every redemption and the writer's
///         reclaim succeed, and payouts plus the reclaim equal the collateral up to the rounding dust.
contract OptionsEngineCollateralTest is SymbolicTest {
    uint64 internal constant EXPIRY = 1_767_945_600; // Friday 2026-01-09 08:00 UTC
    address internal constant HOLDER_1 = address(0x1001);
    address internal constant HOLDER_2 = address(0x1002);
    uint256 internal constant BOUND = 2 ** 96;

    SymbolicRouter internal router;
    OptionsEngine internal engine;
    MockERC20 internal underlying;
    MockERC20 internal strikeAsset;

    function setUp() public {
        vm.warp(EXPIRY - 3 days);
        router = new SymbolicRouter();
        engine = new OptionsEngine(IOracleRouter(address(router)), address(this));
        engine.grantRole(engine.SERIES_CREATOR_ROLE(), address(this));
        underlying = new MockERC20("Wrapped Ether", "WETH", 18);
        strikeAsset = new MockERC20("USD Coin", "USDC", 6);
    }

    /// @dev A series struck at `strike` (the routed spot too), `amount` written to `holder`, settled at `price`.
    function _settledSeries(bool isPut, uint256 strike, uint256 price, uint256 amount, address holder)
        internal
        returns (uint256 id, MockERC20 asset)
    {
        vm.assume(0 < strike && strike < BOUND && 0 < price && price < BOUND && 0 < amount && amount < BOUND);
        router.set(strike, price);
        id = engine.createSeries(address(underlying), address(strikeAsset), strike, EXPIRY, isPut);
        asset = isPut ? strikeAsset : underlying;
        asset.mint(address(this), type(uint192).max);
        asset.approve(address(engine), type(uint256).max);
        engine.write(id, amount, holder);
    }

    function _settle(uint256 id) internal {
        vm.warp(EXPIRY);
        engine.settle(id);
    }

    function _redeem(uint256 id, address holder, uint256 amount) internal returns (uint256 payout) {
        vm.prank(holder);
        try engine.redeem(id, amount) returns (uint256 paid) {
            payout = paid;
        } catch {
            assert(false); // a holder can always redeem a settled series
        }
    }

    function _payoutWithinCollateral(bool isPut, uint256 strike, uint256 price, uint256 amount) internal {
        (uint256 id,) = _settledSeries(isPut, strike, price, amount, HOLDER_1);
        uint256 collateral = engine.seriesCollateral(id);
        _settle(id);
        vm.prank(HOLDER_1);
        assert(engine.redeem(id, amount) <= collateral);
    }

    function check_putPayoutWithinCollateral(uint256 strike, uint256 price, uint256 amount) public {
        _payoutWithinCollateral(true, strike, price, amount);
    }

    function check_callPayoutWithinCollateral(uint256 strike, uint256 price, uint256 amount) public {
        _payoutWithinCollateral(false, strike, price, amount);
    }

    function deep_payoutsPlusReclaimAreTheCollateral(bool isPut, uint256 strike, uint256 price, uint256 q1, uint256 q2)
        public
    {
        (uint256 id, MockERC20 asset) = _settledSeries(isPut, strike, price, q1, HOLDER_1);
        vm.assume(0 < q2 && q2 < BOUND);
        engine.write(id, q2, HOLDER_2);
        uint256 collateral = engine.seriesCollateral(id);
        _settle(id);
        uint256 paid = _redeem(id, HOLDER_1, q1) + _redeem(id, HOLDER_2, q2);
        uint256 reclaimed;
        try engine.reclaim(id) returns (uint256 amount) {
            reclaimed = amount;
        } catch {
            assert(false); // the writer can always reclaim after settlement
        }
        assert(paid + reclaimed <= collateral);
        assert(collateral - paid - reclaimed <= 2); // ceil(X1 + X2) - floor(X1) - floor(X2) < 3
        assert(asset.balanceOf(address(engine)) == collateral - paid - reclaimed);
    }
}
