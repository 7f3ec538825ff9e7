"""The sequencer on a fake ledger: refusing bad orders by name, matching, cutting, co-signing, dropping, posting."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_abi import decode

from strikeforge.settlement import sequencer as sequencer_module
from strikeforge.settlement.cosign import SIGNED_LEAVES_ABI, Posting, canonical_problem
from strikeforge.settlement.orders import OrderError
from strikeforge.settlement.sequencer import Sequencer, Settings
from strikeforge.settlement.store import Store
from strikeforge.settlement.tree import Leaf, MerkleSumTree, verify_plain
from tests.settlement.fakes import KEYS, WAD, FakeLedger, cancel, order, sign

A, B, C, D, E, _ = KEYS
SETTINGS = Settings(batch_interval=0, cosign_timeout=30, trading_cutoff=0)  # no cutoff: the expiry paths below


@pytest.fixture
def ledger():
    return FakeLedger()


@pytest.fixture
def store(store_spec):
    store = Store(store_spec)
    yield store
    store.close()


@pytest.fixture
def seq(store, ledger):
    return Sequencer(store, ledger, SETTINGS)


def _cosign_all(seq, batch_id, keys):
    for key in keys:
        batch, leaf = seq.leaf_for(batch_id, key.address)
        seq.cosign(batch_id, key.address, sign(seq.leaf_typed_data(batch, leaf), key))


def _posted_leaves(data):
    (rows,) = decode([SIGNED_LEAVES_ABI], data)
    return [Leaf(b, a.lower(), c, tuple(p), bytes(sig)) for b, a, c, p, sig in rows]


SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _high_s(signature):
    """The same signature's malleable twin (n - s, v flipped): it recovers to the same signer in eth-account, and
    OpenZeppelin's ECDSA refuses it."""
    s = int.from_bytes(signature[32:64], "big")
    return signature[:32] + (SECP256K1_ORDER - s).to_bytes(32, "big") + bytes([55 - signature[64]])


def _trade(seq, maker, taker, series=1, size=2 * WAD, price=100, nonce=1):
    seq.submit(order(maker, series, False, size, price, nonce), now=0)
    return seq.submit(order(taker, series, True, size, price, nonce), now=0)


def test_an_order_signed_by_another_key_is_refused_by_name(seq):
    forged = order(B, 1, True, WAD, 100, 1)
    forged = type(forged)(A.address.lower(), *list(forged.__dict__.values())[1:])
    with pytest.raises(OrderError, match=r"^signature: signed by 0x[0-9a-f]{40}, not by account"):
        seq.submit(forged, now=0)


def test_an_order_for_another_ledger_or_chain_is_refused(seq, ledger):
    ledger.chain_id = 1  # the same signature in another domain recovers to another address
    with pytest.raises(OrderError, match=r"^signature: signed by"):
        seq.submit(order(A, 1, True, WAD, 100, 1), now=0)


def test_a_nonce_is_used_once(seq):
    seq.submit(order(A, 1, True, WAD, 100, 7), now=0)
    with pytest.raises(OrderError, match=r"^nonce: 7 was already used"):
        seq.submit(order(A, 1, True, WAD, 101, 7), now=0)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"expiry": 5}, r"^expiry: 5 is not after now \(10\)"),
        ({"size": 0}, r"^size: must be > 0"),
        ({"price": 0}, r"^price: must be > 0"),
        ({"series": 0}, r"^series: 0 is not a series id"),
        ({"series": 2**40}, r"^series: 1099511627776 is not a series id \(.*below 2\^40\)"),
        ({"size": 2**127}, r"^size: 170141183460469231731687303715884105728 is above the ledger's bound"),
        ({"price": 2**127}, r"^price: 170141183460469231731687303715884105728 is above the ledger's bound"),
    ],
)
def test_bad_fields_are_named(seq, fields, message):
    args = {"series": 1, "buy": True, "size": WAD, "price": 100, "nonce": 1, "expiry": 10**9} | fields
    with pytest.raises(OrderError, match=message):
        seq.submit(order(A, **args), now=10)


def test_crossing_orders_fill_at_the_makers_price_and_the_rest_rests(seq, store):
    seq.submit(order(A, 1, False, 2 * WAD, 100, 1), now=0)
    order_id, match = seq.submit(order(B, 1, True, 3 * WAD, 105, 1), now=0)
    assert [(f.seller, f.buyer, f.size, f.price) for f in match.fills] == [
        (A.address.lower(), B.address.lower(), 2 * WAD, 100)
    ]
    assert match.rests == WAD
    assert store.order(order_id)["status"] == "open"
    assert store.order(1)["status"] == "filled"
    assert seq.books[1].depth(True) == [(105, WAD)]


def test_only_the_account_cancels_its_order(seq, store):
    order_id, _ = seq.submit(order(A, 1, True, WAD, 100, 3), now=0)
    forged = cancel(B, 3)
    forged = type(forged)(A.address.lower(), 3, forged.signature)
    with pytest.raises(OrderError, match=r"^signature: signed by"):
        seq.cancel(forged)
    assert seq.cancel(cancel(A, 3)) == order_id
    assert store.order(order_id)["status"] == "cancelled"
    assert seq.books[1].depth(True) == []
    with pytest.raises(OrderError, match=r"^nonce: order \d+ is cancelled, not open"):
        seq.cancel(cancel(A, 3))


def test_a_batch_is_cut_cosigned_and_posted_with_its_leaves_as_data(seq, ledger):
    _trade(seq, A, B)
    assert seq.tick(now=1) == "cut 1"
    assert seq.tick(now=2) == "cosigning"
    _cosign_all(seq, 1, [A, B])
    assert seq.tick(now=3) == "posted 1"
    root, series, data = ledger.posted[0]
    assert series == [1, 0, 0, 0]
    (rows,) = decode([SIGNED_LEAVES_ABI], data)
    # 2 options at 100 each
    assert {row[1].lower(): row[2] for row in rows} == {A.address.lower(): 200, B.address.lower(): -200}
    assert all(len(row[4]) == 65 for row in rows)
    assert canonical_problem(1, _posted_leaves(data)) is None  # what postBatch checks: sorted, balanced, 65 bytes
    batch, index, leaf, proof = seq.proof(1, B.address)
    assert root == batch.root == seq.tree(1).root
    assert verify_plain(seq.tree(1).leaves_root, leaf, index, proof)


def test_a_silent_account_is_dropped_and_its_counterparty_gets_its_order_back(seq, ledger, store):
    _trade(seq, A, B)  # A sells 2 to B
    _trade(seq, C, D, nonce=2)  # C sells 2 to D
    seq.tick(now=1)
    _cosign_all(seq, 1, [A, C, D])  # B never signs
    assert seq.tick(now=10) == "cosigning"  # before the deadline, the batch waits
    assert seq.tick(now=31) == "dropped 1"
    assert store.order(1)["status"] == "open" and int(store.order(1)["remaining"]) == 2 * WAD  # A's ask is back
    assert seq.books[1].depth(False) == [(100, 2 * WAD)]
    assert {leaf.account for leaf in store.leaves(1)} == {C.address.lower(), D.address.lower()}
    assert all(leaf.signature for leaf in store.leaves(1)), "unchanged leaves keep their signatures"
    assert seq.tick(now=32) == "posted 1"
    (rows,) = decode([SIGNED_LEAVES_ABI], ledger.posted[0][2])
    assert {row[1].lower() for row in rows} == {C.address.lower(), D.address.lower()}


def test_an_order_given_back_is_matched_again_rather_than_crossing_the_book(seq, store):
    seq.submit(order(A, 1, True, 2 * WAD, 100, 1), now=0)  # A bids 100
    seq.submit(order(B, 1, False, 2 * WAD, 100, 1), now=0)  # B hits it
    seq.tick(now=1)  # batch 1: A and B
    seq.submit(order(E, 1, False, WAD, 99, 1), now=2)  # E asks 99 with no bid left: rests
    _cosign_all(seq, 1, [A])  # B never signs
    assert seq.tick(now=31) == "dropped 1"
    # A's bid at 100 came back and met E's ask at 99: a new fill at the maker's (E's) price, for the next batch.
    pool = store.unbatched_fills()
    assert [(f.buyer, f.seller, f.size, f.price) for _, f in pool] == [(A.address.lower(), E.address.lower(), WAD, 99)]
    assert seq.books[1].depth(True) == [(100, WAD)] and seq.books[1].depth(False) == []


def test_an_account_without_the_cash_is_dropped_even_if_it_signed(seq, ledger, store):
    _trade(seq, A, B)
    ledger.balances[B.address.lower()] = 199  # owes 200
    seq.tick(now=1)
    _cosign_all(seq, 1, [A, B])
    assert seq.tick(now=2) == "dropped 1"
    assert store.batch(1).status == "empty"
    assert B.address.lower() in store.batch(1).dropped


def test_a_restart_between_signing_and_broadcast_posts_the_stored_transaction_once(store, ledger, tmp_path):
    seq = Sequencer(store, ledger, SETTINGS)
    _trade(seq, A, B)
    seq.submit(order(C, 2, True, WAD, 50, 1), now=0)  # resting, to be found again after the restart
    seq.tick(now=1)
    _cosign_all(seq, 1, [A, B])

    def crash(raw_tx, tx_hash):
        raise KeyboardInterrupt("killed between storing and broadcasting")

    real = ledger.broadcast
    ledger.broadcast = crash
    with pytest.raises(KeyboardInterrupt):
        seq.tick(now=2)
    ledger.broadcast = real
    assert store.batch(1).status == "posting" and store.batch(1).raw_tx

    restarted = Sequencer(Store(store.path), ledger, SETTINGS)
    assert restarted.books[2].depth(True) == [(50, WAD)]
    assert restarted.tick(now=3) == "posted 1"
    real(store.batch(1).raw_tx, store.batch(1).tx_hash)  # a stray re-broadcast of the same transaction
    assert ledger.batch_count() == 1
    assert restarted.tick(now=4) == "idle"


def test_a_reverted_batch_returns_its_fills_for_the_next_batch(seq, ledger, store):
    _trade(seq, A, B)
    seq.tick(now=1)
    _cosign_all(seq, 1, [A, B])
    seq.tick(now=2)
    ledger.revert_from(1)  # a challenge reverted it
    assert seq.tick(now=3) == "reverted 1"
    assert seq.tick(now=4) == "cut 2"
    assert store.batch(2).number == 1  # the ledger reuses the id
    assert store.batch(2).posting_nonce == 2  # not the posting nonce: the reverted batch's 2 leaves took it
    assert len(store.batch_fills(2)) == 1


def test_leaves_signed_for_an_id_someone_else_took_are_signed_again(seq, ledger, store):
    _trade(seq, A, B)
    seq.tick(now=1)
    _cosign_all(seq, 1, [A, B])
    ledger.post_other(leaves=3)  # another sequencer posted ledger batch 1 (3 leaves)
    assert seq.tick(now=2) == "renumbered 1"
    assert (store.batch(1).number, store.batch(1).posting_nonce) == (2, 3)
    assert not any(leaf.signature for leaf in store.leaves(1))
    _cosign_all(seq, 1, [A, B])
    assert seq.tick(now=3) == "posted 1"
    assert MerkleSumTree(store.leaves(1)).root == ledger.posted[1][0]
    assert all(leaf.batch == 2 for leaf in store.leaves(1))


def test_leaves_signed_for_a_posting_nonce_a_reverted_batch_took_are_signed_again(seq, ledger, store):
    """Another posting came and was reverted between the cut and the post: the batch id is free again, the posting
    nonce is not (the ledger never reuses one), so the co-signatures would not verify on-chain."""
    _trade(seq, A, B)
    seq.tick(now=1)
    _cosign_all(seq, 1, [A, B])
    ledger.post_other(leaves=3)
    ledger.revert_from(1)
    assert seq.tick(now=2) == "renumbered 1"
    assert (store.batch(1).number, store.batch(1).posting_nonce) == (1, 3)
    assert not any(leaf.signature for leaf in store.leaves(1))
    assert seq.tick(now=3) == "cosigning"  # a fresh round, with a fresh deadline
    _cosign_all(seq, 1, [A, B])
    assert seq.tick(now=4) == "posted 1"
    assert ledger.leaves_posted == 5


def test_a_batch_is_signed_for_the_posting_nonce_and_series_the_ledger_will_give_it(seq, ledger, store):
    _trade(seq, A, B)
    seq.tick(now=1)
    _cosign_all(seq, 1, [A, B])
    assert seq.tick(now=2) == "posted 1"
    _trade(seq, C, D, series=2, nonce=2)
    assert seq.tick(now=3) == "cut 2"
    batch, leaf = seq.leaf_for(2, C.address)
    assert batch.posting == Posting(2, (2, 0, 0, 0))  # batch 1 posted 2 leaves
    message = seq.leaf_typed_data(batch, leaf)["message"]
    assert (message["batch"], message["postingNonce"], message["series"]) == (2, 2, [2, 0, 0, 0])


def test_a_cosignature_for_another_leaf_is_refused(seq):
    _trade(seq, A, B)
    seq.tick(now=1)
    batch, leaf_b = seq.leaf_for(1, B.address)
    with pytest.raises(OrderError, match=r"^signature: signed by"):
        seq.cosign(1, A.address, sign(seq.leaf_typed_data(batch, leaf_b), B))


def test_a_cosignature_for_another_posting_is_refused(seq):
    _trade(seq, A, B)
    seq.tick(now=1)
    batch, leaf = seq.leaf_for(1, B.address)
    stale = sign(seq.leaf_typed_data(replace(batch, posting_nonce=7), leaf), B)
    with pytest.raises(OrderError, match=r"^signature: signed by"):
        seq.cosign(1, B.address, stale)


def test_a_non_canonical_cosignature_is_refused_even_from_the_right_key(seq, store):
    """A high-s twin recovers to the account in eth-account, but the ledger's ECDSA refuses it: posted, it would get
    the honest batch slashed as a signature fraud."""
    _trade(seq, A, B)
    seq.tick(now=1)
    batch, leaf = seq.leaf_for(1, B.address)
    with pytest.raises(OrderError, match=r"^signature: not canonical"):
        seq.cosign(1, B.address, _high_s(sign(seq.leaf_typed_data(batch, leaf), B)))
    assert not any(leaf.signature for leaf in store.leaves(1))


def test_a_cut_takes_fills_of_at_most_max_leaves_accounts(seq, store, monkeypatch):
    monkeypatch.setattr(sequencer_module, "MAX_LEAVES", 3)
    _trade(seq, A, B)
    _trade(seq, C, D, nonce=2)  # a fourth account: too many for one batch
    _trade(seq, B, A, series=2, nonce=3)
    assert seq.tick(now=1) == "cut 1"
    assert {leaf.account for leaf in store.leaves(1)} == {A.address.lower(), B.address.lower()}
    assert [(f.seller, f.buyer) for _, f in store.unbatched_fills()] == [(C.address.lower(), D.address.lower())]


def test_debits_of_posted_batches_not_yet_applied_count_against_the_next_batch(seq, ledger, store):
    """b can pay for one of two trades: batch 1's debit is still to be applied when batch 2 closes, and applying it
    during batch 2's window would make batch 2's debit provably short (a collateral fraud against an honest
    sequencer)."""
    ledger.balances[B.address.lower()] = 300
    _trade(seq, A, B)  # b owes 200
    seq.tick(now=1)
    _cosign_all(seq, 1, [A, B])
    assert seq.tick(now=2) == "posted 1"
    _trade(seq, C, B, nonce=2)  # b owes another 200: 400 in all, against 300
    assert seq.tick(now=3) == "cut 2"
    _cosign_all(seq, 2, [C, B])
    assert seq.tick(now=4) == "dropped 1"
    assert store.batch(2).dropped == [B.address.lower()]
    ledger.applied.add((1, 1))  # once batch 1's leaves are applied (b's debit is leaf 1), the balance says it all
    ledger.applied.add((1, 0))
    ledger.settled = 1
    assert seq._outstanding_debits() == {}


def test_a_failed_round_close_leaves_store_and_books_as_before_and_is_redone(seq, store, monkeypatch):
    """Dropping an account and re-matching what it gave back are one write: a failure in the middle (a kill, a full
    disk) leaves neither half, in the store or in the books, and the next tick does the whole again."""
    seq.submit(order(A, 1, True, 2 * WAD, 100, 1), now=0)  # A bids 100
    seq.submit(order(B, 1, False, 2 * WAD, 100, 1), now=0)  # B hits it
    seq.tick(now=1)
    seq.submit(order(E, 1, False, WAD, 99, 1), now=2)  # E asks 99: rests
    _cosign_all(seq, 1, [A])  # B never signs
    books_before = {s: (b.depth(True), b.depth(False)) for s, b in seq.books.items()}
    real_insert = Store.insert_fill

    def failing_insert(db, fill):
        raise OSError("disk full")

    monkeypatch.setattr(Store, "insert_fill", staticmethod(failing_insert))
    with pytest.raises(OSError):
        seq.tick(now=31)  # the re-match of A's bid against E's ask fails to write
    assert {s: (b.depth(True), b.depth(False)) for s, b in seq.books.items()} == books_before
    assert store.batch(1).status == "cosigning" and store.batch(1).round == 1
    assert [f.buyer for _, f in store.batch_fills(1)] == [A.address.lower()]
    monkeypatch.setattr(Store, "insert_fill", staticmethod(real_insert))
    assert seq.tick(now=32) == "dropped 1"
    assert [(f.buyer, f.seller, f.price) for _, f in store.unbatched_fills()] == [
        (A.address.lower(), E.address.lower(), 99)
    ]


# ------------------------------------------------------------------------------------------------ issue 18: tokens


def test_orders_for_an_unknown_or_expired_series_are_refused_by_name(seq, ledger):
    ledger.expiries[5] = None  # the engine has no series 5
    with pytest.raises(OrderError, match=r"^series: 5 is not a series of the ledger's OptionsEngine"):
        seq.submit(order(A, 5, True, WAD, 100, 1), now=0)
    ledger.expiries[6] = 1_000
    with pytest.raises(OrderError, match=r"^series: 6 expired at 1000; its options trade no more"):
        seq.submit(order(A, 6, False, WAD, 100, 2), now=1_000)
    seq.submit(order(A, 6, True, WAD, 100, 3), now=999)  # the second before expiry: still trades


def test_orders_are_refused_from_the_trading_cutoff_before_expiry(store, ledger):
    """With a 60 s cutoff, series 6 (expiring at 1,000) takes orders until 939 and refuses them, by name, from 940:
    a fill then would be cut, co-signed and posted after postBatch starts refusing the series."""
    seq = Sequencer(store, ledger, Settings(batch_interval=0, cosign_timeout=30, trading_cutoff=60))
    ledger.expiries[6] = 1_000
    seq.submit(order(A, 6, True, WAD, 100, 1), now=939)
    with pytest.raises(OrderError, match=r"^series: 6 closed for trading at 940 \(60 s before its expiry 1000"):
        seq.submit(order(B, 6, False, WAD, 100, 2), now=940)
    assert seq.books[6].depth(True) == [(100, WAD)] and seq.books[6].depth(False) == []  # A's bid rests unfilled


def test_the_default_trading_cutoff_covers_a_cut_and_a_cosigning_round():
    settings = Settings()
    assert settings.trading_cutoff >= settings.batch_interval + settings.cosign_timeout


def test_a_sell_order_beyond_the_free_inventory_is_refused_by_name(seq, ledger, store):
    """A holds 3 free options of series 1 on the ledger (deposited, less a pending option withdrawal: the fake
    answers the net). It may sell 3, and not 1 more while those 3 are unposted or posted and unapplied."""
    ledger.inventories[(A.address.lower(), 1)] = 3 * WAD
    with pytest.raises(OrderError, match=r"^size: sells 4000000000000000000 of series 1, but 0x[0-9a-f]{40} has 3"):
        seq.submit(order(A, 1, False, 4 * WAD, 100, 1), now=0)
    _trade(seq, A, B, size=3 * WAD, nonce=2)  # A sells its 3 (a fill, not posted yet)
    with pytest.raises(OrderError, match=r"^size: sells 1000000000000000000 of series 1, but .* has 0 free"):
        seq.submit(order(A, 1, False, WAD, 100, 3), now=0)
    seq.tick(now=1)
    _cosign_all(seq, 1, [A, B])
    assert seq.tick(now=2) == "posted 1"  # posted, not applied: the 3 still count
    with pytest.raises(OrderError, match=r"^size: .* has 0 free"):
        seq.submit(order(A, 1, False, WAD, 100, 4), now=3)
    seq.submit(order(A, 1, True, WAD, 100, 5), now=3)  # buying needs no inventory
    ledger.applied |= {(1, 0), (1, 1)}
    ledger.settled = 1
    ledger.inventories[(A.address.lower(), 1)] = 0  # applied: the ledger's position says it all
    assert seq._outstanding() == ({}, {})


def test_a_seller_whose_inventory_went_is_dropped_at_the_round_close(seq, ledger, store):
    """A sold 2 while holding them, then requested an option withdrawal (the fake's free inventory drops to 1):
    its leaf would be a provable inventory fraud, so A is dropped before posting, like an account short of cash."""
    _trade(seq, A, B)  # A sells 2 to B
    seq.tick(now=1)
    _cosign_all(seq, 1, [A, B])
    ledger.inventories[(A.address.lower(), 1)] = WAD
    assert seq.tick(now=2) == "dropped 1"
    assert store.batch(1).dropped == [A.address.lower()] and store.batch(1).status == "empty"
    assert ledger.posted == []


def test_sales_of_posted_batches_not_yet_applied_count_against_the_next_batch(seq, ledger, store):
    """A holds 3 and sells 2 in batch 1 (posted, not applied), then 2 more in batch 2 (orders placed when the fake
    still answered 5): batch 2's sale would need batch 1's to be counted as a prior; the sequencer drops A."""
    ledger.inventories[(A.address.lower(), 1)] = 5 * WAD
    _trade(seq, A, B)
    seq.tick(now=1)
    _cosign_all(seq, 1, [A, B])
    assert seq.tick(now=2) == "posted 1"
    _trade(seq, A, C, nonce=2)
    ledger.inventories[(A.address.lower(), 1)] = 3 * WAD  # an option withdrawal of 2 requested meanwhile
    assert seq.tick(now=3) == "cut 2"
    _cosign_all(seq, 2, [A, C])
    assert seq.tick(now=4) == "dropped 1"
    assert store.batch(2).dropped == [A.address.lower()]
    assert seq._outstanding()[1] == {(A.address.lower(), 1): 2 * WAD}


def test_fills_of_a_series_that_expired_before_the_cut_are_voided(seq, ledger, store):
    ledger.expiries[1] = 10
    _trade(seq, A, B)  # at now=0
    _trade(seq, C, D, series=2, nonce=2)
    assert seq.tick(now=10) == "cut 1"  # series 1 expired at 10: only series 2 is batched
    assert store.batch(1).series == [2, 0, 0, 0]
    assert store.unbatched_fills() == []
    assert {leaf.account for leaf in store.leaves(1)} == {C.address.lower(), D.address.lower()}


def test_a_batch_whose_series_expired_while_cosigning_is_abandoned(seq, ledger, store):
    ledger.expiries[1] = 10
    _trade(seq, A, B)
    assert seq.tick(now=1) == "cut 1"
    _cosign_all(seq, 1, [A, B])
    assert seq.tick(now=10) == "abandoned 1"
    assert ledger.posted == [] and store.batch(1).status == "failed"
    assert seq.tick(now=11) == "idle"  # its fills came back to the pool and were voided at the cut
    assert store.unbatched_fills() == []
