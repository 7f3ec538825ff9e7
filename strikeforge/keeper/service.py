"""Drives a ThetaVault's cycle: rolls each epoch when it is due, and only then, and finishes each epoch's auction
once its bidding window has ended.

Due means: a series is open, its expiry has passed and the router's expiry price is final (the keeper records the
price itself when nobody has); or no series is open and requests are waiting. Each roll is written to SQLite as
pending before it is sent and marked done after; the chain is the arbiter on restart (the vault's epoch either moved
past the recorded one or not), so a second run of the same roll, or a restart mid-roll, never rolls twice. A roll
that finds the open series' auction unfinished finishes it itself, at the auction's clearing price
(`BatchAuction.clearingPriceOf`), which the keeper passes with the roll.

Finishing needs no state of the keeper's own: the vault's `current_auction()` is the open auction (0: none), so a
finish already sent (by this keeper before a crash, or by anyone: `finish_auction` is public) is simply not there
any more, and an auction someone settled at the BatchAuction directly is finished with whatever price is passed (the
vault uses it only when the auction is unsettled). Rolls and expiry recordings come first: a tick finishes an auction
only when it has neither to do.
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


# Why a roll wrote no options (ThetaVault's OptionsNotWritten reasons), exported at zero by the keeper's metrics.
NOT_WRITTEN_REASONS = (
    "paused",
    "strike selection failed",
    "series creation failed",
    "pricing failed",
    "supply too large",
    "reserve too large",
    "writing failed",
)


@dataclass(frozen=True)
class AuctionOutcome:
    """ThetaVault's AuctionFinished: the auction's clearing price, options sold and unsold, and the proceeds (in the
    vault's asset) it booked. Unsold options were burned (before expiry) or are held and redeemed by the roll."""

    auction: int
    series: int
    clearing_price: int
    sold: int
    proceeds: int
    unsold: int

    def describe(self) -> str:
        return (
            f"auction {self.auction} finished: {self.sold} of {self.sold + self.unsold} options sold at"
            f" {self.clearing_price}, proceeds {self.proceeds}, unsold {self.unsold}"
        )


@dataclass(frozen=True)
class Action:
    """What one tick did: rolled, finished (an auction), recorded (an expiry price), waiting (with why), idle, or
    failed. `not_written` is the roll's OptionsNotWritten reason (None: options written, or nothing to write);
    `finished` the AuctionFinished of a finish or of a roll that finished the auction itself."""

    kind: str
    detail: str
    epoch: int
    tx_hash: str | None = None
    not_written: str | None = None
    finished: AuctionOutcome | None = None


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


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0][:200] if str(error).strip() else type(error).__name__


class Keeper:
    """One vault, its engine, router and auction (the vault's AUCTION() unless given), and the keeper account."""

    def __init__(
        self,
        vault: Any,
        engine: Any,
        router: Any,
        account: Any,
        rolls: RollLog,
        clock: Callable[[], int],
        auction: Any = None,
    ) -> None:
        self.vault, self.engine, self.router, self.account = vault, engine, router, account
        if auction is None:
            from ape import project

            auction = project.BatchAuction.at(vault.AUCTION())
        self.auction = auction
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
                waiting = Action("waiting", f"series {series} expires in {expiry - now + 1}s", epoch)
                return self._finish(epoch, now) or waiting
            if not bool(self.engine.isSettled(series)):
                recorded_at = int(self.router.expiry_prices(self.underlying, self.strike_asset, expiry).recorded_at)
                if recorded_at == 0:
                    return self._record(expiry, epoch)
                if not bool(self.router.is_expiry_price_final(self.underlying, self.strike_asset, expiry)):
                    final_at = recorded_at + int(self.router.DISPUTE_PERIOD())
                    waiting = Action("waiting", f"expiry price final in {max(0, final_at - now)}s", epoch)
                    return self._finish(epoch, now) or waiting
        elif int(self.vault.total_pending_deposits()) == 0 and int(self.vault.total_pending_redeem_shares()) == 0:
            return Action("idle", "no series open and no requests waiting", epoch)
        return self._roll(epoch)

    def _clearing_price(self, auction_id: int) -> tuple[int, bool]:
        """The price to finish `auction_id` with, and whether it is settled (then the vault ignores the price)."""
        settled = bool(self.auction.statusOf(auction_id)[2])
        return (0 if settled else int(self.auction.clearingPriceOf(auction_id))), settled

    def _finish(self, epoch: int, now: int) -> Action | None:
        """Finishes the open auction if its bidding window has ended; None when there is nothing to finish."""
        auction_id = int(self.vault.current_auction())
        if auction_id == 0 or int(self.auction.statusOf(auction_id)[0]) > now:
            return None
        price, settled = self._clearing_price(auction_id)
        try:
            tx = self.vault.finish_auction(price, sender=self.account)
        except Exception as error:
            if int(self.vault.current_auction()) != auction_id:  # finished meanwhile (by anyone, or this very call)
                log.info("auction %d was finished meanwhile", auction_id)
                return Action("finished", f"auction {auction_id} finished (confirmed on-chain after an error)", epoch)
            message = _first_line(error)
            log.warning("finishing auction %d failed: %s", auction_id, message)
            return Action("failed", f"finishing auction {auction_id} failed: {message}", epoch)
        outcome = self._outcome(tx)
        detail = outcome.describe() if outcome else f"auction {auction_id} finished"
        if settled:
            detail += " (settled at the auction by someone else)"
        log.info("%s in %s", detail, tx.txn_hash)
        return Action("finished", detail, epoch, str(tx.txn_hash), finished=outcome)

    def _outcome(self, tx: Any) -> AuctionOutcome | None:
        for event in tx.events.filter(self.vault.AuctionFinished):
            return AuctionOutcome(
                int(event.auction),
                int(event.series),
                int(event.clearing_price),
                int(event.sold),
                int(event.proceeds),
                int(event.unsold),
            )
        return None

    def _record(self, expiry: int, epoch: int) -> Action:
        """Records the expiry price from the sources' evidence: the round hints the router's sources find on-chain
        (an eth_call), then the recording with them. Refused evidence (e.g. one source alone before the router's
        SOURCE_GRACE) is a wait, retried next tick."""
        pair = (self.underlying, self.strike_asset)
        try:
            primary_hint, fallback_hint = self.router.expiry_hints(*pair, expiry)
            tx = self.router.record_expiry_price(*pair, expiry, primary_hint, fallback_hint, sender=self.account)
        except Exception as error:
            message = _first_line(error)
            log.warning("recording the expiry price of %d failed: %s", expiry, message)
            return Action("waiting", f"expiry price of {expiry} not recordable yet: {message}", epoch)
        return Action("recorded", f"expiry price of {expiry} recorded", epoch, str(tx.txn_hash))

    def _roll(self, epoch: int) -> Action:
        # The open auction's clearing price, for the roll to settle it if nobody has (read before the roll is
        # recorded as pending: bidding has ended, so the price cannot change before the roll lands).
        auction_id = int(self.vault.current_auction())
        price = self._clearing_price(auction_id)[0] if auction_id else 0
        self.rolls.mark(self.key, epoch, "pending")
        try:
            tx = self.vault.roll(price, sender=self.account)
        except Exception as error:
            if int(self.vault.epoch()) > epoch:
                self.rolls.mark(self.key, epoch, "done")
                return Action("rolled", "rolled (confirmed on-chain after an error)", epoch)
            self.rolls.forget(self.key, epoch)
            message = _first_line(error)
            log.warning("roll of epoch %d failed: %s", epoch, message)
            return Action("failed", message, epoch)
        self.rolls.mark(self.key, epoch, "done", str(tx.txn_hash))
        log.info("rolled epoch %d in %s", epoch, tx.txn_hash)
        detail = f"epoch {epoch} rolled"
        outcome = self._outcome(tx)  # the roll finished the auction nobody had finished
        if outcome is not None:
            log.info("epoch %d roll: %s", epoch, outcome.describe())
            detail += f"; {outcome.describe()}"
        not_written = None
        for skipped in tx.events.filter(self.vault.OptionsNotWritten):  # the roll proceeded without them (M-3)
            not_written = str(skipped.reason)
            log.warning("epoch %d rolled without writing options: %s", epoch, not_written)
            detail += f"; no options written: {not_written}"
        for started in tx.events.filter(self.vault.AuctionStarted):
            opened = (
                f"auction {int(started.auction)} opened: {int(started.options)} options of series"
                f" {int(started.series)}, reserve {int(started.reserve)}, bidding until {int(started.end)}"
            )
            log.info("epoch %d roll: %s", epoch, opened)
            detail += f"; {opened}"
        return Action("rolled", detail, epoch, str(tx.txn_hash), not_written=not_written, finished=outcome)

    def run(
        self,
        iterations: int | None,
        interval: float,
        sleep: Callable[[float], None] = time.sleep,
        report: Callable[[Action], None] | None = None,
    ) -> list[Action]:
        """Tick `iterations` times (forever if None), `interval` seconds apart, reporting each action."""
        return run_ticks(lambda: [self.tick()], iterations, interval, sleep, report)
