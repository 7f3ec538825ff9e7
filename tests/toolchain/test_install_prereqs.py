"""`make install` stops on a missing prerequisite with one line naming what is missing and how to get it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import NODE, ROOT

INSTALL = ROOT / "tools" / "install.sh"
BASH = shutil.which("bash") or "/bin/bash"


def _fake_tool(folder: Path, name: str, script: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)
    return path


def _run(step: str, *, path_dirs: list[Path], env: dict[str, str] | None = None, root: Path = ROOT):
    environment = {
        "PATH": os.pathsep.join(str(d) for d in path_dirs),
        "HOME": os.environ.get("HOME", "/root"),
        "STRIKEFORGE_ROOT": str(root),
        **(env or {}),
    }
    return subprocess.run([BASH, str(INSTALL), step], capture_output=True, text=True, env=environment, timeout=120)


@pytest.fixture
def tools_dir(tmp_path) -> Path:
    """A PATH folder with only the basics the script needs (coreutils), and no node and no python."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in ("cat", "sha256sum", "cut", "grep", "sed", "tail", "rm", "mkdir", "mktemp", "dirname"):
        if found := shutil.which(tool):
            (folder / tool).symlink_to(found)
    return folder


@pytest.fixture
def good_python(tools_dir) -> Path:
    """python3.11 on the fake PATH: the interpreter running these tests (3.11, as the lock requires)."""
    (tools_dir / "python3.11").symlink_to(sys.executable)
    return tools_dir / "python3.11"


def _one_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line, got: {stderr!r}"
    return lines[0]


def test_missing_node_is_named_with_how_to_install_it(tools_dir, good_python):
    result = _run("check", path_dirs=[tools_dir])
    assert result.returncode == 1
    line = _one_line(result.stderr)
    assert line.startswith("strikeforge: Node.js is missing (node not found on PATH)")
    assert "install Node.js >= 18" in line


def test_old_node_is_named_with_the_version_found(tools_dir, good_python):
    _fake_tool(tools_dir, "node", 'case "$1" in -p) echo 16;; --version) echo v16.20.0;; esac')
    result = _run("check", path_dirs=[tools_dir])
    assert result.returncode == 1
    assert _one_line(result.stderr) == (
        "strikeforge: Node.js >= 18 is missing (found v16.20.0): install a newer Node.js and run make install again"
    )


def test_wrong_python_version_is_named_with_how_to_get_the_right_one(tools_dir):
    fake = _fake_tool(tools_dir, "python3", "echo 3.9")
    result = _run("check", path_dirs=[tools_dir], env={"PYTHON": str(fake)})
    assert result.returncode == 1
    line = _one_line(result.stderr)
    assert line.startswith(f"strikeforge: Python 3.11 is missing ('{fake}' is Python 3.9;")
    assert "run make install PYTHON=python3.11" in line


def test_absent_python_is_named(tools_dir):
    result = _run("check", path_dirs=[tools_dir], env={"PYTHON": "python3.11-nonexistent"})
    assert result.returncode == 1
    assert _one_line(result.stderr).startswith(
        "strikeforge: Python 3.11 is missing ('python3.11-nonexistent' not found)"
    )


def _npm_project(tmp_path: Path, tools_dir: Path, installed: dict[str, str], wanted: dict[str, str]) -> Path:
    """A project whose package.json wants ``wanted`` and whose node_modules holds ``installed``; node on PATH."""
    assert NODE, "Node.js is a prerequisite of the project (make install checks it)"
    (tools_dir / "node").symlink_to(NODE)
    (tools_dir / "npm").symlink_to(shutil.which("npm") or "/bin/false")
    project = tmp_path / "project"
    for name, version in installed.items():
        (project / "node_modules" / name).mkdir(parents=True)
        (project / "node_modules" / name / "package.json").write_text(json.dumps({"version": version}))
    (project / "package.json").write_text(json.dumps({"dependencies": wanted}))
    return project


def test_missing_npm_package_is_named_with_how_to_get_it(tmp_path, tools_dir):
    project = _npm_project(
        tmp_path, tools_dir, {"solc": "0.8.28"}, {"solc": "0.8.28", "@openzeppelin/contracts": "5.7.0"}
    )
    result = _run("verify-node", path_dirs=[tools_dir], root=project)
    assert result.returncode == 1
    assert _one_line(result.stderr) == (
        "strikeforge: npm package @openzeppelin/contracts@5.7.0 is missing from node_modules (not installed): "
        "run make install (npm ci)"
    )


def test_npm_package_at_the_wrong_version_is_named(tmp_path, tools_dir):
    project = _npm_project(tmp_path, tools_dir, {"solc": "0.8.30"}, {"solc": "0.8.28"})
    result = _run("verify-node", path_dirs=[tools_dir], root=project)
    assert result.returncode == 1
    assert "npm package solc@0.8.28 is missing from node_modules (found 0.8.30)" in _one_line(result.stderr)


def test_the_real_checkout_passes_every_check():
    result = subprocess.run([BASH, str(INSTALL), "check"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    result = subprocess.run([BASH, str(INSTALL), "verify-node"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def test_unknown_step_is_named():
    result = subprocess.run([BASH, str(INSTALL), "everything"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert _one_line(result.stderr).startswith("strikeforge: unknown install step 'everything'")


def test_missing_redis_without_apt_names_how_to_get_it(tools_dir):
    """Not root (or no apt-get): make install stops with one line naming the package."""
    _fake_tool(tools_dir, "id", "echo 1000")
    _fake_tool(tools_dir, "chromium-headless-shell", "exit 0")
    result = _run("system", path_dirs=[tools_dir])
    assert result.returncode == 1
    assert _one_line(result.stderr).startswith("strikeforge: redis-server is missing: install it (sudo apt-get install")


def test_missing_chromium_without_apt_names_how_to_get_it(tools_dir):
    """The audit report is checked in headless Chromium: make install names the package when it cannot install it."""
    _fake_tool(tools_dir, "id", "echo 1000")
    _fake_tool(tools_dir, "redis-server", "exit 0")
    result = _run("system", path_dirs=[tools_dir])
    assert result.returncode == 1
    assert _one_line(result.stderr).startswith(
        "strikeforge: chromium-headless-shell is missing: install it (sudo apt-get install chromium-headless-shell"
    )


def test_a_venv_linked_from_another_checkout_is_left_to_its_owner(tmp_path):
    """A copy of the checkout sharing the installed .venv through a link must not register its own paths into it
    (the walkthrough test's copy did: the anvil launcher and the solc shim then named a folder that was gone)."""
    owner = tmp_path / "owner-venv"
    owner.mkdir()
    link = tmp_path / "venv"
    link.symlink_to(owner)
    environment = {**os.environ, "VENV": str(link), "STRIKEFORGE_ROOT": str(tmp_path)}
    result = subprocess.run([BASH, str(INSTALL), "all"], capture_output=True, text=True, env=environment, timeout=120)
    assert result.returncode == 0, result.stderr
    assert f".venv links to {owner}: that checkout installs it; nothing to do here" in result.stderr
    assert list(owner.iterdir()) == []  # nothing created or registered in the owner's venv
