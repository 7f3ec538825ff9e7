"""The checks bench/sequencer_load.py makes on a store after each run: nothing lost, nothing doubled, fair prices.

- every acknowledged order is stored, with the id, account and nonce it was acknowledged with;
- every order's fills add up to what it lost (size - remaining), and nothing filled more than its size;
- every fill is at the maker's price, between the orders' own accounts, on their series, and crosses both limits;
- a restarted sequencer's books hold exactly the open orders, and no book is crossed.
"""

from __future__ import annotations

from collections import defaultdict

from _order_flow import PermissiveLedger

from strikeforge.settlement.sequencer import Sequencer, Settings
from strikeforge.settlement.store import Store


def check_store(store: Store, acknowledged: dict[int, tuple[str, int]]) -> list[str]:
    """What is wrong with the store (empty: nothing); `acknowledged` maps order id -> (account, nonce)."""
    problems: list[str] = []
    rows = store._db.execute("SELECT id, account, series, buy, size, price, nonce, remaining, status FROM orders")
    orders = {
        int(i): (a, int(se), bool(b), int(sz), int(p), int(n), int(r), st) for i, a, se, b, sz, p, n, r, st in rows
    }
    lost = [i for i, (a, n) in acknowledged.items() if i not in orders or orders[i][0] != a or orders[i][5] != n]
    if lost:
        problems.append(f"{len(lost)} acknowledged orders not stored as acknowledged (first ids {sorted(lost)[:5]})")
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
    restarted = Sequencer(store, PermissiveLedger(), Settings())
    on_books = {i for book in restarted.books.values() for i in book.orders}
    if on_books != {i for i, o in orders.items() if o[7] == "open"}:
        problems.append("the rebuilt books do not hold exactly the open orders")
    for series, book in restarted.books.items():
        bid, ask = book.best(True), book.best(False)
        if bid is not None and ask is not None and bid.price >= ask.price:
            problems.append(f"series {series}: the rebuilt book is crossed ({bid.price} >= {ask.price})")
    return problems[:10]
