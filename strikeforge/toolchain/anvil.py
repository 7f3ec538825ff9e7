"""anvil and forge from the npm packages, on the virtual environment's PATH.

ape-foundry starts whatever ``anvil`` it finds on PATH and does not let the project add arguments. The launcher
written here adds ``--prune-history`` and points HOME at a project-local folder: without the flag anvil keeps every
block's state under ``$HOME/.foundry/anvil/tmp`` (measured here: 77.5 MB per 1,000 transactions, left behind after
exit; with it: nothing).
"""

from __future__ import annotations

import shlex
from pathlib import Path

ANVIL_PACKAGE = Path("node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil")
FORGE_PACKAGE = Path("node_modules/@foundry-rs/forge-linux-amd64/bin/forge")
ANVIL_HOME = Path(".cache/anvil-home")


class FoundrySetupError(RuntimeError):
    """anvil or forge is missing; the message names the package and the fix."""


def anvil_launcher(anvil: Path, home: Path) -> str:
    """The text of an ``anvil`` executable that always prunes history and keeps its files in ``home``."""
    return f"""#!/bin/sh
# anvil from npm with --prune-history and HOME={home}; written by `strikeforge toolchain setup`.
prune=--prune-history
for arg in "$@"; do
  case "$arg" in --prune-history|--prune-history=*) prune= ;; esac
done
mkdir -p {shlex.quote(str(home))}
HOME={shlex.quote(str(home))} exec {shlex.quote(str(anvil))} $prune "$@"
"""


def install_foundry(root: Path, venv: Path) -> tuple[Path, Path]:
    """Put ``anvil`` (the launcher) and ``forge`` (a link) into the venv's bin folder; return their paths."""
    anvil, forge = root / ANVIL_PACKAGE, root / FORGE_PACKAGE
    for binary in (anvil, forge):
        if not binary.is_file():
            package = binary.parent.parent.relative_to(root / "node_modules")
            raise FoundrySetupError(f"npm package {package} is missing from node_modules: run make install (npm ci)")
    bindir = venv / "bin"
    anvil_bin, forge_bin = bindir / "anvil", bindir / "forge"
    tmp = anvil_bin.with_name("anvil.tmp")
    tmp.write_text(anvil_launcher(anvil, root / ANVIL_HOME))
    tmp.chmod(0o755)
    tmp.replace(anvil_bin)
    if forge_bin.is_symlink() or forge_bin.exists():
        forge_bin.unlink()
    forge_bin.symlink_to(forge)
    return anvil_bin, forge_bin
