"""The sequencer load benchmark (bench/sequencer_load.py), small: 400 orders over 4 and 64 connections to settle run's
service (its API worker, and the API in the engine at 64), every acknowledged order checked in the store."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_order_is_acknowledged_and_stored_through_the_benchmark(tmp_path):
    command = [sys.executable, "bench/sequencer_load.py", "--orders", "400", "--connections", "4,64"]
    command += ["--stores", "sqlite", "--limit", "60", "--results", str(tmp_path)]
    finished = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert finished.returncode == 0, finished.stderr[-2000:]
    result = json.loads((tmp_path / "sequencer_load.json").read_text())
    http = [run for run in result["runs"] if run["mode"].startswith("HTTP")]
    assert [(run["mode"], run["connections"]) for run in http] == [
        ("HTTP", 4),
        ("HTTP", 64),
        ("HTTP, API in the engine", 64),
    ]
    for run in result["runs"]:
        assert run["accepted"] == 400 and run["refused"] == 0 and run["problems"] == [], run
    assert all(run["connection_error_count"] == 0 and run["statuses"] == {"201": 400} for run in http)
    assert result["measured"]["checks_failed"] == 0
