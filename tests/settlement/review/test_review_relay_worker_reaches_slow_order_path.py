"""Review of the relay (relay.py): a worker reaches a route no client can, `Api.post_order` through a relayed call.

The front sends every `POST /orders` to `post_order` (the group commit); no path a client can send reaches
`Api.handle("POST", "/orders", ...)` (a trailing slash is stripped, "//orders" and "/orders%2F" do not match). The
engine's `_call` relays whatever method and path a worker names to `Api.handle`, whose table still holds
("POST", "/orders") -> `Api.post_order`: `Sequencer.submit` of one order, in its own transaction and fsync, with the
signature checked, all under the sequencer's lock (relay.py `_call`, api.py `Api.routes`). So a compromised worker
can store orders one fsync each while holding the lock the committer needs, which the threat model says it cannot
("What a worker can do is what any client can"). Low severity (signatures still hold, and a client's cancels also
write under the lock), but the engine should refuse the route on the call path.
"""

from __future__ import annotations

import json
from multiprocessing import Pipe

import pytest

from strikeforge.settlement.api import Api, serve
from strikeforge.settlement.relay import _Channel
from strikeforge.settlement.sequencer import Sequencer, Settings
from strikeforge.settlement.store import Store
from tests.settlement.fakes import KEYS, WAD, FakeLedger, order

SETTINGS = Settings(batch_interval=10**9, cosign_timeout=10**9, trading_cutoff=0)


@pytest.fixture
def engine(tmp_path):
    store = Store(tmp_path / "s.db")
    server = serve(Api(Sequencer(store, FakeLedger(), SETTINGS), lambda: 10), "127.0.0.1", 0, 1)
    yield server, store
    server.shutdown()
    store.close()


def test_a_worker_cannot_store_an_order_outside_the_group_commit(engine):
    server, store = engine
    ours, theirs = Pipe(duplex=True)
    channel = _Channel(ours, server.api, server.intake)
    body = json.dumps(order(KEYS[0], 1, True, WAD, 100, 1).to_json())
    submitted = []
    real = server.intake.enqueue
    server.intake.enqueue = lambda *args: submitted.append(args) or real(*args)  # the group commit's way in
    theirs.send_bytes(json.dumps(["call", 1, "POST", "/orders", body]).encode())
    theirs.close()
    server._read(channel)  # to the end of the channel (it is closed after the call)
    server._pool.shutdown(wait=True)  # the relayed call has run
    stored = store.order_by_nonce(KEYS[0].address.lower(), 1)
    assert stored is None, f"a relayed call stored order {stored} outside the group commit (enqueued: {submitted})"
