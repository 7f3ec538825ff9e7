"""Stand-ins for the services the observers read (unit tests of metrics without a chain)."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from strikeforge.ops.metrics import ServiceMetrics
from strikeforge.ops.observe import (
    KeeperObserver,
    OracleObserver,
    SentinelObserver,
    SequencerObserver,
    WatcherObserver,
)


@dataclass
class FakeWatcher:
    checked: int = 0
    failed: list = field(default_factory=list)
    seen: dict = field(default_factory=dict)
    challenged: list = field(default_factory=list)
    next_block: int = 0


@dataclass
class FakeVault:
    series: int = 0
    expiry: int = 0

    def current_series(self) -> int:
        return self.series

    def current_expiry(self) -> int:
        return self.expiry


class FakeKeeper:
    def __init__(self, now: int) -> None:
        self.vault = FakeVault()
        self.now = now

    def clock(self) -> int:
        return self.now


class Clock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def every_service(clock: Clock) -> dict[str, tuple[ServiceMetrics, Any]]:
    """Each service's metrics with its observer, as the CLI builds them."""
    built: dict[str, tuple[ServiceMetrics, Any]] = {}
    for name in ("oracle", "sequencer", "watcher", "keeper", "sentinel"):
        metrics = ServiceMetrics(name, stale_after=60, clock=clock)
        observer: Any
        if name == "oracle":
            observer = OracleObserver(metrics)
        elif name == "sequencer":
            observer = SequencerObserver(metrics)
        elif name == "watcher":
            observer = WatcherObserver(metrics, FakeWatcher())
        elif name == "keeper":
            observer = KeeperObserver(metrics, FakeKeeper(int(clock())))
        else:
            observer = SentinelObserver(metrics, SimpleNamespace(progress=SimpleNamespace(next_block=0), alerts=[]))
        built[name] = (metrics, observer)
    return built
