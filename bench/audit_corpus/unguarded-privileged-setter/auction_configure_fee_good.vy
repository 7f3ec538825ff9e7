# [audit-corpus] unguarded-privileged-setter | GOOD | `configure` asserts `msg.sender == self.gov` like every other setter, so only governance can change the house cut.
# pragma version ~=0.4.3

struct Lot:
    seller: address
    leader: address
    top: uint256
    ends: uint256
    settled: bool

MAX_CUT_BPS: constant(uint256) = 1_000

gov: public(address)
cut_bps: public(uint256)
min_step_bps: public(uint256)
lots: public(HashMap[uint256, Lot])
next_lot: public(uint256)
credit: public(HashMap[address, uint256])


@deploy
def __init__():
    self.gov = msg.sender
    self.cut_bps = 250
    self.min_step_bps = 500


@external
def set_gov(g: address):
    assert msg.sender == self.gov, "gov"
    self.gov = g


@external
def set_min_step(bps: uint256):
    assert msg.sender == self.gov, "gov"
    assert bps <= 5_000, "step"
    self.min_step_bps = bps


@external
def configure(bps: uint256):
    assert msg.sender == self.gov, "gov"
    assert bps <= MAX_CUT_BPS, "cut"
    self.cut_bps = bps


@external
def open_lot(duration: uint256) -> uint256:
    lid: uint256 = self.next_lot
    self.next_lot = lid + 1
    self.lots[lid] = Lot(seller=msg.sender, leader=empty(address), top=0, ends=block.timestamp + duration, settled=False)
    return lid


@external
@payable
def bid(lid: uint256):
    l: Lot = self.lots[lid]
    assert block.timestamp < l.ends, "ended"
    assert msg.value > l.top + l.top * self.min_step_bps // 10_000, "step"
    if l.leader != empty(address):
        self.credit[l.leader] += l.top
    self.lots[lid].leader = msg.sender
    self.lots[lid].top = msg.value


@external
def settle(lid: uint256):
    l: Lot = self.lots[lid]
    assert block.timestamp >= l.ends and not l.settled, "state"
    self.lots[lid].settled = True
    house: uint256 = l.top * self.cut_bps // 10_000
    self.credit[self.gov] += house
    self.credit[l.seller] += l.top - house


@external
@nonreentrant
def withdraw():
    amount: uint256 = self.credit[msg.sender]
    self.credit[msg.sender] = 0
    raw_call(msg.sender, b"", value=amount)
