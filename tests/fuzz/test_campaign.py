"""Campaigns across worker processes share examples through the example database: a directory, or a real Redis."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis

from strikeforge.fuzz.campaign import load_machine, run_campaign, write_report
from strikeforge.fuzz.errors import RevertError
from strikeforge.fuzz.replay import replay

from .campaign_machines import CappedSupplyMachine, CrashingMachine, SoundTokenMachine

BUGGY = f"{CappedSupplyMachine.__module__}:{CappedSupplyMachine.__name__}"
SOUND = f"{SoundTokenMachine.__module__}:{SoundTokenMachine.__name__}"
CRASHING = f"{CrashingMachine.__module__}:{CrashingMachine.__name__}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    """A real Redis server on loopback, started for the test and stopped after it."""
    server = shutil.which("redis-server")
    assert server, "redis-server is installed by make install (Debian package redis-server)"
    port = _free_port()
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(100):
        try:
            if client.ping():
                break
        except redis.ConnectionError:
            time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("redis-server did not answer PING within 5 s")
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def test_workers_run_in_separate_processes_and_report(tmp_path):
    result = run_campaign(SOUND, workers=2, examples=40, steps=3, database=str(tmp_path / "db"), progress=False)
    assert not result.failed, [w.failure for w in result.workers]
    assert len({w.pid for w in result.workers}) == 2
    assert {w.seed for w in result.workers} == {0, 1}
    assert all(w.examples > 0 and w.handler_calls > 0 and w.evm_calls >= w.handler_calls for w in result.workers)


def test_a_failure_found_by_one_campaign_is_replayed_from_a_directory_database(tmp_path):
    database = str(tmp_path / "db")
    found = run_campaign(BUGGY, workers=2, examples=200, steps=5, database=database, progress=False)
    assert found.failed
    assert any("-> MockERC20.mint(" in note for w in found.workers for note in w.notes)
    assert any((tmp_path / "db").rglob("*")), "the failing example was saved"
    # A later campaign that only replays saved examples (no generation) fails straight away.
    replayed = run_campaign(BUGGY, workers=1, examples=1, steps=5, database=database, reuse_only=True, progress=False)
    assert replayed.failed


def test_a_failure_is_shared_through_redis(redis_url):
    found = run_campaign(BUGGY, workers=2, examples=200, steps=5, database=redis_url, progress=False)
    assert found.failed
    assert redis.Redis.from_url(redis_url).keys("*"), "examples were stored in Redis"
    replayed = run_campaign(BUGGY, workers=1, examples=1, steps=5, database=redis_url, reuse_only=True, progress=False)
    assert replayed.failed


def test_a_worker_that_dies_without_reporting_fails_the_campaign_instead_of_hanging_it(tmp_path):
    result = run_campaign(CRASHING, workers=2, examples=20, steps=2, database=str(tmp_path / "db"), progress=False)
    assert result.failed
    assert [w.worker for w in result.workers] == [0, 1]
    for worker in result.workers:
        assert worker.failure == f"worker {worker.worker} (pid {worker.pid}) exited with code 3 before reporting"


def test_bad_target_is_named():
    with pytest.raises(ValueError, match=r"use package\.module:ClassName"):
        load_machine("tests.fuzz.campaign_machines.CappedSupplyMachine")


def test_command_line_reports_the_failure_and_exits_1(tmp_path):

    strikeforge = Path(sys.executable).with_name("strikeforge")
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [
            str(strikeforge),
            "fuzz",
            "campaign",
            "tests.fuzz.campaign_machines:CappedSupplyMachine",
            "--workers",
            "2",
            "--examples",
            "200",
            "--steps",
            "5",
            "--database",
            str(tmp_path / "db"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=root,
        # No PYTHONPATH: the console script puts the project root on sys.path itself, so `tests.` targets import.
        env={k: v for k, v in __import__("os").environ.items() if k != "PYTHONPATH"},
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "found: AssertionError" in result.stdout
    assert "alice -> MockERC20.mint(alice, " in result.stdout


def test_progress_and_handler_hits_are_reported(tmp_path):
    result = run_campaign(SOUND, workers=1, examples=30, steps=3, database=str(tmp_path / "db"), progress=True)
    worker = result.workers[0]
    assert set(worker.rules) == {"mint"}
    assert worker.rules["mint"] == worker.handler_calls > 0


def test_the_report_times_each_first_break_and_saves_a_replayable_failure_and_its_trace(tmp_path):
    result = run_campaign(BUGGY, workers=1, examples=200, steps=5, database=str(tmp_path / "db"), progress=False)
    assert result.failed
    lines = write_report(result, tmp_path / "reports")
    text = "\n".join(lines)
    assert re.search(r"EVM calls/s over time: 0\.0-[\d.]+ s [\d,]+, ", text), text
    when = re.search(r"invariant capped: ([\d.]+) s into the campaign \(worker 0\), after ([\d,]+) handler calls", text)
    assert when, text
    assert 0 < float(when.group(1)) <= result.seconds
    assert 0 < int(when.group(2).replace(",", "")) <= result.handler_calls
    folder = Path(lines[-1].removeprefix("report: ")).parent
    assert (folder / "report.txt").read_text() == "\n".join(lines[:-1]) + "\n"

    trace = (folder / "failure-1.trace.txt").read_text().splitlines()
    assert trace[0] == f"[Sequence] {BUGGY}, worker 0 (seed 0): invariant capped broke"
    handlers = [line for line in trace if re.fullmatch(r"    mint\(\d+\)", line)]
    sent = [line for line in trace if "-> MockERC20.mint(" in line]
    assert handlers and len(sent) == len(handlers)
    assert all(re.fullmatch(r" {8}alice -> MockERC20\.mint\(alice, \d+\) \[[\d,]+\] -> \(\)", line) for line in sent)
    assert sum(int(re.search(r"\((\d+)\)", line).group(1)) for line in handlers) >= 200_000  # what breaks the cap
    assert trace[-2].startswith("[Failure] invariant capped: AssertionError")
    assert trace[-1].startswith("[Reproduce] @reproduce_failure(")

    # The saved line replays on the engine: the same failure, the same calls.
    replayed = replay(BUGGY, folder / "failure-1.reproduce.txt")
    assert replayed.reproduced and isinstance(replayed.error, AssertionError)
    assert [line.strip() for line in sent] == [line for line in replayed.trace if "-> MockERC20." in line]


def test_an_invariant_that_held_is_reported_as_held(tmp_path):
    result = run_campaign(SOUND, workers=1, examples=20, steps=3, database=str(tmp_path / "db"), progress=False)
    lines = write_report(result, None)
    assert "  invariant supply_is_what_was_minted: held" in lines
    assert not any(line.startswith("saved: ") for line in lines)


def test_trace_lines_show_gas_and_the_result_or_the_revert(chain, token, deployer, alice):
    chain.labels.update({alice.address.lower(): "alice", deployer.address.lower(): "deployer"})
    chain.trace = []
    token.mint(alice, 5, sender=deployer)
    with pytest.raises(RevertError):
        token.transfer(deployer, 6, sender=alice)
    assert token.transfer(deployer, 1, sender=alice) is True
    first, second, third = chain.trace
    assert re.fullmatch(r"deployer -> MockERC20\.mint\(alice, 5\) \[[\d,]+\] -> \(\)", first)
    assert re.fullmatch(
        r"alice -> MockERC20\.transfer\(deployer, 6\) \[[\d,]+\] -> revert: "
        r"ERC20InsufficientBalance\('0x[0-9a-fA-F]{40}', 5, 6\)",
        second,
    )
    assert re.fullmatch(r"alice -> MockERC20\.transfer\(deployer, 1\) \[[\d,]+\] -> True", third)
