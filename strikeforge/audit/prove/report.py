"""What ``strikeforge prove`` prints (a table, then every counterexample's inputs) and writes (prove.json)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from rich.console import Console
from rich.table import Table

from strikeforge.audit.prove.runner import CheckResult

RESULTS = ("proved", "counterexample", "timeout", "error")


def _inputs(model: dict[str, str]) -> str:
    return ", ".join(f"{name}={value}" for name, value in model.items())


def _cell(result: CheckResult) -> str:
    if result.result == "counterexample":
        first = _inputs(result.counterexample[0]) if result.counterexample else "no model"
        return f"[red]counterexample[/red] {first}"
    if result.result == "timeout":
        stopped = result.detail.startswith("stopped")  # killed: the paths it had reached, a lower bound
        paths = "paths unknown" if result.paths is None else f"{'>= ' if stopped else ''}{result.paths} paths"
        return f"[yellow]timeout[/yellow] ({paths}; {result.detail})"
    if result.result == "error":
        return f"[red]error[/red] {result.detail}"
    return "[green]proved[/green]"


def print_results(results: list[CheckResult], seconds: float) -> None:
    """The table, each counterexample's inputs in full, and a one-line summary."""
    console = Console(highlight=False, width=160)
    table = Table(title="Symbolic checks (halmos)")
    for column in ("Check", "Contract", "Result", "Paths", "Time"):
        table.add_column(column, justify="right" if column in ("Paths", "Time") else "left", overflow="fold")
    for r in results:
        paths = "" if r.paths is None else str(r.paths)
        table.add_row(r.check, r.contract, _cell(r), paths, f"{r.seconds:.1f} s")
    console.print(table)
    for r in results:
        for model in r.counterexample or []:
            console.print(f"[red]counterexample[/red] {r.contract}.{r.check}: {_inputs(model)}")
    counts = Counter(r.result for r in results)
    summary = ", ".join(f"{counts[name]} {name}" for name in RESULTS if counts[name])
    timed_out = [f"{r.contract}.{r.check}" for r in results if r.result == "timeout"]
    console.print(f"{len(results)} checks in {seconds:.1f} s: {summary}")
    if timed_out:
        console.print(f"timed out (not failures, not proofs): {', '.join(timed_out)}")


def write_json(results: list[CheckResult], path: Path) -> None:
    """prove.json: a list of {check, contract, result, counterexample, paths, seconds, detail}."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([r.as_json() for r in results], indent=2) + "\n")


def failed(results: list[CheckResult]) -> bool:
    """A counterexample or an error fails the run; a timeout does not."""
    return any(r.result in ("counterexample", "error") for r in results)
