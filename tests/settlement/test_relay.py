"""The API behind worker processes (relay.py): answered only once stored, nothing taken on a worker's word, a worker
that dies replaced, and no worker outliving an engine killed with -9."""

from __future__ import annotations

import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import replace
from multiprocessing import Pipe
from pathlib import Path

import pytest

from strikeforge.settlement.api import Api, serve
from strikeforge.settlement.relay import RelayServer, _Channel
from strikeforge.settlement.sequencer import Sequencer, Settings
from strikeforge.settlement.store import Store
from tests.settlement.durability import check_store
from tests.settlement.fakes import KEYS, WAD, FakeLedger, order

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = Settings(batch_interval=10**9, cosign_timeout=10**9, trading_cutoff=0)
A, B = KEYS[0], KEYS[1]


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "s.db")
    yield store
    store.close()


@pytest.fixture
def counted():
    """The API's on_request calls (route, status, screened), as the metrics see them."""
    return []


class _Listed:
    """A denylist of one account (the sequencer reads `path` and `in`)."""

    path = "deny.txt"

    def __contains__(self, account: str) -> bool:
        return account.lower() == KEYS[5].address.lower()


@pytest.fixture
def relay(store, counted):
    seq = Sequencer(store, FakeLedger(), SETTINGS, _Listed())  # type: ignore[arg-type]
    running = serve(Api(seq, lambda: 10, lambda *call: counted.append(call)), "127.0.0.1", 0, 1)
    yield running
    running.shutdown()


def _post(address: tuple[str, int], body: dict, timeout: float = 10) -> tuple[int, dict]:
    conn = http.client.HTTPConnection(*address, timeout=timeout)
    conn.request("POST", "/orders", body=json.dumps(body), headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, json.loads(response.read())


def test_an_order_is_answered_only_once_its_group_is_stored(relay, store, monkeypatch):
    """The worker's 201 waits for the engine's commit: while the write is held, no answer and nothing stored."""
    held, release = threading.Event(), threading.Event()
    real = store.write_orders

    def slow(db, writes):
        held.set()
        release.wait(10)
        real(db, writes)

    monkeypatch.setattr(store, "write_orders", slow)
    answers: list[tuple[int, dict]] = []
    body = order(A, 1, False, WAD, 100, 1).to_json()
    sender = threading.Thread(target=lambda: answers.append(_post(relay.server_address, body)))
    sender.start()
    assert held.wait(10)
    time.sleep(0.3)
    assert answers == [] and store.order(1) is None
    release.set()
    sender.join(10)
    assert answers == [(201, {"id": 1, "fills": [], "rests": str(WAD)})]
    assert store.order(1)["status"] == "open"


def test_a_failed_write_is_a_500_and_stores_nothing(relay, store, monkeypatch):
    def broken(db, writes):
        raise RuntimeError("disk full")

    monkeypatch.setattr(store, "write_orders", broken)
    assert _post(relay.server_address, order(A, 1, False, WAD, 100, 1).to_json()) == (
        500,
        {"error": "internal error; see the sequencer's log"},
    )
    monkeypatch.undo()
    assert store.order(1) is None
    assert _post(relay.server_address, order(A, 1, False, WAD, 100, 2).to_json())[0] == 201


def test_the_engine_counts_what_the_worker_answers(relay, counted):
    """Accepted, refused (checked in the engine) and screened orders reach the metrics as in process."""
    assert _post(relay.server_address, order(A, 1, False, WAD, 100, 1).to_json())[0] == 201
    assert _post(relay.server_address, order(A, 1, False, WAD, 100, 1).to_json())[0] == 400  # the nonce again
    assert _post(relay.server_address, order(KEYS[5], 1, False, WAD, 100, 1).to_json())[0] == 403
    assert _post(relay.server_address, {"account": "0x12"})[0] == 400
    assert counted == [
        ("post_order", 201, False),
        ("post_order", 400, False),
        ("post_order", 403, True),
        ("post_order", 400, False),
    ]


# ------------------------------------------------------------------------------------------------ a hostile worker


class _Recorder:
    """The worker's end of a channel, as the test's: what the engine sends back."""

    def __init__(self, conn) -> None:
        self.conn = conn

    def answers(self, count: int) -> list:
        got = []
        while len(got) < count:
            assert self.conn.poll(10), f"the engine answered {len(got)} of {count}"
            message = json.loads(self.conn.recv_bytes())
            assert message[0] == "answers"
            got += message[1]
        return got


@pytest.fixture
def engine(store):
    """A RelayServer's engine, and a channel to it the test writes as a worker would."""
    server = serve(Api(Sequencer(store, FakeLedger(), SETTINGS), lambda: 10), "127.0.0.1", 0, 1)
    assert isinstance(server, RelayServer)
    ours, theirs = Pipe(duplex=True)
    channel = _Channel(ours, server.api, server.intake)
    yield server, channel, _Recorder(theirs)
    server.shutdown()


def test_an_order_a_worker_forwards_unsigned_is_refused_by_the_engine(engine, store):
    """A worker is not trusted with signatures: the engine checks every order it relays, as client input."""
    server, channel, worker = engine
    signed = order(A, 1, False, WAD, 100, 1)
    forged = replace(signed, account=B.address.lower())  # A's signature on an order claiming to be B's
    server._admit(channel, [(1, json.dumps(forged.to_json())), (2, json.dumps(signed.to_json()))])
    answers = dict((request, (status, payload)) for request, status, payload in worker.answers(2))
    assert answers[1][0] == 400
    assert f"not by account {B.address.lower()}" in answers[1][1]["error"]
    assert answers[2] == (201, {"id": 1, "fills": [], "rests": str(WAD)})
    assert store.order_by_nonce(B.address.lower(), 1) is None


@pytest.mark.parametrize(
    "message",
    [
        b"not json",
        b'["orders", [["x", "{}"]]]',
        b'["orders", [[1, {"account": "0x12"}]]]',
        b'["launch"]',
        b'{"orders": []}',
        b'["orders", 5]',
        b'["call", 1, "GET", "/health", 5]',
    ],
    ids=["not json", "request not a number", "body not text", "unknown kind", "not an array", "not a list", "call"],
)
def test_a_worker_that_breaks_the_protocol_is_told_apart_from_one_that_closes(engine, message):
    server, channel, worker = engine
    worker.conn.send_bytes(message)
    assert server._read(channel) is True  # RelayServer._serve then cuts it off and kills the worker


def test_a_worker_cut_off_gets_nothing_more_and_its_reader_returns(engine):
    server, channel, worker = engine
    reader = threading.Thread(target=server._read, args=(channel,))
    reader.start()
    channel.cut_off()
    reader.join(5)
    assert not reader.is_alive() and channel.cut
    channel.send(["answers", [(1, 201, {})]])  # a no-op now
    with pytest.raises(EOFError):  # the worker's end sees the channel closed, and no answer before that
        worker.conn.recv_bytes()


def test_a_worker_that_reads_nothing_stalls_nobody_and_is_cut_off(engine, monkeypatch):
    """Answers wait in the channel's queue, written by its own thread: sending never blocks the engine's threads, and
    past MAX_BACKLOG bytes the worker is cut off (the sender's blocked write returns)."""
    _, channel, _ = engine
    monkeypatch.setattr("strikeforge.settlement.relay.MAX_BACKLOG", 4 * 1024 * 1024)
    big = ["answers", [(i, 400, {"error": "x" * 1_000}) for i in range(100)]]  # ~100 KB each
    started = time.monotonic()
    for _ in range(60):  # 6 MB: far more than the socket pair holds, more than the backlog allows
        channel.send(big)
    assert time.monotonic() - started < 2.0
    assert channel.cut


def test_a_body_the_engine_cannot_read_is_the_clients_error_not_the_workers(engine):
    """Client input the worker passes on verbatim (it is the client's JSON object) never cuts the worker off."""
    server, channel, worker = engine
    bodies = [[6, "[1]"], [7, json.dumps({"account": ["x"]})], [8, json.dumps({"buy": {"a": 1}})], [5, "{x"]]
    worker.conn.send_bytes(json.dumps(["orders", bodies]).encode())
    signed = json.dumps(order(A, 1, False, WAD, 100, 1).to_json())
    worker.conn.send_bytes(json.dumps(["orders", [[9, signed]]]).encode())
    socket.socket(fileno=os.dup(worker.conn.fileno())).shutdown(socket.SHUT_WR)  # the worker writes no more
    assert server._read(channel) is False  # read to the end of the channel: no message was malformed
    answers = {request: status for request, status, _ in worker.answers(5)}
    assert answers == {5: 400, 6: 400, 7: 400, 8: 400, 9: 201}


# ------------------------------------------------------------------------------------------------ processes


def test_a_worker_that_dies_is_replaced(relay):
    first = relay._procs[0]
    os.kill(first.pid, signal.SIGKILL)
    first.join(10)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if relay._procs[0] is not first and relay._procs[0].is_alive():
            break
        time.sleep(0.1)
    assert relay._procs[0] is not first
    assert _post(relay.server_address, order(A, 1, False, WAD, 100, 1).to_json())[0] == 201


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("seed", [1, 2])
def test_kill_9_of_the_engine_under_load_loses_no_acknowledged_order(tmp_path, seed):
    """Eight connections send orders through the worker; the engine is killed with -9 at a random moment. Every order
    acknowledged (201) is in the store, which is whole (fills add up, books rebuild), and the worker exits with the
    engine instead of taking connections it can no longer answer."""
    db = tmp_path / "s.db"
    engine = subprocess.Popen(
        [sys.executable, "-m", "tests.settlement.relay_child", str(db)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert engine.stdout is not None
    line = engine.stdout.readline()
    assert "sequencer API on http://" in line, line
    host, port = line.rsplit("//", 1)[1].strip().split(":")
    workers = _children(engine.pid)
    assert workers, "no API worker process"
    rng = random.Random(seed)
    acked: set[tuple[int, str]] = set()
    stop = threading.Event()

    def send(key_index: int) -> None:
        key = KEYS[key_index]
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        local = random.Random(seed * 100 + key_index)
        for nonce in range(1, 10_000):
            if stop.is_set():
                return
            side, price = local.random() < 0.5, local.randint(98, 102)
            signed = order(key, local.randint(1, 2), side, WAD, price, nonce, expiry=2**40)  # the engine's clock is now
            try:
                status, _ = _request(conn, signed.to_json())
            except (OSError, http.client.HTTPException, ValueError):
                return
            if status == 201:
                acked.add((nonce, key.address.lower()))

    threads = [threading.Thread(target=send, args=(i % 4,)) for i in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(rng.uniform(0.5, 1.5))
    os.kill(engine.pid, signal.SIGKILL)
    engine.wait()
    stop.set()
    for thread in threads:
        thread.join(15)
    deadline = time.monotonic() + 15
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in workers), "an API worker outlived its engine"
    assert len(acked) > 20
    check_store(db, acked)


def _request(conn: http.client.HTTPConnection, body: dict) -> tuple[int, dict]:
    conn.request("POST", "/orders", body=json.dumps(body), headers={"Content-Type": "application/json"})
    response = conn.getresponse()
    return response.status, json.loads(response.read())
