# [audit-corpus] unbounded-privileged-setter | GOOD | `set_payout_ratio` only accepts ratios in [0.9, 1.2], so `boss` can neither confiscate principal nor drain the vault through `claim`.
# pragma version ~=0.4.3

# Principal-protected note: after maturity each depositor claims principal
# scaled by the payout ratio fixed by the note's manager.

RATIO_ONE: constant(uint256) = 10**18
MIN_RATIO: constant(uint256) = 9 * 10**17
MAX_RATIO: constant(uint256) = 12 * 10**17

boss: public(address)
maturity: public(uint256)
payout_ratio: public(uint256)
deposits: public(HashMap[address, uint256])


@deploy
def __init__(maturity: uint256):
    self.boss = msg.sender
    self.maturity = maturity
    self.payout_ratio = RATIO_ONE


@external
@payable
def deposit():
    assert block.timestamp < self.maturity, "matured"
    self.deposits[msg.sender] += msg.value


@external
@payable
def fund_yield():
    assert msg.sender == self.boss, "boss"


@external
def set_payout_ratio(ratio: uint256):
    assert msg.sender == self.boss, "boss"
    assert ratio >= MIN_RATIO and ratio <= MAX_RATIO, "ratio out of range"
    self.payout_ratio = ratio


@external
@nonreentrant
def claim():
    assert block.timestamp >= self.maturity, "not matured"
    principal: uint256 = self.deposits[msg.sender]
    self.deposits[msg.sender] = 0
    raw_call(msg.sender, b"", value=principal * self.payout_ratio // RATIO_ONE)
