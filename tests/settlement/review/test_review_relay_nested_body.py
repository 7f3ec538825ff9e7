"""Review of the relay (relay.py): a deeply nested JSON body hangs its request and silently drops other clients' orders.

The worker parses a client's body (server._parse: a RecursionError there is the client's 400), then re-encodes it for
the engine inside `["orders", [[request, body]]]`: three levels deeper, in `RelayBackend._flush`, a call_soon callback
(relay.py `_flush` -> `send` -> `_dumps`). A body nested just below the parser's limit (~977 levels on this build;
the window moves with the stack depth) parses, but its message does not encode: RecursionError in `_flush`, which
asyncio logs and drops. `_flush` has already swapped `_outbox` out, so every order read in that event-loop turn, from
any client, is never sent: their futures are never resolved (RelayBackend has no timeout), the clients wait forever
(here: until their own timeout), `_pending` keeps them for the worker's life, and at shutdown the worker waits
STOP_TIMEOUT for handlers that cannot finish. In process (workers=0) the same bodies are a 400.
"""

from __future__ import annotations

import http.client
import json
import threading
import time

import pytest

from strikeforge.settlement.api import Api, serve
from strikeforge.settlement.sequencer import Sequencer, Settings
from strikeforge.settlement.store import Store
from tests.settlement.fakes import KEYS, WAD, FakeLedger, order

SETTINGS = Settings(batch_interval=10**9, cosign_timeout=10**9, trading_cutoff=0)


def _nested(depth: int) -> str:
    return '{"x": ' + "[" * depth + "]" * depth + "}"


@pytest.fixture(params=[0, 1], ids=["in process", "relay"])
def server(request, tmp_path):
    store = Store(tmp_path / "s.db")
    running = serve(Api(Sequencer(store, FakeLedger(), SETTINGS), lambda: 10), "127.0.0.1", 0, request.param)
    yield running, store
    running.shutdown()
    store.close()


def _post(address: tuple[str, int], body: str, timeout: float) -> int | str:
    conn = http.client.HTTPConnection(*address, timeout=timeout)
    try:
        conn.request("POST", "/orders", body=body, headers={"Content-Type": "application/json"})
        response = conn.getresponse()
        response.read()
        return response.status
    except TimeoutError:
        return "no answer"
    finally:
        conn.close()


def test_every_nested_body_is_answered_a_400(server):
    running, _ = server
    answers = {depth: _post(running.server_address, _nested(depth), 3) for depth in range(966, 986)}
    assert {depth: status for depth, status in answers.items() if status != 400} == {}


def test_a_nested_body_loses_no_other_clients_order(server):
    """Six connections send valid orders while nested bodies arrive now and then: every valid order is answered (and
    stored), whichever event-loop turn of the worker it shares with a nested body."""
    running, store = server
    bodies = {k: [json.dumps(order(KEYS[k], 1, True, WAD, 100, n).to_json()) for n in range(1, 101)] for k in range(6)}
    unanswered: list[tuple[int, int]] = []

    def send(k: int) -> None:
        for nonce, body in enumerate(bodies[k], 1):
            if _post(running.server_address, body, 4) != 201:
                unanswered.append((k, nonce))

    nested: list[int | str] = []
    senders = [threading.Thread(target=send, args=(k,)) for k in range(6)]
    for thread in senders:
        thread.start()
    bombs = []
    for _ in range(16):
        time.sleep(0.05)
        bombs.append(threading.Thread(target=lambda: nested.append(_post(running.server_address, _nested(977), 4))))
        bombs[-1].start()
    for thread in senders + bombs:
        thread.join(60)
    lost = [(k, n) for k, n in unanswered if store.order_by_nonce(KEYS[k].address.lower(), n) is None]
    assert (unanswered, lost, [s for s in nested if s != 400]) == ([], [], []), (
        f"valid orders unanswered: {unanswered} (never stored: {lost}); nested bodies not answered 400: "
        f"{[s for s in nested if s != 400]}"
    )
