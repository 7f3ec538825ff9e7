"""Shared output of the benchmarks: a rich table on stdout and bench/results/<name>.json."""

from __future__ import annotations

import json
import platform
from pathlib import Path

from rich.console import Console
from rich.table import Table

RESULTS = Path(__file__).resolve().parent / "results"


def write(
    name: str, title: str, columns: list[str], rows: list[list[str]], data: dict, results: Path = RESULTS
) -> Path:
    """Print the table and write the JSON (with the machine it ran on) into `results`; return the JSON path."""
    table = Table(title=title)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    Console().print(table)
    results.mkdir(parents=True, exist_ok=True)
    out = results / f"{name}.json"
    payload = {**data, "machine": {"python": platform.python_version(), "cpu_count": _cpus()}}
    out.write_text(json.dumps(payload, indent=2, sort_keys=True) + "\n")
    print(f"wrote {out}")
    return out


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))
