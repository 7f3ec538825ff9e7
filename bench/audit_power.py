"""Audit power (issue 19): does the whole static audit find what the outside review found, on the code that had it,
and stay silent on the fix; and how it scores on a corpus of small buggy/fixed pairs in many shapes.

Table 1, review classes: per finding of the review (C-1 aliased ABI offsets / unbounded rebuild, C-2 int256.min
negation, H-1 same-timestamp withdrawal race, H-2 push payment with require(ok), H-3 submitter-chosen values outside
the signed message, H-5 an unbounded privileged setter of a settlement value), the pipeline runs on the pre-fix file
(git: SettlementLedger at 7d9216f, OracleRouter at 94e4917) and on today's, and reports the check that flagged it
and whether that check is silent on today's file.

Table 2, corpus (bench/audit_corpus, written independently of the detectors; each file's first line, its answer key,
is blanked before the audit): per class, bugs found (by the class's checks, any severity) and clean files with any
Medium-or-above finding (of any check, stock Slither's included): the false positives.

The anchor is stock Slither alone on the same corpus files, in the same run.

    python bench/audit_power.py [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from _report import write

from strikeforge.audit.power import review_table, score_corpus, summary

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "bench" / "audit_corpus"


def stock_recall(rows: list[dict]) -> tuple[int, int]:
    """Buggy files where stock Slither raises any Medium-or-above finding (a generous anchor: any check counts)."""
    from strikeforge.audit.slither_plugin import DETECTORS
    from strikeforge.audit.vyper.detectors import DETECTORS as VYPER

    ours = {d.ARGUMENT for d in DETECTORS + VYPER}
    bugs = [r for r in rows if r["expected"] == "bug"]
    return sum(bool(set(r["medium_up"]) - ours) for r in bugs), len(bugs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="Also write the summary here (the release gate reads it).")
    args = parser.parse_args()
    start = time.perf_counter()
    review = review_table(ROOT)
    review_seconds = time.perf_counter() - start
    mark = time.perf_counter()
    corpus = score_corpus(CORPUS, ROOT, workers=2)
    corpus_seconds = time.perf_counter() - mark
    figures = summary(review, corpus)
    rows = [
        [r["finding"], r["title"], ", ".join(r["checks"]) or "not flagged", "yes" if r["silent_on_fix"] else "no"]
        for r in review
    ]
    for name, counts in sorted(corpus.per_class.items()):
        rows.append(
            [
                f"corpus: {name}",
                f"{counts['found']}/{counts['bugs']} bugs found",
                f"{counts['clean_flagged']}/{counts['clean']} clean files with a Medium+ finding",
                "",
            ]
        )
    found, bugs = corpus.recall
    stock_found, _ = stock_recall(corpus.rows)
    rows.append(["corpus total", f"{found}/{bugs} bugs found", f"{len(corpus.false_positives)} Medium+ FPs", ""])
    rows.append(["anchor: stock Slither, any Medium+ check", f"{stock_found}/{bugs} buggy files flagged", "", ""])
    data = {
        "summary": figures,
        "review": review,
        "corpus": {"per_class": corpus.per_class, "rows": corpus.rows, "false_positives": corpus.false_positives},
        "errors": corpus.errors,
        "anchor_stock_slither_found": stock_found,
        "seconds": {"review": round(review_seconds, 1), "corpus": round(corpus_seconds, 1)},
    }
    write(
        "audit_power",
        "Audit power: the review's findings on pre-fix and fixed code, and the corpus",
        ["finding / class", "what", "flagged by / false positives", "silent on the fix"],
        rows,
        data,
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
