"""Rolls a ThetaVault's epoch when it is due, and only then.

Due means: a series is open, its expiry has passed and the router's expiry price is final (the keeper records the
price itself when nobody has); or no series is open and requests are waiting. Each roll is written to SQLite as
pending before it is sent and marked done after; the chain is the arbiter on restart (the vault's epoch either moved
past the recorded one or not), so a second run of the same roll, or a restart mid-roll, never rolls twice.
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from strikeforge.ticks import run_ticks

log = logging.getLogger("strikeforge.keeper")

SCHEMA = """
CREATE TABLE IF NOT EXISTS rolls (
    vault TEXT NOT NULL,
    epoch INTEGER NOT NULL,             -- the epoch the roll closes
    status TEXT NOT NULL CHECK (status IN ('pending', 'done')),
    tx_hash TEXT,
    PRIMARY KEY (vault, epoch)
);
"""


@dataclass(frozen=True)
class Action:
    """What one tick did: rolled, recorded (an expiry price), waiting (with why), or idle."""

    kind: str
    detail: str
    epoch: int
    tx_hash: str | None = None


class RollLog:
    """SQLite record of rolls sent per vault and epoch."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, isolation_level=None)
        self._db.executescript(SCHEMA)

    def status(self, vault: str, epoch: int) -> str | None:
        row = self._db.execute("SELECT status FROM rolls WHERE vault = ? AND epoch = ?", (vault, epoch)).fetchone()
        return row[0] if row else None

    def pending(self, vault: str) -> list[int]:
        rows = self._db.execute("SELECT epoch FROM rolls WHERE vault = ? AND status = 'pending'", (vault,))
        return [epoch for (epoch,) in rows.fetchall()]

    def mark(self, vault: str, epoch: int, status: str, tx_hash: str | None = None) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO rolls (vault, epoch, status, tx_hash) VALUES (?, ?, ?, ?)",
            (vault, epoch, status, tx_hash),
        )

    def forget(self, vault: str, epoch: int) -> None:
        self._db.execute("DELETE FROM rolls WHERE vault = ? AND epoch = ? AND status = 'pending'", (vault, epoch))

    def close(self) -> None:
        self._db.close()


class Keeper:
    """One vault, its engine and router, and the keeper account."""

    def __init__(
        self, vault: Any, engine: Any, router: Any, account: Any, rolls: RollLog, clock: Callable[[], int]
    ) -> None:
        self.vault, self.engine, self.router, self.account = vault, engine, router, account
        self.rolls = rolls
        self.clock = clock
        self.key = str(vault.address)
        self.underlying, self.strike_asset = str(vault.UNDERLYING()), str(vault.STRIKE_ASSET())

    def reconcile(self) -> None:
        """Settle rolls left pending by a restart: done if the vault's epoch moved past them, else forgotten."""
        epoch = int(self.vault.epoch())
        for pending in self.rolls.pending(self.key):
            if epoch > pending:
                self.rolls.mark(self.key, pending, "done")
                log.info("epoch %d was rolled before the restart", pending)
            else:
                self.rolls.forget(self.key, pending)

    def tick(self) -> Action:
        self.reconcile()
        epoch = int(self.vault.epoch())
        if self.rolls.status(self.key, epoch) == "done":
            return Action("idle", "this epoch's roll is already recorded as done", epoch)
        # A paused vault still rolls (ThetaVault F4): the roll settles exits and writes no options.
        series = int(self.vault.current_series())
        if series:
            expiry = int(self.vault.current_expiry())
            now = self.clock()
            if now <= expiry:  # the router records an expiry's price only after it
                return Action("waiting", f"series {series} expires in {expiry - now + 1}s", epoch)
            if not bool(self.engine.isSettled(series)):
                recorded_at = int(self.router.expiry_prices(self.underlying, self.strike_asset, expiry).recorded_at)
                if recorded_at == 0:
                    return self._record(expiry, epoch)
                if not bool(self.router.is_expiry_price_final(self.underlying, self.strike_asset, expiry)):
                    final_at = recorded_at + int(self.router.DISPUTE_PERIOD())
                    return Action("waiting", f"expiry price final in {max(0, final_at - now)}s", epoch)
        elif int(self.vault.total_pending_deposits()) == 0 and int(self.vault.total_pending_redeem_shares()) == 0:
            return Action("idle", "no series open and no requests waiting", epoch)
        return self._roll(epoch)

    def _record(self, expiry: int, epoch: int) -> Action:
        """Records the expiry price from the sources' evidence: the round hints the router's sources find on-chain
        (an eth_call), then the recording with them. Refused evidence (e.g. one source alone before the router's
        SOURCE_GRACE) is a wait, retried next tick."""
        pair = (self.underlying, self.strike_asset)
        try:
            primary_hint, fallback_hint = self.router.expiry_hints(*pair, expiry)
            tx = self.router.record_expiry_price(*pair, expiry, primary_hint, fallback_hint, sender=self.account)
        except Exception as error:
            message = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
            log.warning("recording the expiry price of %d failed: %s", expiry, message)
            return Action("waiting", f"expiry price of {expiry} not recordable yet: {message}", epoch)
        return Action("recorded", f"expiry price of {expiry} recorded", epoch, str(tx.txn_hash))

    def _roll(self, epoch: int) -> Action:
        self.rolls.mark(self.key, epoch, "pending")
        try:
            tx = self.vault.roll(sender=self.account)
        except Exception as error:
            if int(self.vault.epoch()) > epoch:
                self.rolls.mark(self.key, epoch, "done")
                return Action("rolled", "rolled (confirmed on-chain after an error)", epoch)
            self.rolls.forget(self.key, epoch)
            message = str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__
            log.warning("roll of epoch %d failed: %s", epoch, message)
            return Action("failed", message, epoch)
        self.rolls.mark(self.key, epoch, "done", str(tx.txn_hash))
        log.info("rolled epoch %d in %s", epoch, tx.txn_hash)
        detail = f"epoch {epoch} rolled"
        for skipped in tx.events.filter(self.vault.OptionsNotWritten):  # the roll proceeded without the buyer (M-3)
            log.warning("epoch %d rolled without writing options: %s (buyer %s)", epoch, skipped.reason, skipped.buyer)
            detail += f"; no options written: {skipped.reason}"
        return Action("rolled", detail, epoch, str(tx.txn_hash))

    def run(
        self,
        iterations: int | None,
        interval: float,
        sleep: Callable[[float], None] = time.sleep,
        report: Callable[[Action], None] | None = None,
    ) -> list[Action]:
        """Tick `iterations` times (forever if None), `interval` seconds apart, reporting each action."""
        return run_ticks(lambda: [self.tick()], iterations, interval, sleep, report)
