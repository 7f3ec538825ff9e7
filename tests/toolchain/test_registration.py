"""Compiler registration for py-solc-x (native preferred, else the shim) and the anvil launcher."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from strikeforge.toolchain import anvil as anvil_mod
from strikeforge.toolchain import solc as solc_mod
from strikeforge.toolchain.config import ToolchainConfigError, read_pins

from .conftest import ROOT


def _fake_venv(tmp_path: Path) -> Path:
    venv = tmp_path / "venv"
    (venv / "lib" / "python3.11" / "site-packages").mkdir(parents=True)
    (venv / "bin").mkdir()
    return venv


def _fake_solc(folder: Path, version_line: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    exe = folder / "solc"
    exe.write_text(f'#!/bin/sh\necho "solc, the solidity compiler commandline interface"\necho "{version_line}"\n')
    exe.chmod(0o755)
    return exe


@pytest.fixture
def no_user_solc(monkeypatch, tmp_path):
    """Neither a solc on PATH nor one in the user's py-solc-x folder."""
    monkeypatch.setenv("STRIKEFORGE_USER_SOLCX", str(tmp_path / "user-solcx"))
    monkeypatch.setattr(solc_mod.shutil, "which", lambda name: None if name == "solc" else _which(name))


_which = shutil.which  # the real lookup, kept before any test patches shutil.which


def test_pins_are_read_from_ape_config_and_package_json():
    pins = read_pins(ROOT)
    assert pins.solidity == "0.8.28"
    assert pins.vyper == "0.4.3"


def test_solc_js_version_mismatch_names_both_files_and_the_fix(tmp_path):
    (tmp_path / "ape-config.yaml").write_text("solidity:\n  version: 0.8.28\nvyper:\n  version: ==0.4.3\n")
    (tmp_path / "package.json").write_text(json.dumps({"dependencies": {"solc": "0.8.30"}}))
    with pytest.raises(ToolchainConfigError) as err:
        read_pins(tmp_path)
    assert str(err.value) == (
        "package.json: dependencies.solc is '0.8.30' but ape-config.yaml pins Solidity 0.8.28: "
        "run npm install --save-exact solc@0.8.28"
    )


def test_inexact_solidity_version_is_refused(tmp_path):
    (tmp_path / "ape-config.yaml").write_text("solidity:\n  version: ^0.8.20\n")
    (tmp_path / "package.json").write_text("{}")
    with pytest.raises(ToolchainConfigError, match=r"solidity.version must be an exact version"):
        read_pins(tmp_path)


def test_shim_is_registered_when_no_native_solc_exists(tmp_path, no_user_solc):
    venv = _fake_venv(tmp_path)
    reg = solc_mod.register_solc(ROOT, venv, "0.8.28")
    assert reg.native is False
    assert reg.executable == venv / "solcx" / "solc-v0.8.28"
    assert reg.target == solc_mod.SHIM
    info = solc_mod.probe(reg.executable)
    assert info is not None and info.version == "0.8.28" and "Emscripten" in info.build
    pth = (venv / "lib" / "python3.11" / "site-packages" / solc_mod.PTH_NAME).read_text()
    assert pth == "import strikeforge.toolchain.startup\n"


def test_native_solc_of_the_pinned_version_is_preferred(tmp_path, monkeypatch):
    user_solcx = tmp_path / "user-solcx"
    native = _fake_solc(user_solcx, "Version: 0.8.28+commit.7893614a.Linux.g++")
    native.rename(user_solcx / "solc-v0.8.28")
    monkeypatch.setenv("STRIKEFORGE_USER_SOLCX", str(user_solcx))
    venv = _fake_venv(tmp_path)
    reg = solc_mod.register_solc(ROOT, venv, "0.8.28")
    assert reg.native is True
    assert reg.executable.is_symlink()
    assert reg.executable.resolve() == (user_solcx / "solc-v0.8.28").resolve()


def test_native_solc_of_another_version_is_not_used(tmp_path, monkeypatch):
    other = _fake_solc(tmp_path / "path-bin", "Version: 0.8.30+commit.73712a01.Linux.g++")
    monkeypatch.setenv("STRIKEFORGE_USER_SOLCX", str(tmp_path / "empty"))
    monkeypatch.setattr(solc_mod.shutil, "which", lambda name: str(other) if name == "solc" else _which(name))
    assert solc_mod.find_native_solc("0.8.28") is None
    assert solc_mod.find_native_solc("0.8.30") == other.resolve()


def test_registration_is_idempotent(tmp_path, no_user_solc):
    venv = _fake_venv(tmp_path)
    first = solc_mod.register_solc(ROOT, venv, "0.8.28")
    text = first.executable.read_text()
    second = solc_mod.register_solc(ROOT, venv, "0.8.28")
    assert second == first
    assert second.executable.read_text() == text
    assert sorted(p.name for p in (venv / "solcx").iterdir()) == ["solc-v0.8.28"]


def _run_launcher(tmp_path: Path, home: Path, *args: str) -> list[str]:
    """The launcher over a fake anvil that prints its HOME and arguments; its output lines."""
    fake = tmp_path / "anvil-real"
    fake.write_text('#!/bin/sh\necho "HOME=$HOME"\nfor a in "$@"; do echo "ARG=$a"; done\n')
    fake.chmod(0o755)
    launcher = tmp_path / "anvil"
    launcher.write_text(anvil_mod.anvil_launcher(fake, home))
    launcher.chmod(0o755)
    return subprocess.run([str(launcher), *args], capture_output=True, text=True, check=True).stdout.splitlines()


def test_anvil_launcher_adds_prune_history_and_a_project_home(tmp_path):
    home = tmp_path / "anvil home"
    out = _run_launcher(tmp_path, home, "--port", "8555")
    assert out == [f"HOME={home}", "ARG=--prune-history", "ARG=--port", "ARG=8555"]
    assert home.is_dir()


def test_anvil_launcher_does_not_repeat_prune_history(tmp_path):
    home = tmp_path / "home"
    assert _run_launcher(tmp_path, home, "--prune-history") == [f"HOME={home}", "ARG=--prune-history"]


def test_installed_anvil_is_the_launcher_over_the_npm_binary():
    launcher = ROOT / ".venv" / "bin" / "anvil"
    text = launcher.read_text()
    assert str(ROOT / anvil_mod.ANVIL_PACKAGE) in text
    version = subprocess.run([str(launcher), "--version"], capture_output=True, text=True, check=True).stdout
    assert version.startswith("anvil Version: 1.7.1")


def test_missing_foundry_package_names_the_package(tmp_path):
    venv = _fake_venv(tmp_path)
    with pytest.raises(anvil_mod.FoundrySetupError) as err:
        anvil_mod.install_foundry(tmp_path, venv)
    assert str(err.value) == (
        "npm package @foundry-rs/anvil-linux-amd64 is missing from node_modules: run make install (npm ci)"
    )
