"""The persistent local chain's pid bookkeeping (strikeforge/localchain.py): a pid file names a process only while that
process is this chain's anvil. A stale pid file whose pid now belongs to another program is never signalled, and an
anvil whose pid file was lost (a concurrent `make chain` overwrote, then removed it) is still found, so `reset` does
not delete the state file under a running chain (anvil rewrites it every 10 s) and `stop` stops it."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from strikeforge.localchain import ChainError, ChainPaths, reset, start, status, stop

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _alive(pid: int) -> bool:
    """Running (a zombie, exited but not yet reaped by its parent, counts as gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def stranger():
    """Another program of ours, whose pid a stale pid file may name (pids are reused)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    yield process
    process.kill()
    process.wait()


def test_stop_never_signals_a_process_that_reused_a_stale_pid(tmp_path, stranger):
    paths = ChainPaths(tmp_path)
    paths.pid.write_text(f"{stranger.pid}\n")  # the chain died long ago (kill -9, a reboot); its pid was reused
    assert stop(paths, wait=5) is False
    time.sleep(0.2)
    assert stranger.poll() is None and _alive(stranger.pid)  # not killed
    assert not paths.pid.exists()  # the stale file is gone


def test_a_reused_pid_is_not_a_running_chain(tmp_path, stranger):
    paths = ChainPaths(tmp_path)
    paths.pid.write_text(f"{stranger.pid}\n")
    assert status(paths, _free_port()).running is False
    paths.state.write_text("{}")
    reset(paths)  # not refused: no chain runs
    assert not paths.state.exists()


@pytest.fixture
def chain_without_pid_file(tmp_path):
    """An anvil started by `start`, whose pid file was then lost; killed at the end whatever happens."""
    paths = ChainPaths(tmp_path / "chain")
    now = start(ROOT, paths, _free_port(), wait=30)
    assert now.running and now.pid is not None
    paths.pid.unlink()
    yield paths, now.pid
    with contextlib.suppress(OSError):
        os.kill(now.pid, signal.SIGKILL)


def test_a_running_chain_whose_pid_file_was_lost_is_still_found(chain_without_pid_file):
    paths, pid = chain_without_pid_file
    time.sleep(0.5)
    assert paths.state.parent.is_dir()
    with pytest.raises(ChainError, match="the chain is running"):
        reset(paths)  # anvil would write the state file again within 10 s: the reset would silently not happen
    assert status(paths).pid == pid
    assert stop(paths, wait=30) is True
    assert not _alive(pid)
