"""``strikeforge toolchain doctor``: one table of what each tool resolves to."""

from __future__ import annotations

import importlib.metadata
import shutil
import subprocess
from pathlib import Path

from rich.console import Console
from rich.table import Table

from strikeforge.toolchain.config import ToolchainConfigError, read_pins
from strikeforge.toolchain.solc import probe, solcx_folder

PYTHON_PACKAGES = ("eth-ape", "ape-solidity", "ape-vyper", "ape-foundry", "vyper", "slither-analyzer", "snekmate")


def _first_line(cmd: list[str]) -> str | None:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False).stdout
    except OSError:
        return None
    return out.splitlines()[0] if out else None


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
    console.print(table)
    return ok
