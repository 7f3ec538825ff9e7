"""kill -9 at random points of a working sequencer: after each restart no order is lost and no fill is doubled."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.settlement.durability import check_store

ROOT = Path(__file__).resolve().parents[2]


def _run_until_killed(
    db: Path | str, first_nonce: int, seed: int, acks_before_kill: int, grouped: bool = False
) -> set[tuple[int, str]]:
    mode = ["group"] if grouped else []
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.settlement.crash_child", str(db), str(first_nonce), str(seed), *mode],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    acked = set()
    assert child.stdout is not None
    while len(acked) < acks_before_kill:
        line = child.stdout.readline()
        assert line, f"the child exited early ({child.wait()})"
        if line.startswith("ack "):
            _, nonce, account = line.split()
            acked.add((int(nonce), account))
    os.kill(child.pid, signal.SIGKILL)  # mid-write, wherever it is
    child.wait()
    return acked


@pytest.mark.parametrize("grouped", [False, True], ids=["one-by-one", "group-commit"])
def test_kill_9_at_random_points_loses_no_order_and_doubles_no_fill(store_spec, grouped):
    """One order a transaction (`submit`), or groups of orders a transaction (`submit_many`, what the API uses)."""
    db = store_spec
    rng = random.Random(9)
    acked: set[tuple[int, str]] = set()
    for run in range(4):
        acks = rng.randint(40, 160)
        acked |= _run_until_killed(
            db, first_nonce=run * 1_000_000 + 1, seed=run, acks_before_kill=acks, grouped=grouped
        )
        check_store(db, acked)
