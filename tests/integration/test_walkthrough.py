"""The README's Operations walkthrough, exactly as written, on the persistent local chain (`make chain`).

It runs in a copy of the checkout (tracked and new files, the compiled `.build`, the same `.venv` and `node_modules`)
whose ape-config.yaml puts the chain on a free port, so a developer's own chain on 8545, its state and its manifests
are never touched. The block between `<!-- walkthrough -->` and the end of its fence runs in one bash session
(`set -euo pipefail`), each line announced by a marker so its output can be checked on its own.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- walkthrough -->"


def walkthrough() -> list[str]:
    """The walkthrough's commands, one per entry (backslash continuations joined, comments kept)."""
    text = ROOT.joinpath("README.md").read_text()
    block = text.split(MARKER, 1)[1].split("```bash\n", 1)[1].split("```", 1)[0]
    commands: list[str] = []
    pending = ""
    for line in block.splitlines():
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        commands.append((pending + line).strip())
        pending = ""
    return [c for c in commands if c]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _copy_checkout(target: Path) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for raw in listed:
        if not raw:
            continue
        source = ROOT / raw.decode()
        if not source.is_file():  # deleted in the work tree
            continue
        (target / raw.decode()).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / raw.decode())
    if (ROOT / ".build").is_dir():
        shutil.copytree(ROOT / ".build", target / ".build")
    for shared in (".venv", "node_modules"):
        (target / shared).symlink_to(ROOT / shared)


def _registrations() -> dict[str, str]:
    """The shared .venv's tool registrations that name a project path: the anvil launcher and the solc entries."""
    venv = ROOT / ".venv"
    files = [venv / "bin" / "anvil", *sorted((venv / "solcx").glob("solc-v*"))]
    return {str(path): path.read_text(errors="replace") for path in files if path.is_file()}


@pytest.fixture(scope="module")
def played(tmp_path_factory):
    """The walkthrough played once in a copy of the checkout: {command: its output}, in order."""
    checkout = tmp_path_factory.mktemp("clone")
    _copy_checkout(checkout)
    port = _free_port()
    config = checkout / "ape-config.yaml"
    config.write_text(config.read_text().replace("http://127.0.0.1:8545", f"http://127.0.0.1:{port}"))
    commands = walkthrough()
    script = ["set -euo pipefail"]
    for number, command in enumerate(commands):
        script += [f"echo '@@step {number}'", command]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APE_", "STRIKEFORGE_", "VIRTUAL_ENV", "MAKE"))}
    env["PATH"] = f"{ROOT / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    # The copy shares this checkout's installed .venv through a link, so its `make install` must leave the venv alone
    # (tools/install.sh: a linked .venv belongs to its owner); checked below.
    registered = _registrations()
    try:
        result = subprocess.run(
            ["bash", "-c", "\n".join(script)],
            cwd=checkout,
            env=env,
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:
        pid = checkout / ".cache" / "chain" / "anvil.pid"
        if pid.is_file():  # a failed step left the chain up
            with contextlib.suppress(OSError, ValueError):
                os.kill(int(pid.read_text()), signal.SIGKILL)
    assert _registrations() == registered, "the walkthrough's copy re-registered the shared .venv's tools"
    output = re.split(r"^@@step (\d+)\n", result.stdout, flags=re.M)
    steps = {commands[int(number)]: text for number, text in zip(output[1::2], output[2::2], strict=True)}
    return result, commands, steps, checkout, port


def _step(steps: dict[str, str], start: str, occurrence: int = 0) -> str:
    return [out for command, out in steps.items() if command.startswith(start)][occurrence]


def test_the_readme_has_a_walkthrough_on_the_persistent_chain():
    commands = walkthrough()
    assert commands[0].startswith("make chain") and commands[-1].startswith("make chain-stop")
    assert any("ethereum:local:node" in command for command in commands)


def test_every_walkthrough_command_succeeds_in_order(played):
    result, commands, steps, _, _ = played
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert list(steps) == list(dict.fromkeys(commands))  # every step ran (a repeated command is one key)


def test_the_second_deploy_and_the_deploy_after_a_restart_send_nothing(played):
    result, commands, _, _, _ = played
    deploys = re.findall(r"deployed: (\d+) transactions sent", result.stdout)
    assert len(deploys) == sum(c.startswith("make deploy") for c in commands) == 3
    assert int(deploys[0]) > 20 and deploys[1:] == ["0", "0"]


def test_the_chain_restarts_with_the_same_genesis(played):
    result, _, _, _, port = played
    genesis = re.findall(
        rf"chain: http://127.0.0.1:{port} \(pid \d+, block (\d+), genesis (0x[0-9a-f]+)\)", result.stdout
    )
    assert len(genesis) == 2 and genesis[0][0] == "0"
    assert genesis[1][1] == genesis[0][1] and int(genesis[1][0]) > 100  # reloaded, with the blocks it had


def test_reconcile_finds_the_demos_records_consistent_with_the_chain(played):
    _, _, steps, _, _ = played
    assert "no mismatches" in _step(steps, "strikeforge reconcile")


def test_the_statements_reconcile_every_balance(played):
    _, _, _, checkout, _ = played
    statements = (checkout / ".cache" / "ops" / "statements.csv").read_text()
    totals = [line for line in statements.splitlines() if ",total," in line]
    assert len(totals) > 10 and all("reconciled" in line for line in totals)


def test_the_services_each_ran_against_the_deployment(played):
    _, _, steps, _, _ = played
    assert "ETH/USD:" in _step(steps, "strikeforge oracle run")
    assert "Traceback" not in "".join(steps.values())


def test_the_demo_says_where_its_services_state_is(played):
    _, _, steps, checkout, _ = played
    out = _step(steps, "make demo")
    assert "services' state files (oracle node, keeper, sequencer, watcher): .cache/demo/node/" in out
    for name in ("sequencer.db", "oracle.sqlite", "rolls.sqlite", "watcher.json"):
        assert (checkout / ".cache" / "demo" / "node" / name).is_file()


def test_the_conformance_suites_pass_on_the_deployment(played):
    """The README's `strikeforge conformance` commands against the local chain's deployment: every property runs and
    passes (the vault's stateful ones through the keeper's roll), and the chain is left as found (the next deploy
    sends nothing)."""
    _, _, steps, _, _ = played
    expected = {"erc7540": 11, "erc20": 4, "erc7726": 3, "eip712": 2}
    for suite, count in expected.items():
        out = _step(steps, f"strikeforge conformance {suite} ")
        assert f"{suite}: {count} passed, 0 failed, 0 not applicable, 0 not run" in out, out[-3000:]
        assert "FAIL" not in out and "Traceback" not in out
