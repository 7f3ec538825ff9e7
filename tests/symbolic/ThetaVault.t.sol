// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ThetaVaultArtifact} from ".cache/symbolic/vyper/ThetaVaultArtifact.sol";

import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {SymbolicTest} from "./Symbolic.sol";
import {VaultPeerStub} from "./mocks/Stubs.sol";

interface IThetaVault {
    function deposit(uint256 assets, address receiver) external returns (uint256);
    function maxDeposit(address controller) external view returns (uint256);
    function maxMint(address controller) external view returns (uint256);
    function maxRedeem(address controller) external view returns (uint256);
    function maxWithdraw(address controller) external view returns (uint256);
    function mint(uint256 shares, address receiver) external returns (uint256);
    function redeem(uint256 shares, address receiver, address controller) external returns (uint256);
    function withdraw(uint256 assets, address receiver, address controller) external returns (uint256);
    function convertToShares(uint256 assets) external view returns (uint256);
    function convertToAssets(uint256 shares) external view returns (uint256);
    function totalAssets() external view returns (uint256);
}

/// @notice ThetaVault (Vyper, deployed from its bytecode). Proved (check_*): previewDeposit/previewMint/
///         previewRedeem/previewWithdraw revert AsyncFlow() for every input (ERC-7540: the vault is asynchronous, so
///         its rounding lives in the claims), and no claim takes more than is claimable. Stated but not proved
///         (deep_*, `strikeforge prove --match '^deep_'`): every conversion rounds against the caller, as the exact
///         EVM floor or ceiling of the rational amount (deposit and redeem down, mint and withdraw up, convertToShares
///         and convertToAssets down). Those need 256-bit multiplication and division inside snekmate's 512-bit
///         mul_div, which neither yices nor z3 settles within minutes, even with the claim state fixed and only the
///         amount symbolic.
/// @dev The vault's state is written straight into its storage (slots from `vyper -f layout`): claimable amounts and
///      supplies are symbolic below 2^128, the vault's own bound (CAP <= 2^128; claims and roll prices pack two
///      128-bit halves in one slot).
/// @custom:halmos --storage-layout generic
contract ThetaVaultRoundingTest is SymbolicTest {
    uint256 internal constant HALF = 2 ** 128;
    address internal constant RECEIVER = address(0xBEEF);
    bytes4 internal constant EXCEEDS_CLAIMABLE = bytes4(keccak256("ExceedsClaimable(uint256,uint256)"));

    MockERC20 internal asset;
    IThetaVault internal vault;

    function setUp() public {
        asset = new MockERC20("Wrapped Ether", "WETH", 18);
        MockERC20 strikeAsset = new MockERC20("USD Coin", "USDC", 6);
        VaultPeerStub peer = new VaultPeerStub();
        bytes memory args = abi.encode(
            address(asset),
            address(peer), // engine
            address(asset), // underlying: a call vault
            address(strikeAsset),
            false,
            HALF - 1, // cap
            address(peer), // strike selector
            address(peer), // auction
            address(this), // admin
            "Strikeforge theta WETH",
            "tWETH"
        );
        bytes memory initcode = bytes.concat(ThetaVaultArtifact.INITCODE, args);
        address deployed;
        assembly ("memory-safe") {
            deployed := create(0, add(initcode, 32), mload(initcode))
        }
        require(deployed != address(0), "ThetaVault deployment failed");
        vault = IThetaVault(deployed);
    }

    function _store(uint256 slot, uint256 value) internal {
        vm.store(address(vault), bytes32(slot), bytes32(value));
    }

    /// @dev Vyper's HashMap slot: keccak256(slot . key).
    function _storeAt(uint256 slot, address key, uint256 value) internal {
        vm.store(address(vault), keccak256(abi.encode(slot, key)), bytes32(value));
    }

    function _claimable(uint256 slot, uint256 high, uint256 low) internal {
        vm.assume(0 < high && high < HALF && 0 < low && low < HALF);
        _storeAt(slot, address(this), (high << 128) | low);
    }

    function _reverted(bytes memory call, bytes4 error) internal view returns (bool) {
        (bool ok, bytes memory data) = address(vault).staticcall(call);
        return !ok && data.length == 4 && bytes4(data) == error;
    }

    function check_previewsRevertAsyncFlow(uint256 amount) public view {
        bytes4 asyncFlow = bytes4(keccak256("AsyncFlow()"));
        assert(_reverted(abi.encodeWithSignature("previewDeposit(uint256)", amount), asyncFlow));
        assert(_reverted(abi.encodeWithSignature("previewMint(uint256)", amount), asyncFlow));
        assert(_reverted(abi.encodeWithSignature("previewRedeem(uint256)", amount), asyncFlow));
        assert(_reverted(abi.encodeWithSignature("previewWithdraw(uint256)", amount), asyncFlow));
    }

    /// @dev A deposit claim: assets beyond the claimable assets, or shares beyond the claimable shares, revert.
    function check_depositClaimsNeverExceedTheClaim(uint256 amount, uint256 claimAssets, uint256 claimShares) public {
        _claimable(ThetaVaultArtifact.SLOT__claimable_deposit, claimAssets, claimShares);
        _store(ThetaVaultArtifact.SLOT_unclaimed_deposit_shares, claimShares);
        // the vault reads the claim written into its storage (the check is not vacuous)
        assert(vault.maxDeposit(address(this)) == claimAssets && vault.maxMint(address(this)) == claimShares);
        if (amount > claimAssets) {
            try vault.deposit(amount, RECEIVER) {
                assert(false);
            } catch (bytes memory reason) {
                assert(bytes4(reason) == EXCEEDS_CLAIMABLE);
            }
        }
        if (amount > claimShares) {
            try vault.mint(amount, RECEIVER) {
                assert(false);
            } catch (bytes memory reason) {
                assert(bytes4(reason) == EXCEEDS_CLAIMABLE);
            }
        }
    }

    /// @dev A redemption claim: shares beyond the claimable shares, or assets beyond the claimable assets, revert.
    function check_redeemClaimsNeverExceedTheClaim(uint256 amount, uint256 claimShares, uint256 claimAssets) public {
        _claimable(ThetaVaultArtifact.SLOT__claimable_redeem, claimShares, claimAssets);
        _store(ThetaVaultArtifact.SLOT_reserved_for_redemptions, claimAssets);
        asset.mint(address(vault), claimAssets);
        assert(vault.maxRedeem(address(this)) == claimShares && vault.maxWithdraw(address(this)) == claimAssets);
        if (amount > claimShares) {
            try vault.redeem(amount, RECEIVER, address(this)) {
                assert(false);
            } catch (bytes memory reason) {
                assert(bytes4(reason) == EXCEEDS_CLAIMABLE);
            }
        }
        if (amount > claimAssets) {
            try vault.withdraw(amount, RECEIVER, address(this)) {
                assert(false);
            } catch (bytes memory reason) {
                assert(bytes4(reason) == EXCEEDS_CLAIMABLE);
            }
        }
    }

    /// @dev The EVM's floor and ceiling of x * y / d (x * y < 2^256 here), written out: the vault must compute
    ///      exactly these, so each claim is the rational amount rounded in the stated direction.
    function _floor(uint256 x, uint256 y, uint256 d) internal pure returns (uint256) {
        unchecked {
            return x * y / d;
        }
    }

    function _ceil(uint256 x, uint256 y, uint256 d) internal pure returns (uint256 q) {
        q = _floor(x, y, d);
        assembly ("memory-safe") {
            q := add(q, iszero(iszero(mulmod(x, y, d))))
        }
    }

    function deep_depositRoundsSharesDown(uint256 assets, uint256 claimAssets, uint256 claimShares) public {
        _claimable(ThetaVaultArtifact.SLOT__claimable_deposit, claimAssets, claimShares);
        _store(ThetaVaultArtifact.SLOT_unclaimed_deposit_shares, claimShares);
        vm.assume(0 < assets && assets <= claimAssets);
        uint256 shares = vault.deposit(assets, RECEIVER);
        assert(shares == _floor(claimShares, assets, claimAssets));
    }

    function deep_mintRoundsAssetsUp(uint256 shares, uint256 claimAssets, uint256 claimShares) public {
        _claimable(ThetaVaultArtifact.SLOT__claimable_deposit, claimAssets, claimShares);
        _store(ThetaVaultArtifact.SLOT_unclaimed_deposit_shares, claimShares);
        vm.assume(0 < shares && shares <= claimShares);
        uint256 assets = vault.mint(shares, RECEIVER);
        uint256 up = _ceil(claimAssets, shares, claimShares);
        assert(assets == (up < claimAssets ? up : claimAssets)); // capped by the claim itself
    }

    function deep_redeemRoundsAssetsDown(uint256 shares, uint256 claimShares, uint256 claimAssets) public {
        _claimable(ThetaVaultArtifact.SLOT__claimable_redeem, claimShares, claimAssets);
        _store(ThetaVaultArtifact.SLOT_reserved_for_redemptions, claimAssets);
        asset.mint(address(vault), claimAssets);
        vm.assume(0 < shares && shares <= claimShares);
        uint256 assets = vault.redeem(shares, RECEIVER, address(this));
        assert(assets == _floor(claimAssets, shares, claimShares));
    }

    function deep_withdrawRoundsSharesUp(uint256 assets, uint256 claimShares, uint256 claimAssets) public {
        _claimable(ThetaVaultArtifact.SLOT__claimable_redeem, claimShares, claimAssets);
        _store(ThetaVaultArtifact.SLOT_reserved_for_redemptions, claimAssets);
        asset.mint(address(vault), claimAssets);
        vm.assume(0 < assets && assets <= claimAssets);
        uint256 shares = vault.withdraw(assets, RECEIVER, address(this));
        uint256 up = _ceil(claimShares, assets, claimAssets);
        assert(shares == (up < claimShares ? up : claimShares));
    }

    /// @dev Invested assets A (the vault's idle balance: nothing pending, reserved or owed) and supply S:
    ///      convertToShares(a) = floor(a * (S + 10^6) / (A + 1)), the virtual offset of the share price.
    function deep_convertToSharesRoundsDown(uint256 assets, uint256 invested, uint256 supply) public {
        vm.assume(assets < HALF && invested < HALF && supply < HALF);
        asset.mint(address(vault), invested);
        _store(ThetaVaultArtifact.SLOT_erc20_totalSupply, supply);
        assert(vault.convertToShares(assets) == _floor(assets, supply + 1e6, invested + 1));
    }

    function deep_convertToAssetsRoundsDown(uint256 shares, uint256 invested, uint256 supply) public {
        vm.assume(shares < HALF && invested < HALF && supply < HALF);
        asset.mint(address(vault), invested);
        _store(ThetaVaultArtifact.SLOT_erc20_totalSupply, supply);
        assert(vault.convertToAssets(shares) == _floor(shares, invested + 1, supply + 1e6));
    }
}
