"""The eth-ape 0.8.51 source-walk fix: a large contracts/.cache must not hide the project's own sources."""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path

import pytest

from strikeforge.toolchain import ape_fixes

from .conftest import ROOT


def _tree(root: Path, files: list[str]) -> None:
    for name in files:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("// x\n")


def test_walk_skips_the_folders_ape_excludes(tmp_path):
    _tree(tmp_path, ["b/B.sol", "A.vy", ".cache/dep/1.0/X.sol", ".build/__local__.json", ".git/HEAD.x", "README"])
    assert ape_fixes.list_source_files(tmp_path) == [tmp_path / "A.vy", tmp_path / "b" / "B.sol"]


def test_walk_keeps_apes_cap_in_sorted_order(tmp_path):
    _tree(tmp_path, [f"f{i:03d}.sol" for i in range(7)])
    assert ape_fixes.list_source_files(tmp_path, max_files=3) == [tmp_path / f"f{i:03d}.sol" for i in range(3)]


def test_hook_is_active_in_this_virtual_environment():
    import ape.managers.project as project_module

    assert project_module.SourceManager._strikeforge_patched is True


def test_sources_are_found_behind_a_large_dependency_cache(tmp_path):
    """600 unpacked dependency files used to fill Ape's 500-file walk before the project's own contract."""
    from ape import Project

    (tmp_path / "ape-config.yaml").write_text("name: walkprobe\n")
    _tree(tmp_path / "contracts" / ".cache" / "dep" / "1.0", [f"Dep{i:03d}.sol" for i in range(600)])
    (tmp_path / "contracts" / "Mine.sol").write_text("// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\n")
    paths = list(Project(tmp_path).sources.paths)
    assert paths == [tmp_path / "contracts" / "Mine.sol"]


def test_other_ape_versions_are_left_alone_with_a_warning(monkeypatch):
    import importlib.metadata

    monkeypatch.setattr(importlib.metadata, "version", lambda name: "0.9.0")

    class SourceManager:
        pass

    module = types.SimpleNamespace(SourceManager=SourceManager, ProjectError=Exception)
    with pytest.warns(UserWarning, match=r"eth-ape 0.9.0 is not 0.8.51; the contracts/.cache source-walk fix"):
        assert ape_fixes.patch_source_manager(module) is False
    assert not hasattr(SourceManager, "_strikeforge_patched")


def _venv_python_prints(expression: str, env: dict[str, str]) -> str:
    """What a fresh venv Python (start-up hook included) prints for ``expression``."""
    code = f"import os, shutil; print({expression})"
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
    ).stdout.strip()


def test_venv_python_defaults_solcx_to_the_venv_folder():
    env = {k: v for k, v in os.environ.items() if k != "SOLCX_BINARY_PATH"}
    out = _venv_python_prints("os.environ['SOLCX_BINARY_PATH']", env)
    assert out == str(Path(sys.prefix) / "solcx")
    assert Path(out) == ROOT / ".venv" / "solcx"


def test_an_explicit_solcx_path_wins(tmp_path):
    out = _venv_python_prints("os.environ['SOLCX_BINARY_PATH']", {**os.environ, "SOLCX_BINARY_PATH": str(tmp_path)})
    assert out == str(tmp_path)


def test_venv_bin_joins_path_when_missing():
    env = {k: v for k, v in os.environ.items() if k != "PATH"} | {"PATH": "/usr/bin:/bin"}
    assert _venv_python_prints("shutil.which('anvil')", env) == str(Path(sys.prefix) / "bin" / "anvil")
