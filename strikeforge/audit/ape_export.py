"""A pytest plugin that saves what ``ape test --coverage --gas`` measured, for the release report.

    STRIKEFORGE_TEST_EXPORT=.build/audit/tests.json ape test ... --coverage --gas -p strikeforge.audit.ape_export

writes ``{"provider", "tests": {outcome: count}, "gas": {contract: {method: {calls, min, max, mean, median}}},
"coverage": {source: {statements, covered, functions, functions_hit}}}`` after Ape prints its own tables.
"""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path
from typing import Any

import pytest

OUTPUT_ENV = "STRIKEFORGE_TEST_EXPORT"


def _gas(report: dict[str, dict[str, list[int]]]) -> dict[str, dict[str, dict[str, int]]]:
    out: dict[str, dict[str, dict[str, int]]] = {}
    for contract, methods in sorted(report.items()):
        if contract.startswith("0x"):  # clones and contracts Ape cannot name: no stable key across releases
            continue
        out[contract] = {
            method: {
                "calls": len(values),
                "min": min(values),
                "max": max(values),
                "mean": sum(values) // len(values),
                "median": int(statistics.median_low(values)),
            }
            for method, values in sorted(methods.items())
            if values
        }
    return out


def _coverage(report: Any) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    if report is None:
        return out
    for project in report.projects:
        for source in project.sources:
            out[source.source_id] = {
                "statements": source.lines_valid,
                "covered": source.lines_covered,
                "functions": source.total_functions,
                "functions_hit": source.function_hits,
            }
    return out


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    target = os.environ.get(OUTPUT_ENV)
    runner = config.pluginmanager.get_plugin("ape-test")
    if not target or runner is None:
        return
    data = runner.coverage_tracker.data
    export = {
        "provider": runner.provider.name if runner.network_manager.connected else None,
        "tracing": bool(runner.network_manager.connected and runner.provider.supports_tracing),
        "tests": {outcome: len(items) for outcome, items in terminalreporter.stats.items() if outcome},
        "gas": _gas(runner.gas_tracker.session_gas_report or {}),
        "coverage": _coverage(data.report if data else None),
    }
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(export, indent=2, sort_keys=True) + "\n")
    terminalreporter.write_line(f"strikeforge: coverage and gas saved to {path}")
