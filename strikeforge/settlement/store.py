"""The sequencer's durable state: orders, fills, batches and their leaves, in SQLite (WAL) or PostgreSQL (`db.py`).

Every change the sequencer makes is one database transaction, written before anything depends on it: an accepted order
with all its fills and the makers it consumed; a batch cut with its leaves; a signed posting transaction before it
is broadcast. After a kill -9 the store holds either all of a change or none of it, and the in-memory books are
rebuilt from the orders still open. Amounts are uint256 and stored as decimal TEXT (database integers are 64-bit).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strikeforge.settlement.book import Book, Fill, Match, Resting
from strikeforge.settlement.cosign import Posting
from strikeforge.settlement.db import Db, open_db
from strikeforge.settlement.orders import Order
from strikeforge.settlement.tree import Leaf

_INSERT_ORDER = (
    "INSERT INTO orders (id, account, series, buy, size, price, nonce, expiry, signature, remaining, status)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INSERT_FILL = (
    "INSERT INTO fills (series, maker, taker, buyer, seller, size, price, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'live')"
)


@dataclass(frozen=True)
class BatchRow:
    id: int
    number: int
    status: str
    series: list[int]
    round: int
    deadline: int
    dropped: list[str]
    root: bytes | None
    raw_tx: bytes | None
    tx_hash: str | None
    posting_nonce: int = 0

    @property
    def posting(self) -> Posting:
        """What the batch's co-signatures bind besides the leaves: the posting nonce and the four series ids."""
        return Posting(self.posting_nonce, tuple(self.series))


class Store:
    """One database (a SQLite path or a `postgresql://` URL); one connection, used under the sequencer's lock."""

    def __init__(self, spec: str | Path) -> None:
        self.path = spec
        self._db: Db = open_db(spec)
        self.writes = 0  # transactions begun: whoever must know whether a step wrote compares it before and after
        self._add_posting_nonce()

    def _add_posting_nonce(self) -> None:
        """A database created before co-signatures bound the posting nonce gets the column (0 for its batches)."""
        try:
            self._db.execute("SELECT posting_nonce FROM batches LIMIT 1").fetchall()
        except Exception:  # sqlite3.OperationalError or psycopg's UndefinedColumn: an older schema
            kind = "BIGINT" if self._db.kind == "postgresql" else "INTEGER"
            self._db.execute("ALTER TABLE batches ADD COLUMN posting_nonce " + kind + " NOT NULL DEFAULT 0")

    def close(self) -> None:
        self._db.close()

    def transaction(self) -> Any:
        """All or nothing: a context manager yielding the database, rolled back on any exception. Counted in
        `writes` when begun (a rolled-back one too: the count says what may have changed)."""
        self.writes += 1
        return self._db.transaction()

    # ------------------------------------------------------------------------------------------------ orders

    def next_order_id(self) -> int:
        (value,) = self._db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM orders").fetchone()
        return int(value)

    def nonce_used(self, account: str, nonce: int) -> bool:
        row = self._db.execute("SELECT 1 FROM orders WHERE account = ? AND nonce = ?", (account, str(nonce)))
        return row.fetchone() is not None

    def used_nonces(self, pairs: list[tuple[str, int]]) -> set[tuple[str, int]]:
        """Which of the (account, nonce) pairs an order already used: one query for a group of orders."""
        found: set[tuple[str, int]] = set()
        for start in range(0, len(pairs), 400):  # SQLite allows 999 parameters in older builds
            chunk = pairs[start : start + 400]
            values = ", ".join(["(?, ?)"] * len(chunk))
            # A join on the (account, nonce) index: SQLite answers `(account, nonce) IN (VALUES ...)` with a table scan.
            rows = self._db.execute(
                f"SELECT o.account, o.nonce FROM (VALUES {values}) AS v"  # noqa: S608 (placeholders only)
                " JOIN orders o ON o.account = v.column1 AND o.nonce = v.column2",
                [item for account, nonce in chunk for item in (account, str(nonce))],
            ).fetchall()
            found |= {(account, int(nonce)) for account, nonce in rows}
        return found

    @staticmethod
    def write_orders(db: Db, writes: OrderWrites) -> None:
        """A group's accepted orders, their fills and what they left of the orders they met: a few statements for the
        whole group (each executemany is one round trip to PostgreSQL)."""
        inserted = [
            _order_row(order_id, order, writes.state[order_id][0], writes.state[order_id][1])
            for order_id, order in writes.new.items()
        ]
        if inserted:
            db.executemany(
                _INSERT_ORDER,
                inserted,
            )
        if writes.fills:
            db.executemany(
                _INSERT_FILL,
                [(str(f.series), f.maker, f.taker, f.buyer, f.seller, str(f.size), str(f.price)) for f in writes.fills],
            )
        old = [(i, r, s) for i, (r, s) in writes.state.items() if i not in writes.new]
        if any(r is not None for _, r, _ in old):
            db.executemany(
                "UPDATE orders SET remaining = ?, status = ? WHERE id = ?",
                [(str(r), s, i) for i, r, s in old if r is not None],
            )
        if any(r is None for _, r, _ in old):
            db.executemany("UPDATE orders SET status = ? WHERE id = ?", [(s, i) for i, r, s in old if r is None])

    @staticmethod
    def set_remaining(db: Db, order_id: int, remaining: int, status: str) -> None:
        db.execute("UPDATE orders SET remaining = ?, status = ? WHERE id = ?", (str(remaining), status, order_id))

    @staticmethod
    def set_status(db: Db, order_id: int, status: str) -> None:
        db.execute("UPDATE orders SET status = ? WHERE id = ?", (status, order_id))

    def order(self, order_id: int) -> dict | None:
        row = self._db.execute(
            "SELECT id, account, series, buy, size, price, nonce, expiry, remaining, status FROM orders WHERE id = ?",
            (order_id,),
        ).fetchone()
        if row is None:
            return None
        keys = ("id", "account", "series", "buy", "size", "price", "nonce", "expiry", "remaining", "status")
        record = dict(zip(keys, row, strict=True))
        record["buy"] = bool(record["buy"])
        return record

    def order_by_nonce(self, account: str, nonce: int) -> tuple[int, str] | None:
        row = self._db.execute(
            "SELECT id, status FROM orders WHERE account = ? AND nonce = ?", (account, str(nonce))
        ).fetchone()
        return (int(row[0]), row[1]) if row else None

    def open_orders(self) -> list[Resting]:
        """Every order still on a book, in arrival order (to rebuild the books after a restart)."""
        rows = self._db.execute(
            "SELECT id, account, series, buy, price, remaining, expiry FROM orders WHERE status = 'open' ORDER BY id"
        ).fetchall()
        return [Resting(i, i, a, int(s), bool(b), int(p), int(r), e) for i, a, s, b, p, r, e in rows]

    def open_orders_of(self, account: str) -> list[int]:
        rows = self._db.execute("SELECT id FROM orders WHERE account = ? AND status = 'open'", (account,))
        return [int(i) for (i,) in rows.fetchall()]

    def order_state(self, order_id: int) -> tuple[int, str, int]:
        remaining, status, expiry = self._db.execute(
            "SELECT remaining, status, expiry FROM orders WHERE id = ?", (order_id,)
        ).fetchone()
        return int(remaining), status, int(expiry)

    # ------------------------------------------------------------------------------------------------ fills

    @staticmethod
    def insert_fill(db: Db, fill: Fill) -> None:
        db.execute(
            _INSERT_FILL,
            (str(fill.series), fill.maker, fill.taker, fill.buyer, fill.seller, str(fill.size), str(fill.price)),
        )

    def unbatched_fills(self) -> list[tuple[int, Fill]]:
        rows = self._db.execute(
            "SELECT id, series, maker, taker, buyer, seller, size, price FROM fills"
            " WHERE batch IS NULL AND status = 'live' ORDER BY id"
        ).fetchall()
        return [(int(i), _fill(row)) for i, *row in rows]

    def unposted_sales(self) -> dict[tuple[str, int], int]:
        """Per (seller, series), the size sold in live fills not in a posted batch yet: the pool and the batches
        gathering co-signatures or posting. Three columns and no Fill objects: it is read under the sequencer's lock."""
        rows = self._db.execute(
            "SELECT f.seller, f.series, f.size FROM fills f LEFT JOIN batches b ON b.id = f.batch"
            " WHERE f.status = 'live' AND (f.batch IS NULL OR b.status IN ('cosigning', 'posting'))"
        ).fetchall()
        sales: dict[tuple[str, int], int] = {}
        for seller, series, size in rows:
            key = (seller, int(series))
            sales[key] = sales.get(key, 0) + int(size)
        return sales

    def batch_fills(self, batch: int) -> list[tuple[int, Fill]]:
        rows = self._db.execute(
            "SELECT id, series, maker, taker, buyer, seller, size, price FROM fills"
            " WHERE batch = ? AND status = 'live' ORDER BY id",
            (batch,),
        ).fetchall()
        return [(int(i), _fill(row)) for i, *row in rows]

    def fills_of_order(self, order_id: int) -> list[Fill]:
        rows = self._db.execute(
            "SELECT series, maker, taker, buyer, seller, size, price FROM fills"
            " WHERE (maker = ? OR taker = ?) AND status = 'live' ORDER BY id",
            (order_id, order_id),
        ).fetchall()
        return [_fill(row) for row in rows]

    # ------------------------------------------------------------------------------------------------ batches

    def batch(self, batch_id: int) -> BatchRow | None:
        row = self._db.execute(
            "SELECT id, number, status, series, round, deadline, dropped, root, raw_tx, tx_hash, posting_nonce"
            " FROM batches WHERE id = ?",
            (batch_id,),
        ).fetchone()
        return _batch(row) if row else None

    def batches_with(self, *statuses: str) -> list[BatchRow]:
        rows = []
        for status in statuses:
            rows += self._db.execute(
                "SELECT id, number, status, series, round, deadline, dropped, root, raw_tx, tx_hash, posting_nonce"
                " FROM batches WHERE status = ?",
                (status,),
            ).fetchall()
        return [_batch(row) for row in sorted(rows)]

    def leaves(self, batch_id: int) -> list[Leaf]:
        """The batch's leaves in tree order, with the batch's number and their signatures (b'' if unsigned)."""
        (number,) = self._db.execute("SELECT number FROM batches WHERE id = ?", (batch_id,)).fetchone()
        rows = self._db.execute(
            "SELECT account, cash, positions, signature FROM leaves WHERE batch = ? ORDER BY idx", (batch_id,)
        ).fetchall()
        return [
            Leaf(int(number), a, int(c), tuple(int(p) for p in json.loads(ps)), bytes(sig or b""))
            for a, c, ps, sig in rows
        ]

    @staticmethod
    def write_leaves(db: Db, batch_id: int, leaves: list[Leaf]) -> None:
        """Replaces the batch's leaves; a signature is kept only on a leaf that did not change."""
        kept = {
            (a, c, ps): sig
            for a, c, ps, sig in db.execute(
                "SELECT account, cash, positions, signature FROM leaves WHERE batch = ?", (batch_id,)
            ).fetchall()
        }
        db.execute("DELETE FROM leaves WHERE batch = ?", (batch_id,))
        for idx, leaf in enumerate(leaves):
            positions = json.dumps([str(p) for p in leaf.positions])
            signature = kept.get((leaf.account, str(leaf.cash), positions))
            db.execute(
                "INSERT INTO leaves (batch, idx, account, cash, positions, signature) VALUES (?, ?, ?, ?, ?, ?)",
                (batch_id, idx, leaf.account, str(leaf.cash), positions, signature),
            )

    def set_signature(self, batch_id: int, account: str, signature: bytes) -> None:
        with self.transaction() as db:
            db.execute(
                "UPDATE leaves SET signature = ? WHERE batch = ? AND account = ?", (signature, batch_id, account)
            )

    def latest_batch(self) -> BatchRow | None:
        row = self._db.execute("SELECT MAX(id) FROM batches").fetchone()
        return self.batch(int(row[0])) if row and row[0] is not None else None


@dataclass
class OrderWrites:
    """What a group of accepted orders changes, gathered while they are matched (in memory) and written by
    `Store.write_orders` in one transaction. `state` holds each touched order's last (remaining, status), as the
    order-by-order writes would have left it (remaining None: only its status changed)."""

    new: dict[int, Order] = field(default_factory=dict)
    state: dict[int, tuple[int | None, str]] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)

    def accept(self, order_id: int, order: Order, book: Book, match: Match) -> None:
        """An accepted order and its match: its fills, the makers they consumed, those it cancelled or found
        expired, and what rests of it."""
        self.new[order_id] = order
        self.fills += match.fills
        for fill in match.fills:
            maker = book.orders.get(fill.maker)
            remaining = maker.remaining if maker else 0
            self.state[fill.maker] = (remaining, "open" if remaining else "filled")
        for gone, status in [(i, "cancelled") for i in match.cancelled] + [(i, "expired") for i in match.expired]:
            self.state[gone] = (self.state.get(gone, (None, ""))[0], status)
        self.state[order_id] = (match.rests, "open" if match.rests else "filled")


def _fill(row: tuple) -> Fill:
    series, maker, taker, buyer, seller, size, price = row
    return Fill(int(series), int(maker), int(taker), buyer, seller, int(size), int(price))


def _batch(row: tuple) -> BatchRow:
    i, number, status, series, round_, deadline, dropped, root, raw, tx_hash, posting_nonce = row
    return BatchRow(
        int(i),
        int(number),
        status,
        [int(s) for s in json.loads(series)],
        int(round_),
        int(deadline),
        list(json.loads(dropped)),
        bytes(root) if root is not None else None,
        bytes(raw) if raw is not None else None,
        tx_hash,
        int(posting_nonce),
    )


def _order_row(order_id: int, order: Order, remaining: int, status: str) -> tuple:
    """An orders-table row (_INSERT_ORDER's parameters); integers wider than 64 bits are stored as text."""
    return (
        order_id,
        order.account,
        str(order.series),
        int(order.buy),
        str(order.size),
        str(order.price),
        str(order.nonce),
        order.expiry,
        order.signature,
        str(remaining),
        status,
    )
