"""`make doctor` (strikeforge toolchain doctor) and `make help`: what each tool resolves to, and one aligned line per
target."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from strikeforge.toolchain.doctor import report

ROOT = Path(__file__).resolve().parents[2]
SYSTEM_ROWS = ("python", "redis-server", "postgresql", "chromium", "softhsm2")


def doctor_rows(venv: Path) -> tuple[bool, dict[str, str]]:
    """The doctor's table as {tool: what it resolves to}."""
    out = io.StringIO()
    ok = report(ROOT, venv, Console(file=out, width=400, color_system=None))
    rows = {}
    for line in out.getvalue().splitlines():
        cells = [cell.strip() for cell in line.strip("│ ").split("│")]
        if len(cells) == 2 and cells[0] and cells[0] != "tool":
            rows[cells[0]] = cells[1]
    return ok, rows


def test_the_doctor_lists_python_redis_postgresql_and_chromium_with_versions():
    ok, rows = doctor_rows(Path(sys.prefix))
    assert set(SYSTEM_ROWS) <= set(rows), rows
    assert re.fullmatch(r".*/bin/python \(Python 3\.11\.\d+\)", rows["python"]), rows["python"]
    assert re.fullmatch(r"/\S*redis-server \(Redis server v=\d+\.\d+\.\d+ .*\)", rows["redis-server"]), rows
    assert re.fullmatch(r"/\S*initdb \(.*PostgreSQL\) \d+.*\)", rows["postgresql"]), rows["postgresql"]
    assert re.fullmatch(r"/\S*chrom\S* \(.*\d+\.\d+.*\)", rows["chromium"]), rows["chromium"]
    assert re.fullmatch(r"/\S*libsofthsm2\.so \(softhsm2-util \d+\.\d+\.\d+\)", rows["softhsm2"]), rows["softhsm2"]
    assert ok, rows


def test_a_missing_system_tool_says_how_to_get_it(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # nothing on PATH: redis-server and Chromium are not found
    ok, rows = doctor_rows(Path(sys.prefix))
    assert not ok
    assert rows["redis-server"] == "missing: make install (as root) installs it, or apt-get install redis-server"
    assert rows["chromium"] == "missing: make install (as root) installs it, or apt-get install chromium-headless-shell"
    assert rows["softhsm2"] == "missing: make install (as root) installs it, or apt-get install softhsm2"
    assert rows["python"].startswith(f"{Path(sys.prefix) / 'bin' / 'python'} (Python 3.11.")  # the venv's, not PATH's


def test_make_help_prints_one_aligned_line_per_documented_target():
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAKE")}
    done = subprocess.run(
        ["make", "--no-print-directory", "-C", str(ROOT), "help"], capture_output=True, text=True, env=env, timeout=60
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    documented = re.findall(r"^([A-Za-z0-9_-]+):.*## ", (ROOT / "Makefile").read_text(), flags=re.MULTILINE)
    assert len(lines) == len(documented) and documented, done.stdout  # one line per target, nothing else
    columns = set()
    for line, target in zip(lines, documented, strict=True):
        match = re.fullmatch(r"  make ([A-Za-z0-9_-]+)( +)(\S.*)", line)
        assert match, f"not '  make <target>  <description>': {line!r}"
        assert match.group(1) == target, line
        assert len(match.group(2)) >= 2, f"the target runs into its description: {line!r}"
        columns.add(match.start(3))
    assert len(columns) == 1, f"descriptions start at columns {sorted(columns)}: {done.stdout}"
