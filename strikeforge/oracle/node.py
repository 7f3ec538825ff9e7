"""The oracle node: per feed and per tick, fetch -> aggregate -> decide -> sign -> publish, with persisted state.

Rounds are dated on a grid: a tick at `now` signs for floor(now / interval) * interval, never for `now` itself. The
interval divides 3600, so every option expiry (Fridays 08:00 UTC, ThetaVault's EXPIRY_OFFSET) is a grid point, and
the first tick at or after an expiry signs a round dated exactly at it whatever the deviation and the heartbeat say:
the SignedPriceOracle's round current at expiry is then the expiry's own price (its priceAt evidence), and the next
grid point's round follows it, so priceAt can prove it without waiting MAX_AGE. A node signs at most one price per
grid timestamp (a failed publication is not re-signed at another price within its interval).

A feed of kind `volatility` publishes the underlying's annualised implied volatility (1e18 = 100%/yr) to a
SignedPriceOracle whose QUOTE is a VolatilityUnit, from sources configured like price sources (a `scale` per source
turns a quote in percent into a fraction); the node refuses to sign a vol outside [MIN_VOL, MAX_VOL] (1% to 500%),
the pricer's domain, which DeltaStrikeSelector also enforces on chain.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from strikeforge.oracle.aggregate import Aggregate, NoQuorumError, Rules, SanityBoundError, aggregate
from strikeforge.oracle.config import MAX_VOL, MIN_VOL, FeedConfig, PublisherConfig
from strikeforge.oracle.report import Domain, PriceReport
from strikeforge.oracle.signing import Signer
from strikeforge.oracle.sources import Observation, Source, SourceError
from strikeforge.oracle.state import State
from strikeforge.ticks import run_ticks

log = logging.getLogger("strikeforge.oracle")
BPS = 10_000
WAD = 10**18
GWEI = 10**9
WEEK = 604_800
EXPIRY_OFFSET = 115_200  # Friday 08:00 UTC, as ThetaVault's EXPIRY_OFFSET: expiries are WEEK * k + EXPIRY_OFFSET


def round_timestamp(now: int, interval: int) -> int:
    """The grid timestamp a tick at `now` signs for: floor(now / interval) * interval."""
    return now // interval * interval


def is_expiry(timestamp: int) -> bool:
    """Whether `timestamp` is an option expiry (a Friday, 08:00 UTC)."""
    return timestamp % WEEK == EXPIRY_OFFSET


@dataclass(frozen=True)
class Outcome:
    """What one tick did for one feed: published, skipped (nothing due), refused (unsafe to sign) or failed."""

    feed: str
    action: str
    detail: str
    price: int | None = None
    timestamp: int | None = None
    tx_hash: str | None = None


class FeedWorker:
    """One feed: its sources, its SignedPriceOracle, the node's signers and the publishing account."""

    def __init__(
        self,
        config: FeedConfig,
        sources: Sequence[Source],
        oracle: Any,
        signers: Sequence[Signer],
        publisher: Any,
        publishing: PublisherConfig,
        state: State,
        chain_id: int,
        gas_price: Callable[[], int],
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.sources = list(sources)
        self.oracle = oracle
        self.signers = list(signers)
        self.publisher = publisher
        self.publishing = publishing
        self.state = state
        self.gas_price = gas_price
        self.sleep = sleep
        self.domain = Domain(chain_id, str(oracle.address))
        self.base, self.quote = str(oracle.BASE()), str(oracle.QUOTE())
        self.rules = Rules(config.min_sources, config.max_source_age, config.outlier_bps, config.sanity_bps)
        self.signed: tuple[int, int] | None = None  # the last (grid timestamp, price) this worker signed

    # -- state against the chain -------------------------------------------------------------------------------

    def reconcile(self) -> None:
        """Settle pending rounds and adopt newer on-chain rounds (published by another node) as the last published."""
        chain_ts = int(self.oracle.latest_timestamp())
        chain_price = int(self.oracle.latest_price())
        for pending in self.state.pending(self.config.name):
            if chain_ts == pending.timestamp:
                self.state.mark_published(self.config.name, pending.timestamp, chain_price, None)
                log.info("%s: round %d was published before the restart", self.config.name, pending.timestamp)
            else:
                self.state.drop(self.config.name, pending.timestamp)
                log.warning("%s: round %d never landed; dropped", self.config.name, pending.timestamp)
        last = self.state.last_published(self.config.name)
        if chain_ts and (last is None or chain_ts > last.timestamp):
            self.state.mark_published(self.config.name, chain_ts, chain_price, None)

    # -- one tick ----------------------------------------------------------------------------------------------

    def observe(self, now: int) -> tuple[list[Observation], dict[str, str]]:
        observations, failures = [], {}
        for source in self.sources:
            try:
                observations.append(source.fetch(now))
            except SourceError as error:
                failures[source.name] = str(error)
        return observations, failures

    def tick(self, now: int) -> Outcome:
        name = self.config.name
        self.reconcile()
        observations, failures = self.observe(now)
        last = self.state.last_published(name)
        try:
            result = aggregate(observations, now, self.rules, last.price if last else None)
        except (NoQuorumError, SanityBoundError) as error:
            detail = f"{error}; source failures: {failures}" if failures else str(error)
            log.warning("%s: refusing to sign: %s", name, detail)
            return Outcome(name, "refused", detail)
        if self.config.kind == "volatility" and not MIN_VOL <= Decimal(result.price) / WAD <= MAX_VOL:
            detail = f"implied vol {Decimal(result.price) / WAD} outside [{MIN_VOL}, {MAX_VOL}] (1 = 100%/yr)"
            log.warning("%s: refusing to sign: %s", name, detail)
            return Outcome(name, "refused", detail, result.price)
        timestamp = round_timestamp(now, self.config.interval)
        if self.signed is not None and self.signed[0] >= timestamp:
            detail = f"round {timestamp} already signed; the next one is dated {timestamp + self.config.interval}"
            return Outcome(name, "skipped", detail, result.price)
        due = self._due(result, last, timestamp)
        if due is None:
            return Outcome(name, "skipped", "within the deviation threshold and the heartbeat", result.price)
        cap = int(self.publishing.gas_price_cap_gwei * GWEI)
        gas_price = int(self.gas_price())
        if gas_price > cap:
            detail = f"gas price {Decimal(gas_price) / GWEI} gwei above the cap {self.publishing.gas_price_cap_gwei}"
            log.warning("%s: not publishing: %s", name, detail)
            return Outcome(name, "skipped", detail, result.price)
        return self.publish(result, timestamp, due)

    def _due(self, result: Aggregate, last: Any, now: int) -> str | None:
        """Why the round dated `now` (a grid timestamp) is due, or None."""
        if last is None:
            return "first round"
        if now <= last.timestamp:
            return None
        if is_expiry(now):
            return "expiry round"
        if is_expiry(last.timestamp):  # a later round proves the expiry round final: no MAX_AGE wait for priceAt
            return "after expiry"
        moved = abs(result.price - last.price) * BPS
        if moved >= last.price * self.config.deviation_bps and result.price != last.price:
            return f"moved {Decimal(moved) / last.price:.1f} bps"
        if now - last.timestamp >= self.config.heartbeat:
            return "heartbeat"
        return None

    def publish(self, result: Aggregate, now: int, reason: str) -> Outcome:
        """Sign the round dated `now` (a grid timestamp) with the oracle's threshold of signers and send it."""
        name = self.config.name
        threshold = int(self.oracle.threshold())
        if len(self.signers) < threshold:
            detail = f"{len(self.signers)} signers configured, the oracle requires {threshold}"
            log.error("%s: %s", name, detail)
            return Outcome(name, "refused", detail, result.price)
        report = PriceReport(self.base, self.quote, result.price, now)
        signatures = [signer.sign_report(self.domain, report) for signer in self.signers[:threshold]]
        self.signed = (now, result.price)
        prices = [result.price] * len(signatures)
        self.state.mark_pending(name, now, result.price)
        delay = self.publishing.backoff
        for attempt in range(self.publishing.retries + 1):
            try:
                receipt = self.oracle.update(now, prices, signatures, sender=self.publisher)
            except Exception as error:
                if int(self.oracle.latest_timestamp()) >= now:  # it landed after all: never send it twice
                    self.state.mark_published(name, now, result.price, None)
                    return Outcome(name, "published", f"{reason} (landed despite an error)", result.price, now)
                log.warning("%s: publish attempt %d failed: %s", name, attempt + 1, _first_line(error))
                if attempt < self.publishing.retries:
                    self.sleep(float(delay))
                    delay *= 2
                continue
            tx_hash = str(receipt.txn_hash)
            self.state.mark_published(name, now, result.price, tx_hash)
            sources = ",".join(result.used)
            log.info("%s: published %d at %d (%s; sources %s) in %s", name, result.price, now, reason, sources, tx_hash)
            return Outcome(name, "published", reason, result.price, now, tx_hash)
        self.state.drop(name, now)
        return Outcome(name, "failed", f"{self.publishing.retries + 1} attempts failed", result.price, now)


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0][:200] if text else type(error).__name__


class Node:
    """All feeds, ticked every `poll_interval` seconds."""

    def __init__(
        self,
        workers: Sequence[FeedWorker],
        clock: Callable[[], int],
        poll_interval: float,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.workers = list(workers)
        self.clock = clock
        self.poll_interval = poll_interval
        self.sleep = sleep

    def tick(self) -> list[Outcome]:
        now = self.clock()
        return [worker.tick(now) for worker in self.workers]

    def run(self, iterations: int | None = None, report: Callable[[Outcome], None] | None = None) -> list[Outcome]:
        """Tick `iterations` times (forever if None), reporting each outcome as it happens; returns them all."""
        return run_ticks(self.tick, iterations, self.poll_interval, self.sleep, report)
