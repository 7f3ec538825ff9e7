"""Review of the group commit (issue 22): attacks on `submit_many` and the HTTP intake, each a failing test first."""

from __future__ import annotations

import json
import socket
import sys

import pytest

from strikeforge.settlement.api import MAX_BODY, Api, serve
from strikeforge.settlement.orders import OrderError
from strikeforge.settlement.sequencer import Sequencer, Settings
from strikeforge.settlement.store import Store
from tests.settlement.fakes import KEYS, WAD, FakeLedger, order

SETTINGS = Settings(batch_interval=10**9, cosign_timeout=10**9, trading_cutoff=0)
A, B = KEYS[0], KEYS[1]


def _outcomes(results: list) -> list[str]:
    return [str(r) if isinstance(r, OrderError) else "accepted" for r in results]


@pytest.mark.parametrize("tick_first", [False, True])
def test_a_sale_matched_earlier_in_the_group_counts_against_the_sellers_next_sell_order(store_spec, tick_first):
    """A holds 1 option and rests an ask for it. In one group B lifts the ask (A has sold its 1) and A sends another
    ask for 1: one by one, the second ask is refused (A has 0 free). The group must refuse it too, also when the
    sales were last counted before the group (at start, or after a tick, which forgets the count)."""
    ledger = FakeLedger()
    ledger.inventories[(A.address.lower(), 1)] = WAD
    store = Store(store_spec)
    seq = Sequencer(store, ledger, SETTINGS)
    assert seq.submit(order(A, 1, False, WAD, 100, 1), now=10)[0] == 1
    if tick_first:
        seq.tick(now=10)
    else:
        seq = Sequencer(store, ledger, SETTINGS)  # a restart: nothing counted yet
    results = seq.submit_many([order(B, 1, True, WAD, 100, 1), order(A, 1, False, WAD, 100, 2)], now=10)
    assert _outcomes(results)[0] == "accepted" and results[0][1].fills  # type: ignore[index]
    assert _outcomes(results)[1].startswith(f"size: sells {WAD} of series 1, but {A.address.lower()} has 0 free")
    store.close()


# ------------------------------------------------------------------------------------------------ the HTTP intake


@pytest.fixture(params=[0, 1], ids=["in process", "one worker"])
def server(request, tmp_path, monkeypatch):
    """The API in process, and behind a worker process (relay.py), with a body timeout of 0.5 s (a worker takes the
    engine's when it starts): every attack below fails on both."""
    monkeypatch.setattr("strikeforge.settlement.server.BODY_TIMEOUT", 0.5)
    store = Store(tmp_path / "s.db")
    running = serve(Api(Sequencer(store, FakeLedger(), SETTINGS), lambda: 10), "127.0.0.1", 0, request.param)
    yield running
    running.shutdown()
    store.close()


def _exchange(address: tuple[str, int], request: bytes, timeout: float = 10) -> tuple[int, dict]:
    """Sends raw bytes and reads one answer: its status and JSON body (the test fails on a non-JSON body)."""
    with socket.create_connection(address, timeout=timeout) as conn:
        conn.sendall(request)
        reader = conn.makefile("rb")
        status = int(reader.readline().split()[1])
        length = 0
        while (line := reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
        return status, json.loads(reader.read(length))


def _post(body: bytes, headers: bytes = b"") -> bytes:
    return b"POST /orders HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + headers + body


def _sized(body: bytes) -> bytes:
    return _post(body, b"Content-Length: %d\r\n\r\n" % len(body))


def _chunked(body: bytes) -> bytes:
    return _post(b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body), b"Transfer-Encoding: chunked\r\n\r\n")


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'{"size": ' + b"9" * 5_000 + b"}", "body: not JSON (a number of more than 4300 digits); send a JSON object"),
        (b"[" * 20_000 + b"]" * 20_000, "body: not JSON (nested too deeply); send a JSON object"),
    ],
    ids=["long number", "deep nesting"],
)
def test_json_python_cannot_read_is_a_400_with_the_apis_error(server, body, error):
    """A number too long for int() and nesting deeper than the recursion limit are refused as bad JSON, not a 500
    with aiohttp's plain-text page (main's server dropped the connection without an answer). py-evm, imported with
    ape, raises the recursion limit to 100,000: the test holds it at Python's default for the request."""
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(1_000)
    try:
        assert _exchange(server.server_address, _sized(body)) == (400, {"error": error})
    finally:
        sys.setrecursionlimit(limit)


def test_a_chunked_body_is_held_to_the_size_limit(server):
    """Without Content-Length the 64 KiB limit still holds, with the API's error (not aiohttp's 1 MiB default)."""
    big = b" " * (MAX_BODY + 1) + b"{}"
    assert _exchange(server.server_address, _chunked(big)) == (413, {"error": "body: over the limit of 65536 bytes"})
    huge = b" " * (2 * 1024 * 1024) + b"{}"
    assert _exchange(server.server_address, _chunked(huge))[0] == 413
    signed = json.dumps(order(A, 1, False, WAD, 100, 1).to_json()).encode()
    assert _exchange(server.server_address, _chunked(signed))[0] == 201


def test_a_body_that_never_arrives_times_out(server):
    """A client that announces a body and sends part of it (slowloris) is answered 408 and let go after the read
    timeout, instead of holding its request open for ever."""
    answer = _exchange(server.server_address, _post(b"{", b"Content-Length: 100\r\n\r\n"), timeout=5)
    assert answer == (408, {"error": "body: not received within 0.5 s; send the whole body at once"})
