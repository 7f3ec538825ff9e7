# [audit-corpus] same-timestamp-race | BAD | `prove_censorship` treats a request as owed by a checkpoint when `requested_at <= posted_at`, so a user who requests in the same block right after the operator's commit can "prove" censorship and take the operator's bond.
# pragma version ~=0.4.3

# Operator-run exit queue: the operator must acknowledge every exit request before
# committing the next checkpoint; provable censorship forfeits the operator bond.

struct Request:
    owner: address
    amount: uint256
    requested_at: uint256
    acked_at: uint256

struct Checkpoint:
    root: bytes32
    posted_at: uint256

MAX_ACKS: constant(uint256) = 64

operator: public(address)
operator_bond: public(uint256)
requests: public(HashMap[uint256, Request])
next_request: public(uint256)
checkpoints: public(HashMap[uint256, Checkpoint])
next_checkpoint: public(uint256)
owed: public(HashMap[address, uint256])


@deploy
@payable
def __init__():
    self.operator = msg.sender
    self.operator_bond = msg.value


@external
def request_exit(amount: uint256) -> uint256:
    assert amount > 0, "amount"
    rid: uint256 = self.next_request
    self.next_request = rid + 1
    self.requests[rid] = Request(owner=msg.sender, amount=amount, requested_at=block.timestamp, acked_at=0)
    return rid


@external
def acknowledge(ids: DynArray[uint256, MAX_ACKS]):
    assert msg.sender == self.operator, "operator"
    for rid: uint256 in ids:
        if self.requests[rid].owner != empty(address) and self.requests[rid].acked_at == 0:
            self.requests[rid].acked_at = block.timestamp


@external
def commit(root: bytes32):
    assert msg.sender == self.operator, "operator"
    cid: uint256 = self.next_checkpoint
    self.next_checkpoint = cid + 1
    self.checkpoints[cid] = Checkpoint(root=root, posted_at=block.timestamp)


@external
def prove_censorship(rid: uint256, cid: uint256):
    r: Request = self.requests[rid]
    c: Checkpoint = self.checkpoints[cid]
    assert r.owner != empty(address) and c.posted_at != 0, "unknown"
    assert self.operator_bond > 0, "already slashed"
    assert r.requested_at <= c.posted_at, "request after checkpoint"
    assert r.acked_at == 0 or r.acked_at > c.posted_at, "acknowledged in time"
    bond: uint256 = self.operator_bond
    self.operator_bond = 0
    self.owed[msg.sender] += bond


@external
def withdraw_owed():
    amount: uint256 = self.owed[msg.sender]
    self.owed[msg.sender] = 0
    send(msg.sender, amount)
