"""Review of the relay (relay.py): plain clients' bodies can make the worker's message exceed the engine's MAX_MESSAGE,
and the engine then cuts the (honest) worker off and kills it.

The worker sends every order read in one event-loop turn as one message (`RelayBackend._flush`: no bound on how many
or how big), and the engine refuses any message over MAX_MESSAGE (64 MiB) as a hostile worker's: `_read` returns
True, `_serve` shuts the channel and kills the worker, dropping every connection it holds (their clients see a
reset, orders already sent may or may not be stored) and restarting it RESTART_DELAY later. Each body is at most
MAX_BODY (64 KiB) on the wire, but the message carries it as JSON text: since e433d82 the body's bytes as Latin-1
characters, which `json.dumps` (ensure_ascii) writes as `\\u00XX`, six bytes for every byte >= 0x80 (three bytes for
each character >= U+0080 of the re-encoded body before e433d82). A body of UTF-8 text, e.g. a 64 KB account name of
"é", is ~384 KiB in the message: 175 such requests read in one turn (175 connections sending at once, or a worker
busy for a moment under load) make a message over 64 MiB.

Here the worker is the real RelayBackend (as `relay._work` wires it) and the engine the real RelayServer's `_read`:
175 requests are handed to the backend in one turn, as the front does for 175 requests read in one turn.
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
from multiprocessing import Pipe

from strikeforge.settlement.relay import RelayBackend, _Channel
from strikeforge.settlement.sequencer import Settings

SETTINGS = Settings(batch_interval=10**9, cosign_timeout=10**9, trading_cutoff=0)
BODY = {"account": "é" * 32_000}  # 64,016 bytes of UTF-8 JSON: under MAX_BODY (65,536)
RAW = json.dumps(BODY, ensure_ascii=False).encode()


def test_a_turn_of_client_bodies_never_gets_an_honest_worker_cut_off(relay_engine):
    assert len(RAW) <= 64 * 1024
    ours, theirs = Pipe(duplex=True)
    channel = _Channel(ours, relay_engine.api, relay_engine.intake)
    verdict: list[bool] = []

    def serve_channel() -> None:  # what RelayServer._serve does with the channel
        verdict.append(relay_engine._read(channel))
        if verdict[-1]:
            with contextlib.suppress(OSError):
                socket.socket(fileno=os.dup(ours.fileno())).shutdown(socket.SHUT_RDWR)  # _Channel.cut_off

    reader = threading.Thread(target=serve_channel, daemon=True)
    reader.start()
    takes_raw = "raw" in inspect.signature(RelayBackend.post_order).parameters

    async def worker() -> list:
        backend = RelayBackend()
        sock = socket.socket(fileno=os.dup(theirs.fileno()))
        await asyncio.get_running_loop().create_unix_connection(lambda: backend, sock=sock)
        args = (BODY, RAW) if takes_raw else (BODY,)
        return await asyncio.wait_for(asyncio.gather(*[backend.post_order(*args) for _ in range(175)]), 60)

    answers = asyncio.run(worker())
    with contextlib.suppress(OSError):
        socket.socket(fileno=os.dup(theirs.fileno())).shutdown(socket.SHUT_RDWR)
    reader.join(10)
    statuses = sorted({status for status, _ in answers})
    assert verdict == [False] and statuses == [400], (
        f"the engine cut the worker off: {verdict == [True]}; its clients got {statuses} "
        f"({answers[0][1]['error'][:80]!r})"
    )


def test_a_burst_of_client_bodies_over_http_never_gets_the_worker_killed(relay_engine):
    """The same over HTTP, through the real worker process: 320 connections each send a 64 KB body but its last
    byte, then the last bytes go out together (the worker reads most of them in one turn). Each is a plain client's
    request the in-process server answers 400; here the worker is killed (and every connection reset)."""
    first = relay_engine._procs[0]
    request = (
        b"POST /orders HTTP/1.1\r\nHost: sequencer\r\nContent-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n" % len(RAW)
    ) + RAW
    connections = []
    try:
        for _ in range(320):
            conn = socket.create_connection(relay_engine.server_address, timeout=20)
            conn.sendall(request[:-1])
            connections.append(conn)
        time.sleep(1.0)  # the worker has read every request but its last byte
        for conn in connections:
            conn.send(request[-1:])
        statuses: dict[str, int] = {}
        for conn in connections:
            try:
                line = conn.makefile("rb").readline().decode(errors="replace").split(" ")
                status = line[1] if len(line) > 1 else "closed"
            except OSError as exc:
                status = type(exc).__name__
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        for conn in connections:
            conn.close()
    assert relay_engine._procs[0] is first and first.is_alive(), "the engine cut its honest worker off and killed it"
    assert statuses == {"400": 320}, statuses
