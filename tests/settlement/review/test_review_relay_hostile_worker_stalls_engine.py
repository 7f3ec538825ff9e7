"""Review of the relay (relay.py): a worker that stops reading its channel stalls the whole engine.

The threat model (relay.py's docstring) says a worker faces the network, may be owned by an exploit, and "can do what
any client can". But every engine thread that answers a worker does so with a blocking `Connection.send_bytes` under
that channel's lock (`_Channel.send`): the reader thread (refusals), the committer (`_Channel.answer`, the Sink, called
from `intake._answer_all`) and the API pool (`_call`). A worker that sends requests and never reads the answers fills
its socket pair (~208 KiB) and then:

- the reader thread of its channel blocks in send_bytes, holding the channel lock;
- the committer, which is shared by every worker, blocks on that lock as soon as a group holds one of its orders,
  and commits nothing more for anyone: every other worker's orders wait forever (no timeout anywhere);
- each of the 4 API pool threads blocks on the lock as soon as it answers one of its calls: every relayed route of
  every worker (cancels, co-signatures, reads, /health) waits forever.

A plain client cannot do this (aiohttp keeps reading answers whatever the client does). Nothing is patched: the
hostile worker is a channel the test writes and never reads, beside the RelayServer's real worker process.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import threading
import urllib.request
from multiprocessing import Pipe

from strikeforge.settlement.relay import _Channel
from strikeforge.settlement.sequencer import Settings
from tests.settlement.fakes import KEYS, WAD, order

SETTINGS = Settings(batch_interval=10**9, cosign_timeout=10**9, trading_cutoff=0)


def _http(address: tuple[str, int], method: str, path: str, body: dict | None = None) -> object:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://{address[0]}:{address[1]}{path}", data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=8) as response:
            return response.status
    except Exception as exc:
        return repr(exc)


def test_a_worker_that_never_reads_its_answers_stalls_no_other_worker(relay_engine):
    ours, theirs = Pipe(duplex=True)
    channel = _Channel(ours, relay_engine.api, relay_engine.intake)
    reader = threading.Thread(target=relay_engine._read, args=(channel,), daemon=True)
    reader.start()
    # The hostile worker: calls whose 404s echo a 60 KB path (the pool threads block answering them), refusals that
    # echo 60 KB each (the reader blocks answering them) and one valid order (the committer must answer it on this
    # channel). It never reads.
    for request in range(1, 11):
        theirs.send_bytes(json.dumps(["call", request, "GET", "/" + "p" * 60_000, None]).encode())
    junk = [[i, {"account": "a" * 60_000}] for i in range(11, 17)]
    theirs.send_bytes(json.dumps(["orders", [*junk, [17, order(KEYS[0], 1, True, WAD, 100, 1).to_json()]]]).encode())

    results: dict[str, object] = {}
    threads = [
        threading.Thread(
            target=lambda: results.__setitem__(
                "order",
                _http(relay_engine.server_address, "POST", "/orders", order(KEYS[1], 1, True, WAD, 99, 1).to_json()),
            )
        ),
        threading.Thread(
            target=lambda: results.__setitem__("health", _http(relay_engine.server_address, "GET", "/health"))
        ),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(12)

    for end in (theirs, ours):  # unwedge the engine's threads (their sends fail) so that the fixture can stop it
        with contextlib.suppress(OSError):
            socket.socket(fileno=os.dup(end.fileno())).shutdown(socket.SHUT_RDWR)
    reader.join(10)
    assert results == {"order": 201, "health": 200}, (
        f"the real worker's clients, while another worker does not read: {results}"
    )
