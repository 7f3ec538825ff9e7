"""Audit power: what the audit finds on code with known bugs, and what it says about the fixed code.

Two measurements, both from the whole static pipeline (Slither's detectors, ours, the Vyper analyzer):

- review classes: the outside review's findings on the code that had them (the pre-fix settlement ledger and oracle
  router, taken from git) and on today's code: which check flagged each, and that the same check is silent on the
  fix;
- a corpus of small buggy/fixed pairs (``bench/audit_corpus``, written independently of the detectors): recall per
  class on the buggy files, and every Medium-or-above finding on a clean file counted as a false positive, whatever
  check raised it.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

MEDIUM_UP = ("High", "Medium")

# Which checks count as finding each corpus class (ours in both languages, and stock Slither's where it applies).
CLASS_CHECKS: dict[str, frozenset[str]] = {
    "signed-min-negation": frozenset({"signed-min-negation", "vyper-signed-min-negation"}),
    "push-payment-dos": frozenset({"push-payment-dos", "vyper-push-payment-dos", "calls-loop"}),
    "unsigned-signed-param": frozenset({"signature-unbound-value", "vyper-signature-unbound-value"}),
    "same-timestamp-race": frozenset({"same-timestamp-race", "vyper-same-timestamp-race"}),
    "unbounded-calldata-loop": frozenset(
        {"unbounded-committed-data", "uncapped-calldata-loop", "vyper-uncapped-calldata-loop"}
    ),
    "unbounded-privileged-setter": frozenset({"unbounded-privileged-setter", "vyper-unbounded-privileged-setter"}),
    "merkle-second-preimage-handrolled": frozenset({"merkle-second-preimage", "vyper-merkle-second-preimage"}),
    "unguarded-privileged-setter": frozenset(
        {"missing-access-control", "vyper-missing-access-control", "unprotected-upgrade", "suicidal"}
    ),
}


@dataclass(frozen=True)
class ReviewFinding:
    """One finding of the outside review: where it was, and the checks that count as catching it."""

    ident: str
    title: str
    path: str  # the file, relative to the repository root
    prefix_commit: str  # a commit with the bug
    checks: frozenset[str]
    function: str  # a function the finding must name (the bug's place)


REVIEW = [
    ReviewFinding(
        "C-1",
        "aliased ABI offsets / unbounded rebuild",
        "contracts/settlement/SettlementLedger.sol",
        "7d9216f",
        frozenset({"unbounded-committed-data"}),
        "challengeData",
    ),
    ReviewFinding(
        "C-2",
        "int256.min negation",
        "contracts/settlement/SettlementLedger.sol",
        "7d9216f",
        frozenset({"signed-min-negation"}),
        "challengeCollateral",
    ),
    ReviewFinding(
        "H-1",
        "same-timestamp withdrawal race",
        "contracts/settlement/SettlementLedger.sol",
        "7d9216f",
        frozenset({"same-timestamp-race"}),
        "challengeCollateral",
    ),
    ReviewFinding(
        "H-2",
        "push payment with require(ok) a receiver can block",
        "contracts/settlement/SettlementLedger.sol",
        "7d9216f",
        frozenset({"push-payment-dos"}),
        "_revertFrom",
    ),
    ReviewFinding(
        "H-3",
        "submitter-chosen values outside the signed message",
        "contracts/settlement/SettlementLedger.sol",
        "7d9216f",
        frozenset({"signature-unbound-value"}),
        "_apply",
    ),
    ReviewFinding(
        "H-5",
        "privileged setter of a settlement value with no bound",
        "contracts/oracles/OracleRouter.vy",
        "94e4917",
        frozenset({"vyper-unbounded-privileged-setter"}),
        "dispute_expiry_price",
    ),
]


@dataclass
class FileResult:
    path: str
    findings: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None
    seconds: float = 0.0


def audit_files(paths: list[Path], root: Path) -> list[dict[str, Any]]:
    """The whole static pipeline over ``paths`` (no triage): Slither and ours, and the Vyper analyzer."""
    from strikeforge.audit.run import run

    return run(paths, root, None).findings


def _audit_one(args: tuple[str, str]) -> FileResult:
    import time

    path, root = args
    start = time.perf_counter()
    try:
        findings = audit_files([Path(path)], Path(root))
    except Exception as exc:
        return FileResult(path, error=f"{type(exc).__name__}: {exc}"[:300], seconds=time.perf_counter() - start)
    slim = [{"check": f["check"], "impact": f["impact"], "description": f["description"][:300]} for f in findings]
    return FileResult(path, slim, seconds=time.perf_counter() - start)


def strip_header(source: Path, target: Path) -> None:
    """Copy a corpus file without its first line (the corpus' own answer key) but keep line numbers."""
    lines = source.read_text(encoding="utf-8").splitlines(keepends=True)
    if lines and "[audit-corpus]" in lines[0]:
        lines[0] = "\n"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text("".join(lines), encoding="utf-8")


@dataclass
class CorpusScore:
    rows: list[dict[str, Any]]
    per_class: dict[str, dict[str, int]]
    recall: tuple[int, int]
    false_positives: list[dict[str, Any]]
    errors: list[str]


def score_corpus(
    corpus: Path, root: Path, workers: int = 2, progress: Callable[[str], None] | None = None
) -> CorpusScore:
    """Audit every corpus file (header stripped) and score it against the manifest."""
    manifest = yaml.safe_load((corpus / "manifest.yaml").read_text())
    entries = manifest["files"]
    with tempfile.TemporaryDirectory(prefix="audit-corpus-") as tmp:
        copies = []
        for entry in entries:
            target = Path(tmp) / entry["path"]
            strip_header(corpus / entry["path"], target)
            copies.append(str(target))
        with ProcessPoolExecutor(max_workers=workers) as pool:
            results = []
            for result in pool.map(_audit_one, [(c, str(root)) for c in copies]):
                results.append(result)
                if progress:
                    progress(result.path)
        rows, per_class, fps, errors = [], {}, [], []
        for entry, result in zip(entries, results, strict=True):
            name = entry["path"]
            if result.error:
                errors.append(f"{name}: {result.error}")
            checks = CLASS_CHECKS.get(entry["class"], frozenset())
            hits = sorted({f["check"] for f in result.findings if f["check"] in checks})
            medium = [f for f in result.findings if f["impact"] in MEDIUM_UP]
            row = {
                "path": name,
                "class": entry["class"],
                "expected": entry["expected"],
                "flagged_by": hits,
                "medium_up": sorted({f["check"] for f in medium}),
                "seconds": round(result.seconds, 2),
                "error": result.error,
            }
            rows.append(row)
            counts = per_class.setdefault(entry["class"], {"bugs": 0, "found": 0, "clean": 0, "clean_flagged": 0})
            if entry["expected"] == "bug":
                counts["bugs"] += 1
                counts["found"] += bool(hits)
            else:
                counts["clean"] += 1
                counts["clean_flagged"] += bool(medium)
                fps += [
                    {"path": name, "check": f["check"], "impact": f["impact"], "description": f["description"]}
                    for f in medium
                ]
    bugs = sum(c["bugs"] for c in per_class.values())
    found = sum(c["found"] for c in per_class.values())
    return CorpusScore(rows, per_class, (found, bugs), fps, errors)


def checkout(commit: str, root: Path, into: Path) -> Path:
    """``contracts/`` of ``commit`` extracted under ``into`` (its imports resolve within it)."""
    archive = subprocess.run(
        ["git", "-C", str(root), "archive", commit, "contracts"], check=True, capture_output=True
    ).stdout
    into.mkdir(parents=True, exist_ok=True)
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def review_table(root: Path, only: list[str] | None = None) -> list[dict[str, Any]]:
    """Per review finding (or those named in ``only``): the checks that flag it on the pre-fix code, and what those
    checks say on today's."""
    chosen = [f for f in REVIEW if only is None or f.ident in only]
    by_file: dict[tuple[str, str], list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="audit-power-") as tmp:
        for finding in chosen:
            for commit in (finding.prefix_commit, "HEAD"):
                key = (commit, finding.path)
                if key in by_file:
                    continue
                if commit == "HEAD":
                    path = root / finding.path
                else:
                    folder = Path(tmp) / commit
                    if not folder.exists():
                        checkout(commit, root, folder)
                    path = folder / finding.path
                by_file[key] = audit_files([path], root)
    rows = []
    for finding in chosen:
        before = by_file[(finding.prefix_commit, finding.path)]
        after = by_file[("HEAD", finding.path)]
        hits = [f for f in before if f["check"] in finding.checks and finding.function in f["description"]]
        silent = [f for f in after if f["check"] in finding.checks]
        rows.append(
            {
                "finding": finding.ident,
                "title": finding.title,
                "file": finding.path,
                "prefix_commit": finding.prefix_commit,
                "flagged": bool(hits),
                "checks": sorted({f["check"] for f in hits}),
                "prefix_findings": [f["description"].strip()[:240] for f in hits],
                "fixed_findings": [f["description"].strip()[:240] for f in silent],
                "silent_on_fix": not silent,
            }
        )
    return rows


def copy_tree(source: Path, target: Path) -> None:
    shutil.copytree(source, target, dirs_exist_ok=True)


def summary(review: list[dict[str, Any]], corpus: CorpusScore) -> dict[str, Any]:
    """The figures a release is held to: review findings flagged (and silent on the fix), corpus recall and the
    Medium-or-above findings on clean files."""
    return {
        "review_flagged": sum(r["flagged"] for r in review),
        "review_flagged_and_silent_on_fix": sum(r["flagged"] and r["silent_on_fix"] for r in review),
        "review_total": len(review),
        "corpus_found": corpus.recall[0],
        "corpus_bugs": corpus.recall[1],
        "corpus_clean_files_flagged": sum(c["clean_flagged"] for c in corpus.per_class.values()),
        "corpus_clean_files": sum(c["clean"] for c in corpus.per_class.values()),
        "corpus_medium_up_false_positives": len(corpus.false_positives),
    }


def regressions(current: dict[str, Any], previous: dict[str, Any]) -> list[str]:
    """What got worse since the previous release's figures (empty when nothing did)."""
    worse = []
    for key in ("review_flagged", "review_flagged_and_silent_on_fix", "corpus_found"):
        if key in previous and current.get(key, 0) < previous[key]:
            worse.append(f"{key}: {current.get(key)} < {previous[key]} at the previous release")
    for key in ("corpus_clean_files_flagged", "corpus_medium_up_false_positives"):
        if key in previous and current.get(key, 0) > previous[key]:
            worse.append(f"{key}: {current.get(key)} > {previous[key]} at the previous release")
    return worse
