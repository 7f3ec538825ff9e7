# [audit-corpus] push-payment-dos | GOOD | `distribute` sends each share with a gas-capped, non-reverting raw_call and credits any failed share for a later `claim`, so one payee cannot block the others.
# pragma version ~=0.4.3

MAX_PAYEES: constant(uint256) = 16
EPOCH: constant(uint256) = 604800
MAX_WEIGHT: constant(uint256) = 10_000

controller: public(address)
payees: public(DynArray[address, MAX_PAYEES])
weight: public(HashMap[address, uint256])
total_weight: public(uint256)
last_run: public(uint256)
credited: public(HashMap[address, uint256])
total_credited: public(uint256)


@deploy
def __init__():
    self.controller = msg.sender


@external
@payable
def __default__():
    pass


@external
def add_payee(who: address, w: uint256):
    assert msg.sender == self.controller, "controller"
    assert w > 0 and w <= MAX_WEIGHT and self.weight[who] == 0, "weight"
    self.payees.append(who)
    self.weight[who] = w
    self.total_weight += w


@external
@nonreentrant
def distribute():
    assert block.timestamp >= self.last_run + EPOCH, "too soon"
    assert self.total_weight > 0, "no payees"
    self.last_run = block.timestamp
    pot: uint256 = self.balance - self.total_credited
    for p: address in self.payees:
        share: uint256 = pot * self.weight[p] // self.total_weight
        ok: bool = raw_call(p, b"", value=share, gas=30000, revert_on_failure=False)
        if not ok:
            self.credited[p] += share
            self.total_credited += share


@external
@nonreentrant
def claim():
    amount: uint256 = self.credited[msg.sender]
    self.credited[msg.sender] = 0
    self.total_credited -= amount
    raw_call(msg.sender, b"", value=amount)
