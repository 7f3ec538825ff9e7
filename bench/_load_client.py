"""A lean HTTP/1.1 load generator for bench/sequencer_load.py: pre-encoded requests over keep-alive connections.

Each of `connections` connections sends one order, waits for its answer, sends the next (a closed loop, as a trading
bot does), so a slow answer slows its connection. Requests are encoded before the clock starts, and answers are read
by their Content-Length with no HTTP library, so the client's own cost per request stays small beside the server's.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field


@dataclass
class Outcome:
    """What the server answered: per order index its status and body, each answer's latency, connection errors."""

    answers: dict[int, tuple[int, dict]] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0


def encode(path: str, body: dict) -> bytes:
    data = json.dumps(body).encode()
    head = f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    return head.encode() + b"\r\n" + data


async def _connection(host: str, port: int, requests: list[bytes], queue: list[int], out: Outcome, stop: float) -> None:
    try:
        reader, writer = await asyncio.open_connection(host, port)
    except OSError as exc:
        out.errors.append(f"connect: {exc!r}")
        return
    try:
        while queue and time.perf_counter() < stop:
            index = queue.pop()
            start = time.perf_counter()
            writer.write(requests[index])
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode("latin-1").split("\r\n")
            status = int(lines[0].split(" ", 2)[1])
            length = next(int(line.split(":", 1)[1]) for line in lines if line.lower().startswith("content-length:"))
            body = await reader.readexactly(length)
            out.latencies.append(time.perf_counter() - start)
            out.answers[index] = (status, json.loads(body))
    except (OSError, asyncio.IncompleteReadError) as exc:
        out.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        writer.close()


async def _drive(host: str, port: int, requests: list[bytes], connections: int, limit: float) -> Outcome:
    out = Outcome()
    queue = list(range(len(requests) - 1, -1, -1))  # popped from the end: first order first
    start = time.perf_counter()
    await asyncio.gather(*(_connection(host, port, requests, queue, out, start + limit) for _ in range(connections)))
    out.seconds = time.perf_counter() - start
    return out


def drive(host: str, port: int, requests: list[bytes], connections: int, limit: float) -> Outcome:
    """Sends `requests` in order over `connections` connections until all are answered or `limit` seconds pass."""
    return asyncio.run(_drive(host, port, requests, connections, limit))
