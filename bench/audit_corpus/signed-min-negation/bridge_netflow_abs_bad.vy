# [audit-corpus] signed-min-negation | BAD | `challenge_epoch` calls `abs()` on a relayer-posted int256 net flow, which reverts for min_value(int256), so the most implausible epoch cannot be challenged and finalizes.
# pragma version ~=0.4.3

# Bridge escrow: a bonded relayer posts each epoch's signed net flow; anyone can
# challenge an epoch whose flow exceeds the escrow's per-epoch limit.

struct Epoch:
    relayer: address
    net_flow: int256
    posted_at: uint256
    done: bool

BOND: constant(uint256) = 5 * 10**18
WINDOW: constant(uint256) = 3600

flow_limit: public(uint256)
epochs: public(HashMap[uint256, Epoch])
next_epoch: public(uint256)
escrow_delta: public(int256)
owed: public(HashMap[address, uint256])


@deploy
def __init__(limit: uint256):
    self.flow_limit = limit


@external
@payable
def post_epoch(net_flow: int256) -> uint256:
    assert msg.value == BOND, "bond"
    n: uint256 = self.next_epoch
    self.epochs[n] = Epoch(relayer=msg.sender, net_flow=net_flow, posted_at=block.timestamp, done=False)
    self.next_epoch = n + 1
    return n


@external
def challenge_epoch(n: uint256):
    e: Epoch = self.epochs[n]
    assert e.relayer != empty(address) and not e.done, "state"
    assert block.timestamp < e.posted_at + WINDOW, "window"
    assert convert(abs(e.net_flow), uint256) > self.flow_limit, "within limit"
    self.epochs[n].done = True
    self.owed[msg.sender] += BOND


@external
def finalize_epoch(n: uint256):
    e: Epoch = self.epochs[n]
    assert e.relayer != empty(address) and not e.done, "state"
    assert block.timestamp >= e.posted_at + WINDOW, "window"
    self.epochs[n].done = True
    self.escrow_delta += e.net_flow
    self.owed[e.relayer] += BOND


@external
def withdraw_owed():
    amount: uint256 = self.owed[msg.sender]
    self.owed[msg.sender] = 0
    send(msg.sender, amount)
