"""kill -9 at random points of a working sequencer: after each restart no order is lost and no fill is doubled."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from strikeforge.settlement.netting import Trade, net
from strikeforge.settlement.sequencer import Sequencer, Settings
from strikeforge.settlement.store import Store
from tests.settlement.fakes import FakeLedger

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


def _check(db: Path | str, acked: set[tuple[int, str]]) -> None:
    store = Store(db)
    rows = store._db.execute("SELECT id, account, nonce, size, remaining, status FROM orders").fetchall()
    orders = {int(i): (a, int(n), int(s), int(r), st) for i, a, n, s, r, st in rows}
    stored = {(n, a) for a, n, _, _, _ in orders.values()}
    assert acked <= stored, f"acknowledged orders lost: {sorted(acked - stored)[:5]}"
    filled: dict[int, int] = defaultdict(int)
    for _, fill in store.unbatched_fills() + [
        f for (b,) in store._db.execute("SELECT id FROM batches").fetchall() for f in store.batch_fills(int(b))
    ]:
        filled[fill.maker] += fill.size
        filled[fill.taker] += fill.size
    for order_id, (_, _, size, remaining, status) in orders.items():
        assert size - remaining == filled[order_id], f"order {order_id}: fills do not add up to what it lost"
        assert (remaining == 0) == (status == "filled") or status in ("cancelled", "expired")
    for (batch_id,) in store._db.execute("SELECT id FROM batches").fetchall():
        batch = store.batch(int(batch_id))
        column = {s: i for i, s in enumerate(batch.series) if s}
        trades = [Trade(column[f.series], f.buyer, f.seller, f.size, f.price) for _, f in store.batch_fills(batch.id)]
        assert store.leaves(batch.id) == net(batch.number, trades), f"batch {batch.id}: leaves are not its fills"
    restarted = Sequencer(store, FakeLedger(), Settings())
    on_books = {i for book in restarted.books.values() for i in book.orders}
    assert on_books == {i for i, (_, _, _, _, st) in orders.items() if st == "open"}
    store.close()


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
        _check(db, acked)
