# pragma version ~=0.4.3
"""
@title MockVault
@custom:contract-name MockVault
@license MIT
@notice TEST ONLY. A plain synchronous ERC-4626 vault built from snekmate's `erc4626` module (virtual shares and
        assets through a decimals offset). It proves the Vyper toolchain (snekmate resolved from site-packages) and
        Vyper-to-Solidity calls (the vault calls the Solidity asset through the built-in `IERC20` interface), and it is
        the reference vault of the fuzz-engine benchmarks. Not part of the protocol.
@custom:invariants (1) totalAssets() equals the asset balance held by the vault.
                   (2) totalSupply() equals the sum of all share balances.
                   (3) convertToAssets(convertToShares(a)) <= a: every conversion rounds against the caller.
"""

from ethereum.ercs import IERC20

from snekmate.extensions import erc4626

initializes: erc4626

exports: erc4626.__interface__


@deploy
@payable
def __init__(asset_: IERC20, decimals_offset_: uint8):
    """
    @dev Deploys the vault over `asset_`.
    @param asset_ The ERC-20 asset the vault holds.
    @param decimals_offset_ Decimal offset between shares and assets (virtual-share protection; 0 is the minimum).
    """
    erc4626.__init__(
        "Strikeforge Mock Vault",
        "sfMV",
        asset_,
        decimals_offset_,
        "Strikeforge Mock Vault",
        "1",
    )
