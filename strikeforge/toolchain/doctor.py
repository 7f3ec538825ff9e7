"""``strikeforge toolchain doctor``: one table of what each tool resolves to (the venv's packages and Python, solc,
node, anvil, forge, and the system tools the tests and the audit report use: redis-server, PostgreSQL, Chromium,
SoftHSM2), and for a missing one, how to get it."""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
from pathlib import Path

from rich.console import Console
from rich.table import Table

from strikeforge.toolchain.config import ToolchainConfigError, read_pins
from strikeforge.toolchain.solc import probe, solcx_folder

PYTHON_PACKAGES = ("eth-ape", "ape-solidity", "ape-vyper", "ape-foundry", "vyper", "slither-analyzer", "snekmate")
CHROMIUM = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome")  # the report's browser.py
SYSTEM_FIX = "make install (as root) installs it, or apt-get install {package}"


def _first_line(cmd: list[str]) -> str | None:
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    out = done.stdout.strip() or done.stderr.strip()
    return out.splitlines()[0] if out else None


def _tool(names: tuple[str, ...], extra: list[Path] | None = None) -> str | None:
    """The first of `names` on PATH (else the first `extra` path), with its --version line."""
    path = next((found for name in names if (found := shutil.which(name))), None)
    path = path or next((str(found) for found in extra or []), None)
    if path is None:
        return None
    version = _first_line([path, "--version"])
    return f"{path} ({version})" if version else path


def _softhsm() -> str | None:
    """softhsm2-util and the PKCS#11 module the HSM tests and `pkcs11:` accounts load (STRIKEFORGE_PKCS11_LIB wins)."""
    from strikeforge.keys.pkcs11 import LIB_ENV, default_library

    util = shutil.which("softhsm2-util")
    library = os.environ.get(LIB_ENV) or default_library()
    if util is None or library is None:
        return None
    version = _first_line([util, "--version"])
    return f"{library} (softhsm2-util {version})" if version else library


def report(root: Path, venv: Path, console: Console | None = None) -> bool:
    """Print the table; return True when every row resolved."""
    console = console or Console()
    table = Table(title="Strikeforge toolchain")
    table.add_column("tool")
    table.add_column("resolves to")
    ok = True

    def row(name: str, value: str | None, fix: str) -> None:
        nonlocal ok
        if value is None:
            ok = False
            table.add_row(name, f"[red]missing[/red]: {fix}")
        else:
            table.add_row(name, value)

    python = venv / "bin" / "python"
    version = _first_line([str(python), "--version"]) if python.exists() else None
    row("python", f"{python} ({version})" if version else None, "install Python 3.11 and run make install")
    for package in PYTHON_PACKAGES:
        try:
            row(package, importlib.metadata.version(package), "run make install")
        except importlib.metadata.PackageNotFoundError:
            row(package, None, "run make install")
    try:
        pins = read_pins(root)
    except ToolchainConfigError as exc:
        row("pins", None, str(exc))
        console.print(table)
        return False
    solc = solcx_folder(venv) / f"solc-v{pins.solidity}"
    info = probe(solc)
    kind = "native" if info and info.native else "solc-js shim"
    row(f"solc {pins.solidity}", f"{solc} ({kind}, {info.version}{info.build})" if info else None, "run make install")
    row("node", _first_line(["node", "--version"]), "install Node.js >= 18")
    for tool in ("anvil", "forge"):
        path = shutil.which(tool, path=str(venv / "bin"))
        row(tool, f"{path} ({_first_line([path, '--version'])})" if path else None, "run make install")
    row("redis-server", _tool(("redis-server",)), SYSTEM_FIX.format(package="redis-server"))
    postgres = _tool(("initdb",), sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb")))
    row("postgresql", postgres, SYSTEM_FIX.format(package="postgresql"))
    row("chromium", _tool(CHROMIUM), SYSTEM_FIX.format(package="chromium-headless-shell"))
    row("softhsm2", _softhsm(), SYSTEM_FIX.format(package="softhsm2"))
    console.print(table)
    return ok
