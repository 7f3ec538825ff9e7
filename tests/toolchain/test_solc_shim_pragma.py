"""A pragma the pinned compiler cannot satisfy: the error names the versions available here and the fix, through the
shim and through `ape compile` (nothing else is downloaded, so the user cannot be left guessing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from strikeforge.toolchain.solc import probe, solcx_folder

from .conftest import standard_json

NEWER = "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.30;\ncontract Newer { uint256 public x; }\n"
FIX = "change the pragma to accept it, or move both pins to a version the pragma accepts and run make install"


def test_the_shim_names_the_available_versions_in_the_pragma_error(run_shim, monkeypatch, tmp_path):
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(tmp_path / "none"))
    result = run_shim("--standard-json", stdin=standard_json({"Newer.sol": {"content": NEWER}}))
    assert result.returncode == 0, result.stderr  # errors travel inside the JSON, as with native solc
    (error,) = json.loads(result.stdout)["errors"]
    assert error["message"].startswith("Source file requires different compiler version (current compiler is 0.8.28")
    for text in (error["message"], error["formattedMessage"]):
        assert "Versions available here: 0.8.28 only (nothing else is downloaded;" in text and FIX in text
    assert error["formattedMessage"].splitlines()[1].endswith("Newer.sol:2:1:")  # the source pointer is kept


def test_every_registered_version_is_listed(run_shim, monkeypatch, tmp_path):
    for version in ("0.8.24", "0.8.28", "0.8.9"):
        (tmp_path / f"solc-v{version}").write_text("")
    monkeypatch.setenv("SOLCX_BINARY_PATH", str(tmp_path))
    result = run_shim("--standard-json", stdin=standard_json({"Newer.sol": {"content": NEWER}}))
    (error,) = json.loads(result.stdout)["errors"]
    assert "Versions available here: 0.8.9, 0.8.24, 0.8.28 (" in error["message"]
    assert "change the pragma to accept one of them" in error["message"]


def test_a_source_the_compiler_accepts_is_untouched(run_shim):
    source = NEWER.replace("^0.8.30", "^0.8.24")
    result = run_shim("--standard-json", stdin=standard_json({"Ok.sol": {"content": source}}))
    assert "errors" not in json.loads(result.stdout) and "Versions available" not in result.stdout


def test_ape_compile_names_the_available_versions_in_one_error_line(tmp_path):
    registered = probe(solcx_folder(Path(sys.prefix)) / "solc-v0.8.28")
    if registered is None or registered.native:
        pytest.skip("a native solc is registered: its own error text applies")
    (tmp_path / "contracts").mkdir()
    (tmp_path / "contracts" / "Newer.sol").write_text(NEWER)
    config = "name: pragma\ncontracts_folder: contracts\nsolidity:\n  version: 0.8.28\n"  # pinned, as ours is
    (tmp_path / "ape-config.yaml").write_text(config)
    ape = Path(sys.executable).with_name("ape")
    done = subprocess.run(
        [str(ape), "compile"], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=dict(os.environ)
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    (line,) = [line for line in output.splitlines() if line.startswith("ERROR:")]
    assert "Source file requires different compiler version" in line
    assert "Versions available here: 0.8.28 only" in line and FIX in line and "Traceback" not in output
