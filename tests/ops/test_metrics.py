"""Service metrics and health: ticks and errors counted, health turning 503 when ticks stop succeeding, and each
service's observer turning what a tick returned into its metrics."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from types import SimpleNamespace

import pytest
from prometheus_client.parser import text_string_to_metric_families

from strikeforge.ops.metrics import ServiceMetrics, serve
from tests.ops.fakes import Clock, FakeKeeper, FakeWatcher, every_service


def samples(metrics: ServiceMetrics) -> dict[tuple[str, tuple], float]:
    """Every sample of the exposition, by name and sorted labels."""
    found = {}
    for family in text_string_to_metric_families(metrics.exposition().decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(metrics: ServiceMetrics, name: str, **labels) -> float:
    return samples(metrics)[(name, tuple(sorted({"service": metrics.service, **labels}.items())))]


def test_a_failing_tick_is_counted_by_error_type_and_the_service_goes_on():
    metrics = ServiceMetrics("keeper", stale_after=60, clock=Clock())

    def boom():
        raise ConnectionError("rpc down")

    assert metrics.run_tick(boom) == []
    assert metrics.run_tick(lambda: ["ok"]) == ["ok"]
    assert value(metrics, "strikeforge_ticks_total") == 2
    assert value(metrics, "strikeforge_tick_errors_total", error="ConnectionError") == 1
    assert metrics.health()["last_error"] == "ConnectionError: rpc down"


def test_health_is_ok_while_ticks_succeed_and_fails_once_they_stop():
    clock = Clock(1_000)
    metrics = ServiceMetrics("oracle", stale_after=60, clock=clock)
    metrics.run_tick(lambda: [])
    assert metrics.health()["ok"] is True
    clock.now += 61
    assert metrics.health()["ok"] is False
    assert metrics.health()["seconds_since_success"] == 61


def test_a_service_that_never_succeeds_turns_unhealthy_after_the_stale_limit():
    clock = Clock(1_000)
    metrics = ServiceMetrics("watcher", stale_after=60, clock=clock)
    assert metrics.health()["ok"] is True  # just started
    clock.now += 61
    assert metrics.health()["ok"] is False


def test_the_endpoints_serve_metrics_and_health_over_http():
    clock = Clock(1_000)
    metrics = ServiceMetrics("sequencer", stale_after=60, clock=clock)
    metrics.run_tick(lambda: [])
    server = serve(metrics, "127.0.0.1", 0)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        with urllib.request.urlopen(base + "/metrics") as answer:
            assert answer.headers["Content-Type"].startswith("text/plain")
            assert 'strikeforge_ticks_total{service="sequencer"} 1.0' in answer.read().decode()
        with urllib.request.urlopen(base + "/health") as answer:
            assert json.loads(answer.read())["ok"] is True
        clock.now += 120
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(base + "/health")
        assert refused.value.code == 503
    finally:
        server.shutdown()


def test_the_oracle_observer_counts_rounds_and_reports_price_age_at_scrape_time():
    clock = Clock(10_000)
    metrics, observer = every_service(clock)["oracle"]
    observer.observe(SimpleNamespace(feed="ETH/USD", action="published", timestamp=9_900))
    observer.observe(SimpleNamespace(feed="ETH/USD", action="refused", timestamp=None))
    assert value(metrics, "strikeforge_oracle_rounds_total", feed="ETH/USD", action="published") == 1
    assert value(metrics, "strikeforge_oracle_price_age_seconds", feed="ETH/USD") == 100
    clock.now += 50
    assert value(metrics, "strikeforge_oracle_price_age_seconds", feed="ETH/USD") == 150


def test_the_sequencer_observer_counts_batch_outcomes_and_requests():
    metrics, observer = every_service(Clock())["sequencer"]
    for action in ("cut 1", "cosigning", "posted 1", "reverted 2", "failed 3", "idle"):
        observer.observe(action)
    observer.request("post_order", 403, True)
    observer.request("post_order", 400, False)
    assert value(metrics, "strikeforge_sequencer_batches_total", outcome="posted") == 1
    assert value(metrics, "strikeforge_sequencer_batches_total", outcome="reverted") == 2
    assert value(metrics, "strikeforge_sequencer_batches_total", outcome="failed") == 1
    assert value(metrics, "strikeforge_sequencer_requests_total", route="post_order", result="screened") == 1
    assert value(metrics, "strikeforge_sequencer_requests_total", route="post_order", result="refused") == 1


def test_the_watcher_observer_counts_checks_and_challenges_by_outcome():
    clock = Clock()
    watcher = FakeWatcher()
    from strikeforge.ops.observe import WatcherObserver

    metrics = ServiceMetrics("watcher", 60, clock)
    observer = WatcherObserver(metrics, watcher)
    sent, lost = SimpleNamespace(kind="signature"), SimpleNamespace(kind="collateral")
    watcher.checked, watcher.seen, watcher.next_block, watcher.failed = 3, {4: 0, 5: 0}, 120, [lost]
    observer.observe_tick([sent])
    assert value(metrics, "strikeforge_watcher_batches_checked_total") == 3
    assert value(metrics, "strikeforge_watcher_challenges_total", kind="signature", outcome="sent") == 1
    assert value(metrics, "strikeforge_watcher_challenges_total", kind="collateral", outcome="failed") == 1
    assert value(metrics, "strikeforge_watcher_batches_in_window") == 2
    assert value(metrics, "strikeforge_watcher_last_block") == 119


def test_the_keeper_observer_reports_an_overdue_roll_and_clears_it_after_rolling():
    keeper = FakeKeeper(now=5_000)
    from strikeforge.ops.observe import KeeperObserver

    metrics = ServiceMetrics("keeper", 60, Clock())
    observer = KeeperObserver(metrics, keeper)
    keeper.vault.series, keeper.vault.expiry = 3, 4_000
    observer.observe(SimpleNamespace(kind="waiting", epoch=2))
    assert value(metrics, "strikeforge_keeper_roll_overdue_seconds") == 1_000
    observer.observe(SimpleNamespace(kind="rolled", epoch=2))
    assert value(metrics, "strikeforge_keeper_roll_overdue_seconds") == 0
    assert value(metrics, "strikeforge_keeper_actions_total", kind="waiting") == 1


def test_the_keeper_observer_counts_options_not_written_by_reason_and_finished_auctions_by_how_much_sold():
    from strikeforge.keeper.service import NOT_WRITTEN_REASONS, Action, AuctionOutcome
    from strikeforge.ops.observe import KeeperObserver

    metrics = ServiceMetrics("keeper", 60, Clock())
    observer = KeeperObserver(metrics, FakeKeeper(now=5_000))
    for reason in NOT_WRITTEN_REASONS:  # exported at zero before any roll
        assert value(metrics, "strikeforge_keeper_options_not_written_total", reason=reason) == 0
    observer.observe(Action("rolled", "epoch 1 rolled; no options written: pricing failed", 1, "0x1", "pricing failed"))
    assert value(metrics, "strikeforge_keeper_options_not_written_total", reason="pricing failed") == 1
    assert value(metrics, "strikeforge_keeper_options_not_written_total", reason="paused") == 0
    assert metrics.health()["last_options_not_written"] == {"epoch": 1, "reason": "pricing failed"}

    part = AuctionOutcome(auction=1, series=7, clearing_price=9, sold=8 * 10**18, proceeds=72, unsold=2 * 10**18)
    observer.observe(Action("finished", part.describe(), 2, "0x2", finished=part))
    none = AuctionOutcome(auction=2, series=8, clearing_price=9, sold=0, proceeds=0, unsold=10**19)
    observer.observe(Action("rolled", f"epoch 2 rolled; {none.describe()}", 2, "0x3", finished=none))
    assert value(metrics, "strikeforge_keeper_actions_total", kind="finished") == 1
    assert value(metrics, "strikeforge_keeper_auctions_finished_total", sold="part") == 1
    assert value(metrics, "strikeforge_keeper_auctions_finished_total", sold="none") == 1
    assert value(metrics, "strikeforge_keeper_auctions_finished_total", sold="all") == 0
    assert metrics.health()["last_auction"] == {
        "auction": 2,
        "series": 8,
        "clearing_price": 9,
        "sold": 0,
        "unsold": 10**19,
        "proceeds": 0,
    }
