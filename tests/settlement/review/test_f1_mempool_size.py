"""F1: with MAX_LEAVES = 512 a maximal batch's postBatch and challengeData transactions were ~213 KB, over the
128 KiB transaction size the default pools of geth, reth and erigon relay: a batch could be posted straight to a
builder while its only fraud proof could not reach the public mempool. Fixed: MAX_LEAVES = 256."""

import ape

from tests.settlement.review.helpers import TXPOOL_MAX_TX_BYTES, frauds, make_batch, post, zero_rows


def test_f1_largest_batch_posting_and_data_challenge_fit_the_mempool_limit(ledger, sequencer, challenger):
    """F1: a MAX_LEAVES (256) batch is accepted, and both its postBatch and its challengeData transactions (their
    calldata and the whole signed transaction) are under 131,072 bytes."""
    n = ledger.MAX_LEAVES()
    assert n == 256
    batch = make_batch(ledger, zero_rows(n))
    posting = post(ledger, batch, sequencer, root=b"\x01" * 32)
    challenge = ledger.challengeData(1, batch.data, sender=challenger)
    assert frauds(ledger, challenge) == ["data"]
    for tx in (posting, challenge):
        assert len(bytes(tx.transaction.data)) < TXPOOL_MAX_TX_BYTES
        assert len(tx.transaction.serialize_transaction()) < TXPOOL_MAX_TX_BYTES


def test_f1_one_leaf_more_than_max_leaves_is_refused(ledger, sequencer):
    """F1: a canonical batch of MAX_LEAVES + 1 leaves is refused at posting (BadEncoding)."""
    batch = make_batch(ledger, zero_rows(ledger.MAX_LEAVES() + 1))
    with ape.reverts(ledger.BadEncoding):
        post(ledger, batch, sequencer)
    assert ledger.batchCount() == 0
