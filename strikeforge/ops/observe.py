"""Each service's own metrics: an observer per service turns what a tick returned into Prometheus metrics.

The observers only read what the tick produced (and, for the keeper and the watcher, a value or two of their own
objects), on the service's thread; the metrics server never touches a database connection or the chain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from strikeforge.ops.metrics import PREFIX, ServiceMetrics


class _PriceAge(Collector):
    """strikeforge_oracle_price_age_seconds{feed}: seconds since the feed's last round, computed at scrape time."""

    def __init__(self, service: str, timestamps: dict[str, int], clock: Callable[[], float]) -> None:
        self.service, self.timestamps, self.clock = service, timestamps, clock

    def collect(self) -> Any:
        family = GaugeMetricFamily(
            f"{PREFIX}_oracle_price_age_seconds",
            "Seconds since the feed's last round published on-chain (by this node or another).",
            labels=["service", "feed"],
        )
        now = self.clock()
        for feed, timestamp in sorted(self.timestamps.items()):
            family.add_metric([self.service, feed], max(0.0, now - timestamp))
        yield family


class OracleObserver:
    """Rounds by outcome per feed, and each feed's last round time (its age is computed when scraped)."""

    def __init__(self, metrics: ServiceMetrics) -> None:
        self.m = metrics
        self.rounds = metrics.counter("oracle_rounds", "Feed ticks by outcome.", ["feed", "action"])
        self.timestamps: dict[str, int] = {}
        metrics.registry.register(_PriceAge(metrics.service, self.timestamps, metrics.clock))

    def seen(self, feed: str, timestamp: int) -> None:
        """The feed's latest on-chain round time (at start, and after each tick)."""
        if timestamp:
            self.timestamps[feed] = max(timestamp, self.timestamps.get(feed, 0))

    def observe(self, outcome: Any) -> None:
        self.rounds.labels(self.m.service, outcome.feed, outcome.action).inc()
        if outcome.action == "published" and outcome.timestamp:
            self.seen(outcome.feed, int(outcome.timestamp))
        self.m.details["price_timestamps"] = dict(self.timestamps)


class SequencerObserver:
    """Batches by outcome (posted, failed, reverted, abandoned), orders and co-signatures by result."""

    OUTCOMES = ("cut", "posted", "failed", "reverted", "abandoned", "renumbered")

    def __init__(self, metrics: ServiceMetrics) -> None:
        self.m = metrics
        self.batches = metrics.counter("sequencer_batches", "Batch life-cycle events by outcome.", ["outcome"])
        self.requests = metrics.counter(
            "sequencer_requests", "API requests by route and result (accepted, refused, screened).", ["route", "result"]
        )
        for outcome in self.OUTCOMES:  # exported at zero from the start, so rate() and absent() behave
            self.batches.labels(metrics.service, outcome)

    def observe(self, action: str) -> None:
        """A tick's result, e.g. "posted 3" or "reverted 2" (the number of batches)."""
        word, _, count = action.partition(" ")
        if word in self.OUTCOMES:
            self.batches.labels(self.m.service, word).inc(int(count) if word == "reverted" and count else 1)

    def request(self, route: str, status: int, screened: bool) -> None:
        result = "screened" if screened else ("accepted" if status < 400 else "refused")
        self.requests.labels(self.m.service, route, result).inc()


class WatcherObserver:
    """Batches checked, challenges by kind and outcome, batches still in their challenge window, scan progress."""

    def __init__(self, metrics: ServiceMetrics, watcher: Any) -> None:
        self.m, self.watcher = metrics, watcher
        self.checked = metrics.counter("watcher_batches_checked", "Posted batches the watcher rebuilt and checked.")
        self.challenges = metrics.counter(
            "watcher_challenges", "Challenges by fraud kind and outcome (sent, failed).", ["kind", "outcome"]
        )
        for kind in ("data", "sums", "signature", "collateral"):  # find_fraud's kinds
            for outcome in ("sent", "failed"):
                self.challenges.labels(metrics.service, kind, outcome)
        self.in_window = metrics.gauge(
            "watcher_batches_in_window", "Honest batches posted and not yet settled (still challengeable)."
        )
        self.block = metrics.gauge("watcher_last_block", "The last block the watcher scanned.")
        self._checked = watcher.checked
        self._failed = len(watcher.failed)

    def observe_tick(self, frauds: list[Any]) -> None:
        for fraud in frauds:
            self.challenges.labels(self.m.service, fraud.kind, "sent").inc()
        for fraud in self.watcher.failed[self._failed :]:
            self.challenges.labels(self.m.service, fraud.kind, "failed").inc()
        self._failed = len(self.watcher.failed)
        self.checked.labels(self.m.service).inc(self.watcher.checked - self._checked)
        self._checked = self.watcher.checked
        self.in_window.labels(self.m.service).set(len(self.watcher.seen))
        self.block.labels(self.m.service).set(max(0, self.watcher.next_block - 1))
        self.m.details |= {"batches_in_window": len(self.watcher.seen), "challenges": len(self.watcher.challenged)}


AUCTION_SOLD = ("all", "part", "none")  # how much of an auction sold: label `sold`


class KeeperObserver:
    """Keeper actions by kind, failed rolls, how long a due roll is overdue (0 when none is), rolls that wrote no
    options by reason (ThetaVault's OptionsNotWritten), and the auctions finished (by a finish or by a roll) by how
    much they sold; /health shows the last auction's exact amounts (wei would lose digits in a float counter)."""

    def __init__(self, metrics: ServiceMetrics, keeper: Any) -> None:
        from strikeforge.keeper.service import NOT_WRITTEN_REASONS

        self.m, self.keeper = metrics, keeper
        self.actions = metrics.counter(
            "keeper_actions", "Keeper ticks by action (rolled, finished, recorded, waiting, ...).", ["kind"]
        )
        for kind in ("rolled", "finished", "recorded", "waiting", "idle", "failed"):  # the keeper's Action kinds
            self.actions.labels(metrics.service, kind)
        self.overdue = metrics.gauge(
            "keeper_roll_overdue_seconds", "Seconds since the open series expired without a roll (0 when none is due)."
        )
        self.epoch = metrics.gauge("keeper_epoch", "The vault's current epoch.")
        self.not_written = metrics.counter(
            "keeper_options_not_written", "Rolls that wrote no options, by the vault's reason.", ["reason"]
        )
        for reason in NOT_WRITTEN_REASONS:  # exported at zero, so an alert sees increase() from the first one
            self.not_written.labels(metrics.service, reason)
        self.finished = metrics.counter(
            "keeper_auctions_finished",
            "Auctions finished (by a finish or by a roll), by how much sold: all, part or none.",
            ["sold"],
        )
        for sold in AUCTION_SOLD:
            self.finished.labels(metrics.service, sold)

    def observe(self, action: Any) -> None:
        self.actions.labels(self.m.service, action.kind).inc()
        self.epoch.labels(self.m.service).set(action.epoch)
        overdue = 0
        if action.kind != "rolled" and int(self.keeper.vault.current_series()):
            overdue = max(0, self.keeper.clock() - int(self.keeper.vault.current_expiry()))
        self.overdue.labels(self.m.service).set(overdue)
        self.m.details |= {"epoch": action.epoch, "last_action": action.kind, "roll_overdue_seconds": overdue}
        reason = getattr(action, "not_written", None)
        if reason is not None:
            self.not_written.labels(self.m.service, reason).inc()
            self.m.details |= {"last_options_not_written": {"epoch": action.epoch, "reason": reason}}
        outcome = getattr(action, "finished", None)
        if outcome is not None:
            sold = "all" if outcome.unsold == 0 else "none" if outcome.sold == 0 else "part"
            self.finished.labels(self.m.service, sold).inc()
            self.m.details |= {
                "last_auction": {
                    "auction": outcome.auction,
                    "series": outcome.series,
                    "clearing_price": outcome.clearing_price,
                    "sold": outcome.sold,
                    "unsold": outcome.unsold,
                    "proceeds": outcome.proceeds,
                }
            }


class SentinelObserver:
    """Alerts by kind, severity and contract, and the last block scanned."""

    def __init__(self, metrics: ServiceMetrics, sentinel: Any) -> None:
        from strikeforge.ops.sentinel import KINDS

        self.m, self.sentinel = metrics, sentinel
        self.alerts = metrics.counter("sentinel_alerts", "Sentinel alerts by kind and severity.", ["kind", "severity"])
        self.block = metrics.gauge("sentinel_last_block", "The last block the sentinel scanned.")
        for kind in KINDS:  # every kind exported at zero, so an alert rule sees increase() from the first one
            for severity in ("warning", "critical"):
                self.alerts.labels(metrics.service, kind, severity)

    def observe_tick(self, alerts: list[Any]) -> None:
        for alert in alerts:
            self.alerts.labels(self.m.service, alert.kind, alert.severity).inc()
        self.block.labels(self.m.service).set(max(0, self.sentinel.progress.next_block - 1))
        self.m.details |= {"alerts": len(self.sentinel.alerts), "next_block": self.sentinel.progress.next_block}


# -- the instrumented ticks the CLI runs (and the tests scrape) ---------------------------------------------------


def oracle_tick(node: Any, observer: OracleObserver) -> Callable[[], list[Any]]:
    """The node's tick; afterwards each feed's last round time from the node's state, which every tick has just
    reconciled with the chain (so another node's rounds count for the feed's age too)."""

    def tick() -> list[Any]:
        outcomes = node.tick()
        for outcome in outcomes:
            observer.observe(outcome)
        for worker in node.workers:
            last = worker.state.last_published(worker.config.name)
            if last is not None:
                observer.seen(worker.config.name, last.timestamp)
        return outcomes

    return tick


def keeper_tick(keeper: Any, observer: KeeperObserver) -> Callable[[], list[Any]]:
    def tick() -> list[Any]:
        action = keeper.tick()
        observer.observe(action)
        return [action]

    return tick


def sequencer_tick(sequencer: Any, now: Callable[[], int], observer: SequencerObserver) -> Callable[[], list[str]]:
    def tick() -> list[str]:
        action = sequencer.tick(now())
        observer.observe(action)
        return [action]

    return tick


def watcher_tick(watcher: Any, observer: WatcherObserver) -> Callable[[], list[Any]]:
    def tick() -> list[Any]:
        frauds = watcher.tick()
        observer.observe_tick(frauds)
        return frauds

    return tick


def sentinel_tick(sentinel: Any, observer: SentinelObserver) -> Callable[[], list[Any]]:
    def tick() -> list[Any]:
        alerts = sentinel.tick()
        observer.observe_tick(alerts)
        return alerts

    return tick
