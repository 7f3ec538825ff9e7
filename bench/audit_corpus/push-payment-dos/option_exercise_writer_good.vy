# [audit-corpus] push-payment-dos | GOOD | `exercise` credits the strike to `proceeds[writer]` (pulled via `collect`), so the writer cannot block the holder's exercise.
# pragma version ~=0.4.3

from ethereum.ercs import IERC20

struct Option:
    writer: address
    holder: address
    strike: uint256
    amount: uint256
    expiry: uint256
    done: bool

underlying: public(IERC20)
options: public(HashMap[uint256, Option])
next_id: public(uint256)
proceeds: public(HashMap[address, uint256])


@deploy
def __init__(underlying: IERC20):
    self.underlying = underlying


@external
def write(strike: uint256, amount: uint256, expiry: uint256) -> uint256:
    assert expiry > block.timestamp and amount > 0, "args"
    oid: uint256 = self.next_id
    self.next_id = oid + 1
    self.options[oid] = Option(writer=msg.sender, holder=msg.sender, strike=strike, amount=amount, expiry=expiry, done=False)
    assert extcall self.underlying.transferFrom(msg.sender, self, amount, default_return_value=True)
    return oid


@external
def hand_over(oid: uint256, to: address):
    assert self.options[oid].holder == msg.sender, "holder"
    assert to != empty(address), "zero"
    self.options[oid].holder = to


@external
@payable
@nonreentrant
def exercise(oid: uint256):
    o: Option = self.options[oid]
    assert msg.sender == o.holder, "holder"
    assert not o.done and block.timestamp < o.expiry, "state"
    assert msg.value == o.strike, "strike"
    self.options[oid].done = True
    self.proceeds[o.writer] += msg.value
    assert extcall self.underlying.transfer(msg.sender, o.amount, default_return_value=True)


@external
@nonreentrant
def reclaim(oid: uint256):
    o: Option = self.options[oid]
    assert msg.sender == o.writer, "writer"
    assert not o.done and block.timestamp >= o.expiry, "state"
    self.options[oid].done = True
    assert extcall self.underlying.transfer(o.writer, o.amount, default_return_value=True)


@external
@nonreentrant
def collect():
    amount: uint256 = self.proceeds[msg.sender]
    self.proceeds[msg.sender] = 0
    raw_call(msg.sender, b"", value=amount)
