# [audit-corpus] unguarded-privileged-setter | GOOD (good-only) | `set_referrer` is intentionally unguarded: it sets the caller's own referrer once (keyed by msg.sender, no self-referral), while the referral share setter is gov-only and bounded.
# pragma version ~=0.4.3

MAX_REF_BPS: constant(uint256) = 2_000
TICKET_PRICE: constant(uint256) = 10**16

gov: public(address)
tickets: public(HashMap[address, uint256])
ref_share_bps: public(uint256)
referrer_of: public(HashMap[address, address])
earned: public(HashMap[address, uint256])
treasury_balance: public(uint256)


@deploy
def __init__():
    self.gov = msg.sender
    self.ref_share_bps = 1_000


@external
def set_gov(g: address):
    assert msg.sender == self.gov, "gov"
    self.gov = g


@external
def set_ref_share(bps: uint256):
    assert msg.sender == self.gov, "gov"
    assert bps <= MAX_REF_BPS, "share"
    self.ref_share_bps = bps


@external
def set_referrer(ref: address):
    assert self.referrer_of[msg.sender] == empty(address), "already set"
    assert ref != msg.sender and ref != empty(address), "ref"
    self.referrer_of[msg.sender] = ref


@external
@payable
def mint_ticket():
    assert msg.value == TICKET_PRICE, "price"
    self.tickets[msg.sender] += 1
    share: uint256 = 0
    ref: address = self.referrer_of[msg.sender]
    if ref != empty(address):
        share = msg.value * self.ref_share_bps // 10_000
        self.earned[ref] += share
    self.treasury_balance += msg.value - share


@external
@nonreentrant
def claim_earned():
    amount: uint256 = self.earned[msg.sender]
    self.earned[msg.sender] = 0
    raw_call(msg.sender, b"", value=amount)
