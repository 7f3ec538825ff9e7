"""Group commit: orders from many connections matched and stored together, each answered after its commit.

`submit` runs on the event loop: it checks the order's fields and its signature there (`admit`: the C keccak and
libsecp256k1; a refused order is answered at once) and queues it. `enqueue` takes an order checked by `admit`
elsewhere (the relay's engine, `relay.py`) with where its answer goes: a `Sink` and the request's number. One thread,
the committer, takes every order waiting (up to MAX_GROUP) and calls `Sequencer.submit_many`: matched under the
sequencer's lock, written in one transaction, one commit (one fsync). Only when that returns, so when the accepted
orders are durable, are their answers released: all of them with one wake-up of each event loop, one call of each
sink.

While one group commits the next one gathers, so a busier sequencer writes bigger groups rather than more of them.
A refused order gets its own OrderError; if the write fails, every order of the group gets the error and none is
stored (the sequencer reloads its books).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable
from typing import Protocol

from strikeforge.settlement.book import Match
from strikeforge.settlement.orders import Order, OrderError, check_fields
from strikeforge.settlement.sequencer import Sequencer
from strikeforge.settlement.signatures import Verified, verify

log = logging.getLogger("strikeforge.settle.intake")
MAX_GROUP = 512
Result = tuple[int, Match] | OrderError


class Sink(Protocol):
    """Where `enqueue`d orders' answers go: a group's answers for one sink in one call, from the committer thread
    (an exception that is not an OrderError is a failed write: the order is not stored)."""

    def answer(self, answers: list[tuple[int, Result | BaseException]]) -> None: ...


_Waiting = tuple[Verified, "asyncio.Future[Result] | tuple[Sink, int]"]


def admit(order: Order, now: int, domain: tuple[int, str]) -> Verified:
    """The checks an order passes before it is queued, in `Sequencer.submit`'s order: its fields (at `now`), then its
    signature in the ledger's `domain`. OrderError names what is wrong."""
    check_fields(order, now)
    return verify(order, *domain)


class Intake:
    """Orders in from an asyncio event loop (`submit`), answers out once their group is committed."""

    def __init__(self, sequencer: Sequencer, clock: Callable[[], int]) -> None:
        self.seq = sequencer
        self.clock = clock
        self._now = clock()  # the clock when the last group was taken: what `submit` checks expiries against
        self._domain = (sequencer.ledger.chain_id, sequencer.ledger.address)
        self._waiting: queue.SimpleQueue[_Waiting | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._commit_loop, name="settle-commit", daemon=True)
        self._thread.start()

    def submit(self, order: Order) -> asyncio.Future[Result]:
        """From the event loop: the order's (id, match) or its OrderError, once its group is durable. Its fields are
        checked before its signature, as `Sequencer.submit` does (which checks the fields again, at its own now)."""
        answer: asyncio.Future[Result] = asyncio.get_running_loop().create_future()
        try:
            verified = admit(order, self._now, self._domain)
        except OrderError as exc:
            answer.set_result(exc)
            return answer
        self._waiting.put((verified, answer))
        return answer

    @property
    def now(self) -> int:
        """The clock when the last group was taken: what orders' expiries are checked against before they queue."""
        return self._now

    @property
    def domain(self) -> tuple[int, str]:
        """The ledger's signing domain: (chain id, ledger address)."""
        return self._domain

    def enqueue(self, verified: Verified, sink: Sink, request: int) -> None:
        """From any thread: an order whose fields and signature were checked (`admit`), answered through `sink` as
        request `request` once its group is durable."""
        self._waiting.put((verified, (sink, request)))

    def close(self) -> None:
        """Lets the orders already taken finish (their answers are sent), then stops the committer."""
        self._waiting.put(None)
        self._thread.join()

    def _commit_loop(self) -> None:
        stop = False
        while not stop:
            first = self._waiting.get()
            if first is None:
                break
            group = [first]
            while len(group) < MAX_GROUP:
                try:
                    item = self._waiting.get_nowait()
                except queue.Empty:
                    break
                if item is None:
                    stop = True
                    break
                group.append(item)
            self._now = now = self.clock()
            outcome: list[Result] | BaseException
            try:
                outcome = self.seq.submit_many([verified for verified, _ in group], now)
            except Exception as exc:  # the store refused the write: nothing of the group is stored
                log.exception("storing a group of %d orders failed", len(group))
                outcome = exc
            if isinstance(outcome, BaseException):
                _answer_all([(answer, outcome) for _, answer in group])
            else:
                _answer_all([(answer, result) for (_, answer), result in zip(group, outcome, strict=True)])


def _answer_all(answers: list[tuple[asyncio.Future[Result] | tuple[Sink, int], Result | BaseException]]) -> None:
    """Every answer of a group, with one wake-up of each event loop they belong to and one call of each sink."""
    loops: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Result], Result | BaseException]]] = {}
    sinks: dict[int, tuple[Sink, list[tuple[int, Result | BaseException]]]] = {}
    for answer, value in answers:
        if isinstance(answer, tuple):
            sink, request = answer
            sinks.setdefault(id(sink), (sink, []))[1].append((request, value))
        else:
            loops.setdefault(answer.get_loop(), []).append((answer, value))
    for loop, pending in loops.items():
        with contextlib.suppress(RuntimeError):  # the loop closed (the server stopped): nobody waits any more
            loop.call_soon_threadsafe(_settle, pending)
    for sink, sunk in sinks.values():
        try:
            sink.answer(sunk)
        except Exception:  # a sink that fails (its worker is gone) must not stop the committer
            log.exception("answering %d orders failed", len(sunk))


def _settle(pending: list[tuple[asyncio.Future[Result], Result | BaseException]]) -> None:
    for answer, value in pending:
        if answer.done():  # the client went away and its request was cancelled
            continue
        if isinstance(value, BaseException) and not isinstance(value, OrderError):
            answer.set_exception(value)
        else:
            answer.set_result(value)  # type: ignore[arg-type]
