"""Prometheus metrics and a health endpoint for every long-running service (oracle node, sequencer, watcher, keeper,
sentinel).

`ServiceMetrics` owns one registry per service with what all services share: ticks, tick errors (RPC failures and
anything else a tick raised; the service logs them and goes on), and the time of the last successful tick. Each service
adds its own metrics through an observer (`strikeforge.ops.observe`). `serve` exposes

    GET /metrics   the Prometheus text format
    GET /health    {"ok", "service", "last_success", "seconds_since_success", "errors", ...}: 200 when the last
                   successful tick is at most `stale_after` seconds old, else 503

on a daemon thread. Metric values are only ever written by the service's own thread; a scrape reads plain numbers.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TypeVar

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest

log = logging.getLogger("strikeforge.metrics")
T = TypeVar("T")
PREFIX = "strikeforge"


class ServiceMetrics:
    """One service's registry, its shared metrics and its health."""

    def __init__(self, service: str, stale_after: float, clock: Callable[[], float] = time.time) -> None:
        self.service = service
        self.stale_after = stale_after
        self.clock = clock
        self.registry = CollectorRegistry()
        self.ticks = self.counter("ticks", "Ticks the service ran (successful or not).")
        self.tick_errors = self.counter(
            "tick_errors", "Ticks that raised, by exception type (RPC errors show as their client's type).", ["error"]
        )
        self.last_success = self.gauge("last_success_timestamp_seconds", "Unix time of the last successful tick.")
        self.started = clock()
        self._last_success: float | None = None
        self._errors = 0
        self._last_error: str | None = None
        self.details: dict[str, Any] = {}  # service-specific facts for /health, set by its observer
        self.url: str | None = None  # where /metrics and /health are served, once they are

    # -- definitions -------------------------------------------------------------------------------------------

    def counter(self, name: str, documentation: str, labels: Iterable[str] = ()) -> Counter:
        metric = Counter(f"{PREFIX}_{name}", documentation, ["service", *labels], registry=self.registry)
        return self._exported(metric, labels)

    def gauge(self, name: str, documentation: str, labels: Iterable[str] = ()) -> Gauge:
        metric = Gauge(f"{PREFIX}_{name}", documentation, ["service", *labels], registry=self.registry)
        return self._exported(metric, labels)

    def _exported(self, metric: T, labels: Iterable[str]) -> T:
        """A metric labelled by service only is exported (at zero) from the start, so absent() and rate() work."""
        if not list(labels):
            metric.labels(self.service)  # type: ignore[attr-defined]
        return metric

    # -- the loop ----------------------------------------------------------------------------------------------

    def run_tick(self, tick: Callable[[], Iterable[T]]) -> list[T]:
        """One tick, counted; an exception is counted by type, logged and swallowed (the next tick retries)."""
        self.ticks.labels(self.service).inc()
        try:
            results = list(tick())
        except Exception as error:  # an RPC error, a node restart, a timeout: the service must outlive them
            kind = type(error).__name__
            self.tick_errors.labels(self.service, kind).inc()
            self._errors += 1
            self._last_error = f"{kind}: {str(error).strip()[:300]}"
            log.error("%s: tick failed (%s); retrying next tick", self.service, self._last_error)
            return []
        now = self.clock()
        self._last_success = now
        self.last_success.labels(self.service).set(now)
        return results

    def health(self) -> dict[str, Any]:
        now = self.clock()
        since = None if self._last_success is None else now - self._last_success
        # Before the first tick the service counts from its start: a service that never succeeds turns unhealthy too.
        age = since if since is not None else now - self.started
        return {
            "ok": age <= self.stale_after,
            "service": self.service,
            "last_success": self._last_success,
            "seconds_since_success": since,
            "stale_after": self.stale_after,
            "errors": self._errors,
            "last_error": self._last_error,
            **self.details,
        }

    def exposition(self) -> bytes:
        return generate_latest(self.registry)


def serve(metrics: ServiceMetrics, host: str, port: int) -> ThreadingHTTPServer:
    """/metrics and /health on a daemon thread; returns the server (`server_address` has the bound port)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0].rstrip("/")
            if path == "/metrics":
                self._send(200, CONTENT_TYPE_LATEST, metrics.exposition())
            elif path == "/health":
                health = metrics.health()
                self._send(200 if health["ok"] else 503, "application/json", json.dumps(health).encode())
            else:
                body = json.dumps({"error": f"path: no GET {self.path}; use /metrics or /health"}).encode()
                self._send(404, "application/json", body)

        def _send(self, status: int, content_type: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            log.debug(format, *args)

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name=f"{metrics.service}-metrics", daemon=True).start()
    return server
