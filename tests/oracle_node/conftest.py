"""Fixtures for the oracle node: loopback HTTP price servers, encrypted keystores, and a deployed committee oracle."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from eth_account import Account
from eth_utils import keccak

PASSWORD_ENV = "STRIKEFORGE_TEST_KEYSTORE_PASSWORD"
PASSWORD = "correct horse battery staple"


@dataclass
class Route:
    body: str
    status: int = 200
    delay: float = 0.0


@dataclass
class PriceServer:
    """A real HTTP server on 127.0.0.1 whose responses tests set per path."""

    url: str
    routes: dict[str, Route] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)

    def serve_price(self, path: str, price: str, **extra: object) -> str:
        self.routes[path] = Route(json.dumps({"data": {"price": price, **extra}}))
        return self.url + path


@pytest.fixture
def price_server() -> Iterator[PriceServer]:
    server_state = PriceServer(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            route = server_state.routes.get(self.path)
            server_state.hits[self.path] = server_state.hits.get(self.path, 0) + 1
            if route is None:
                self.send_response(404)
                self.end_headers()
                return
            if route.delay:
                time.sleep(route.delay)
            body = route.body.encode()
            try:
                self.send_response(route.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client timed out first
                pass

        def log_message(self, *args: object) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server_state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield server_state
    httpd.shutdown()
    httpd.server_close()


def signer_keys(count: int) -> list:
    return [Account.from_key(keccak(text=f"node-signer-{i}")) for i in range(count)]


@pytest.fixture
def keystores(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Three encrypted keystores (pbkdf2 with few iterations: a test speed-up, not a production setting)."""
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    paths = []
    for i, account in enumerate(signer_keys(3)):
        path = tmp_path / f"signer-{i}.json"
        path.write_text(json.dumps(Account.encrypt(account.key, PASSWORD, kdf="pbkdf2", iterations=2)))
        paths.append(path)
    return paths


@pytest.fixture
def committee_oracle(project, deployer, weth, usdc):
    """A WETH/USDC SignedPriceOracle whose committee is `signer_keys(4)`, 3 of 4 required, one faulty tolerated (the
    deployed shape); the node holds the first three keys."""
    members = [k.address for k in signer_keys(4)]
    return project.SignedPriceOracle.deploy(
        weth, usdc, 600, 15, 10**18, 10**24, members, 3, 1, deployer, sender=deployer
    )
