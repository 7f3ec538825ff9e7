# [audit-corpus] merkle-second-preimage-handrolled | GOOD | The exit leaf hashes three words (index, recipient, amount) = 96 bytes, so no 64-byte internal node can be presented as an exit.
# pragma version ~=0.4.3

# L1 exit contract: the rollup posts a root of exits per batch; recipients
# finalize their exit with a proof against that root.

MAX_DEPTH: constant(uint256) = 24

sequencer: public(address)
exit_roots: public(HashMap[uint256, bytes32])
finalized: public(HashMap[uint256, HashMap[uint256, bool]])


@deploy
def __init__():
    self.sequencer = msg.sender


@external
@payable
def post_root(batch: uint256, exit_root: bytes32):
    assert msg.sender == self.sequencer, "sequencer"
    assert self.exit_roots[batch] == empty(bytes32), "posted"
    self.exit_roots[batch] = exit_root


@internal
@pure
def _exit_root(recipient: address, amount: uint256, index: uint256, proof: DynArray[bytes32, MAX_DEPTH]) -> bytes32:
    h: bytes32 = keccak256(concat(convert(index, bytes32), convert(recipient, bytes32), convert(amount, bytes32)))
    bits: uint256 = index
    for sib: bytes32 in proof:
        if bits & 1 == 0:
            h = keccak256(concat(h, sib))
        else:
            h = keccak256(concat(sib, h))
        bits = bits >> 1
    return h


@external
@nonreentrant
def finalize_exit(batch: uint256, index: uint256, recipient: address, amount: uint256, proof: DynArray[bytes32, MAX_DEPTH]):
    r: bytes32 = self.exit_roots[batch]
    assert r != empty(bytes32), "no root"
    assert not self.finalized[batch][index], "done"
    assert self._exit_root(recipient, amount, index, proof) == r, "bad proof"
    self.finalized[batch][index] = True
    raw_call(recipient, b"", value=amount)
