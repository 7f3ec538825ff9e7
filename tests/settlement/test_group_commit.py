"""Group commit: `submit_many` is `submit` of each order in turn, and the HTTP server answers as the API always has."""

from __future__ import annotations

import http.client
import json
import random
import threading
from dataclasses import replace

import pytest

from strikeforge.settlement.api import Api, serve
from strikeforge.settlement.orders import OrderError
from strikeforge.settlement.sequencer import Sequencer, Settings
from strikeforge.settlement.store import Store
from tests.settlement.fakes import KEYS, WAD, FakeLedger, order

SETTINGS = Settings(batch_interval=0, cosign_timeout=10**9, trading_cutoff=0)


def _stream(seed: int, count: int) -> list:
    """Random orders of four accounts on two series, crossing often, with some refusals mixed in: a reused nonce, a
    bad signature, a zero size, an expired order."""
    rng = random.Random(seed)
    orders = []
    for nonce in range(1, count + 1):
        key = rng.choice(KEYS[:4])
        signed = order(key, rng.randint(1, 2), rng.random() < 0.5, rng.randint(1, 3) * WAD, rng.randint(95, 105), nonce)
        roll = rng.random()
        if roll < 0.05 and orders:
            signed = replace(orders[-1], price=orders[-1].price)  # the same nonce again
        elif roll < 0.08:
            signed = replace(signed, price=signed.price + 1)  # signed for another price
        elif roll < 0.10:
            signed = replace(signed, size=0)
        elif roll < 0.12:
            signed = order(key, 1, True, WAD, 100, nonce, expiry=5)
        orders.append(signed)
    return orders


def _state(store: Store) -> tuple:
    orders = store._db.execute("SELECT * FROM orders ORDER BY id").fetchall()
    fills = store._db.execute("SELECT * FROM fills ORDER BY id").fetchall()
    return [tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in orders], fills


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_submit_many_is_submit_of_each_in_turn(store_spec, tmp_path, seed):
    stream = _stream(seed, 160)
    one = Store(tmp_path / "one.db")
    seq_one = Sequencer(one, FakeLedger(), SETTINGS)
    expected = []
    for signed in stream:
        try:
            expected.append(seq_one.submit(signed, now=10))
        except OrderError as exc:
            expected.append(str(exc))
    grouped = Store(store_spec)
    seq_many = Sequencer(grouped, FakeLedger(), SETTINGS)
    rng, got, start = random.Random(seed), [], 0
    while start < len(stream):
        size = rng.randint(1, 40)
        results = seq_many.submit_many(stream[start : start + size], now=10)
        got += [str(r) if isinstance(r, OrderError) else r for r in results]
        start += size
    assert got == expected
    assert any(isinstance(r, str) for r in got) and any(not isinstance(r, str) and r[1].fills for r in got)
    assert _state(grouped) == _state(one)
    assert {s: b.depth(True) for s, b in seq_many.books.items()} == {s: b.depth(True) for s, b in seq_one.books.items()}
    one.close()
    grouped.close()


def test_a_failed_group_write_stores_nothing_and_leaves_the_books_as_before(tmp_path, monkeypatch):
    store = Store(tmp_path / "s.db")
    seq = Sequencer(store, FakeLedger(), SETTINGS)
    seq.submit(order(KEYS[0], 1, False, WAD, 100, 1), now=10)
    before = _state(store), seq.books[1].depth(False)

    def broken(db, writes):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "write_orders", broken)
    with pytest.raises(RuntimeError):
        seq.submit_many([order(KEYS[1], 1, True, WAD, 100, 1), order(KEYS[2], 1, False, WAD, 101, 1)], now=10)
    assert (_state(store), seq.books[1].depth(False)) == before
    monkeypatch.undo()
    assert seq.submit(order(KEYS[1], 1, True, WAD, 100, 1), now=10)[0] == 2  # the ids go on from the store
    store.close()


@pytest.fixture(params=[0, 1], ids=["in process", "one worker"])
def server(request, tmp_path):
    """The API in process, and behind a worker process (relay.py): every HTTP behaviour below holds for both."""
    store = Store(tmp_path / "s.db")
    seq = Sequencer(store, FakeLedger(), SETTINGS)
    running = serve(Api(seq, lambda: 10), "127.0.0.1", 0, request.param)
    yield running
    running.shutdown()
    store.close()


def _request(conn: http.client.HTTPConnection, method: str, path: str, body: bytes | None = None) -> tuple[int, dict]:
    conn.request(method, path, body=body, headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, json.loads(response.read())


def test_the_http_api_answers_as_before_over_one_kept_alive_connection(server):
    conn = http.client.HTTPConnection(*server.server_address)
    sell = json.dumps(order(KEYS[0], 1, False, WAD, 100, 1).to_json()).encode()
    assert _request(conn, "POST", "/orders", sell) == (201, {"id": 1, "fills": [], "rests": str(WAD)})
    status, answer = _request(conn, "POST", "/orders/", json.dumps(order(KEYS[1], 1, True, WAD, 100, 1).to_json()))
    assert status == 201 and answer["fills"][0]["price"] == "100" and answer["rests"] == "0"
    assert _request(conn, "POST", "/orders", sell) == (
        400,
        {"error": f"nonce: 1 was already used by {KEYS[0].address.lower()}; send a fresh nonce"},
    )
    bad = order(KEYS[0], 1, False, WAD, 100, 2).to_json() | {"size": "0"}
    assert _request(conn, "POST", "/orders", json.dumps(bad).encode()) == (
        400,
        {"error": "size: must be > 0 (in 1e18 units of options)"},
    )
    assert _request(conn, "POST", "/orders", json.dumps({"account": "0x12"}).encode())[1]["error"].startswith(
        "account:"
    )
    assert _request(conn, "POST", "/orders", b"{not json") == (
        400,
        {"error": "body: not JSON (Expecting property name enclosed in double quotes); send a JSON object"},
    )
    assert _request(conn, "POST", "/orders", b"[1]") == (400, {"error": "body: send a JSON object"})
    assert _request(conn, "GET", "/orders/2?x=1")[1]["status"] == "filled"
    assert _request(conn, "GET", "/nowhere")[0] == 404
    assert _request(conn, "POST", "/orders", b" " * (64 * 1024 + 1))[0] == 413


def test_many_connections_at_once_are_all_answered(server):
    orders = [order(KEYS[i % 4], 1 + i % 2, i % 3 == 0, WAD, 99 + i % 3, 100 + i) for i in range(128)]
    statuses: list[int] = []

    def send(chunk):
        conn = http.client.HTTPConnection(*server.server_address)
        for signed in chunk:
            statuses.append(_request(conn, "POST", "/orders", json.dumps(signed.to_json()).encode())[0])

    threads = [threading.Thread(target=send, args=(orders[i::64],)) for i in range(64)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 128
