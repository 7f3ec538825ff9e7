"""`strikeforge conformance`: the README's commands are the walkthrough's (played on the local chain's deployment by
tests/integration/test_walkthrough.py), and bad input is one line naming the option, the value and the fix."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from strikeforge.cli import main
from tests.integration.test_walkthrough import walkthrough

ROOT = Path(__file__).resolve().parents[2]
ADDRESS = "0x" + "12" * 20


def _readme_commands() -> list[str]:
    joined = ROOT.joinpath("README.md").read_text().replace("\\\n", " ")
    return [" ".join(line.split()) for line in joined.splitlines() if line.startswith("strikeforge conformance ")]


def test_every_conformance_command_in_the_readme_is_played_by_the_walkthrough():
    shown = _readme_commands()
    played = {" ".join(c.split()) for c in walkthrough()}
    assert len(shown) >= 8 and {c.split()[2] for c in shown} == {"erc7540", "erc20", "erc7726", "eip712"}
    assert set(shown) <= played


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["erc7540", "--address", "0x12"],
            "Error: --address 0x12: not an address; give the contract's 0x-prefixed 20-byte hex address"
            " (40 hex digits)",
        ),
        (
            ["erc20", "--address", ADDRESS, "--abi", "/nonexistent/abi.json"],
            "Error: --abi /nonexistent/abi.json: no such file; give the path of the contract's JSON ABI or artifact",
        ),
        (
            ["erc20", "--address", ADDRESS, "--property", "nope"],
            "Error: --property nope: not a property of erc20; use one of allowance, metadata, transfer, zero-address",
        ),
        (
            ["erc7540", "--address", ADDRESS, "--fulfil", "roll()"],
            "Error: --fulfil roll(): not ACCOUNT:FUNCTION(TYPES)[=ARGS]; e.g. --fulfil 'test:5:roll()' or --fulfil"
            " 'test:6:set_paused(bool)=true'",
        ),
        (
            ["erc7540", "--address", ADDRESS, "--fulfil", "test:6:set_paused(bool)=yes"],
            "Error: --fulfil test:6:set_paused(bool)=yes: argument 'yes' is not a bool; write integers in decimal,"
            " addresses as 0x..., bools as true/false",
        ),
        (
            ["erc7726", "--address", ADDRESS, "--pair", ADDRESS],
            f"Error: --pair {ADDRESS}: not BASE:QUOTE; give two addresses joined by ':'",
        ),
        (
            ["erc20", "--address", ADDRESS, "--fulfil", "test:5:roll()"],
            "Error: --fulfil: only the erc7540 suite fulfils requests, not erc20",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args, line):
    done = CliRunner().invoke(main, ["conformance", *args])
    assert done.exit_code == 2, done.output
    assert done.output.strip().splitlines() == [line]


def test_a_network_without_its_rpc_url_is_one_line(tmp_path):
    """Through the console script, as a user runs it: it connects, so the network's check speaks."""
    env = {k: v for k, v in os.environ.items() if k not in ("SEPOLIA_RPC_URL", "PYTHONPATH")}
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "strikeforge"), "conformance", "erc20", "--address", ADDRESS, "--network",
         "ethereum:sepolia:node"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.strip().splitlines() == [
        "Error: --network ethereum:sepolia:node: SEPOLIA_RPC_URL is not set; export SEPOLIA_RPC_URL=https://... (your"
        " node's RPC URL, which ape-config.yaml reads) and run the command again"
    ]
    assert "Traceback" not in done.stdout + done.stderr
