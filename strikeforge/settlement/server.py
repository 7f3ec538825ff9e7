"""The sequencer API's HTTP server: aiohttp (HTTP/1.1 keep-alive, a C request parser) on an event loop thread.

Orders (`POST /orders`) take the fast path: parsed on the event loop, then checked, matched and stored by the intake's
group commit (`intake.py`), and answered once durable. Every other route runs `Api.handle` on a worker thread (it
takes the sequencer's lock and reads the store). Requests, answers and error shapes are the API's
(`api.py`); the listen backlog is BACKLOG (the kernel caps it at net.core.somaxconn).
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from aiohttp import web

from strikeforge.settlement.api import MAX_BODY, Api, order_answer
from strikeforge.settlement.intake import Intake
from strikeforge.settlement.orders import Order, OrderError
from strikeforge.settlement.sequencer import ScreenedError

log = logging.getLogger("strikeforge.settle.api")
BACKLOG = 4096
BODY_TIMEOUT = 30.0  # seconds a request's body may take to arrive once its headers did (slow clients hold no request)
_INTERNAL = {"error": "internal error; see the sequencer's log"}


class ApiServer:
    """The API served on a daemon thread until `shutdown()`; `server_address` is (host, bound port)."""

    def __init__(self, api: Api, host: str, port: int) -> None:
        self.api = api
        self.intake = Intake(api.seq, api.clock)
        self._workers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="settle-api")
        self._loop = asyncio.new_event_loop()
        self._runner: web.ServerRunner | None = None
        started = threading.Event()
        failure: list[BaseException] = []
        self._thread = threading.Thread(
            target=self._run, args=(host, port, started, failure), name="settle-api", daemon=True
        )
        self._thread.start()
        started.wait()
        if failure:
            raise failure[0]

    def _run(self, host: str, port: int, started: threading.Event, failure: list[BaseException]) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._start(host, port))
        except BaseException as exc:  # e.g. the port is taken: raised in the caller's thread
            failure.append(exc)
            started.set()
            return
        started.set()
        self._loop.run_forever()

    async def _start(self, host: str, port: int) -> None:
        sock = socket.create_server((host, port), backlog=BACKLOG)
        self.server_address: tuple[str, int] = sock.getsockname()[:2]
        self._runner = web.ServerRunner(web.Server(self._handle, access_log=None))
        await self._runner.setup()
        await web.SockSite(self._runner, sock, backlog=BACKLOG).start()

    def shutdown(self) -> None:
        """Stops taking connections, answers the orders already taken, then stops the loop and the intake."""
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=30)
        self.intake.close()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)
        self._workers.shutdown(wait=False)

    async def _handle(self, request: web.BaseRequest) -> web.Response:
        method = request.method
        path = request.raw_path.split("?")[0].rstrip("/") or "/"
        body: dict[str, Any] | None = None
        if method == "POST":
            length = request.content_length or 0
            if length > MAX_BODY:
                return _closing(413, {"error": f"body: {length} bytes; the limit is {MAX_BODY}"})
            try:
                raw = await _read_body(request)
            except TimeoutError:
                return _closing(
                    408, {"error": f"body: not received within {BODY_TIMEOUT} s; send the whole body at once"}
                )
            if raw is None:
                return _closing(413, {"error": f"body: over the limit of {MAX_BODY} bytes"})
            parsed = _parse(raw)
            if isinstance(parsed, str):
                return _send(400, {"error": parsed})
            body = parsed
        try:
            if method == "POST" and path == "/orders":
                status, payload = await self._post_order(body or {})
            else:
                loop = asyncio.get_running_loop()
                status, payload = await loop.run_in_executor(self._workers, self.api.handle, method, path, body)
        except Exception:
            log.exception("%s %s failed", method, path)
            status, payload = 500, _INTERNAL
        return _send(status, payload)

    async def _post_order(self, body: dict[str, Any]) -> tuple[int, Any]:
        """`Api.post_order` through the group commit: the same answers, refusals and metrics."""
        screened = False
        try:
            result = await self.intake.submit(Order.from_json(body))
            if isinstance(result, OrderError):
                raise result
            status, payload = order_answer(*result)
        except OrderError as exc:
            screened = isinstance(exc, ScreenedError)
            status, payload = (403 if screened else 400), {"error": str(exc)}
        if self.api.on_request is not None:
            self.api.on_request("post_order", status, screened)
        return status, payload


def _send(status: int, payload: Any) -> web.Response:
    return web.Response(status=status, body=json.dumps(payload).encode(), content_type="application/json")


def _closing(status: int, payload: Any) -> web.Response:
    """An answer after which the connection is closed (the rest of the request's body is not read)."""
    response = _send(status, payload)
    response.force_close()
    return response


async def _read_body(request: web.BaseRequest) -> bytes | None:
    """The request's body, None if it is over MAX_BODY (chunked bodies have no Content-Length to refuse up front);
    TimeoutError if it is not all there within BODY_TIMEOUT (a body that already arrived is read without a timer)."""
    stream = request.content
    if stream.is_eof():
        raw = await stream.read()
        return raw if len(raw) <= MAX_BODY else None
    chunks: list[bytes] = []
    size = 0
    async with asyncio.timeout(BODY_TIMEOUT):
        while chunk := await stream.read(MAX_BODY + 1 - size):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BODY:
                return None
    return b"".join(chunks)


def _parse(raw: bytes) -> dict[str, Any] | str:
    """The body as a JSON object, or the API's error for it (everything json.loads raises is the client's input)."""
    try:
        body = json.loads(raw or b"{}")
    except json.JSONDecodeError as exc:
        return f"body: not JSON ({exc.msg}); send a JSON object"
    except UnicodeDecodeError:
        return "body: not UTF-8 text; send a JSON object"
    except ValueError:  # int() refuses numbers of more than sys.get_int_max_str_digits() digits
        return f"body: not JSON (a number of more than {sys.get_int_max_str_digits()} digits); send a JSON object"
    except RecursionError:
        return "body: not JSON (nested too deeply); send a JSON object"
    if not isinstance(body, dict):
        return "body: send a JSON object"
    return body
