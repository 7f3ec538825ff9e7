"""A pytest plugin that saves what ``ape test --coverage --gas`` measured, for the release report.

    STRIKEFORGE_TEST_EXPORT=.build/audit/tests.json ape test ... --coverage --gas -p strikeforge.audit.ape_export

writes ``{"provider", "tests": {outcome: count}, "gas": {contract: {method: {calls, min, max, mean, median}}},
"coverage": {source: {statements, covered, functions, functions_hit}}, "exercised": {contract: {functions,
called, uncalled}}}`` after Ape prints its own tables.

Gas is recorded here, from every receipt Ape hands to its gas tracker, because Ape's own table leaves out every
Solidity contract: ape-solidity 0.8.6 stores no AST in its contract types, and Ape cannot build the ``ContractSource``
its gas and coverage trackers key on without one. The same receipts give, per contract and for both languages, which
state-changing functions the tests called.
"""

from __future__ import annotations

import json
import os
import statistics
from pathlib import Path
from typing import Any

import pytest

OUTPUT_ENV = "STRIKEFORGE_TEST_EXPORT"
OUTCOMES = ("passed", "failed", "error", "skipped", "xfailed", "xpassed")
_GAS: dict[str, dict[str, list[int]]] = {}
_MUTABLE: dict[str, list[str]] = {}  # contract -> its state-changing functions


def _record(receipt: Any) -> None:
    address = receipt.receiver
    contract_type = receipt.chain_manager.contracts.get(address) if address else None
    method = receipt.method_called if contract_type else None
    if contract_type is None or method is None or not contract_type.name:
        return
    name = contract_type.name
    _GAS.setdefault(name, {}).setdefault(method.name, []).append(int(receipt.gas_used))
    if name not in _MUTABLE:
        _MUTABLE[name] = sorted({f.name for f in contract_type.mutable_methods})


def pytest_configure(config: pytest.Config) -> None:
    """Wrap Ape's per-receipt gas hook so every receipt is recorded here too (only when exporting)."""
    if not os.environ.get(OUTPUT_ENV):
        return
    from ape.api.transactions import ReceiptAPI

    original = ReceiptAPI.track_gas
    if getattr(original, "_strikeforge", False):
        return

    def track_gas(self: ReceiptAPI) -> None:
        _record(self)
        original(self)

    track_gas._strikeforge = True  # type: ignore[attr-defined]
    ReceiptAPI.track_gas = track_gas  # type: ignore[method-assign]


def _exercised() -> dict[str, dict[str, Any]]:
    out = {}
    for contract, functions in sorted(_MUTABLE.items()):
        called = set(_GAS.get(contract, {}))
        out[contract] = {
            "functions": len(functions),
            "called": len(called & set(functions)),
            "uncalled": [f for f in functions if f not in called],
        }
    return out


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
        "tests": {k: len(v) for k, v in terminalreporter.stats.items() if k in OUTCOMES},
        "gas": _gas(_GAS),
        "exercised": _exercised(),
        "coverage": _coverage(data.report if data else None),
    }
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(export, indent=2, sort_keys=True) + "\n")
    terminalreporter.write_line(f"strikeforge: coverage and gas saved to {path}")
