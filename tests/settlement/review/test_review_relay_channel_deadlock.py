"""Review of the relay (relay.py): the channel's blocking sends on both ends can deadlock the worker and the engine.

The worker writes its batched orders with a blocking `conn.send_bytes` on its event loop (RelayBackend._send), and
reads the engine's answers only when that loop is free (RelayBackend.readable). The engine's reader thread answers
the refusals of a message it read with a blocking `send_bytes` under the channel's lock (_Channel.send), and reads
nothing while it does. A socket pair holds ~208 KiB each way (net.core.wmem_default). So when the worker flushes a
message bigger than that while the engine is still checking the previous one, and that previous one's refusals
(which echo the client's input: `account: '<60 KB>' is not an address`) are bigger than that too:

    worker loop:  blocked in send_bytes(M2)     waits for the engine's reader to read
    reader:       blocked in send_bytes(answers of M1) under the channel lock   waits for the worker loop to read
    committer:    blocked on the channel lock (the answers of M1's valid orders)

Nobody ever returns: the worker answers no client again (every connection hangs, there is no timeout on a relayed
request), and the committer, which is shared by every worker, answers no order of any worker again.

Here the worker is the real RelayBackend on an event loop in this process and the engine the real RelayServer's
reader (`_read`), admit and committer. M1 is 400 orders the engine must check (signatures, ~80 us each: what a burst
of orders from many connections gives it) followed by 6 refused 60 KB bodies; M2 is 6 more 60 KB bodies that arrive
on the worker's next loop turn (other connections). No engine code is patched.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import os
import socket
import threading
import time
import urllib.request

from strikeforge.settlement.relay import RelayBackend, _Channel
from strikeforge.settlement.sequencer import Settings
from tests.settlement.fakes import KEYS, WAD, order

SETTINGS = Settings(batch_interval=10**9, cosign_timeout=10**9, trading_cutoff=0)
JUNK = {"account": "a" * 60_000}  # refused by Order.from_json; its error repeats the 60 KB


async def _worker_backend(conn) -> RelayBackend:
    """The worker's side of a channel, as `relay._work` sets it up (either version of the relay)."""
    if "conn" in inspect.signature(RelayBackend.__init__).parameters:  # 3aa47f2: blocking sends, add_reader
        backend = RelayBackend(conn)
        asyncio.get_running_loop().add_reader(conn.fileno(), backend.readable)
        return backend
    backend = RelayBackend()  # 90f7150 on: an asyncio protocol on the channel
    channel = socket.socket(fileno=os.dup(conn.fileno()))
    await asyncio.get_running_loop().create_unix_connection(lambda: backend, sock=channel)
    return backend


async def _post(backend: RelayBackend, body: dict) -> tuple:
    """What the front does with a request's body: e433d82 on passes the raw bytes too."""
    if "raw" in inspect.signature(RelayBackend.post_order).parameters:
        return await backend.post_order(body, json.dumps(body).encode())
    return await backend.post_order(body)


def test_a_worker_and_the_engine_never_block_each_other_on_the_channel(relay_engine):
    from multiprocessing import Pipe

    ours, theirs = Pipe(duplex=True)
    channel = _Channel(ours, relay_engine.api, relay_engine.intake)
    reader = threading.Thread(target=relay_engine._read, args=(channel,), daemon=True)
    reader.start()
    orders = [order(KEYS[i % 4], 1, True, WAD, 100, 1 + i // 4).to_json() for i in range(400)]

    async def worker() -> list:
        backend = await _worker_backend(theirs)
        first = [asyncio.ensure_future(_post(backend, body)) for body in [*orders, *[JUNK] * 6]]
        await asyncio.sleep(0.005)  # M1 flushed: the engine reads it and starts checking its 400 signatures
        second = [asyncio.ensure_future(_post(backend, JUNK)) for _ in range(6)]  # M2, the next loop turn
        return await asyncio.gather(*first, *second)

    answers: list = []
    loop_thread = threading.Thread(target=lambda: answers.append(asyncio.run(worker())), daemon=True)
    loop_thread.start()
    loop_thread.join(20)
    wedged = loop_thread.is_alive()

    # Another worker's order (the real worker process of `engine`) while this channel is wedged: the committer is
    # shared, so it is not answered either.
    other: list = []

    def post() -> None:
        body = json.dumps(order(KEYS[5], 1, True, WAD, 100, 1).to_json()).encode()
        request = urllib.request.Request(
            f"http://{relay_engine.server_address[0]}:{relay_engine.server_address[1]}/orders", body
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                other.append(response.status)
        except Exception as exc:
            other.append(repr(exc))

    poster = threading.Thread(target=post, daemon=True)
    started = time.monotonic()
    poster.start()
    poster.join(15)
    other_took = time.monotonic() - started

    # Unwedge both sides (a blocked send returns EPIPE once its socket is shut down) so that the fixture can stop.
    for end in (theirs, ours):
        with contextlib.suppress(OSError):
            socket.socket(fileno=os.dup(end.fileno())).shutdown(socket.SHUT_RDWR)
    reader.join(10)
    loop_thread.join(10)
    problems = []
    if wedged:
        problems.append("the worker's loop and the engine's reader are blocked on each other's sends (deadlock)")
    if not (other == [201] and other_took < 5):
        problems.append(f"another worker's order, meanwhile: {other} after {other_took:.1f} s (the committer is stuck)")
    assert not problems, "; ".join(problems)
    assert [status for status, _ in answers[0]] == [201] * 400 + [400] * 12
