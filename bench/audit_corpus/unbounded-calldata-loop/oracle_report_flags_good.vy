# [audit-corpus] unbounded-calldata-loop | GOOD | `flag_report` asserts at most MAX_FLAGS (16) flagged indexes, so the reporter's `answer_flags` is bounded and always fits in a block.
# pragma version ~=0.4.3

# Optimistic price reports: a bonded reporter commits a Merkle root of
# (asset index, price) pairs; a challenger flags entries and the reporter
# must open each flagged entry before the deadline.

struct Report:
    reporter: address
    challenger: address
    root: bytes32
    assets: uint256
    posted_at: uint256
    flagged_at: uint256
    resolved: bool

BOND: constant(uint256) = 10**18
WINDOW: constant(uint256) = 3600
RESPONSE_TIME: constant(uint256) = 7200
TYPE_BOUND: constant(uint256) = 4096
PROOF_DEPTH: constant(uint256) = 16
MAX_FLAGS: constant(uint256) = 16

reports: public(HashMap[uint256, Report])
next_report: public(uint256)
flags: public(HashMap[uint256, DynArray[uint256, TYPE_BOUND]])
owed: public(HashMap[address, uint256])


@external
@payable
def post_report(root: bytes32, assets: uint256) -> uint256:
    assert msg.value == BOND and assets > 0, "args"
    rid: uint256 = self.next_report
    self.next_report = rid + 1
    self.reports[rid] = Report(reporter=msg.sender, challenger=empty(address), root=root, assets=assets, posted_at=block.timestamp, flagged_at=0, resolved=False)
    return rid


@external
@payable
def flag_report(rid: uint256, idx: DynArray[uint256, TYPE_BOUND]):
    rep: Report = self.reports[rid]
    assert msg.value == BOND, "bond"
    assert rep.reporter != empty(address) and rep.challenger == empty(address), "state"
    assert block.timestamp < rep.posted_at + WINDOW, "window"
    assert len(idx) > 0 and len(idx) <= MAX_FLAGS, "count"
    for i: uint256 in idx:
        assert i < rep.assets, "range"
    self.flags[rid] = idx
    self.reports[rid].challenger = msg.sender
    self.reports[rid].flagged_at = block.timestamp


@internal
@pure
def _opens(root: bytes32, asset: uint256, price: uint256, proof: DynArray[bytes32, PROOF_DEPTH]) -> bool:
    node: bytes32 = keccak256(keccak256(abi_encode(asset, price)))
    for sib: bytes32 in proof:
        if convert(node, uint256) < convert(sib, uint256):
            node = keccak256(concat(node, sib))
        else:
            node = keccak256(concat(sib, node))
    return node == root


@external
def answer_flags(rid: uint256, prices: DynArray[uint256, TYPE_BOUND], proofs: DynArray[DynArray[bytes32, PROOF_DEPTH], TYPE_BOUND]):
    rep: Report = self.reports[rid]
    assert msg.sender == rep.reporter and rep.challenger != empty(address) and not rep.resolved, "state"
    flagged: DynArray[uint256, TYPE_BOUND] = self.flags[rid]
    assert len(prices) == len(flagged) and len(proofs) == len(flagged), "length"
    for k: uint256 in range(len(flagged), bound=TYPE_BOUND):
        assert self._opens(rep.root, flagged[k], prices[k], proofs[k]), "proof"
    self.reports[rid].resolved = True
    self.owed[rep.reporter] += 2 * BOND


@external
def slash(rid: uint256):
    rep: Report = self.reports[rid]
    assert rep.challenger != empty(address) and not rep.resolved, "state"
    assert block.timestamp >= rep.flagged_at + RESPONSE_TIME, "too early"
    self.reports[rid].resolved = True
    self.owed[rep.challenger] += 2 * BOND


@external
def withdraw():
    amount: uint256 = self.owed[msg.sender]
    self.owed[msg.sender] = 0
    raw_call(msg.sender, b"", value=amount)
