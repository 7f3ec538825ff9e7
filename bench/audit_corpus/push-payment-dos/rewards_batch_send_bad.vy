# [audit-corpus] push-payment-dos | BAD | `distribute` pushes each payee's share with `send` inside the loop, so one payee contract that rejects ETH reverts the whole distribution for every payee.
# pragma version ~=0.4.3

MAX_PAYEES: constant(uint256) = 16
EPOCH: constant(uint256) = 604800
MAX_WEIGHT: constant(uint256) = 10_000

controller: public(address)
payees: public(DynArray[address, MAX_PAYEES])
weight: public(HashMap[address, uint256])
total_weight: public(uint256)
last_run: public(uint256)


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
    pot: uint256 = self.balance
    for p: address in self.payees:
        share: uint256 = pot * self.weight[p] // self.total_weight
        send(p, share)
