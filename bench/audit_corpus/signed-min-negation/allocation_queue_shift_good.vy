# [audit-corpus] signed-min-negation | GOOD | `request_shift` takes an int128 and stores it widened to int256, so `-s.delta` in `process_next` can never overflow and the queue always advances.
# pragma version ~=0.4.3

# Two-sleeve allocation vault: users queue signed shifts between sleeve A and
# sleeve B; keepers process the queue strictly in order.

struct Shift:
    who: address
    delta: int256

sleeve_a: public(HashMap[address, uint256])
sleeve_b: public(HashMap[address, uint256])
queue: public(HashMap[uint256, Shift])
head: public(uint256)
tail: public(uint256)


@external
@payable
def deposit():
    self.sleeve_a[msg.sender] += msg.value


@external
def request_shift(delta: int128):
    assert delta != 0, "zero"
    self.queue[self.tail] = Shift(who=msg.sender, delta=convert(delta, int256))
    self.tail += 1


@external
def process_next():
    assert self.head < self.tail, "empty"
    s: Shift = self.queue[self.head]
    self.head += 1
    if s.delta >= 0:
        amt: uint256 = min(convert(s.delta, uint256), self.sleeve_a[s.who])
        self.sleeve_a[s.who] -= amt
        self.sleeve_b[s.who] += amt
    else:
        amt: uint256 = min(convert(-s.delta, uint256), self.sleeve_b[s.who])
        self.sleeve_b[s.who] -= amt
        self.sleeve_a[s.who] += amt


@external
@nonreentrant
def withdraw_a(amount: uint256):
    self.sleeve_a[msg.sender] -= amount
    raw_call(msg.sender, b"", value=amount)
