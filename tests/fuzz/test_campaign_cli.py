"""`strikeforge fuzz campaign` from the command line: every campaign the documentation names runs as written, and a
campaign that cannot start (no Redis, a world that cannot deploy) says so in one line, exit 2, never as a finding."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from strikeforge.cli import main
from strikeforge.fuzz.campaign import run_campaign

from .campaign_machines import UndeployableMachine

ROOT = Path(__file__).resolve().parents[2]
STRIKEFORGE = Path(sys.executable).with_name("strikeforge")
EXAMPLE = re.compile(r"strikeforge fuzz campaign\s+(?:\\\s*)?([A-Za-z_][\w.]*:[A-Za-z_]\w*)")
UNDEPLOYABLE = f"{UndeployableMachine.__module__}:{UndeployableMachine.__name__}"


def documented_campaigns() -> list[str]:
    """Every `strikeforge fuzz campaign <module>:<Machine>` in README.md, the Makefile and the command's --help."""
    shown = CliRunner().invoke(main, ["fuzz", "campaign", "--help"], terminal_width=200)
    assert shown.exit_code == 0, shown.output
    texts = [(ROOT / "README.md").read_text(), (ROOT / "Makefile").read_text(), shown.output]
    return sorted({target for text in texts for target in EXAMPLE.findall(text)})


def command(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    """The console script, as a user runs it (from the checkout, without PYTHONPATH)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run(
        [str(STRIKEFORGE), "fuzz", "campaign", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
        env=env,
    )


def test_the_documentation_names_campaigns():
    found = documented_campaigns()
    assert "tests.fuzz.test_vault_invariants:VaultMachine" in found  # README.md and --help
    assert "tests.settlement.test_ledger_adversarial:AdversarialLedgerMachine" in found  # the Makefile's fuzz-ci


@pytest.mark.parametrize("target", documented_campaigns())
def test_every_documented_campaign_runs_from_the_command_line(target, tmp_path):
    done = command(target, "--workers", "1", "--examples", "2", "--steps", "5", "--database", str(tmp_path / "db"))
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert f"{target}: 1 workers, " in done.stdout and "found:" not in output and "Traceback" not in output


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens here once the socket is closed


def test_an_unreachable_redis_is_one_line_and_exit_2_before_any_worker_starts():
    url = f"redis://127.0.0.1:{_closed_port()}/0"
    done = command("tests.fuzz.campaign_machines:SoundTokenMachine", "--database", url, timeout=120)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    expected = f"Error: --database {url}: cannot connect (Connection refused); start redis-server or use a directory"
    assert errors == [expected]
    assert "found" not in output and "failure" not in output.lower() and "Traceback" not in output
    assert "workers," not in output  # no worker ran


def test_a_database_directory_that_cannot_be_created_is_one_line(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    done = CliRunner().invoke(main, ["fuzz", "campaign", UNDEPLOYABLE, "--database", str(blocker / "db")])
    assert done.exit_code == 2, done.output
    assert f"Error: --database {blocker / 'db'}: cannot create the directory" in done.output
    assert "pass a writable directory" in done.output and done.exc_info[0] is SystemExit


def test_a_world_that_cannot_deploy_is_a_setup_error_not_a_finding(tmp_path):
    result = run_campaign(UNDEPLOYABLE, workers=1, examples=2, steps=2, database=str(tmp_path / "db"), progress=False)
    assert not result.failed
    (worker,) = result.setup_errors
    assert worker.setup_error.startswith("KeyError") and "NoSuchContract" in worker.setup_error
    done = command(UNDEPLOYABLE, "--workers", "1", "--examples", "2", "--database", str(tmp_path / "db"), timeout=300)
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    (line,) = [line for line in output.splitlines() if line.startswith("Error:")]
    assert f"{UNDEPLOYABLE}: worker 0 could not deploy the machine's contracts (KeyError" in line
    assert "nothing was fuzzed" in line and "found:" not in output and "Traceback" not in output
