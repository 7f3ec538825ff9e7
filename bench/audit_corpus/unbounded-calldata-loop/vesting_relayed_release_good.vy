# [audit-corpus] unbounded-calldata-loop | GOOD | `release_for` asserts `len(ids) <= MAX_IDS` (32) before verifying or looping, so the relayer's cost per flat fee is bounded.
# pragma version ~=0.4.3

from ethereum.ercs import IERC20

struct Schedule:
    beneficiary: address
    total: uint256
    released: uint256
    start: uint256
    duration: uint256

RELAY_FEE: constant(uint256) = 2 * 10**18
LIST_BOUND: constant(uint256) = 8192
MAX_IDS: constant(uint256) = 32

token: public(IERC20)
relayer: public(address)
admin: public(address)
schedules: public(HashMap[uint256, Schedule])
next_schedule: public(uint256)
nonces: public(HashMap[address, uint256])


@deploy
def __init__(token: IERC20, relayer: address):
    self.token = token
    self.relayer = relayer
    self.admin = msg.sender


@external
def add_schedule(beneficiary: address, total: uint256, start: uint256, duration: uint256) -> uint256:
    assert msg.sender == self.admin, "admin"
    assert duration > 0, "duration"
    sid: uint256 = self.next_schedule
    self.next_schedule = sid + 1
    self.schedules[sid] = Schedule(beneficiary=beneficiary, total=total, released=0, start=start, duration=duration)
    assert extcall self.token.transferFrom(msg.sender, self, total, default_return_value=True)
    return sid


@internal
@view
def _vested(s: Schedule) -> uint256:
    if block.timestamp <= s.start:
        return 0
    elapsed: uint256 = block.timestamp - s.start
    if elapsed >= s.duration:
        return s.total
    return s.total * elapsed // s.duration


@external
def release_for(beneficiary: address, ids: DynArray[uint256, LIST_BOUND], v: uint8, r: bytes32, s: bytes32):
    assert msg.sender == self.relayer, "relayer"
    assert len(ids) <= MAX_IDS, "too many ids"
    inner: bytes32 = keccak256(abi_encode(self, chain.id, beneficiary, self.nonces[beneficiary], ids))
    digest: bytes32 = keccak256(concat(b"\x19Ethereum Signed Message:\n32", inner))
    signer: address = ecrecover(digest, v, r, s)
    assert signer != empty(address) and signer == beneficiary, "sig"
    self.nonces[beneficiary] += 1
    total: uint256 = 0
    for sid: uint256 in ids:
        sch: Schedule = self.schedules[sid]
        assert sch.beneficiary == beneficiary, "owner"
        amount: uint256 = self._vested(sch) - sch.released
        self.schedules[sid].released += amount
        total += amount
    assert total >= RELAY_FEE, "too small"
    assert extcall self.token.transfer(self.relayer, RELAY_FEE, default_return_value=True)
    assert extcall self.token.transfer(beneficiary, total - RELAY_FEE, default_return_value=True)
