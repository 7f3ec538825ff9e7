"""Registering a Solidity compiler where py-solc-x (and so ape-solidity) looks for it.

A native ``solc`` of the pinned version is preferred wherever one is already installed (on PATH, or in the user's
py-solc-x folder). Otherwise a launcher for the solc-js shim (``solc_shim.js`` beside this file, running the npm
``solc`` package) is written. Either way the compiler is registered as ``solc-v<version>`` in the virtual
environment's own py-solc-x folder, which a ``.pth`` file makes the default ``SOLCX_BINARY_PATH`` for every Python
process of that environment: nothing is written to the user's home, and nothing is downloaded.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SHIM = Path(__file__).with_name("solc_shim.js")
SOLCX_FOLDER = "solcx"  # <venv>/solcx; startup.py makes it the default SOLCX_BINARY_PATH
PTH_NAME = "strikeforge_toolchain.pth"
PTH_LINE = "import strikeforge.toolchain.startup\n"
_VERSION = re.compile(r"Version: (\d+\.\d+\.\d+)(\S*)")


class SolcSetupError(RuntimeError):
    """The compiler could not be registered; the message names what is missing and the fix."""


@dataclass(frozen=True)
class SolcInfo:
    """What a ``solc`` executable says of itself."""

    version: str
    build: str

    @property
    def native(self) -> bool:
        """True for a native build; solc-js reports an Emscripten build."""
        return "emscripten" not in self.build.lower()


@dataclass(frozen=True)
class Registration:
    """Where the compiler was registered and what it is."""

    executable: Path
    target: Path
    native: bool
    version: str


def probe(executable: Path | str) -> SolcInfo | None:
    """Ask an executable for its solc version; None when it is not a working solc."""
    try:
        out = subprocess.run(
            [str(executable), "--version"], capture_output=True, text=True, timeout=60, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = _VERSION.search(out)
    return SolcInfo(version=match.group(1), build=match.group(2)) if match else None


def native_candidates(version: str) -> list[Path]:
    """Places a native solc of ``version`` may already be installed, most specific first."""
    found: list[Path] = []
    user_solcx = os.environ.get("STRIKEFORGE_USER_SOLCX") or str(Path.home() / ".solcx")
    for candidate in (Path(user_solcx) / f"solc-v{version}", shutil.which("solc")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            found.append(Path(candidate).resolve())
    return found


def find_native_solc(version: str) -> Path | None:
    """A native solc executable reporting exactly ``version``, if one is installed."""
    for candidate in native_candidates(version):
        info = probe(candidate)
        if info and info.native and info.version == version:
            return candidate
    return None


def solcx_folder(venv: Path) -> Path:
    """The virtual environment's own py-solc-x binary folder."""
    return venv / SOLCX_FOLDER


def shim_launcher(node: Path, solcjs: Path, version: str) -> str:
    """The text of an executable that runs the shim over the npm ``solc`` package in ``solcjs``."""
    return (
        "#!/bin/sh\n"
        f"# solc {version} from solc-js (npm) through the Strikeforge shim; written by `strikeforge toolchain setup`.\n"
        f"STRIKEFORGE_SOLCJS={shlex.quote(str(solcjs))} "
        f'exec {shlex.quote(str(node))} {shlex.quote(str(SHIM))} "$@"\n'
    )


def _replace(path: Path, *, link_to: Path | None = None, text: str | None = None) -> None:
    """Atomically put a symlink or an executable text file at ``path``."""
    tmp = path.with_name(path.name + ".tmp")
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    if link_to is not None:
        tmp.symlink_to(link_to)
    else:
        tmp.write_text(text or "")
        tmp.chmod(0o755)
    tmp.replace(path)


def site_packages(venv: Path) -> Path:
    """The virtual environment's site-packages folder."""
    matches = sorted(venv.glob("lib/python3*/site-packages"))
    if not matches:
        raise SolcSetupError(f"{venv} has no lib/python3*/site-packages: recreate it with make install")
    return matches[0]


def write_pth(venv: Path) -> Path:
    """Run ``strikeforge.toolchain.startup`` at the start of every Python process in the venv.

    It makes the venv's py-solc-x folder the default SOLCX_BINARY_PATH and registers the eth-ape source-walk fix.
    """
    pth = site_packages(venv) / PTH_NAME
    pth.write_text(PTH_LINE)
    return pth


def register_solc(root: Path, venv: Path, version: str) -> Registration:
    """Register a solc of ``version`` as ``solc-v<version>`` in the venv's py-solc-x folder; return what was done."""
    folder = solcx_folder(venv)
    folder.mkdir(parents=True, exist_ok=True)
    executable = folder / f"solc-v{version}"
    native = find_native_solc(version)
    if native is not None:
        _replace(executable, link_to=native)
        target = native
    else:
        node = shutil.which("node")
        if node is None:
            raise SolcSetupError(
                "Node.js is missing (node not found on PATH): install Node.js >= 18 and run make install"
            )
        solcjs = root / "node_modules" / "solc"
        if not (solcjs / "soljson.js").is_file():
            raise SolcSetupError(f"npm package solc@{version} is missing from node_modules: run make install (npm ci)")
        _replace(executable, text=shim_launcher(Path(node).resolve(), solcjs, version))
        target = SHIM
    info = probe(executable)
    if info is None or info.version != version:
        raise SolcSetupError(
            f"{executable} does not answer --version as solc {version} (got {info}): run make install again"
        )
    write_pth(venv)
    return Registration(executable=executable, target=target, native=info.native, version=version)
