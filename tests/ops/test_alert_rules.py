"""The shipped Prometheus alert rules: well formed, and using only metrics and labels the services export."""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace

import yaml
from prometheus_client.parser import text_string_to_metric_families

from strikeforge.ops.observe import AUCTION_SOLD, SequencerObserver
from strikeforge.ops.sentinel import KINDS
from tests.ops.fakes import Clock, every_service

ROOT = Path(__file__).resolve().parents[2]
RULES = yaml.safe_load((ROOT / "ops" / "prometheus" / "alerts.yml").read_text())
ALL = [rule for group in RULES["groups"] for rule in group["rules"]]


def exported() -> dict[str, set[str]]:
    """Every metric name the services export (with _total for counters), with its label names."""
    names: dict[str, set[str]] = {}
    services = every_service(Clock())
    services["oracle"][1].observe(SimpleNamespace(feed="ETH/USD", action="published", timestamp=1))
    services["sequencer"][1].request("post_order", 403, True)  # labels known only once seen: a feed, a route

    def fails():
        raise TimeoutError("rpc")

    for metrics, _ in services.values():
        metrics.run_tick(lambda: [])
        metrics.run_tick(fails)
        for family in text_string_to_metric_families(metrics.exposition().decode()):
            for sample in family.samples:
                names.setdefault(sample.name, set()).update(sample.labels)
    return names


def test_every_rule_is_complete():
    assert len(ALL) >= 12
    for rule in ALL:
        assert set(rule) >= {"alert", "expr", "labels", "annotations"}, rule
        assert rule["labels"]["severity"] in {"warning", "critical"}, rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], rule["alert"]
    assert len({rule["alert"] for rule in ALL}) == len(ALL)


def test_rules_use_only_exported_metrics_and_labels():
    names = exported()
    for rule in ALL:
        for metric, selector in re.findall(r"(strikeforge_[a-z_]+)(\{[^}]*\})?", rule["expr"]):
            assert metric in names, f"{rule['alert']}: {metric} is not exported"
            for label in re.findall(r"([a-z_]+)\s*=~?", selector or ""):
                assert label in names[metric], f"{rule['alert']}: {metric} has no label {label}"


def test_label_values_the_rules_match_are_values_the_services_emit():
    emitted = {
        "outcome": set(SequencerObserver.OUTCOMES) | {"sent", "failed"},
        "kind": set(KINDS) | {"failed", "rolled", "finished", "recorded", "waiting", "idle"},
        "sold": set(AUCTION_SOLD),
        "action": {"published", "skipped", "refused", "failed"},
        "result": {"accepted", "refused", "screened"},
        "severity": {"warning", "critical"},
    }
    for rule in ALL:
        for label, values in re.findall(r'([a-z]+)=~?"([^"]+)"', rule["expr"]):
            if label in emitted:
                assert set(values.split("|")) <= emitted[label], f"{rule['alert']}: {label}={values}"


def test_the_services_each_export_their_own_metrics():
    names = exported()
    for metric in (
        "strikeforge_oracle_price_age_seconds",
        "strikeforge_sequencer_batches_total",
        "strikeforge_watcher_batches_in_window",
        "strikeforge_keeper_roll_overdue_seconds",
        "strikeforge_sentinel_alerts_total",
        "strikeforge_tick_errors_total",
    ):
        assert metric in names
