# [audit-corpus] fp-probes | GOOD | Vyper share vault over its own asset: `deposit`/`redeem` update share balances and `total_assets` before the token transfer (checks-effects-interactions), with a virtual-share offset.
# pragma version ~=0.4.3

from ethereum.ercs import IERC20

VIRTUAL_SHARES: constant(uint256) = 1000
VIRTUAL_ASSETS: constant(uint256) = 1

asset: public(IERC20)
total_assets: public(uint256)
total_supply: public(uint256)
balanceOf: public(HashMap[address, uint256])


@deploy
def __init__(asset: IERC20):
    self.asset = asset


@internal
@view
def _to_shares(assets: uint256) -> uint256:
    return assets * (self.total_supply + VIRTUAL_SHARES) // (self.total_assets + VIRTUAL_ASSETS)


@internal
@view
def _to_assets(shares: uint256) -> uint256:
    return shares * (self.total_assets + VIRTUAL_ASSETS) // (self.total_supply + VIRTUAL_SHARES)


@external
def deposit(assets: uint256, receiver: address) -> uint256:
    shares: uint256 = self._to_shares(assets)
    assert shares > 0, "zero shares"
    self.total_assets += assets
    self.total_supply += shares
    self.balanceOf[receiver] += shares
    assert extcall self.asset.transferFrom(msg.sender, self, assets, default_return_value=True)
    return shares


@external
def redeem(shares: uint256, receiver: address) -> uint256:
    assets: uint256 = self._to_assets(shares)
    assert assets > 0, "zero assets"
    self.balanceOf[msg.sender] -= shares
    self.total_supply -= shares
    self.total_assets -= assets
    assert extcall self.asset.transfer(receiver, assets, default_return_value=True)
    return assets
