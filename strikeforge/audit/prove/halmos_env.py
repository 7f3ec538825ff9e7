"""halmos in its own virtual environment, from requirements-halmos.lock.

halmos 0.3.3 pins rich<14.1 and the project pins rich 14.3.4, so halmos cannot share the project's venv (``pip check``
in ``make install`` would fail). It gets ``<venv>/tools/halmos``, built from the lock with ``--no-deps`` and checked
with ``pip check``, once per lock (a stamp holds the lock's hash); it is only ever run as a command.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from strikeforge.audit.prove import ProveError

LOCK = "requirements-halmos.lock"
STAMP = ".strikeforge-lock"


def location(venv: Path) -> Path:
    """Where halmos's environment lives for the project venv ``venv``."""
    return venv / "tools" / "halmos"


def _stamp(lock: Path) -> str:
    return hashlib.sha256(lock.read_bytes()).hexdigest() + "-" + sys.version.split()[0]


def _run(args: list[str], log: Path) -> bool:
    with log.open("a") as out:
        return subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, check=False, timeout=900).returncode == 0


def ensure(root: Path, venv: Path) -> Path:
    """The halmos executable, installing its environment first when missing or stale."""
    override = os.environ.get("STRIKEFORGE_HALMOS")
    if override:
        if not Path(override).is_file():
            raise ProveError(
                f"STRIKEFORGE_HALMOS={override} is not a file: unset it or point it at a halmos executable"
            )
        return Path(override)
    lock = root / LOCK
    if not lock.is_file():
        raise ProveError(f"{LOCK} is missing from {root}: restore it (git checkout {LOCK})")
    env = location(venv)
    halmos = env / "bin" / "halmos"
    want = _stamp(lock)
    stamp = env / STAMP
    if halmos.is_file() and stamp.is_file() and stamp.read_text() == want:
        return halmos
    print(f"installing halmos into {env} from {LOCK} (once)", file=sys.stderr)
    env.parent.mkdir(parents=True, exist_ok=True)
    log = env.parent / "halmos-install.log"
    log.write_text("")
    python = env / "bin" / "python"
    steps = [
        [sys.executable, "-m", "venv", "--clear", str(env)],
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--no-deps", "-r", str(lock)],
        [str(python), "-m", "pip", "check", "--disable-pip-version-check"],
    ]
    for step in steps:
        if not _run(step, log):
            raise ProveError(
                f"halmos could not be installed into {env} (see {log}): check access to PyPI and run make prove again"
            )
    stamp.write_text(want)
    return halmos
