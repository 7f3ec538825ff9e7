"""Fixtures for the toolchain tests: the shim as a command, and scratch source trees."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from strikeforge.toolchain.solc import SHIM

ROOT = Path(__file__).resolve().parents[2]
NODE = shutil.which("node")


@pytest.fixture(scope="session")
def node() -> str:
    assert NODE, "Node.js is required by the toolchain (make install checks it)"
    return NODE


@pytest.fixture
def run_shim(node: str) -> Callable[..., subprocess.CompletedProcess]:
    """Run the solc-js shim with arguments (and optional stdin) exactly as a tool would."""

    def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
        env = {**os.environ, "STRIKEFORGE_SOLCJS": str(ROOT / "node_modules" / "solc")}
        return subprocess.run(
            [node, str(SHIM), *args], input=stdin, capture_output=True, text=True, cwd=cwd, env=env, timeout=300
        )

    return run


def standard_json(sources: dict[str, dict], outputs: list[str] | None = None, **settings: object) -> str:
    """A standard-JSON compiler input."""
    selection = {"*": {"*": outputs or ["abi", "evm.bytecode.object"]}}
    return json.dumps(
        {"language": "Solidity", "sources": sources, "settings": {"outputSelection": selection, **settings}}
    )
