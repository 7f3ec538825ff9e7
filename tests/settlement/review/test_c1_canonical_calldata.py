"""C-1: postBatch checked only the calldata's head and count, so two ABI heads could alias one tuple and a batch
could make challengeData's rebuild unbounded (more leaves than a block can hash). Fixed: the calldata must be the one
canonical abi.encode(SignedLeaf[]) of 1..MAX_LEAVES leaves (head offsets 32n + 384i, length 64 + 416n), checked at
posting, and the rebuild of any accepted batch stays under 15M gas."""

from dataclasses import replace

import ape

from strikeforge.settlement.cosign import batch_calldata
from strikeforge.settlement.tree import MerkleSumTree
from tests.settlement.review.helpers import MAX_DELTA, frauds, make_batch, post, zero_rows


def _words(data: bytes) -> list[bytes]:
    return [data[i : i + 32] for i in range(0, len(data), 32)]


def test_c1_heads_aliasing_one_tuple_are_refused_at_posting(ledger, sequencer):
    """C-1: a canonical-length batch of 2 leaves whose second head points at the first tuple is refused
    (BadLeaf(1, "offset")); the old ledger accepted it and rebuilt leaf 0 twice."""
    batch = make_batch(ledger, zero_rows(2))
    words = _words(batch.data)
    assert int.from_bytes(words[2], "big") == 64 and int.from_bytes(words[3], "big") == 64 + 384
    aliased = b"".join([*words[:3], words[2], *words[4:]])
    assert len(aliased) == len(batch.data)
    with ape.reverts(ledger.BadLeaf, index=1, field="offset"):
        post(ledger, batch, sequencer, data=aliased)
    assert ledger.batchCount() == 0


def test_c1_compact_aliased_calldata_with_thousands_of_heads_is_refused(ledger, sequencer):
    """C-1 (unbounded rebuild): 4,096 heads all pointing at one 384-byte tuple (131,520 bytes) would make
    challengeData rebuild 4,096 leaves; its length is not 64 + 416n, so postBatch refuses it (BadEncoding)."""
    batch = make_batch(ledger, zero_rows(1))
    n = 4_096
    tuple_ = batch.data[96:]
    assert len(tuple_) == 384
    head = (32).to_bytes(32, "big") + n.to_bytes(32, "big")
    aliased = head + (32 * n).to_bytes(32, "big") * n + tuple_
    with ape.reverts(ledger.BadEncoding):
        post(ledger, batch, sequencer, data=aliased)
    assert ledger.batchCount() == 0


def _worst_rows(n: int) -> list:
    """Most nonzero calldata bytes: accounts without a zero byte, deltas +-MAX_DELTA (negative words are 0xff...)."""
    rows = []
    for i in range(n):
        account = "0x" + "aa" * 18 + f"{i // 255 + 1:02x}{i % 255 + 1:02x}"
        sign = 1 if i % 2 == 0 else -1
        rows.append(
            (account, sign * MAX_DELTA, (sign * MAX_DELTA, -sign * MAX_DELTA, sign * MAX_DELTA, -sign * MAX_DELTA))
        )
    return rows


def test_c1_rebuild_of_the_largest_accepted_batch_costs_under_15m_gas(ledger, sequencer, challenger):
    """C-1 (invariant 6): a MAX_LEAVES batch of int128-extreme values with nonzero signatures, posted with a root
    that is not its calldata's tree, is proven by challengeData (the full on-chain rebuild) under 15M gas, the
    EIP-7623 calldata floor included."""
    n = ledger.MAX_LEAVES()
    batch = make_batch(ledger, _worst_rows(n))
    batch.leaves = [replace(leaf, signature=bytes([0xAB]) * 64 + b"\x1c") for leaf in batch.leaves]
    batch.data = batch_calldata(batch.leaves)
    batch.tree = MerkleSumTree(batch.leaves)
    post(ledger, batch, sequencer, root=b"\x01" * 32)
    call = bytes(ledger.challengeData.encode_input(1, batch.data))
    zeros = call.count(0)
    floor = 21_000 + 10 * (zeros + 4 * (len(call) - zeros))
    tx = ledger.challengeData(1, batch.data, sender=challenger, gas=30_000_000)
    assert frauds(ledger, tx) == ["data"]
    assert tx.gas_used < 15_000_000
    assert floor < 15_000_000
