"""Runs each symbolic check in its own halmos process, within a wall-clock budget, and reads halmos' JSON result."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from strikeforge.audit.prove import ProveError, halmos_env, vyper_artifacts
from strikeforge.audit.prove.checks import Check, discover

DEFAULT_FOLDER = Path("tests/symbolic")
PROFILE = "symbolic"  # foundry.toml [profile.symbolic]
STARTUP_SECONDS = 30  # halmos' own start: its forge build (a no-op after ours), loading the build, setUp()
# halmos exit codes of one test (halmos.__main__.Exitcode)
_ERRORS = {
    3: "stuck: a path halmos cannot execute",
    4: "every path reverts: setUp or the assumptions exclude all inputs",
}


@dataclass(frozen=True)
class CheckResult:
    """One check's outcome: proved, counterexample, timeout or error."""

    check: str
    contract: str
    result: str
    counterexample: list[dict[str, str]] | None
    paths: int | None
    seconds: float
    detail: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "contract": self.contract,
            "result": self.result,
            "counterexample": self.counterexample,
            "paths": self.paths,
            "seconds": round(self.seconds, 2),
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Setup:
    """What every halmos process of a run shares."""

    root: Path
    halmos: Path
    out: Path
    env: dict[str, str]
    timeout: float
    scratch: Path


def _tool(name: str, path: str) -> str:
    found = shutil.which(name, path=path)
    if found is None:
        raise ProveError(f"{name} is not on PATH (looked in the venv and PATH): run make install")
    return found


def _environment(root: Path, folder: Path) -> tuple[dict[str, str], Path]:
    path = os.pathsep.join([str(Path(sys.prefix) / "bin"), os.environ.get("PATH", "")])
    env = {**os.environ, "PATH": path, "FOUNDRY_PROFILE": PROFILE}
    if folder.resolve() == (root / DEFAULT_FOLDER).resolve():
        return env, root / ".cache" / "symbolic" / "out"
    # Another folder (a scratch copy, a test's): its own sources and build, the project's settings otherwise.
    base = root / ".cache" / "symbolic" / hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:12]
    for key in ("FOUNDRY_SRC", "FOUNDRY_TEST", "FOUNDRY_SCRIPT"):
        env[key] = str(folder.resolve())
    env["FOUNDRY_OUT"] = str(base / "out")
    env["FOUNDRY_CACHE_PATH"] = str(base / "forge-cache")
    return env, base / "out"


def _build(root: Path, env: dict[str, str], folder: Path) -> None:
    command = ["forge", "build", "--ast", "--root", str(root), "--extra-output", "storageLayout", "metadata"]
    result = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, check=False, timeout=900)
    if result.returncode != 0:
        lines = (result.stderr + result.stdout).splitlines()
        first = next((line.strip() for line in lines if "Error" in line), lines[-1] if lines else "no output")
        raise ProveError(
            f"the checks in {folder} do not compile ({first}): fix them (FOUNDRY_PROFILE={PROFILE} forge build shows"
            " every error)"
        )


def _value(entry: Any) -> str:
    value = entry.get("value") if isinstance(entry, dict) else entry
    return hex(value) if isinstance(value, int) and value > 2**64 else str(value)


def _models(result: dict[str, Any]) -> list[dict[str, str]]:
    models = []
    for item in result.get("models") or []:
        model = item.get("model", item) if isinstance(item, dict) else {}
        inputs = {}
        for full_name, entry in sorted(model.items()):
            name = entry.get("variable_name", full_name) if isinstance(entry, dict) else full_name
            name = name if name not in inputs else full_name
            inputs[name] = _value(entry)
        if isinstance(item, dict) and item.get("is_valid") is False:
            inputs["(halmos)"] = "potentially spurious"
        models.append(inputs)
    return models


def _from_json(check: Check, data: dict[str, Any], seconds: float) -> CheckResult:
    results = [r for rs in (data.get("test_results") or {}).values() for r in rs]
    mine = next((r for r in results if str(r.get("name", "")).startswith(f"{check.function}(")), None)
    if mine is None:
        return CheckResult(check.function, check.contract, "error", None, None, seconds, "halmos ran no such check")
    code = mine.get("exitcode")
    paths = (mine.get("num_paths") or [None])[0]
    if code == 0 and mine.get("num_bounded_loops"):
        detail = "paths cut by the loop bound: raise it with `/// @custom:halmos --loop N` on the check"
        return CheckResult(check.function, check.contract, "error", None, paths, seconds, detail)
    if code == 0:
        return CheckResult(check.function, check.contract, "proved", None, paths, seconds)
    if code == 1:
        return CheckResult(check.function, check.contract, "counterexample", _models(mine), paths, seconds)
    if code == 2:
        detail = "a solver query ran out of time"
        return CheckResult(check.function, check.contract, "timeout", None, paths, seconds, detail)
    detail = _ERRORS.get(code, f"halmos error (exit code {code})")
    return CheckResult(check.function, check.contract, "error", None, paths, seconds, detail)


def _explored(queries: Path) -> int | None:
    """On a killed run: the highest path id halmos had sent to the solver (a lower bound on the paths)."""
    ids = [int(m.group(1)) for f in queries.rglob("*.smt2") if (m := re.match(r"(\d+)\.", f.name))]
    return max(ids) + 1 if ids else None


def _stop(process: subprocess.Popen[bytes]) -> None:
    for sig, wait in ((signal.SIGTERM, 5), (signal.SIGKILL, 30)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
            return
        except subprocess.TimeoutExpired:
            continue


def run_check(setup: Setup, check: Check) -> CheckResult:
    """One check in its own halmos process (its own session, so a timeout ends its solvers too)."""
    stem = f"{check.contract}.{check.function}"
    output, queries, log = (setup.scratch / f"{stem}.json", setup.scratch / f"{stem}.queries", setup.scratch / stem)
    budget = setup.timeout
    command = [str(setup.halmos), "--root", str(setup.root), "--forge-build-out", str(setup.out)]
    command += ["--contract", check.contract, "--match-test", f"^{check.function}\\(", "--json-output", str(output)]
    command += ["--solver-timeout-assertion", f"{int(budget)}s", "--dump-smt-directory", str(queries), "--no-status"]
    start = time.monotonic()
    with Path(f"{log}.log").open("wb") as out:
        process = subprocess.Popen(
            command, cwd=setup.root, env=setup.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            process.wait(timeout=budget + STARTUP_SECONDS)
        except subprocess.TimeoutExpired:
            _stop(process)
            seconds = time.monotonic() - start
            detail = f"stopped after {seconds:.0f} s (--timeout {budget:g})"
            return CheckResult(check.function, check.contract, "timeout", None, _explored(queries), seconds, detail)
    seconds = time.monotonic() - start
    try:
        data = json.loads(output.read_text())
    except (OSError, ValueError):
        tail = Path(f"{log}.log").read_text(errors="replace").strip().splitlines()
        detail = f"halmos wrote no result ({tail[-1].strip() if tail else 'no output'})"
        return CheckResult(check.function, check.contract, "error", None, None, seconds, detail)
    return _from_json(check, data, seconds)


def prepare(root: Path, folder: Path, match: str | None, timeout: float, scratch: Path) -> tuple[Setup, list[Check]]:
    """Everything before the checks run: tools, the Vyper artifacts, the build, and which checks."""
    checks = discover(folder, match)
    if not checks:
        raise ProveError(f"no check in {folder} matches {match or 'the default check_ prefix'}: change --match")
    env, out = _environment(root, folder)
    _tool("forge", env["PATH"])
    vyper_artifacts.generate(root, _tool("vyper", env["PATH"]))
    halmos = halmos_env.ensure(root, Path(sys.prefix))
    _build(root, env, folder)
    # halmos finds its solvers (yices-smt2, z3) on PATH or in $VIRTUAL_ENV/bin, and otherwise tries to download them.
    tools = halmos.parent
    halmos_run = {**env, "PATH": os.pathsep.join([str(tools), env["PATH"]]), "VIRTUAL_ENV": str(tools.parent)}
    return Setup(root, halmos, out, halmos_run, timeout, scratch), checks


def run(root: Path, folder: Path, match: str | None, timeout: float, workers: int) -> list[CheckResult]:
    """Run every matching check, ``workers`` at a time; results in discovery order."""
    with tempfile.TemporaryDirectory(prefix="strikeforge-prove-") as tmp:
        setup, checks = prepare(root, folder, match, timeout, Path(tmp))
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            return list(pool.map(lambda check: run_check(setup, check), checks))
