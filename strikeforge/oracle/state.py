"""The node's persisted state (SQLite): per feed, the last published round and any round sent but not confirmed.

A round is written as pending before its transaction is sent and marked published once confirmed; on restart a
pending round is settled against the chain, so a crash between sending and recording neither republishes it nor
leaves the node believing it never published.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS rounds (
    feed TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    price TEXT NOT NULL,              -- 1e18-scaled integer, as text (beyond SQLite's 64-bit integers)
    status TEXT NOT NULL CHECK (status IN ('pending', 'published')),
    tx_hash TEXT,
    PRIMARY KEY (feed, timestamp)
);
"""


@dataclass(frozen=True)
class Round:
    feed: str
    timestamp: int
    price: int
    status: str
    tx_hash: str | None = None


class State:
    """SQLite-backed rounds; one connection, autocommitted per statement."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)

    def _rounds(self, query: str, *args: object) -> list[Round]:
        rows = self._db.execute(query, args).fetchall()
        return [Round(feed, ts, int(price), status, tx) for feed, ts, price, status, tx in rows]

    def last_published(self, feed: str) -> Round | None:
        rows = self._rounds(
            "SELECT feed, timestamp, price, status, tx_hash FROM rounds WHERE feed = ? AND status = 'published' "
            "ORDER BY timestamp DESC LIMIT 1",
            feed,
        )
        return rows[0] if rows else None

    def pending(self, feed: str) -> list[Round]:
        return self._rounds(
            "SELECT feed, timestamp, price, status, tx_hash FROM rounds WHERE feed = ? AND status = 'pending'", feed
        )

    def mark_pending(self, feed: str, timestamp: int, price: int) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO rounds (feed, timestamp, price, status) VALUES (?, ?, ?, 'pending')",
            (feed, timestamp, str(price)),
        )

    def mark_published(self, feed: str, timestamp: int, price: int, tx_hash: str | None) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO rounds (feed, timestamp, price, status, tx_hash) VALUES (?, ?, ?, 'published', ?)",
            (feed, timestamp, str(price), tx_hash),
        )

    def drop(self, feed: str, timestamp: int) -> None:
        self._db.execute(
            "DELETE FROM rounds WHERE feed = ? AND timestamp = ? AND status = 'pending'", (feed, timestamp)
        )

    def close(self) -> None:
        self._db.close()
