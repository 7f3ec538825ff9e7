"""The project's persistent local chain (`make chain`, `make chain-stop`): one anvil in the background that outlives
the commands using it, with its state saved to disk and reloaded on the next start.

Ape reaches it as `ethereum:local:node` (ape-config.yaml: `node.ethereum.local.uri`, chain id 31337), so every command
(deploy, demo, the services, index, statement, reconcile, sentinel) can be pointed at the same chain in turn.
`ethereum:local:foundry` stays what it was: a throwaway anvil per command, for tests and one-shot demos.

The chain keeps the last KEPT_STATES blocks' state in memory (`--prune-history N` writes nothing under the anvil home)
and saves the latest state on exit and every STATE_INTERVAL seconds; `--save-history` also saves the kept states
(costly: README, "A local chain that stays up"). The tools that read past blocks fall back to the latest state when
a block's state is gone.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

HOST = "127.0.0.1"
PORT = 8545  # the default; ape-config.yaml's node.ethereum.local.uri decides (configured_port)
CHAIN_ID = 31337
NETWORK = "ethereum:local:node"
# Block states kept in memory for reads at past blocks. Older blocks' state is gone: the tools that read the past
# fall back to the latest state (README, "A local chain that stays up").
KEPT_STATES = 256
# anvil writes the state file on exit and every this many seconds, so a kill -9 loses at most this much.
STATE_INTERVAL = 10


class ChainError(RuntimeError):
    """The local chain cannot be started, stopped or reached; the message names the fix."""


@dataclass(frozen=True)
class ChainPaths:
    """Where the chain keeps its pid, log and state: `<root>/.cache/chain/` unless given."""

    folder: Path

    @property
    def pid(self) -> Path:
        return self.folder / "anvil.pid"

    @property
    def log(self) -> Path:
        return self.folder / "anvil.log"

    @property
    def state(self) -> Path:
        return self.folder / "state.json"


def default_paths(root: Path) -> ChainPaths:
    return ChainPaths(root / ".cache" / "chain")


def configured_url(root: Path) -> str:
    """The URL Ape's `ethereum:local:node` connects to (ape-config.yaml `node.ethereum.local.uri`)."""
    import yaml

    path = root / "ape-config.yaml"
    config = (yaml.safe_load(path.read_text()) if path.is_file() else None) or {}
    local = ((config.get("node") or {}).get("ethereum") or {}).get("local") or {}
    return str(local.get("uri") or f"http://{HOST}:{PORT}")


def configured_port(root: Path) -> int:
    """The port of configured_url; the chain always listens on 127.0.0.1."""
    from urllib.parse import urlparse

    parsed = urlparse(configured_url(root))
    if parsed.hostname not in (HOST, "localhost"):
        raise ChainError(f"ape-config.yaml node.ethereum.local.uri: {configured_url(root)} is not on {HOST}")
    return parsed.port or PORT


def listening(host: str, port: int, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections at host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def rpc(url: str, method: str, params: list[object] | None = None, timeout: float = 5.0) -> object:
    """One JSON-RPC call; raises ChainError naming the URL when it fails."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []}).encode()
    request = urllib.request.Request(url, body, {"Content-Type": "application/json"})  # noqa: S310 (local http)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer = json.loads(response.read())
    except (OSError, ValueError) as exc:
        raise ChainError(f"{url}: {method} failed ({exc})") from None
    if "error" in answer:
        raise ChainError(f"{url}: {method} failed ({answer['error'].get('message')})")
    return answer["result"]


def _command_line(pid: int) -> list[str]:
    """The process's arguments (/proc; empty when it is gone, a zombie, or not readable)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _is_chain(pid: int, paths: ChainPaths) -> bool:
    """`pid` runs anvil on this chain's state file. A pid file outlives its process (kill -9, a reboot) and the pid is
    then reused by any program: only this tells the chain from it, before it is signalled."""
    args = _command_line(pid)
    if not args or Path(args[0]).name != "anvil":
        return False
    return any(flag == "--state" and value == str(paths.state) for flag, value in pairwise(args))


def _pid(paths: ChainPaths) -> int | None:
    """The running chain's pid: the pid file's if that process is the chain's anvil, else any anvil on the chain's
    state file (a pid file can be lost: a second `make chain` racing the first overwrites it, then removes it when its
    own anvil cannot bind the port)."""
    try:
        pid = int(paths.pid.read_text().strip())
    except (OSError, ValueError):
        pid = None
    if pid is not None and _is_chain(pid, paths):
        return pid
    try:
        running = sorted(int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit())
    except OSError:
        return None
    return next((candidate for candidate in running if _is_chain(candidate, paths)), None)


def anvil_executable(root: Path) -> Path:
    """The npm anvil (the project's launcher would add --prune-history with no states kept)."""
    binary = root / "node_modules" / "@foundry-rs" / "anvil-linux-amd64" / "bin" / "anvil"
    if not binary.is_file():
        raise ChainError(f"anvil not found at {binary}: run `make install`")
    return binary


def command(
    root: Path, paths: ChainPaths, port: int, history: int = KEPT_STATES, save_history: bool = False
) -> list[str]:
    """anvil's command line. `save_history` also writes the kept states into the state file (so past reads survive a
    restart), at about 0.9 MB of file per block with the protocol deployed (README), rewritten every STATE_INTERVAL
    seconds."""
    return [
        str(anvil_executable(root)),
        "--host",
        HOST,
        "--port",
        str(port),
        "--chain-id",
        str(CHAIN_ID),
        "--state",
        str(paths.state),
        "--state-interval",
        str(STATE_INTERVAL),
        *(["--preserve-historical-states"] if save_history else []),
        "--prune-history",
        str(history),
    ]


@dataclass(frozen=True)
class ChainStatus:
    running: bool
    pid: int | None
    url: str
    block: int | None
    genesis: str | None
    state_bytes: int


def status(paths: ChainPaths, port: int = PORT) -> ChainStatus:
    url = f"http://{HOST}:{port}"
    pid = _pid(paths)
    block = genesis = None
    if pid is not None and listening(HOST, port):
        block = int(str(rpc(url, "eth_blockNumber")), 16)
        header = rpc(url, "eth_getBlockByNumber", ["0x0", False])
        genesis = str(header["hash"]) if isinstance(header, dict) else None
    size = paths.state.stat().st_size if paths.state.is_file() else 0
    return ChainStatus(pid is not None, pid, url, block, genesis, size)


def start(
    root: Path,
    paths: ChainPaths,
    port: int = PORT,
    wait: float = 30.0,
    history: int = KEPT_STATES,
    save_history: bool = False,
) -> ChainStatus:
    """Starts the chain in the background (reloading its saved state, if any); a no-op when it already runs."""
    if (running := _pid(paths)) is not None:
        paths.pid.write_text(f"{running}\n")
        return status(paths, port)
    if listening(HOST, port):
        raise ChainError(
            f"something else listens on {HOST}:{port} (no chain started by `make chain` there): stop it, or start"
            f" change the port in ape-config.yaml's node.ethereum.local.uri"
        )
    paths.folder.mkdir(parents=True, exist_ok=True)
    home = paths.folder / "home"  # anvil's own files (none are expected with --prune-history) stay in the project
    home.mkdir(exist_ok=True)
    with paths.log.open("ab") as log:
        process = subprocess.Popen(
            command(root, paths, port, history, save_history),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, "HOME": str(home)},
            start_new_session=True,  # outlives the command that started it, and Ctrl-C in that terminal
        )
    paths.pid.write_text(f"{process.pid}\n")
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if process.poll() is not None:
            paths.pid.unlink(missing_ok=True)
            tail = paths.log.read_text(errors="replace").strip().splitlines()[-1:] if paths.log.is_file() else []
            raise ChainError(f"anvil exited at start ({'; '.join(tail) or 'no output'}); see {paths.log}")
        if listening(HOST, port):
            return status(paths, port)
        time.sleep(0.1)
    stop(paths)
    raise ChainError(f"anvil did not listen on {HOST}:{port} within {wait:.0f} s; see {paths.log}")


def stop(paths: ChainPaths, wait: float = 60.0) -> bool:
    """Stops the chain; anvil writes its state file on the way out. False when it was not running."""
    pid = _pid(paths)
    if pid is None:
        paths.pid.unlink(missing_ok=True)
        return False
    with contextlib.suppress(ProcessLookupError):  # it exited in between
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        if not _is_chain(pid, paths):  # gone (or a zombie its starter has not reaped: exited all the same)
            break
        time.sleep(0.1)
    else:
        raise ChainError(f"anvil (pid {pid}) did not stop within {wait:.0f} s; its state may not be saved")
    paths.pid.unlink(missing_ok=True)
    return True


def reset(paths: ChainPaths) -> None:
    """Forgets the chain: its state file (the chain must be stopped)."""
    if _pid(paths) is not None:
        raise ChainError("the chain is running: `make chain-stop` first")
    paths.state.unlink(missing_ok=True)


def support_anvil_under_node() -> None:
    """Lets Ape's `node` provider drive anvil's test methods: eth-ape 0.8.51's GethDev snapshots by block number and
    restores with geth's `debug_setHead`, and refuses `mine` and `set_timestamp`, none of which anvil serves. On a
    node whose client is anvil (the persistent chain) these go to anvil's `evm_snapshot`, `evm_revert`, `anvil_mine`
    and `evm_setNextBlockTimestamp`, as ape-foundry does; against geth nothing changes. Idempotent."""
    from ape_node.provider import GethDev

    if getattr(GethDev, "_strikeforge_anvil", False):
        return
    original = {name: getattr(GethDev, name) for name in ("snapshot", "restore", "set_timestamp", "mine")}

    def is_anvil(provider: GethDev) -> bool:
        try:
            return str(provider.web3.client_version).lower().startswith("anvil")
        except Exception:  # not connected: the original behaviour decides
            return False

    def snapshot(self: GethDev) -> object:
        return self.make_request("evm_snapshot", []) if is_anvil(self) else original["snapshot"](self)

    def restore(self: GethDev, snapshot_id: object) -> object:
        if not is_anvil(self):
            return original["restore"](self, snapshot_id)
        return self.make_request("evm_revert", [hex(snapshot_id) if isinstance(snapshot_id, int) else snapshot_id])

    def set_timestamp(self: GethDev, new_timestamp: int) -> None:
        if not is_anvil(self):
            return original["set_timestamp"](self, new_timestamp)
        self.make_request("evm_setNextBlockTimestamp", [int(new_timestamp)])
        return None

    def mine(self: GethDev, num_blocks: int = 1) -> None:
        if not is_anvil(self):
            return original["mine"](self, num_blocks)
        self.make_request("anvil_mine", [hex(int(num_blocks))])
        return None

    GethDev.snapshot = snapshot  # type: ignore[method-assign]
    GethDev.restore = restore  # type: ignore[method-assign]
    GethDev.set_timestamp = set_timestamp  # type: ignore[method-assign]
    GethDev.mine = mine  # type: ignore[method-assign]
    GethDev._strikeforge_anvil = True  # type: ignore[attr-defined]
