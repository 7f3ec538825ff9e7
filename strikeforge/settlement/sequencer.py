"""The sequencer: accepts signed orders, matches them, cuts batches, gathers co-signatures and posts the batches.

Life of a batch (one in flight at a time; `tick` drives it):

1. **cut**: the live fills nobody has batched yet, for up to SERIES_PER_BATCH series (the oldest first) and at most
   MAX_LEAVES accounts, are netted into one leaf per account (sorted by account, as the ledger requires) for ledger
   batch `batchCount() + 1` and posting nonce `leavesPosted()`; the batch waits for co-signatures until `deadline`.
   A co-signature binds the batch id, the posting nonce and the series (`cosign.Posting`), and must be canonical
   (`cosign.canonical_signature`): the ledger would prove any other signature a fraud.
2. **round close** (everyone signed, or the deadline passed): an account that did not co-sign, whose leaf debits
   more cash than it has free on the ledger, whose leaf sells more option tokens of a series than it has free there
   (its inventory less a pending option withdrawal request and its sales in posted batches not applied yet: the
   ledger proves such a sale a fraud, challengeInventory), or whose deltas exceed the ledger's bound (MAX_DELTA), is
   dropped: its
   fills in the batch are voided (each counterparty's order gets the size back, at its old time priority, if it is
   still live), its open orders are cancelled, and the batch is netted again. Leaves that changed need a new
   co-signature: another round. A round without drops posts, unless the ledger's batch id or posting nonce moved
   meanwhile (another posting, a revert): then every leaf is signed again, in a fresh round.
3. **post**: the leaves are checked against the ledger's posting rules (`cosign.canonical_problem`), the signed
   postBatch transaction is stored, then broadcast; on restart a stored transaction is broadcast again (the same
   nonce: it cannot post twice), never re-signed.
4. A posted batch the ledger reverted (a challenge) returns its fills to the pool, to be batched again.

Orders (issue 18): the ledger trades the OptionsEngine's option tokens, nothing unbacked. An order for a series the
engine does not know, or that has expired, is refused by name; so is a sell order larger than the account's free
inventory of the series (deposited tokens, less a pending option withdrawal request, its sales in posted batches not
applied yet and its sales in fills not posted yet). Open orders reserve nothing: the round close checks the netted
leaf again. Fills of a series that expired before they were batched are voided at the cut (no batch can move an
expired series), and a batch whose series expired while it gathered co-signatures is abandoned.

Nothing here holds an account's key: orders, cancels and leaves are signed by their accounts (EIP-712).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol

from strikeforge.ops.denylist import Denylist
from strikeforge.settlement.book import Book, Fill, Match, Resting
from strikeforge.settlement.cosign import (
    MAX_DELTA,
    MAX_LEAVES,
    batch_calldata,
    canonical_problem,
    canonical_signature,
    typed_data,
)
from strikeforge.settlement.db import Db
from strikeforge.settlement.netting import Trade, net
from strikeforge.settlement.orders import Cancel, Order, OrderError, check_fields, check_signed
from strikeforge.settlement.signatures import Verified, check_cancel, check_order
from strikeforge.settlement.store import BatchRow, OrderWrites, Store
from strikeforge.settlement.tree import SERIES_PER_BATCH, Leaf, MerkleSumTree

log = logging.getLogger("strikeforge.settle")


class LedgerPort(Protocol):
    """What the sequencer needs of the SettlementLedger (an Ape-backed one in `chain.py`; fakes in unit tests)."""

    chain_id: int
    address: str

    def batch_count(self) -> int: ...

    def posting_nonce(self) -> int:
        """The ledger's leavesPosted(): the posting nonce the next batch posted will have."""
        ...

    def root_of(self, number: int) -> bytes: ...

    def free_balance(self, account: str) -> int:
        """Cash the account holds on the ledger, net of a pending withdrawal request."""
        ...

    def free_inventory(self, account: str, series: int) -> int:
        """Option tokens of `series` the account holds on the ledger, net of a pending option withdrawal request."""
        ...

    def series_expiry(self, series: int) -> int | None:
        """The OptionsEngine series' expiry (unix seconds), or None if the engine has no such series."""
        ...

    def settled_through(self) -> int:
        """Every ledger batch up to this id is fully applied."""
        ...

    def is_applied(self, number: int, index: int) -> bool: ...

    def post_deadline(self) -> int:
        """postBatch's deadline for a batch whose collateral is checked against the ledger's state now: the head
        block's timestamp plus WITHDRAWAL_DELAY, minus one (a request made after it cannot count against a posting by
        then, even in a later block of the same second)."""
        ...

    def sign_post(
        self, root: bytes, leaves_root: bytes, series: list[int], calldata: bytes, posting_nonce: int, deadline: int
    ) -> tuple[bytes, str]:
        """A signed postBatch transaction (raw bytes, hash), not yet broadcast: it lands only at `posting_nonce` (the
        one the leaves are co-signed for) and by `deadline`."""
        ...

    def broadcast(self, raw_tx: bytes, tx_hash: str) -> bool:
        """Sends `raw_tx` (again, if it was sent before) and waits for it: True if it succeeded."""
        ...


class ScreenedError(OrderError):
    """An order or co-signature refused because its account is on the denylist."""


@dataclass(frozen=True)
class Settings:
    """How the sequencer paces batches."""

    batch_interval: int = 10  # seconds between cuts
    cosign_timeout: int = 30  # seconds an account has to co-sign its leaf, per round
    max_rounds: int = 8  # rounds before a batch is abandoned (its fills return to the pool)
    # Orders for a series are refused from this many seconds before its expiry, so that every fill is batched,
    # co-signed and posted before postBatch starts refusing the series at expiry (fills still in the pool then are
    # void). It should exceed batch_interval + cosign_timeout plus the posting's confirmation time.
    trading_cutoff: int = 300


class Sequencer:
    """Orders in, batches out. Thread-safe: every public method runs under one lock."""

    def __init__(
        self, store: Store, ledger: LedgerPort, settings: Settings | None = None, screen: Denylist | None = None
    ) -> None:
        self.store = store
        self.ledger = ledger
        self.settings = settings or Settings()
        self.screen = screen  # address screening (a policy hook): orders and co-signatures of listed accounts refused
        self.lock = threading.RLock()
        self.books: dict[int, Book] = {}
        self._last_cut = 0
        self._trees: dict[int, MerkleSumTree] = {}
        self._applied: set[tuple[int, int]] = set()  # (ledger batch, leaf index) seen applied: that never changes
        self._reload_books()

    def _reload_books(self) -> None:
        """The books as the store has them: at start, and after a write failed and rolled back (the in-memory match
        that preceded it is then undone with it). The next order id and the counted sales are read again too."""
        self.books = {}
        for order in self.store.open_orders():
            self._book(order.series).add(order)
        self._next_id = self.store.next_order_id()
        self._forget_sales()

    def _forget_sales(self) -> None:
        """Sales are counted from the store again at the next sell order (after a tick or a failed write)."""
        self._sales: dict[tuple[str, int], int] | None = None  # (seller, series) -> size in fills not posted yet
        self._posted_sales: dict[tuple[str, int], int] | None = None  # the same, posted and not applied (last tick)

    @contextmanager
    def _writing(self) -> Iterator[Db]:
        """A store transaction whose failure also undoes the in-memory book changes made for it."""
        try:
            with self.store.transaction() as db:
                yield db
        except BaseException:
            self._reload_books()
            raise

    def _book(self, series: int) -> Book:
        if series not in self.books:
            self.books[series] = Book(series)
        return self.books[series]

    # ------------------------------------------------------------------------------------------------ orders

    def submit(self, order: Order | Verified, now: int) -> tuple[int, Match]:
        """Checks and matches a signed order; returns its id and what it did. OrderError names a refused field."""
        (result,) = self.submit_many([order], now)
        if isinstance(result, OrderError):
            raise result
        return result

    def submit_many(self, orders: Sequence[Order | Verified], now: int) -> list[tuple[int, Match] | OrderError]:
        """Checks and matches orders in arrival order and stores every accepted one in one transaction (one commit,
        one fsync: group commit). Each is either accepted (its id and what it did) or refused with its own OrderError,
        which changes nothing; it is exactly `submit` of each in turn. When this returns, the accepted orders are
        durable; if the write fails it raises, nothing of the group is stored and the books are as before.

        A `Verified` order's signature was checked already (off the lock, by the intake) for this ledger's domain."""
        with self.lock:
            try:
                plain = [item.order if isinstance(item, Verified) else item for item in orders]
                used = self.store.used_nonces([(order.account, order.nonce) for order in plain])
                writes = OrderWrites()
                results: list[tuple[int, Match] | OrderError] = []
                for item in orders:
                    try:
                        results.append(self._accept(item, now, used, writes))
                    except OrderError as exc:
                        results.append(exc)
                if writes.new:
                    with self.store.transaction() as db:
                        self.store.write_orders(db, writes)
            except BaseException:
                self._reload_books()  # the in-memory matches of a group that was not stored are undone with it
                raise
            if log.isEnabledFor(logging.DEBUG):
                for result in results:
                    if not isinstance(result, OrderError):
                        order_id, match = result
                        log.debug("order %d: %d fill(s), %d resting", order_id, len(match.fills), match.rests)
            return results

    def _accept(
        self, item: Order | Verified, now: int, used: set[tuple[str, int]], writes: OrderWrites
    ) -> tuple[int, Match]:
        """One order of a group: checked (OrderError changes nothing), matched in memory, its writes gathered."""
        order = item.order if isinstance(item, Verified) else item
        check_fields(order, now)
        if not (isinstance(item, Verified) and item.domain == (self.ledger.chain_id, self.ledger.address.lower())):
            check_order(order, self.ledger.chain_id, self.ledger.address)
        self._screen(order.account, "orders")
        if (order.account, order.nonce) in used:
            raise OrderError(f"nonce: {order.nonce} was already used by {order.account}; send a fresh nonce")
        self._check_series(order.series, now)
        if not order.buy:
            self._check_inventory(order, writes.fills)
        order_id = self._next_id
        taker = Resting(
            order_id, order_id, order.account, order.series, order.buy, order.price, order.size, order.expiry
        )
        book = self._book(order.series)
        match = book.submit(taker, now)
        self._next_id += 1
        used.add((order.account, order.nonce))
        writes.accept(order_id, order, book, match)
        if self._sales is not None:
            for fill in match.fills:
                key = (fill.seller, fill.series)
                self._sales[key] = self._sales.get(key, 0) + fill.size
        return order_id, match

    def _check_series(self, series: int, now: int) -> None:
        """Refuses a series the engine does not know, one that has expired (no batch can move it then), and one
        within `trading_cutoff` of its expiry (a fill then could not be posted in time)."""
        expiry = self.ledger.series_expiry(series)
        if expiry is None:
            raise OrderError(f"series: {series} is not a series of the ledger's OptionsEngine; send an existing id")
        if now >= expiry:
            raise OrderError(
                f"series: {series} expired at {expiry}; its options trade no more (holders claim the payout on the"
                " ledger: redeemExpired, claimExpired)"
            )
        closes = expiry - self.settings.trading_cutoff
        if now >= closes:
            raise OrderError(
                f"series: {series} closed for trading at {closes} ({self.settings.trading_cutoff} s before its expiry"
                f" {expiry}, so that every fill is posted before expiry); hold to expiry and claim the payout"
            )

    def _check_inventory(self, order: Order, pending: Sequence[Fill] = ()) -> None:
        """Refuses a sell order larger than the account's free inventory of the series: what it holds on the ledger
        (less a pending option withdrawal request), less its sales in posted batches not applied yet and in fills
        not posted yet. Tokens bought count once their leaf is applied.

        The sales are counted from memory: those in fills not posted yet are kept up to date as orders match (and
        counted again from the store after a tick that wrote: ticks are what move fills between the pool, batches and
        the ledger, and void them; a tick that wrote nothing keeps the count, so the orders behind it do not wait for a
        recount); those in posted batches are read once a tick. A batch applied on the ledger since then still counts
        until the next tick: a refusal then errs on the safe side (the round close checks every leaf again anyway).
        `pending` are the fills of the orders matched earlier in the same group: not stored yet, so counted here when
        the sales are counted from the store."""
        account = order.account.lower()
        held = self.ledger.free_inventory(account, order.series)
        if self._posted_sales is None:
            self._posted_sales = self._outstanding()[1]
        if self._sales is None:
            self._sales = self.store.unposted_sales()
            for fill in pending:
                self._sales[(fill.seller, fill.series)] = self._sales.get((fill.seller, fill.series), 0) + fill.size
        key = (account, order.series)
        free = held - self._posted_sales.get(key, 0) - self._sales.get(key, 0)
        if order.size > free:
            raise OrderError(
                f"size: sells {order.size} of series {order.series}, but {account} has {max(free, 0)} free on the"
                " ledger (option tokens deposited, less a pending option withdrawal and sales not applied yet);"
                " deposit the options first (depositOptions)"
            )

    def inventory(self, account: str, series: int) -> dict[str, int]:
        """An account's option tokens of `series` as the sequencer counts them for its sell orders: `held` on the
        ledger net of a pending option withdrawal, `posted` sales in posted batches not applied yet, `unposted` sales
        in fills not posted yet, and `free` = held - posted - unposted (what it may still sell)."""
        with self.lock:
            account = account.lower()
            held = self.ledger.free_inventory(account, series)
            posted = self._outstanding()[1].get((account, series), 0)
            unposted = self.store.unposted_sales().get((account, series), 0)
            return {"held": held, "posted": posted, "unposted": unposted, "free": held - posted - unposted}

    def _persist_match(self, db: Db, book: Book, match: Match) -> None:
        """Writes a match's fills and what they left of each maker, and the makers it cancelled or found expired."""
        for fill in match.fills:
            self.store.insert_fill(db, fill)
            maker = book.orders.get(fill.maker)
            remaining = maker.remaining if maker else 0
            self.store.set_remaining(db, fill.maker, remaining, "open" if remaining else "filled")
        for cancelled in match.cancelled:
            self.store.set_status(db, cancelled, "cancelled")
        for expired in match.expired:
            self.store.set_status(db, expired, "expired")

    def cancel(self, cancel: Cancel) -> int:
        """Cancels the account's open order `nonce` (signed by the account); returns the order id."""
        with self.lock:
            check_cancel(cancel, self.ledger.chain_id, self.ledger.address)
            found = self.store.order_by_nonce(cancel.account, cancel.nonce)
            if found is None:
                raise OrderError(f"nonce: {cancel.account} has no order with nonce {cancel.nonce}")
            order_id, status = found
            if status != "open":
                raise OrderError(f"nonce: order {order_id} is {status}, not open; nothing to cancel")
            with self.store.transaction() as db:
                self.store.set_status(db, order_id, "cancelled")
            self._unbook(order_id)
            return order_id

    def _screen(self, account: str, what: str) -> None:
        """Refuses a listed account (after its signature is checked: the refusal names a proven signer)."""
        if self.screen is not None and account in self.screen:
            raise ScreenedError(
                f"account: {account.lower()} is on the operator's address denylist ({self.screen.path});"
                f" the sequencer takes no {what} from it. Funds on the ledger stay withdrawable on-chain"
            )

    def _unbook(self, order_id: int) -> None:
        for book in self.books.values():
            book.remove(order_id)

    # ------------------------------------------------------------------------------------------------ co-signing

    def leaf_for(self, batch_id: int, account: str) -> tuple[BatchRow, Leaf]:
        with self.lock:
            batch = self.store.batch(batch_id)
            if batch is None:
                raise OrderError(f"batch: {batch_id} does not exist")
            return batch, self._leaf_of(batch_id, account)[1]

    def _leaf_of(self, batch_id: int, account: str) -> tuple[int, Leaf]:
        """The account's leaf in a batch and its index, or OrderError."""
        for index, leaf in enumerate(self.store.leaves(batch_id)):
            if leaf.account == account.lower():
                return index, leaf
        raise OrderError(f"account: {account.lower()} has no leaf in batch {batch_id}")

    def leaf_typed_data(self, batch: BatchRow, leaf: Leaf) -> dict:
        """What the account signs for its leaf: the leaf in the batch's posting (nonce and series)."""
        return typed_data(self.ledger.chain_id, self.ledger.address, leaf, batch.posting)

    def cosign(self, batch_id: int, account: str, signature: bytes) -> None:
        """Records the account's co-signature of its current leaf in a batch that is gathering them."""
        with self.lock:
            batch, leaf = self.leaf_for(batch_id, account)
            if batch.status != "cosigning":
                raise OrderError(f"batch: {batch_id} is {batch.status}, not gathering co-signatures")
            if not canonical_signature(signature):
                # OpenZeppelin's ECDSA (the ledger's signature proof) refuses it: posted, it would be slashed.
                raise OrderError(
                    "signature: not canonical; send 65 bytes (r, s, v) with s in the lower half of the curve order"
                    " and v 27 or 28, as eth_signTypedData_v4 signs"
                )
            check_signed(leaf.account, self.leaf_typed_data(batch, leaf), signature, "NettedLeaf")
            self._screen(leaf.account, "co-signatures")
            self.store.set_signature(batch_id, leaf.account, signature)

    # ------------------------------------------------------------------------------------------------ proofs

    def tree(self, batch_id: int) -> MerkleSumTree:
        with self.lock:
            if batch_id not in self._trees:
                self._trees[batch_id] = MerkleSumTree(self.store.leaves(batch_id))
            return self._trees[batch_id]

    def proof(self, batch_id: int, account: str) -> tuple[BatchRow, int, Leaf, list[bytes]]:
        """A posted batch's leaf of `account`, its index and its plain-tree proof (what apply_ takes)."""
        with self.lock:
            batch = self.store.batch(batch_id)
            if batch is None or batch.status != "posted":
                status = batch.status if batch else "unknown"
                raise OrderError(f"batch: {batch_id} is {status}; proofs exist for posted batches only")
            index, leaf = self._leaf_of(batch_id, account)
            return batch, index, leaf, self.tree(batch_id).plain_proof(index)

    def settlement_proof(self, batch_id: int, account: str) -> tuple[BatchRow, list[tuple[int, Leaf, list[bytes]]]]:
        """What settleAccount takes to prove `account` has nothing left to apply in a posted batch: its own leaf, or,
        leaves being sorted by account, the leaf or two around where its leaf would stand ((index, leaf, proof)
        each)."""
        with self.lock:
            batch = self.store.batch(batch_id)
            if batch is None or batch.status != "posted":
                status = batch.status if batch else "unknown"
                raise OrderError(f"batch: {batch_id} is {status}; proofs exist for posted batches only")
            leaves = self.store.leaves(batch_id)
            target = int(account, 16)
            below = sum(1 for leaf in leaves if int(leaf.account, 16) < target)
            if below < len(leaves) and int(leaves[below].account, 16) == target:
                indexes = [below]  # its own leaf (settled once applied)
            else:
                indexes = [i for i in (below - 1, below) if 0 <= i < len(leaves)]
            tree = self.tree(batch_id)
            return batch, [(i, leaves[i], tree.plain_proof(i)) for i in indexes]

    # ------------------------------------------------------------------------------------------------ the loop

    def tick(self, now: int) -> str:
        """One step of the batch life cycle; returns what it did (for logs and tests)."""
        with self.lock:
            writes = self.store.writes
            try:
                return self._tick(now)
            finally:
                # Posted batches the ledger applied since the last tick: their sales are counted again (once a tick).
                self._posted_sales = None
                if self.store.writes != writes:  # the tick moved or voided fills: the unposted sales are counted again
                    self._sales = None

    def _tick(self, now: int) -> str:
        for batch in self.store.batches_with("posting"):
            return self._post(batch)
        for batch in self.store.batches_with("cosigning"):
            return self._close_round(batch, now)
        reverted = self._check_posted()
        if reverted:
            return reverted
        if now - self._last_cut >= self.settings.batch_interval:
            return self._cut(now)
        return "idle"

    def _cut(self, now: int) -> str:
        pool = self._void_expired(self.store.unbatched_fills(), now)
        if not pool:
            return "idle"
        series: list[int] = []
        for _, fill in pool:
            if fill.series not in series and len(series) < SERIES_PER_BATCH:
                series.append(fill.series)
        chosen, accounts = [], set()
        for i, fill in pool:
            together = accounts | {fill.buyer, fill.seller}
            if fill.series in series and len(together) <= MAX_LEAVES:  # a batch holds one leaf per account
                chosen.append((i, fill))
                accounts = together
        number = self.ledger.batch_count() + 1
        nonce = self.ledger.posting_nonce()
        leaves = self._net(number, series, [f for _, f in chosen])
        with self.store.transaction() as db:
            (batch_id,) = db.execute(
                "INSERT INTO batches (number, posting_nonce, status, series, round, deadline)"
                " VALUES (?, ?, 'cosigning', ?, 1, ?) RETURNING id",
                (number, nonce, json.dumps([str(s) for s in _padded(series)]), now + self.settings.cosign_timeout),
            ).fetchone()
            db.executemany("UPDATE fills SET batch = ? WHERE id = ?", [(batch_id, i) for i, _ in chosen])
            self.store.write_leaves(db, batch_id, leaves)
        self._last_cut = now
        log.info("batch %d (ledger #%d): %d fills, %d leaves to co-sign", batch_id, number, len(chosen), len(leaves))
        return f"cut {batch_id}"

    def _void_expired(self, pool: list[tuple[int, Fill]], now: int) -> list[tuple[int, Fill]]:
        """Voids the fills of series that expired before they were batched (postBatch refuses an expired series);
        returns the others."""
        expired = {
            fill.series
            for _, fill in pool
            if (expiry := self.ledger.series_expiry(fill.series)) is None or now >= expiry
        }
        if not expired:
            return pool
        voided = [i for i, fill in pool if fill.series in expired]
        with self.store.transaction() as db:
            db.executemany("UPDATE fills SET status = 'void' WHERE id = ?", [(i,) for i in voided])
        log.warning("voided %d fill(s) of expired series %s", len(voided), sorted(expired))
        return [(i, fill) for i, fill in pool if fill.series not in expired]

    @staticmethod
    def _net(number: int, series: list[int], fills: list[Fill]) -> list[Leaf]:
        column = {s: i for i, s in enumerate(series)}
        return net(number, [Trade(column[f.series], f.buyer, f.seller, f.size, f.price) for f in fills])

    def _close_round(self, batch: BatchRow, now: int) -> str:
        leaves = self.store.leaves(batch.id)
        unsigned = [leaf.account for leaf in leaves if not leaf.signature]
        if unsigned and now < batch.deadline:
            return "cosigning"
        # Read before the balances: a withdrawal requested after this state counts only against postings after the
        # deadline, so the posting checked here can never be slashed for one (it expires instead).
        post_deadline = self.ledger.post_deadline()
        expired = [s for s in batch.series if s and ((e := self.ledger.series_expiry(s)) is None or now >= e)]
        if expired:
            return self._abandon(batch, f"series {expired} expired while it gathered co-signatures")
        owed, sold = self._outstanding()
        short = [
            leaf.account
            for leaf in leaves
            if leaf.cash < 0 and -leaf.cash > self.ledger.free_balance(leaf.account) - owed.get(leaf.account, 0)
        ]
        short += [
            leaf.account
            for leaf in leaves
            for column, delta in enumerate(leaf.positions)
            if delta < 0
            and -delta
            > self.ledger.free_inventory(leaf.account, batch.series[column])
            - sold.get((leaf.account, batch.series[column]), 0)
        ]
        # Deltas beyond int128 are refused by postBatch (each column's partial sums must fit int256 on-chain).
        oversized = [leaf.account for leaf in leaves if any(abs(value) > MAX_DELTA for value in leaf.sums)]
        drop = sorted(set(unsigned) | set(short) | set(oversized))
        if not drop:
            return self._prepare_post(batch, leaves, now, post_deadline)
        if batch.round >= self.settings.max_rounds:
            return self._abandon(batch, f"still dropping after {batch.round} rounds")
        fills = self.store.batch_fills(batch.id)
        voided = [(i, f) for i, f in fills if f.buyer in drop or f.seller in drop]
        kept = [f for i, f in fills if f.buyer not in drop and f.seller not in drop]
        restored: list[Resting] = []
        # One transaction, with the re-matching of what was given back: a kill between the two would leave a given-back
        # bid resting above an ask after the restart (a crossed book).
        with self._writing() as db:
            db.executemany("UPDATE fills SET status = 'void' WHERE id = ?", [(i,) for i, _ in voided])
            for _, fill in voided:
                for order_id in (fill.maker, fill.taker):
                    self._give_back(db, order_id, fill.size, drop, now, restored)
            for account in drop:
                for order_id in self.store.open_orders_of(account):
                    self.store.set_status(db, order_id, "cancelled")
                    self._unbook(order_id)
            new_leaves = self._net(batch.number, _columns(batch.series), kept) if kept else []
            self.store.write_leaves(db, batch.id, new_leaves)
            status = "cosigning" if new_leaves else "empty"
            db.execute(
                "UPDATE batches SET round = round + 1, deadline = ?, dropped = ?, status = ? WHERE id = ?",
                (
                    now + self.settings.cosign_timeout,
                    json.dumps(sorted(set(batch.dropped) | set(drop))),
                    status,
                    batch.id,
                ),
            )
            self._rematch(db, restored, now)
        log.info("batch %d: dropped %s (%d fills voided)", batch.id, ", ".join(drop), len(voided))
        return f"dropped {len(drop)}"

    def _outstanding_debits(self) -> dict[str, int]:
        """Debits in posted batches not applied on the ledger yet, per account. They will come off the balance before
        (or while) this batch can be challenged, so a leaf may debit only what is left after them."""
        return self._outstanding()[0]

    def _outstanding(self) -> tuple[dict[str, int], dict[tuple[str, int], int]]:
        """Cash debits per account and option-token sales per (account, series) in posted batches not applied on the
        ledger yet: they come off the balance and the inventory before (or while) a new batch can be challenged."""
        owed: dict[str, int] = {}
        sold: dict[tuple[str, int], int] = {}
        for batch in self._unsettled():
            for index, leaf in enumerate(self.store.leaves(batch.id)):
                debits = leaf.cash < 0 or any(delta < 0 for delta in leaf.positions)
                if not debits or (batch.number, index) in self._applied:
                    continue
                if self.ledger.is_applied(batch.number, index):
                    self._applied.add((batch.number, index))
                    continue
                if leaf.cash < 0:
                    owed[leaf.account] = owed.get(leaf.account, 0) - leaf.cash
                for column, delta in enumerate(leaf.positions):
                    if delta < 0:
                        key = (leaf.account, batch.series[column])
                        sold[key] = sold.get(key, 0) - delta
        return owed, sold

    def _give_back(self, db: Db, order_id: int, size: int, drop: list[str], now: int, restored: list[Resting]) -> None:
        """Returns `size` to an order whose fill was voided, unless its account was dropped or it is dead."""
        row = db.execute(
            "SELECT account, series, buy, price, remaining, status, expiry FROM orders WHERE id = ?", (order_id,)
        ).fetchone()
        account, series, buy, price, remaining, status, expiry = row
        if account in drop or status in ("cancelled", "expired") or int(expiry) < now:
            return
        remaining = int(remaining) + size
        self.store.set_remaining(db, order_id, remaining, "open")
        existing = next((b.orders[order_id] for b in self.books.values() if order_id in b.orders), None)
        existing = existing or next((r for r in restored if r.id == order_id), None)
        if existing is not None:
            existing.remaining = remaining
        else:
            restored.append(
                Resting(order_id, order_id, account, int(series), bool(buy), int(price), remaining, int(expiry))
            )

    def _rematch(self, db: Db, restored: list[Resting], now: int) -> None:
        """Orders that were filled and got size back go through matching again, oldest first: resting them as they
        are could cross the book (a bid above the best ask). Their new fills join the pool for the next batch."""
        for order in sorted(restored, key=lambda r: r.seq):
            book = self._book(order.series)
            match = book.submit(order, now)
            self._persist_match(db, book, match)
            self.store.set_remaining(db, order.id, order.remaining, "open" if match.rests else "filled")

    @staticmethod
    def _release(db: Db, batch_id: int, status: str) -> None:
        """Ends a batch with `status` (failed, reverted) and returns its live fills to the pool for the next cut."""
        db.execute("UPDATE batches SET status = ? WHERE id = ?", (status, batch_id))
        db.execute("UPDATE fills SET batch = NULL WHERE batch = ? AND status = 'live'", (batch_id,))

    def _abandon(self, batch: BatchRow, why: str) -> str:
        with self.store.transaction() as db:
            self._release(db, batch.id, "failed")
        log.warning("batch %d abandoned: %s", batch.id, why)
        return f"abandoned {batch.id}"

    def _prepare_post(self, batch: BatchRow, leaves: list[Leaf], now: int, post_deadline: int) -> str:
        number, nonce = self.ledger.batch_count() + 1, self.ledger.posting_nonce()
        if (number, nonce) != (batch.number, batch.posting_nonce):
            # Someone else posted (or a batch was reverted, which frees its id but not its posting nonce): the leaves
            # are signed for another posting. Sign again, with a fresh round.
            with self.store.transaction() as db:
                db.execute("UPDATE leaves SET signature = NULL WHERE batch = ?", (batch.id,))
                db.execute(
                    "UPDATE batches SET number = ?, posting_nonce = ?, round = round + 1, deadline = ? WHERE id = ?",
                    (number, nonce, now + self.settings.cosign_timeout, batch.id),
                )
            return f"renumbered {batch.id}"
        problem = canonical_problem(number, leaves)
        if problem is not None:  # the ledger would refuse the posting (and keep nothing but the gas)
            return self._abandon(batch, f"postBatch would refuse its leaves: {problem}")
        tree = MerkleSumTree(leaves)
        raw, tx_hash = self.ledger.sign_post(
            tree.root, tree.leaves_root, batch.series, batch_calldata(leaves), batch.posting_nonce, post_deadline
        )
        with self.store.transaction() as db:
            db.execute(
                "UPDATE batches SET status = 'posting', root = ?, raw_tx = ?, tx_hash = ? WHERE id = ?",
                (tree.root, raw, tx_hash, batch.id),
            )
        stored = self.store.batch(batch.id)
        assert stored is not None
        return self._post(stored)

    def _post(self, batch: BatchRow) -> str:
        assert batch.raw_tx is not None and batch.tx_hash is not None
        ok = self.ledger.broadcast(batch.raw_tx, batch.tx_hash)
        with self.store.transaction() as db:
            if ok:
                db.execute("UPDATE batches SET status = 'posted' WHERE id = ?", (batch.id,))
            else:
                self._release(db, batch.id, "failed")
        log.info("batch %d (ledger #%d) %s: %s", batch.id, batch.number, "posted" if ok else "FAILED", batch.tx_hash)
        return f"{'posted' if ok else 'failed'} {batch.id}"

    def _unsettled(self) -> list[BatchRow]:
        """Posted batches the ledger has not fully applied yet: the only ones a challenge can still revert, and the
        only ones whose debits are still to come off balances."""
        posted = self.store.batches_with("posted")
        if not posted:
            return []
        settled = self.ledger.settled_through()
        return [b for b in posted if b.number > settled]

    def _check_posted(self) -> str | None:
        """Marks posted batches the ledger no longer holds (reverted by a challenge); their fills return to the pool."""
        posted = self._unsettled()
        if not posted:
            return None
        count = self.ledger.batch_count()
        gone = [b for b in posted if b.number > count or self.ledger.root_of(b.number) != b.root]
        if not gone:
            return None
        with self.store.transaction() as db:
            for batch in gone:
                self._release(db, batch.id, "reverted")
        for batch in gone:
            self._trees.pop(batch.id, None)
        log.warning("batches reverted on the ledger: %s", ", ".join(str(b.id) for b in gone))
        return f"reverted {len(gone)}"


def _columns(series: list[int]) -> list[int]:
    """A batch's series columns without the zero padding (series id 0 marks an unused column)."""
    return [s for s in series if s != 0]


def _padded(series: list[int]) -> list[int]:
    return series + [0] * (SERIES_PER_BATCH - len(series))
