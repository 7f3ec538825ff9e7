"""What a store must hold after any run or kill: every acknowledged order as acknowledged, fills that add up, are at
the maker's price and join crossing orders, leaves that are their batches' fills, and books that rebuild to exactly
the open orders, uncrossed. One checker for the kill -9 tests (in process and over HTTP) and the load benchmark
(bench/sequencer_load.py)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from strikeforge.settlement.netting import Trade, net
from strikeforge.settlement.sequencer import Sequencer, Settings
from strikeforge.settlement.store import Store
from tests.settlement.fakes import FakeLedger


def store_problems(store: Store, ledger: Any, acknowledged: dict[tuple[str, int], int | None]) -> list[str]:
    """What is wrong with the store (empty: nothing). `acknowledged` maps each acknowledged (account, nonce) to the id
    it was acknowledged with (None: not known); `ledger` is what the restarted sequencer reads."""
    problems: list[str] = []
    rows = store._db.execute("SELECT id, account, series, buy, size, price, nonce, remaining, status FROM orders")
    orders = {
        int(i): (a, int(se), bool(b), int(sz), int(p), int(n), int(r), st) for i, a, se, b, sz, p, n, r, st in rows
    }
    stored = {(o[0], o[5]): i for i, o in orders.items()}
    lost = [key for key, i in acknowledged.items() if key not in stored or i not in (None, stored[key])]
    if lost:
        problems.append(f"{len(lost)} acknowledged orders not stored as acknowledged (first {sorted(lost)[:5]})")
    filled: dict[int, int] = defaultdict(int)
    fills = store._db.execute(
        "SELECT series, maker, taker, buyer, seller, size, price FROM fills WHERE status = 'live'"
    ).fetchall()
    for series, maker, taker, buyer, seller, size, price in fills:
        m, t = orders[int(maker)], orders[int(taker)]
        if int(price) != m[4]:
            problems.append(f"fill {maker}/{taker} at {price}, not at the maker's price {m[4]}")
        if {buyer, seller} != {m[0], t[0]} or int(series) != m[1] or int(series) != t[1] or m[2] == t[2]:
            problems.append(f"fill {maker}/{taker} does not join its orders' accounts, series and sides")
        buy_limit, sell_limit = (t[4], m[4]) if t[2] else (m[4], t[4])
        if buy_limit < sell_limit:
            problems.append(f"fill {maker}/{taker} between limits that do not cross ({buy_limit} < {sell_limit})")
        filled[int(maker)] += int(size)
        filled[int(taker)] += int(size)
    for order_id, (_, _, _, size, _, _, remaining, status) in orders.items():
        if size - remaining != filled[order_id] or remaining < 0:
            problems.append(f"order {order_id}: fills {filled[order_id]} do not add up to size - remaining")
        if (remaining == 0) != (status == "filled") and status not in ("cancelled", "expired"):
            problems.append(f"order {order_id}: remaining {remaining} but status {status}")
    for (batch_id,) in store._db.execute("SELECT id FROM batches").fetchall():
        batch = store.batch(int(batch_id))
        column = {s: i for i, s in enumerate(batch.series) if s}
        trades = [Trade(column[f.series], f.buyer, f.seller, f.size, f.price) for _, f in store.batch_fills(batch.id)]
        if store.leaves(batch.id) != net(batch.number, trades):
            problems.append(f"batch {batch.id}: its leaves are not its fills netted")
    restarted = Sequencer(store, ledger, Settings())
    on_books = {i for book in restarted.books.values() for i in book.orders}
    if on_books != {i for i, o in orders.items() if o[7] == "open"}:
        problems.append("the rebuilt books do not hold exactly the open orders")
    for series, book in restarted.books.items():
        bid, ask = book.best(True), book.best(False)
        if bid is not None and ask is not None and bid.price >= ask.price:
            problems.append(f"series {series}: the rebuilt book is crossed ({bid.price} >= {ask.price})")
    return problems


def check_store(db: Path | str, acked: set[tuple[int, str]]) -> None:
    """The kill -9 tests' check: `acked` holds the (nonce, account) of every acknowledged order."""
    store = Store(db)
    try:
        assert store_problems(store, FakeLedger(), {(a, n): None for n, a in acked}) == []
    finally:
        store.close()
