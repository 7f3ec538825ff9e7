"""The event index: the protocol's on-chain events in the services' store (SQLite or PostgreSQL), for statements and
reconciliation.

`EventIndex.sync` resumes from the last indexed block. Reorganizations: the index keeps the hashes of the last
`REORG_WINDOW` blocks it indexed; before indexing further it walks them back from the top until one still matches the
chain, and deletes everything above that block (events, their account rows, option tokens discovered there) before
indexing again. A reorganization deeper than the window stops the sync with an error naming the fix (`--rebuild`).
Each page of blocks is written in one transaction, together with the cursor: a kill never leaves half a page.

Option tokens are discovered from the engine's SeriesCreated events and indexed from their creation block on. The
BatchAuction the vault sells each epoch's options in is followed like the vault (bids, settlements, claims).

Accounts: an event is filed under every address it names, and the vault's own auction events (AuctionStarted,
AuctionFinished: they name only ids) under the vault, so the vault's statement carries its premium.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from strikeforge.ops.events import Event, as_hex, fetch
from strikeforge.settlement.db import Db, open_db

REORG_WINDOW = 64
PAGE = 2_000
ZERO = "0x" + "00" * 20
# Events that concern the contract emitting them (filed under its address too): (source, event name).
OWN_EVENTS = frozenset({("ThetaVault", "AuctionStarted"), ("ThetaVault", "AuctionFinished")})
# The manifest's contracts the index follows (by artifact name); option tokens are added as series are created.
INDEXED = (
    "ThetaVault",
    "BatchAuction",
    "OptionsEngine",
    "SettlementLedger",
    "SignedPriceOracle",
    "OracleRouter",
    "StrikeforgeTimelock",
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS chain_events (
    block {int} NOT NULL,
    log_index INTEGER NOT NULL,
    block_hash TEXT NOT NULL,
    timestamp {int} NOT NULL,
    tx TEXT NOT NULL,
    contract TEXT NOT NULL,
    source TEXT NOT NULL,                    -- the contract's artifact name: ThetaVault, OptionToken, ...
    name TEXT NOT NULL,
    args TEXT NOT NULL,                      -- JSON (integers exact)
    PRIMARY KEY (block, log_index)
);
CREATE TABLE IF NOT EXISTS chain_event_accounts (
    account TEXT NOT NULL,                   -- every address an event names (lowercase)
    block {int} NOT NULL,
    log_index INTEGER NOT NULL,
    PRIMARY KEY (account, block, log_index)
);
CREATE TABLE IF NOT EXISTS index_contracts (
    address TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    series {int},                            -- an option token's series
    since {int} NOT NULL                     -- first block to index it from
);
CREATE TABLE IF NOT EXISTS index_blocks (
    number {int} PRIMARY KEY,                -- the last REORG_WINDOW indexed blocks
    hash TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS index_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    block {int} NOT NULL                     -- every block up to here is indexed
);
"""


class IndexSyncError(RuntimeError):
    """The index cannot go on (a reorganization deeper than its window); names the fix."""


@dataclass(frozen=True)
class SyncResult:
    start: int
    stop: int
    events: int
    rewound_to: int | None  # the fork block, when a reorganization was undone


@dataclass(frozen=True)
class Stored:
    """An indexed event with its block time and its contract's role."""

    event: Event
    timestamp: int
    source: str


class EventIndex:
    def __init__(self, spec: str | Path) -> None:
        self.db: Db = open_db(spec, SCHEMA)

    def close(self) -> None:
        self.db.close()

    # -- what is followed --------------------------------------------------------------------------------------

    def follow(self, contracts: dict[str, str], since: int = 0) -> None:
        """Adds contracts (address -> artifact name) to the index, from block `since`."""
        with self.db.transaction() as db:
            for address, source in contracts.items():
                if not db.execute("SELECT 1 FROM index_contracts WHERE address = ?", (address.lower(),)).fetchone():
                    db.execute(
                        "INSERT INTO index_contracts (address, source, series, since) VALUES (?, ?, NULL, ?)",
                        (address.lower(), source, since),
                    )

    def contracts(self) -> dict[str, tuple[str, int | None, int]]:
        rows = self.db.execute("SELECT address, source, series, since FROM index_contracts").fetchall()
        return {a: (s, None if n is None else int(n), int(b)) for a, s, n, b in rows}

    def cursor(self) -> int:
        row = self.db.execute("SELECT block FROM index_cursor WHERE id = 1").fetchone()
        return int(row[0]) if row else -1

    # -- syncing -----------------------------------------------------------------------------------------------

    def sync(
        self, head: int | None = None, confirmations: int = 0, progress: Callable[[int, int], None] | None = None
    ) -> SyncResult:
        """Index every block after the cursor up to `head - confirmations` (head: the chain's)."""
        from ape import chain

        rewound = self._rewind()
        top = (int(chain.blocks.height) if head is None else head) - confirmations
        cursor = self.cursor()
        first = min((since for _, _, since in self.contracts().values()), default=0)
        start = cursor + 1 if cursor >= 0 else first
        count = 0
        for page_start in range(start, top + 1, PAGE):
            page_stop = min(top, page_start + PAGE - 1)
            count += self._index_page(page_start, page_stop)
            if progress:
                progress(page_stop, top)
        return SyncResult(start, top, count, rewound)

    def _rewind(self) -> int | None:
        """Undo indexed blocks the chain no longer has; returns the fork block, or None if nothing changed."""
        from ape import chain

        stored = self.db.execute("SELECT number, hash FROM index_blocks ORDER BY number DESC").fetchall()
        if not stored:
            return None
        height = int(chain.blocks.height)
        for number, block_hash in stored:
            number = int(number)
            if number <= height and as_hex(chain.blocks[number].hash) == block_hash:
                fork = number
                break
        else:
            raise IndexSyncError(
                f"the chain reorganized below the {REORG_WINDOW} blocks the index keeps hashes of (from block"
                f" {int(stored[-1][0])}); rebuild the index: strikeforge index --rebuild"
            )
        if fork == int(stored[0][0]):
            return None
        with self.db.transaction() as db:
            for table, column in (
                ("chain_events", "block"),
                ("chain_event_accounts", "block"),
                ("index_blocks", "number"),
            ):
                db.execute(f"DELETE FROM {table} WHERE {column} > ?", (fork,))  # noqa: S608 (fixed names)
            db.execute("DELETE FROM index_contracts WHERE series IS NOT NULL AND since > ?", (fork,))
            db.execute("UPDATE index_cursor SET block = ? WHERE id = 1", (fork,))
        return fork

    def _index_page(self, start: int, stop: int) -> int:
        from ape import chain

        known = self.contracts()
        events = fetch(start, stop, [a for a, (_, _, since) in known.items() if since <= stop])
        tokens = {
            str(e.args["token"]): (int(e.args["seriesId"]), e.block)
            for e in events
            if e.name == "SeriesCreated" and known.get(e.contract, ("",))[0] == "OptionsEngine"
        }
        tokens = {a: v for a, v in tokens.items() if a not in known}
        if tokens:
            events += fetch(min(b for _, b in tokens.values()), stop, list(tokens))
            events.sort(key=lambda e: e.key)
        sources = {a: s for a, (s, _, _) in known.items()} | dict.fromkeys(tokens, "OptionToken")
        hashes = {n: as_hex(chain.blocks[n].hash) for n in range(max(start, stop - REORG_WINDOW + 1), stop + 1)}
        times: dict[int, int] = {}
        for event in events:
            if event.block not in times:
                block = chain.blocks[event.block]
                times[event.block] = int(block.timestamp)
                hashes.setdefault(event.block, as_hex(block.hash))
            if hashes[event.block] != event.block_hash:
                raise IndexSyncError(f"block {event.block} changed while it was read (a reorganization); sync again")
        with self.db.transaction() as db:
            for address, (series, block) in tokens.items():
                db.execute(
                    "INSERT INTO index_contracts (address, source, series, since) VALUES (?, 'OptionToken', ?, ?)",
                    (address, series, block),
                )
            for event in events:
                db.execute(
                    "INSERT INTO chain_events (block, log_index, block_hash, timestamp, tx, contract, source, name,"
                    " args) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        event.block,
                        event.log_index,
                        event.block_hash,
                        times[event.block],
                        event.tx,
                        event.contract,
                        sources[event.contract],
                        event.name,
                        json.dumps(event.args),
                    ),
                )
                for account in _accounts(event, sources[event.contract]):
                    db.execute(
                        "INSERT INTO chain_event_accounts (account, block, log_index) VALUES (?, ?, ?)"
                        " ON CONFLICT DO NOTHING",
                        (account, event.block, event.log_index),
                    )
            for number, block_hash in hashes.items():
                db.execute("DELETE FROM index_blocks WHERE number = ?", (number,))
                db.execute("INSERT INTO index_blocks (number, hash) VALUES (?, ?)", (number, block_hash))
            db.execute("DELETE FROM index_blocks WHERE number <= ?", (stop - REORG_WINDOW,))
            db.execute("DELETE FROM index_cursor WHERE id = 1")
            db.execute("INSERT INTO index_cursor (id, block) VALUES (1, ?)", (stop,))
        return len(events)

    # -- reading -----------------------------------------------------------------------------------------------

    def events(self, account: str | None = None, names: tuple[str, ...] = ()) -> list[Stored]:
        """Indexed events, in chain order: all, or those naming one account (in any address argument), or of some
        event names."""
        sql = (
            "SELECT e.block, e.log_index, e.tx, e.block_hash, e.contract, e.name, e.args, e.timestamp, e.source"
            " FROM chain_events e"
        )
        where: list[str] = []
        params: list[Any] = []
        if account is not None:
            sql += " JOIN chain_event_accounts a ON a.block = e.block AND a.log_index = e.log_index"
            where.append("a.account = ?")
            params.append(account.lower())
        if names:
            where.append("e.name IN (" + ", ".join("?" * len(names)) + ")")
            params.extend(names)
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self.db.execute(sql + " ORDER BY e.block, e.log_index", params).fetchall()
        return [
            Stored(Event(int(b), int(i), tx, h, c, n, json.loads(a)), int(ts), src)
            for b, i, tx, h, c, n, a, ts, src in rows
        ]

    def accounts(self) -> list[str]:
        rows = self.db.execute("SELECT DISTINCT account FROM chain_event_accounts ORDER BY account").fetchall()
        return [a for (a,) in rows]


def _accounts(event: Event, source: str) -> set[str]:
    """Every address the event names, and its emitter for the events that concern the emitter itself."""
    found = {event.contract} if (source, event.name) in OWN_EVENTS else set()
    for value in event.args.values():
        values = value if isinstance(value, list) else [value]
        for item in values:
            if isinstance(item, str) and len(item) == 42 and item.startswith("0x") and item != ZERO:
                found.add(item)
    return found


def follow_manifest(index: EventIndex, manifest: dict[str, Any]) -> None:
    """Follows the manifest's protocol contracts from their deployment blocks."""
    steps = manifest["steps"]
    contracts = {
        s["address"]: s["contract"]
        for s in steps.values()
        if s.get("status") == "done" and s.get("contract") in INDEXED and s.get("address")
    }
    since = min((int(s.get("block") or 0) for s in steps.values() if s.get("contract") in INDEXED), default=0)
    index.follow(contracts, since)
