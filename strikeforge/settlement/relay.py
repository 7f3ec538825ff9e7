"""Order intake on more than one core: worker processes serve the HTTP API, the engine checks, matches and stores.

The engine is the process that holds the sequencer: its books, its store, its tick loop and the group commit
(`intake.py`). It opens the API's listening socket and starts `workers` worker processes (multiprocessing's spawn),
each running the same aiohttp front as the in-process server (`server.HttpFront`) on that socket: HTTP parsing, the
body limits and timeouts, JSON in and out, on the worker's own core and interpreter lock. A worker hands each order's
JSON to the engine, which checks it as any client input (`Order.from_json`, then `intake.admit`: its fields at the
engine's clock and its signature in the ledger's domain; libsecp256k1 releases the interpreter lock, so checking runs
beside the committer), queues it for the group commit and sends the answer back only once its group is durable (a
refusal at once). The worker answers the client when that answer arrives, so an acknowledged order is stored
exactly as in process. Every other route is relayed as is to `Api.handle` on the engine's thread pool.

The channel is a socket pair the engine creates for each worker (multiprocessing.Pipe) carrying JSON arrays (never
pickle: nothing a worker sends can run code in the engine), batched per event-loop turn on the worker's side and
per committed group on the engine's.

    worker -> engine   ["ready"] | ["orders", [[request, body]]] | ["call", request, method, path, body or null]
    engine -> worker   ["answers", [[request, status, payload]]] | ["stop"]

A body travels as the client sent it (its bytes as Latin-1 text, parsed again in the engine): never re-encoded from
what the worker parsed, so no body the front accepts can make a message the worker cannot write.

Threat model. Clients are hostile: the front's limits and the API's refusals hold for them as in process. A worker
parses what clients send, so it is the first process an exploit in the HTTP stack would own; the engine, which
holds the sequencer's posting key, therefore trusts it with nothing: the channel is inherited (never a network
endpoint) and carries JSON only; every order is checked in the engine, signature included, and every relayed route
goes through `Api.handle` like any request. What a worker can do is what any client can: send orders (refused
unless signed by their account) and requests. A worker that sends a malformed message is cut off and replaced. A
worker that dies loses only the answers for its open connections (their clients see the connection close, never a
false acknowledgement); the engine starts another in its place. When the engine dies (kill -9 included) every worker
sees its channel close and exits, answering what it still holds with a 503 (its fate unknown): no worker acknowledges
anything the engine did not store. Not covered: a worker that hangs without closing its channel (no heartbeat) keeps
its connections until it is killed by hand.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import multiprocessing
import os
import queue
import signal
import socket
import struct
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from multiprocessing.connection import Connection
from typing import Any

from strikeforge.settlement import server
from strikeforge.settlement.api import Api
from strikeforge.settlement.intake import Intake, Result, admit
from strikeforge.settlement.orders import Order, OrderError
from strikeforge.settlement.server import INTERNAL, HttpFront, listening_socket, parse_body, post_order_answer

log = logging.getLogger("strikeforge.settle.relay")
START_TIMEOUT = 60.0  # seconds a worker may take to import and start serving
STOP_TIMEOUT = 30.0  # seconds a worker may take to answer what it took, once told to stop
RESTART_DELAY = 1.0  # seconds before a worker that died is replaced
MAX_MESSAGE = 64 * 1024 * 1024  # bytes a worker's message may take (one event-loop turn's orders: far less)
BATCH_BYTES = 1024 * 1024  # bytes of bodies a worker puts in one message at most (more go in the next)
MAX_BACKLOG = 256 * 1024 * 1024  # bytes of answers waiting for a worker before it is cut off as not reading
_FRAME = struct.Struct("!i")  # multiprocessing.Connection's length prefix (messages here stay far below 2 GiB)


def _dumps(message: list) -> bytes:
    """A message's bytes: UTF-8 JSON (a body's Latin-1 text takes at most two bytes a byte, not `\\u00XX`'s six)."""
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()


def _text(value: Any) -> str:
    """A string field of a worker's message (anything else is a malformed message)."""
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    return value


def _bytes(text: str) -> bytes:
    """A request body as the client sent it: the worker passes its bytes as Latin-1 text (one character a byte)."""
    return text.encode("latin-1")


class _Channel:
    """The engine's end of one worker's channel. Nothing the engine does waits on the worker: answers (from the
    committer, the reader and the API pool) are queued and written by the channel's own sender thread, so a worker
    that stops reading stalls only itself; once more than MAX_BACKLOG bytes wait for it, it is cut off (its socket
    shut down, the worker killed and replaced). The group commit's answers for this worker go out in one message
    (`Intake`'s Sink)."""

    def __init__(self, conn: Connection, api: Api, intake: Intake) -> None:
        self.conn = conn
        self.api = api
        self.intake = intake
        self.cut = False  # cut off: it broke the protocol or does not read its answers
        self._sock = socket.socket(fileno=os.dup(conn.fileno()))  # writes (blocking fd; MSG_DONTWAIT per call)
        self._lock = threading.Lock()
        self._backlog = 0  # bytes queued or being written by the sender
        self._queue: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
        self._sender = threading.Thread(target=self._drain, name="settle-relay-send", daemon=True)
        self._sender.start()

    def send(self, message: list) -> None:
        """Sends `message` without ever blocking: written at once if the socket takes it, else (the rest) queued for
        the sender thread, behind anything queued before; a worker this far behind is cut off instead."""
        data = _dumps(message)
        frame = _FRAME.pack(len(data)) + data
        with self._lock:
            if self.cut:
                return
            if not self._backlog:
                try:
                    frame = frame[self._sock.send(frame, socket.MSG_DONTWAIT) :]
                except BlockingIOError:
                    pass
                except OSError:  # the worker is gone
                    frame = b""
                if not frame:
                    return
            self._backlog += len(frame)
            stuck = self._backlog > MAX_BACKLOG
            if not stuck:
                self._queue.put(frame)
        if stuck:
            log.error("API worker does not read its answers (%d bytes waiting); cutting it off", self._backlog)
            self.cut_off()

    def _drain(self) -> None:
        while (frame := self._queue.get()) is not None:
            try:
                self._sock.sendall(frame)
            except OSError:  # the worker is gone (or cut off): what is left for it has nobody to go to
                self.cut_off()
                break
            with self._lock:
                self._backlog -= len(frame)
        with self._lock:  # the channel is done: later sends fail on the closed socket and are dropped
            self.cut = True
            self._sock.close()

    def cut_off(self) -> None:
        """Stops all traffic with the worker: its socket shut down both ways (a blocked read or write returns)."""
        with self._lock:
            self.cut = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._queue.put(None)

    def close(self) -> None:
        """Lets the sender write what is queued, then stop."""
        self._queue.put(None)

    def answer(self, answers: list[tuple[int, Result | BaseException]]) -> None:
        """The Sink: a group's answers to this worker's orders, with the metrics the in-process server keeps."""
        self.send(["answers", [(request, *post_order_answer(self.api, result)) for request, result in answers]])


class RelayServer:
    """The API served by `workers` worker processes until `shutdown()`; `server_address` is (host, bound port)."""

    def __init__(self, api: Api, host: str, port: int, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers: {workers}; at least 1 (0 serves in process: server.ApiServer)")
        self.api = api
        self.intake = Intake(api.seq, api.clock)
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="settle-api")
        self._context = multiprocessing.get_context("spawn")
        self._stopping = threading.Event()
        self._sock = listening_socket(host, port)  # kept open: a worker that dies is replaced on the same socket
        self.server_address: tuple[str, int] = self._sock.getsockname()[:2]
        self._procs: list[Any] = [None] * workers
        self._channels: list[_Channel | None] = [None] * workers
        self._threads: list[threading.Thread] = []
        try:
            for slot in range(workers):
                channel = self._start(slot)  # raises if the worker does not come up
                thread = threading.Thread(
                    target=self._serve, args=(slot, channel), name=f"settle-relay-{slot}", daemon=True
                )
                self._threads.append(thread)
                thread.start()
        except BaseException:
            self.shutdown()
            raise

    def _start(self, slot: int) -> _Channel:
        """Starts the worker of `slot` and waits for it to serve; RuntimeError if it exits or stalls first."""
        mine, theirs = self._context.Pipe(duplex=True)
        proc = self._context.Process(
            target=worker_main,
            args=(self._sock, theirs, server.BODY_TIMEOUT),
            name=f"settle-front-{slot}",
            daemon=True,
        )
        proc.start()
        theirs.close()
        self._procs[slot] = proc
        channel = _Channel(mine, self.api, self.intake)
        self._channels[slot] = channel
        try:
            if not mine.poll(START_TIMEOUT):
                proc.kill()
                raise RuntimeError(f"API worker {slot} did not start within {START_TIMEOUT} s")
            try:
                message = json.loads(mine.recv_bytes(MAX_MESSAGE))
            except (EOFError, OSError, ValueError):
                proc.join(timeout=5)
                raise RuntimeError(f"API worker {slot} exited as it started (exit code {proc.exitcode})") from None
            if message != ["ready"]:
                proc.kill()
                raise RuntimeError(f"API worker {slot} sent something else than ready")
        except BaseException:
            channel.close()
            raise
        return channel

    def _serve(self, slot: int, channel: _Channel) -> None:
        """Reads the worker's requests until its channel closes; then, unless stopping, starts another worker."""
        while True:
            proc = self._procs[slot]
            if self._read(channel):
                channel.cut_off()
            if channel.cut:
                proc.kill()  # it broke the protocol or stopped reading: whatever it holds is not answered
            channel.close()
            proc.join(timeout=STOP_TIMEOUT)
            if proc.is_alive():  # its channel closed but it lives on (and holds the listening socket): no more
                proc.kill()
                proc.join(timeout=5)
            if self._stopping.is_set():
                return
            log.error("API worker %d exited (exit code %s); starting another", slot, proc.exitcode)
            while not self._stopping.wait(RESTART_DELAY):
                try:
                    channel = self._start(slot)
                except RuntimeError as exc:
                    log.error("%s; retrying", exc)
                    continue
                if self._stopping.is_set():  # shutdown began while it started: it gets its stop too
                    channel.send(["stop"])
                break
            else:
                return

    def _read(self, channel: _Channel) -> bool:
        """The worker's messages until its channel closes (False) or it sends one no worker sends (True: it is cut
        off). Its orders are checked here as any client's: what a worker sends is not taken on its word."""
        while True:
            try:
                data = channel.conn.recv_bytes(MAX_MESSAGE)
            except EOFError:
                return False
            except OSError as exc:  # the channel broke, or the worker announced a message over MAX_MESSAGE
                if "bad message length" not in str(exc):
                    return False
                log.error("API worker sent a message over %d bytes; stopping it", MAX_MESSAGE)
                return True
            try:
                message = json.loads(data)
                kind = message[0]
                if kind == "orders":
                    orders = [(int(request), _text(raw)) for request, raw in message[1]]
                    self._admit(channel, orders)
                elif kind == "call":
                    _, request, method, path, raw = message
                    if (method, path) == ("POST", "/orders"):  # orders come as "orders": the group commit, no other way
                        raise ValueError("POST /orders as a call")
                    body = None if raw is None else _text(raw)
                    self._pool.submit(self._call, channel, int(request), _text(method), _text(path), body)
                else:
                    raise ValueError(f"unknown message {kind!r}")
            except Exception as exc:  # not the protocol: a worker that sends it is stopped (and replaced)
                log.error("API worker sent a malformed message (%s: %s); stopping it", type(exc).__name__, exc)
                return True

    def _admit(self, channel: _Channel, orders: list[tuple[int, str]]) -> None:
        """Each order's body parsed and checked as the in-process server does (a body that is not a JSON object or
        that `Order.from_json` cannot read is the client's 400, anything else it raises a 500), queued if it passes,
        answered at once if not."""
        answered: list[tuple[int, Result | BaseException]] = []
        for request, raw in orders:
            try:
                body = parse_body(_bytes(raw))
                if isinstance(body, str):
                    raise OrderError(body)
                verified = admit(Order.from_json(body), self.intake.now, self.intake.domain)
            except OrderError as exc:
                answered.append((request, exc))
                continue
            except Exception as exc:
                log.exception("POST /orders failed")
                answered.append((request, exc))
                continue
            self.intake.enqueue(verified, channel, request)
        if answered:
            channel.answer(answered)

    def _call(self, channel: _Channel, request: int, method: str, path: str, raw: str | None) -> None:
        try:
            body = None if raw is None else parse_body(_bytes(raw))
            if isinstance(body, str):
                status, payload = 400, {"error": body}
            else:
                status, payload = self.api.handle(method, path, body)
        except Exception:
            log.exception("%s %s failed", method, path)
            status, payload = 500, INTERNAL
        channel.send(["answers", [(request, status, payload)]])

    def shutdown(self) -> None:
        """Stops the workers (each stops taking connections and answers what it took), then the intake."""
        self._stopping.set()
        for channel in self._channels:
            if channel is not None:
                channel.send(["stop"])
        deadline = time.monotonic() + STOP_TIMEOUT
        for proc in self._procs:
            if proc is not None:
                proc.join(timeout=max(0.0, deadline - time.monotonic()))
                if proc.is_alive():
                    proc.kill()
                    proc.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)
        self.intake.close()
        self._pool.shutdown(wait=False)
        self._sock.close()


# ------------------------------------------------------------------------------------------------ the worker


GONE = {
    "error": "the sequencer's engine stopped before answering: the order may or may not be stored; look it up"
    " (GET /orders/{id} once it is back, or send it again: a stored nonce is refused by name)"
}
STOPPING = {"error": "the sequencer is stopping; nothing was stored: send the request again once it is back"}


class RelayBackend(asyncio.Protocol):
    """A worker's backend: requests handed to the engine (orders batched per event-loop turn), answers matched to
    their requests as they come back. The channel is driven by the event loop (multiprocessing's framing: a 4-byte
    big-endian length, then the message), so the worker never blocks on it: it always reads the engine's answers,
    whatever it is sending, and the two sides cannot wait on each other. Once the engine is gone every open request
    is answered 503 (its fate unknown) and every new one 503 (not sent): a worker never waits for an engine that
    cannot answer."""

    def __init__(self) -> None:
        self.stopped = asyncio.Event()  # the engine said stop, or is gone
        self.gone = False
        self._loop = asyncio.get_running_loop()
        self._transport: asyncio.Transport | None = None
        self._received = bytearray()
        self._pending: dict[int, asyncio.Future[tuple[int, Any]]] = {}
        self._next = 0
        self._outbox: list[tuple[int, str]] = []
        self._flushing = False

    async def post_order(self, body: dict[str, Any], raw: bytes) -> tuple[int, Any]:
        """The order's body, as the client sent it, to the engine, which parses and checks it (as any client input)
        and answers once it is stored."""
        if self.gone:
            return 503, STOPPING
        request, answer = self._open()
        self._outbox.append((request, raw.decode("latin-1")))
        self._schedule()
        return await answer

    async def call(self, method: str, path: str, body: dict[str, Any] | None, raw: bytes | None) -> tuple[int, Any]:
        if self.gone:
            return 503, STOPPING
        request, answer = self._open()
        self.send(["call", request, method, path, None if raw is None else raw.decode("latin-1")])
        return await answer

    def _open(self) -> tuple[int, asyncio.Future[tuple[int, Any]]]:
        self._next += 1
        answer: asyncio.Future[tuple[int, Any]] = self._loop.create_future()
        self._pending[self._next] = answer
        return self._next, answer

    def _schedule(self) -> None:
        """One message per event-loop turn for every order read in it."""
        if not self._flushing:
            self._flushing = True
            self._loop.call_soon(self._flush)

    def _flush(self) -> None:
        """The turn's orders, in messages of at most BATCH_BYTES of bodies each (a body is at most MAX_BODY)."""
        self._flushing = False
        start = size = 0
        for index, (_, raw) in enumerate(self._outbox):
            if size and size + len(raw) > BATCH_BYTES:
                self.send(["orders", self._outbox[start:index]])
                start, size = index, 0
            size += len(raw)
        if self._outbox:
            self.send(["orders", self._outbox[start:]])
        self._outbox = []

    def send(self, message: list) -> None:
        if self.gone or self._transport is None:
            return
        data = _dumps(message)
        self._transport.write(_FRAME.pack(len(data)) + data)

    # asyncio.Protocol: the channel

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        """The engine wrote: answers are handed to their requests; a stop stops the worker."""
        self._received += data
        start = 0
        while len(self._received) - start >= _FRAME.size:
            (size,) = _FRAME.unpack_from(self._received, start)
            end = start + _FRAME.size + size
            if len(self._received) < end:
                break
            self._deliver(json.loads(self._received[start + _FRAME.size : end]))
            start = end
        del self._received[:start]

    def _deliver(self, message: list) -> None:
        if message[0] == "stop":
            self.stopped.set()
            return
        for request, status, payload in message[1]:
            answer = self._pending.pop(request, None)
            if answer is not None and not answer.done():  # not cancelled by a client that went away
                answer.set_result((status, payload))

    def connection_lost(self, exc: Exception | None) -> None:
        """The engine died (or closed the channel): nothing more will be answered, so nothing more is acknowledged."""
        self.gone = True
        self.stopped.set()
        for answer in self._pending.values():
            if not answer.done():
                answer.set_result((503, GONE))
        self._pending.clear()


def worker_main(sock: socket.socket, conn: Connection, body_timeout: float) -> None:
    """A worker process: the front on `sock` (the engine's body timeout) until the engine says stop or goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a terminal's ^C reaches the whole group: the engine stops us
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    channel = socket.socket(fileno=os.dup(conn.fileno()))  # the event loop drives it from here on
    conn.close()
    asyncio.run(_work(sock, channel, body_timeout))


async def _work(sock: socket.socket, channel: socket.socket, body_timeout: float) -> None:
    backend = RelayBackend()
    await asyncio.get_running_loop().create_unix_connection(lambda: backend, sock=channel)
    front = HttpFront(backend, body_timeout)
    await front.start(sock)
    backend.send(["ready"])
    await backend.stopped.wait()
    with contextlib.suppress(TimeoutError):  # stops taking connections, waits for the requests already taken
        await asyncio.wait_for(front.stop(), STOP_TIMEOUT)
