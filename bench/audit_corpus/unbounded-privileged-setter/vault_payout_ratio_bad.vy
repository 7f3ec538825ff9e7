# [audit-corpus] unbounded-privileged-setter | BAD | `set_payout_ratio` only rejects zero, so `boss` can set any ratio and `claim` pays every depositor principal times that ratio (draining the vault or confiscating principal).
# pragma version ~=0.4.3

# Principal-protected note: after maturity each depositor claims principal
# scaled by the payout ratio fixed by the note's manager.

RATIO_ONE: constant(uint256) = 10**18

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
    assert ratio != 0, "zero"
    self.payout_ratio = ratio


@external
@nonreentrant
def claim():
    assert block.timestamp >= self.maturity, "not matured"
    principal: uint256 = self.deposits[msg.sender]
    self.deposits[msg.sender] = 0
    raw_call(msg.sender, b"", value=principal * self.payout_ratio // RATIO_ONE)
