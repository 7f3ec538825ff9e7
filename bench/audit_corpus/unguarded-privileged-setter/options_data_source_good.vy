# [audit-corpus] unguarded-privileged-setter | GOOD | `update_data` asserts `msg.sender == self.controller`, so only the controller can change the price adapter `settle` reads.
# pragma version ~=0.4.3

interface IPriceAdapter:
    def price_at(ts: uint256) -> uint256: view

struct Put:
    holder: address
    strike: uint256
    size: uint256
    expiry: uint256
    settled: bool

controller: public(address)
data: public(address)
puts: public(HashMap[uint256, Put])
next_put: public(uint256)
premium_wei: public(uint256)
owed: public(HashMap[address, uint256])


@deploy
@payable
def __init__(adapter: address):
    self.controller = msg.sender
    self.data = adapter
    self.premium_wei = 10**16


@external
def set_controller(c: address):
    assert msg.sender == self.controller, "controller"
    self.controller = c


@external
def set_premium(p: uint256):
    assert msg.sender == self.controller, "controller"
    assert p >= 10**15 and p <= 10**17, "premium"
    self.premium_wei = p


@external
def update_data(a: address):
    assert msg.sender == self.controller, "controller"
    assert a.is_contract, "not a contract"
    self.data = a


@external
@payable
def buy_put(strike: uint256, size: uint256, expiry: uint256) -> uint256:
    assert msg.value == self.premium_wei * size, "premium"
    assert expiry > block.timestamp, "expiry"
    pid: uint256 = self.next_put
    self.next_put = pid + 1
    self.puts[pid] = Put(holder=msg.sender, strike=strike, size=size, expiry=expiry, settled=False)
    return pid


@external
def settle(pid: uint256):
    p: Put = self.puts[pid]
    assert block.timestamp >= p.expiry and not p.settled, "state"
    self.puts[pid].settled = True
    px: uint256 = staticcall IPriceAdapter(self.data).price_at(p.expiry)
    if px < p.strike:
        self.owed[p.holder] += (p.strike - px) * p.size // 10**18


@external
@nonreentrant
def withdraw():
    amount: uint256 = self.owed[msg.sender]
    self.owed[msg.sender] = 0
    raw_call(msg.sender, b"", value=amount)
