# [audit-corpus] fp-probes | GOOD | `checkpoint_all` iterates a storage DynArray hard-capped at MAX_GAUGES (16) by its type and by `add_gauge`, so the loop is bounded.
# pragma version ~=0.4.3

MAX_GAUGES: constant(uint256) = 16
MAX_WEIGHT: constant(uint256) = 10_000

admin: public(address)
gauges: public(DynArray[address, MAX_GAUGES])
weight: public(HashMap[address, uint256])
accrued: public(HashMap[address, uint256])
emission_per_sec: public(uint256)
last: public(uint256)


@deploy
def __init__(emission: uint256):
    self.admin = msg.sender
    self.emission_per_sec = emission
    self.last = block.timestamp


@external
def add_gauge(g: address, w: uint256):
    assert msg.sender == self.admin, "admin"
    assert len(self.gauges) < MAX_GAUGES, "cap"
    assert w > 0 and w <= MAX_WEIGHT and self.weight[g] == 0, "weight"
    self.gauges.append(g)
    self.weight[g] = w


@external
def checkpoint_all():
    dt: uint256 = block.timestamp - self.last
    self.last = block.timestamp
    total: uint256 = 0
    for g: address in self.gauges:
        total += self.weight[g]
    if total == 0:
        return
    for g: address in self.gauges:
        self.accrued[g] += self.emission_per_sec * dt * self.weight[g] // total
