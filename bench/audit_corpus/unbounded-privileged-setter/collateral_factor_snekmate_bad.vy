# [audit-corpus] unbounded-privileged-setter | BAD | `set_collateral_factor` (snekmate ownable) writes any value, and `borrow` lets users borrow up to collateral * factor, so a factor >= 100% lets borrowers drain the pool.
# pragma version ~=0.4.3

from ethereum.ercs import IERC20
from snekmate.auth import ownable

initializes: ownable
exports: ownable.__interface__

interface IQuote:
    def quote() -> uint256: view

BPS: constant(uint256) = 10_000

collateral: public(IERC20)
debt_asset: public(IERC20)
pricer: public(IQuote)
factor_bps: public(uint256)
coll_of: public(HashMap[address, uint256])
debt_of: public(HashMap[address, uint256])


@deploy
def __init__(collateral: IERC20, debt_asset: IERC20, pricer: IQuote):
    ownable.__init__()
    self.collateral = collateral
    self.debt_asset = debt_asset
    self.pricer = pricer
    self.factor_bps = 7_000


@external
def set_collateral_factor(f: uint256):
    ownable._check_owner()
    self.factor_bps = f


@external
def supply(amount: uint256):
    self.coll_of[msg.sender] += amount
    assert extcall self.collateral.transferFrom(msg.sender, self, amount, default_return_value=True)


@external
def borrow(amount: uint256):
    self.debt_of[msg.sender] += amount
    value: uint256 = self.coll_of[msg.sender] * staticcall self.pricer.quote() // 10**18
    assert self.debt_of[msg.sender] * BPS <= value * self.factor_bps, "exceeds limit"
    assert extcall self.debt_asset.transfer(msg.sender, amount, default_return_value=True)
