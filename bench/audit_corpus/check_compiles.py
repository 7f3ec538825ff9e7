#!/usr/bin/env python3
"""Compile every corpus file; exit non-zero if any file fails.

Solidity files go through the repo's solc 0.8.28 shim (solc-js, --standard-json
interface) with /work/main as base path and node_modules as include path, so
"@openzeppelin/..." and "@chainlink/..." imports resolve.  Vyper files go
through the venv's vyper 0.4.3 (snekmate is importable from site-packages).

Usage: python3 check_compiles.py [FILE ...]   (default: every .sol/.vy here)
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = Path(os.environ.get("CORPUS_REPO_ROOT", HERE.parent.parent))
SOLC = Path(os.environ.get("CORPUS_SOLC", REPO / ".venv/solcx/solc-v0.8.28"))
VYPER = Path(os.environ.get("CORPUS_VYPER", REPO / ".venv/bin/vyper"))


def compile_sol(path: Path) -> tuple[bool, str]:
    rel = path.relative_to(REPO).as_posix()
    std_in = {
        "language": "Solidity",
        "sources": {rel: {"content": path.read_text()}},
        "settings": {
            "optimizer": {"enabled": False},
            "outputSelection": {"*": {"*": ["evm.bytecode.object"]}},
        },
    }
    proc = subprocess.run(
        [str(SOLC), "--standard-json", "--base-path", str(REPO), "--include-path", str(REPO / "node_modules")],
        input=json.dumps(std_in),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if proc.returncode != 0 or not proc.stdout.strip():
        return False, f"solc exited {proc.returncode}: {proc.stderr.strip()[:800]}"
    try:
        out = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        return False, f"unparseable solc output: {exc}"
    errors = [e for e in out.get("errors", []) if e.get("severity") == "error"]
    if errors:
        return False, "\n".join(e.get("formattedMessage", e.get("message", "")) for e in errors)[:2000]
    contracts = out.get("contracts", {}).get(rel, {})
    if not contracts:
        return False, "no contracts produced"
    for _name, c in contracts.items():
        # interfaces/abstract contracts legitimately have empty bytecode; require at least one deployable one
        if c.get("evm", {}).get("bytecode", {}).get("object"):
            break
    else:
        return False, "no contract in the file produced bytecode"
    warnings = [e for e in out.get("errors", []) if e.get("severity") == "warning"]
    return True, f"{len(contracts)} contract(s), {len(warnings)} warning(s)"


def compile_vy(path: Path) -> tuple[bool, str]:
    proc = subprocess.run([str(VYPER), "-f", "bytecode", str(path)], capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        return False, (proc.stderr.strip() or proc.stdout.strip())[-2000:]
    if not proc.stdout.strip().startswith("0x"):
        return False, "no bytecode produced"
    return True, "ok"


def check(path: Path) -> tuple[Path, bool, str]:
    try:
        if path.suffix == ".sol":
            ok, msg = compile_sol(path)
        elif path.suffix == ".vy":
            ok, msg = compile_vy(path)
        else:
            return path, False, "unknown extension"
    except Exception as exc:  # timeouts, missing toolchain
        return path, False, f"{type(exc).__name__}: {exc}"
    return path, ok, msg


def main(argv: list[str]) -> int:
    files = (
        [Path(a).resolve() for a in argv] if argv else sorted(p for p in HERE.rglob("*") if p.suffix in (".sol", ".vy"))
    )
    if not files:
        print("no files to check")
        return 1
    failures = 0
    counts = {".sol": 0, ".vy": 0}
    with cf.ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 2)) as pool:
        for path, ok, msg in pool.map(check, files):
            counts[path.suffix] = counts.get(path.suffix, 0) + 1
            rel = path.relative_to(HERE) if path.is_relative_to(HERE) else path
            if ok:
                print(f"OK    {rel}  ({msg})")
            else:
                failures += 1
                print(f"FAIL  {rel}\n      " + msg.replace("\n", "\n      "))
    total = len(files)
    print(
        f"\n{total - failures}/{total} compiled "
        f"({counts.get('.sol', 0)} Solidity, {counts.get('.vy', 0)} Vyper); {failures} failure(s)"
    )
    if not argv:
        failures += check_manifest(files)
    return 1 if failures else 0


def check_manifest(files: list[Path]) -> int:
    """Every corpus file must have exactly one manifest entry and vice versa."""
    manifest = HERE / "manifest.yaml"
    if not manifest.exists():
        print("manifest: missing manifest.yaml")
        return 1
    try:
        import yaml  # PyYAML
    except ImportError:
        print("manifest: PyYAML not installed, skipping consistency check")
        return 0
    entries = yaml.safe_load(manifest.read_text())["files"]
    listed = [e["path"] for e in entries]
    on_disk = {p.relative_to(HERE).as_posix() for p in files}
    problems = []
    problems += [f"not in manifest: {p}" for p in sorted(on_disk - set(listed))]
    problems += [f"listed but missing: {p}" for p in sorted(set(listed) - on_disk)]
    problems += [f"listed twice: {p}" for p in sorted({p for p in listed if listed.count(p) > 1})]
    for e in entries:
        if e.get("expected") not in ("bug", "clean"):
            problems.append(f"bad expected value: {e['path']}")
        if e.get("expected") == "bug" and not e.get("function"):
            problems.append(f"bug entry without function: {e['path']}")
    for msg in problems:
        print("manifest: " + msg)
    if not problems:
        print(f"manifest: {len(entries)} entries, consistent with the files on disk")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
