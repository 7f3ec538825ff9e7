"""What a store must hold after any kill: every acknowledged order, fills that add up, leaves that are their batches'
fills, and books that rebuild to the open orders (the kill -9 tests' check, in process and over HTTP)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from strikeforge.settlement.netting import Trade, net
from strikeforge.settlement.sequencer import Sequencer, Settings
from strikeforge.settlement.store import Store
from tests.settlement.fakes import FakeLedger


def check_store(db: Path | str, acked: set[tuple[int, str]]) -> None:
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
