# [audit-corpus] unguarded-privileged-setter | GOOD (good-only) | `set_preferences` is intentionally unguarded: it only writes the caller's own payout address and compounding flag, while the protocol fee setter checks the owner and is bounded.
# pragma version ~=0.4.3

from ethereum.ercs import IERC20

MAX_FEE_BPS: constant(uint256) = 1_000

owner: public(address)
reward_token: public(IERC20)
fee_bps: public(uint256)
stake_of: public(HashMap[address, uint256])
pending: public(HashMap[address, uint256])
payout_to: public(HashMap[address, address])
compound: public(HashMap[address, bool])
fees: public(uint256)


@deploy
def __init__(reward_token: IERC20):
    self.owner = msg.sender
    self.reward_token = reward_token
    self.fee_bps = 500


@external
def set_fee(bps: uint256):
    assert msg.sender == self.owner, "owner"
    assert bps <= MAX_FEE_BPS, "fee"
    self.fee_bps = bps


@external
def set_preferences(to: address, auto_compound: bool):
    self.payout_to[msg.sender] = to
    self.compound[msg.sender] = auto_compound


@external
def stake(amount: uint256):
    self.stake_of[msg.sender] += amount
    assert extcall self.reward_token.transferFrom(msg.sender, self, amount, default_return_value=True)


@external
def accrue(who: address, amount: uint256):
    assert msg.sender == self.owner, "owner"
    fee: uint256 = amount * self.fee_bps // 10_000
    self.fees += fee
    self.pending[who] += amount - fee
    assert extcall self.reward_token.transferFrom(msg.sender, self, amount, default_return_value=True)


@external
def harvest():
    amount: uint256 = self.pending[msg.sender]
    self.pending[msg.sender] = 0
    if self.compound[msg.sender]:
        self.stake_of[msg.sender] += amount
        return
    dest: address = self.payout_to[msg.sender]
    if dest == empty(address):
        dest = msg.sender
    assert extcall self.reward_token.transfer(dest, amount, default_return_value=True)
