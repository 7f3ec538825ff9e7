"""bench/audit_power.py's machinery: the review table on the pre-fix code from git, and corpus scoring."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from strikeforge.audit.power import regressions, review_table, score_corpus, summary

CORPUS = Path(__file__).resolve().parents[2] / "bench" / "audit_corpus"


def test_the_review_table_flags_the_prefix_negation_and_is_silent_on_todays_ledger(root):
    (row,) = review_table(root, only=["C-2"])
    assert row["flagged"] and row["checks"] == ["signed-min-negation"]
    assert any("challengeCollateral" in text for text in row["prefix_findings"])
    assert row["silent_on_fix"] and row["fixed_findings"] == []


def test_corpus_scoring_counts_a_found_bug_and_a_false_positive_free_twin(root, tmp_path):
    pair = ["signed-min-negation/bridge_netflow_abs_bad.vy", "signed-min-negation/bridge_netflow_abs_good.vy"]
    manifest = yaml.safe_load((CORPUS / "manifest.yaml").read_text())
    entries = [e for e in manifest["files"] if e["path"] in pair]
    for entry in entries:
        (tmp_path / entry["path"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(CORPUS / entry["path"], tmp_path / entry["path"])
    (tmp_path / "manifest.yaml").write_text(yaml.safe_dump({"files": entries}))
    score = score_corpus(tmp_path, root, workers=1)
    assert score.recall == (1, 1)
    assert score.per_class["signed-min-negation"]["clean_flagged"] == 0
    bad = next(r for r in score.rows if r["expected"] == "bug")
    assert bad["flagged_by"] == ["vyper-signed-min-negation"]


def test_the_answer_key_line_is_blanked_before_the_audit(tmp_path):
    from strikeforge.audit.power import strip_header

    source = CORPUS / "signed-min-negation" / "bridge_netflow_abs_bad.vy"
    strip_header(source, tmp_path / "x.vy")
    lines = (tmp_path / "x.vy").read_text().splitlines()
    assert lines[0] == "" and "[audit-corpus]" not in (tmp_path / "x.vy").read_text()
    assert len(lines) == len(source.read_text().splitlines())


def test_a_regression_names_each_figure_that_got_worse():
    before = {"review_flagged": 6, "corpus_found": 47, "corpus_medium_up_false_positives": 12}
    after = {"review_flagged": 6, "corpus_found": 46, "corpus_medium_up_false_positives": 13}
    assert regressions(after, before) == [
        "corpus_found: 46 < 47 at the previous release",
        "corpus_medium_up_false_positives: 13 > 12 at the previous release",
    ]
    assert regressions(before, before) == []
    assert summary([], type("S", (), {"recall": (0, 0), "per_class": {}, "false_positives": []})())["review_total"] == 0
