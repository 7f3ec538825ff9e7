"""`strikeforge chain start|status|stop|reset` in a project of its own (its ape-config.yaml puts the chain on a free
port), and the one line a command pointed at `ethereum:local:node` gives when no chain runs."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from strikeforge.chain_cli import chain
from strikeforge.rpc import RpcError, check_local_chain

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder whose local node is on a free port; node_modules is the checkout's (anvil lives there)."""
    port = _free_port()
    (tmp_path / "ape-config.yaml").write_text(
        f"node:\n  ethereum:\n    local:\n      uri: http://127.0.0.1:{port}\n      chain_id: 31337\n"
    )
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    monkeypatch.chdir(tmp_path)
    yield tmp_path, port
    pid = tmp_path / ".cache" / "chain" / "anvil.pid"
    if pid.is_file():
        with contextlib.suppress(OSError, ValueError):
            os.kill(int(pid.read_text()), signal.SIGKILL)


def run(*args: str):
    return CliRunner().invoke(chain, list(args), catch_exceptions=False)


def test_status_of_a_stopped_chain_exits_1_and_says_make_chain(project):
    result = run("status")
    assert result.exit_code == 1
    assert "chain: not running" in result.output and "`make chain`" in result.output


def test_start_status_stop_and_start_again_keep_the_genesis(project):
    root, port = project
    started = run("start")
    assert started.exit_code == 0, started.output
    assert f"chain: http://127.0.0.1:{port} (pid " in started.output and "block 0" in started.output
    genesis = started.output.split("genesis ", 1)[1].split(")", 1)[0]
    assert run("status").exit_code == 0
    assert run("start").exit_code == 0  # already running: a no-op
    stopped = run("stop")
    assert stopped.exit_code == 0 and "state saved" in stopped.output
    assert (root / ".cache" / "chain" / "state.json").stat().st_size > 0
    again = run("start")
    assert f"genesis {genesis})" in again.output
    assert run("stop").exit_code == 0
    assert "not running" in run("stop").output


def test_reset_refuses_a_running_chain_then_forgets_the_stopped_one_and_its_manifest(project):
    root, _ = project
    assert run("start").exit_code == 0
    refused = run("reset")
    assert refused.exit_code == 1 and "the chain is running: `make chain-stop` first" in refused.output
    assert run("stop").exit_code == 0
    manifest = root / ".cache" / "deployments" / "ethereum-local-node.json"
    manifest.parent.mkdir(parents=True)
    manifest.write_text("{}")
    assert run("reset").exit_code == 0
    assert not (root / ".cache" / "chain" / "state.json").exists()
    assert not manifest.exists() and manifest.with_suffix(".json.old").exists()
    fresh = run("start")
    assert "block 0" in fresh.output
    assert run("stop").exit_code == 0


def test_a_command_on_the_local_node_with_no_chain_says_make_chain(project):
    root, port = project
    with pytest.raises(RpcError) as error:
        check_local_chain("ethereum:local:node", root)
    assert str(error.value) == (
        f"--network ethereum:local:node: no chain at http://127.0.0.1:{port}; start the project's local chain with"
        " `make chain` (or use ethereum:local:foundry for a throwaway one)"
    )
    check_local_chain("ethereum:local:foundry", root)  # other networks are not its business
