# [audit-corpus] fp-probes | GOOD | `settle` negates a value converted from an int128 field to int256, which can never be min_value(int256), so the negation cannot revert.
# pragma version ~=0.4.3

struct Hedge:
    delta: int128
    notional: uint128

hedges: public(HashMap[address, Hedge])
exposure: public(int256)


@external
def record(delta: int128, notional: uint128):
    assert delta != 0, "zero"
    assert self.hedges[msg.sender].delta == 0, "open"
    self.hedges[msg.sender] = Hedge(delta=delta, notional=notional)
    self.exposure += convert(delta, int256)


@external
def settle() -> uint256:
    h: Hedge = self.hedges[msg.sender]
    assert h.delta != 0, "none"
    self.hedges[msg.sender] = empty(Hedge)
    d: int256 = convert(h.delta, int256)
    self.exposure -= d
    magnitude: uint256 = 0
    if d < 0:
        magnitude = convert(-d, uint256)
    else:
        magnitude = convert(d, uint256)
    return magnitude * convert(h.notional, uint256) // 10**18
