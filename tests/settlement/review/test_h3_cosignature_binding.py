"""H-3: the co-signature covered neither the batch's series nor its posting: the sequencer could relabel a position's
series, or repost leaves of a reverted batch under the id the revert freed. Fixed: the EIP-712 NettedLeaf binds the
four series ids and the posting nonce (leavesPosted before the posting, never reused; also the batch's bitmap
base), and challengeSignature checks the leaf against the batch's stored series and nonce."""

import ape

from tests.settlement.review.helpers import (
    USDC,
    WINDOW,
    apply_all,
    apply_leaves,
    frauds,
    keys_for,
    make_batch,
    post,
    trade,
    warp,
    zero_rows,
)

SERIES_A = [1, 2, 3, 4]
SERIES_B = [2, 1, 3, 4]  # the same ids, columns 0 and 1 swapped


def test_h3_leaves_signed_for_series_a_posted_under_series_b_are_a_signature_fraud(
    ledger, users, sequencer, challenger
):
    """H-3 (relabel): honest leaves co-signed for series A, posted with series B, are proven by challengeSignature
    ("signature"); the same leaves under series A are NoFraud."""
    a, b = users[0], users[1]
    relabelled = trade(ledger, users, a, b, 100 * USDC, series=SERIES_B, sign_series=SERIES_A)
    post(ledger, relabelled, sequencer)
    assert list(ledger.seriesOf(1)) == SERIES_B
    i = relabelled.index_of(b.address)
    tx = ledger.challengeSignature(*relabelled.signature_args(i), sender=challenger)
    assert frauds(ledger, tx) == ["signature"]
    assert ledger.batchCount() == 0
    honest = trade(ledger, users, a, b, 100 * USDC, series=SERIES_A)
    post(ledger, honest, sequencer)
    for j in range(2):
        with ape.reverts(ledger.NoFraud):
            ledger.challengeSignature(*honest.signature_args(j), sender=challenger)


def test_h3_cosigned_leaves_reposted_under_a_freed_id_are_a_signature_fraud(ledger, users, sequencer, challenger):
    """H-3 (repost after revert): batch 2's honest leaves are reverted with a forged batch 1; the sequencer posts a
    filler batch 1 and reposts the same leaves as batch 2 (same id, same series). The posting nonce moved, so the old
    co-signatures are a signature fraud."""
    a, b = users[0], users[1]
    forged = make_batch(
        ledger, [(a.address, -5 * USDC, (0, 0, 0, 0)), (b.address, 5 * USDC, (0, 0, 0, 0))], keys_for([b])
    )
    post(ledger, forged, sequencer)
    honest = trade(ledger, users, a, b, 1 * USDC)
    post(ledger, honest, sequencer)
    i = forged.index_of(a.address)
    ledger.challengeSignature(*forged.signature_args(i), sender=challenger)
    assert ledger.batchCount() == 0
    post(ledger, make_batch(ledger, zero_rows(1, 0x600)), sequencer)
    assert ledger.batchCount() + 1 == honest.number
    post(ledger, honest, sequencer)
    assert ledger.postingOf(2)[1] != honest.nonce
    j = honest.index_of(a.address)
    tx = ledger.challengeSignature(*honest.signature_args(j), sender=challenger)
    assert frauds(ledger, tx) == ["signature"]


def test_h3_series_ids_are_stored_packed_and_applied_to_their_series(
    ledger, sequencer, challenger, chain, users, write_options
):
    """H-3 (series bound into the batch): a batch's series ids are stored in its meta word next to the posting nonce
    and postedAt, read back by seriesOf and postingOf, and each column applies to its own series; a series id of 2^40
    is refused, and so (issue 18) is an id below it that the engine does not know."""
    series = [4, 0, 1, 3]
    seller, buyer = users[0], users[1]
    write_options(seller, 4)
    write_options(seller, 3)
    held = [ledger.positionOf(seller, s) for s in (4, 1, 3)]
    rows = [(buyer.address, 0, (5, 0, 0, 3)), (seller.address, 0, (-5, 0, 0, -3))]
    batch = make_batch(ledger, rows, series=series)
    tx = post(ledger, batch, sequencer)
    assert list(ledger.seriesOf(1)) == series
    assert tuple(ledger.postingOf(1)) == (tx.timestamp, 0)
    warp(chain, WINDOW)
    apply_all(ledger, batch, challenger)
    assert [ledger.positionOf(buyer, s) for s in (4, 0, 3)] == [5, 0, 3]
    assert [ledger.positionOf(seller, s) for s in (4, 1, 3)] == [held[0] - 5, held[1], held[2] - 3]
    with ape.reverts(ledger.InvalidConfig, reason="series id above 2^40"):
        post(ledger, make_batch(ledger, rows, series=[2**40, 0, 0, 0]), sequencer)
    with ape.reverts(ledger.UnknownSeries, series=2**40 - 1):
        post(ledger, make_batch(ledger, rows, series=[2**40 - 1, 0, 0, 0]), sequencer)


def test_h3_posting_nonce_bitmap_settles_a_batch_only_when_every_bit_across_words_is_set(
    ledger, sequencer, challenger, chain
):
    """H-3 (posting nonce = bitmap base): batches of 255, 3 and 256 leaves take bits 0..254, 255..257 (two words)
    and 258..513 (two words); a batch is never counted settled while one of its bits is clear."""
    b1 = make_batch(ledger, zero_rows(255))
    post(ledger, b1, sequencer)
    b2 = make_batch(ledger, zero_rows(3, 1_000))
    post(ledger, b2, sequencer)
    b3 = make_batch(ledger, zero_rows(256, 5_000))
    post(ledger, b3, sequencer)
    assert [ledger.postingOf(i)[1] for i in (1, 2, 3)] == [0, 255, 258]
    warp(chain, WINDOW)
    apply_all(ledger, b1, challenger)
    assert ledger.settledThrough() == 1
    for missing in range(3):  # bit 255 (word 0), 256 and 257 (word 1)
        snapshot = chain.snapshot()
        apply_leaves(ledger, b2, [i for i in range(3) if i != missing], challenger)
        assert ledger.settledThrough() == 1, missing
        chain.restore(snapshot)
    apply_all(ledger, b2, challenger)
    assert ledger.settledThrough() == 2
    for missing in (0, 253, 254, 255):  # bits 258, 511 (word 1's top), 512 and 513 (word 2)
        snapshot = chain.snapshot()
        apply_leaves(ledger, b3, [i for i in range(256) if i != missing], challenger)
        assert ledger.settledThrough() == 2, missing
        ledger.apply_(*b3.args(missing), sender=challenger)
        ledger.advanceSettled(sender=challenger)
        assert ledger.settledThrough() == 3, missing
        chain.restore(snapshot)
