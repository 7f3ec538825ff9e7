"""The sequencer API's HTTP front: aiohttp (HTTP/1.1 keep-alive, a C request parser) on an event loop, in process or
in worker processes.

`HttpFront` reads requests, enforces the body limits and answers in the API's JSON; what a request gets is its
`Backend`'s: `post_order` for `POST /orders` (the fast path: checked, matched and stored by the intake's group commit,
answered once durable) and `call` for every other route (`Api.handle`, which takes the sequencer's lock). Two backends:
`LocalBackend` here (the intake and a thread pool in this process: `ApiServer`, what `serve(api, host, port)` starts),
and the relay's (`relay.py`: worker processes that parse and check signatures on their own cores and hand the engine
verified orders). Requests, answers and error shapes are the API's (`api.py`); the listen backlog is BACKLOG (the
kernel caps it at net.core.somaxconn).
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from aiohttp import web

from strikeforge.settlement.api import MAX_BODY, Api, order_answer
from strikeforge.settlement.intake import Intake, Result
from strikeforge.settlement.orders import Order, OrderError
from strikeforge.settlement.sequencer import ScreenedError

log = logging.getLogger("strikeforge.settle.api")
BACKLOG = 4096
BODY_TIMEOUT = 30.0  # seconds a request's body may take to arrive once its headers did (slow clients hold no request)
INTERNAL = {"error": "internal error; see the sequencer's log"}


class Backend(Protocol):
    """What answers the front's requests (status, JSON payload). `body` is the request's JSON object (None without
    a body), `raw` the bytes it was parsed from (a backend that passes the body on passes those, not a re-encoding)."""

    async def post_order(self, body: dict[str, Any], raw: bytes) -> tuple[int, Any]: ...

    async def call(self, method: str, path: str, body: dict[str, Any] | None, raw: bytes | None) -> tuple[int, Any]: ...


def listening_socket(host: str, port: int) -> socket.socket:
    """The API's listening socket (port 0: any free port), with the front's backlog."""
    return socket.create_server((host, port), backlog=BACKLOG)


def post_order_answer(api: Api, result: Result | BaseException) -> tuple[int, Any]:
    """What `POST /orders` answers for the intake's result, counted in the API's metrics as `Api.handle` counts its
    routes. A failed write (any other exception: logged where it happened) is a 500 and is not counted."""
    if isinstance(result, BaseException) and not isinstance(result, OrderError):
        return 500, INTERNAL
    screened = isinstance(result, ScreenedError)
    if isinstance(result, OrderError):
        status, payload = (403 if screened else 400), {"error": str(result)}
    else:
        status, payload = order_answer(*result)
    if api.on_request is not None:
        api.on_request("post_order", status, screened)
    return status, payload


class HttpFront:
    """aiohttp on the running event loop, answering from `backend`."""

    def __init__(self, backend: Backend, body_timeout: float | None = None) -> None:
        self.backend = backend
        self.body_timeout = body_timeout  # None: BODY_TIMEOUT as it is when a request comes
        self._runner: web.ServerRunner | None = None

    async def start(self, sock: socket.socket) -> None:
        self._runner = web.ServerRunner(web.Server(self._handle, access_log=None))
        await self._runner.setup()
        await web.SockSite(self._runner, sock, backlog=BACKLOG).start()

    async def stop(self) -> None:
        """Stops taking connections and waits for the requests already taken to be answered."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.BaseRequest) -> web.Response:
        method = request.method
        path = request.raw_path.split("?")[0].rstrip("/") or "/"
        body: dict[str, Any] | None = None
        raw: bytes | None = None
        if method == "POST":
            length = request.content_length or 0
            if length > MAX_BODY:
                return _closing(413, {"error": f"body: {length} bytes; the limit is {MAX_BODY}"})
            timeout = BODY_TIMEOUT if self.body_timeout is None else self.body_timeout
            try:
                raw = await _read_body(request, timeout)
            except TimeoutError:
                return _closing(408, {"error": f"body: not received within {timeout} s; send the whole body at once"})
            if raw is None:
                return _closing(413, {"error": f"body: over the limit of {MAX_BODY} bytes"})
            parsed = parse_body(raw)
            if isinstance(parsed, str):
                return _send(400, {"error": parsed})
            body = parsed
        try:
            if method == "POST" and path == "/orders":
                status, payload = await self.backend.post_order(body or {}, raw or b"{}")
            else:
                status, payload = await self.backend.call(method, path, body, raw)
        except Exception:
            log.exception("%s %s failed", method, path)
            status, payload = 500, INTERNAL
        return _send(status, payload)


class LocalBackend:
    """The API in this process: orders through the intake's group commit, other routes on a thread pool."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self.intake = Intake(api.seq, api.clock)
        self._workers = ThreadPoolExecutor(max_workers=4, thread_name_prefix="settle-api")

    async def post_order(self, body: dict[str, Any], raw: bytes) -> tuple[int, Any]:
        """`Api.post_order` through the group commit: the same answers, refusals and metrics."""
        try:
            result: Result = await self.intake.submit(Order.from_json(body))  # a failed write raises: a 500
        except OrderError as exc:
            result = exc
        return post_order_answer(self.api, result)

    async def call(self, method: str, path: str, body: dict[str, Any] | None, raw: bytes | None) -> tuple[int, Any]:
        return await asyncio.get_running_loop().run_in_executor(self._workers, self.api.handle, method, path, body)

    def close(self) -> None:
        self.intake.close()
        self._workers.shutdown(wait=False)


class ApiServer:
    """The API served in this process on a daemon thread until `shutdown()`; `server_address` is (host, bound
    port)."""

    def __init__(self, api: Api, host: str, port: int) -> None:
        self.api = api
        self.backend = LocalBackend(api)
        self.intake = self.backend.intake
        self.front = HttpFront(self.backend)
        self._loop = asyncio.new_event_loop()
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
            sock = listening_socket(host, port)
            self.server_address: tuple[str, int] = sock.getsockname()[:2]
            self._loop.run_until_complete(self.front.start(sock))
        except BaseException as exc:  # e.g. the port is taken: raised in the caller's thread
            failure.append(exc)
            started.set()
            return
        started.set()
        self._loop.run_forever()

    def shutdown(self) -> None:
        """Stops taking connections, answers the orders already taken, then stops the loop and the intake."""
        asyncio.run_coroutine_threadsafe(self.front.stop(), self._loop).result(timeout=30)
        self.backend.close()
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=30)


def _send(status: int, payload: Any) -> web.Response:
    return web.Response(status=status, body=json.dumps(payload).encode(), content_type="application/json")


def _closing(status: int, payload: Any) -> web.Response:
    """An answer after which the connection is closed (the rest of the request's body is not read)."""
    response = _send(status, payload)
    response.force_close()
    return response


async def _read_body(request: web.BaseRequest, timeout: float) -> bytes | None:
    """The request's body, None if it is over MAX_BODY (chunked bodies have no Content-Length to refuse up front);
    TimeoutError if it is not all there within `timeout` seconds (a body that already arrived is read without a
    timer)."""
    stream = request.content
    if stream.is_eof():
        raw = await stream.read()
        return raw if len(raw) <= MAX_BODY else None
    chunks: list[bytes] = []
    size = 0
    async with asyncio.timeout(timeout):
        while chunk := await stream.read(MAX_BODY + 1 - size):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BODY:
                return None
    return b"".join(chunks)


def parse_body(raw: bytes) -> dict[str, Any] | str:
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
