"""`make release`'s checks and changelog stamping, on a scratch git repository."""

from __future__ import annotations

import datetime as dt
import subprocess

import pytest

from strikeforge.release import ReleaseError, check, finish, stamp

CHANGELOG = """# Changelog

## [Unreleased]

### Added
- the thing

## [0.0.9] - 2026-01-01

- older
"""


def _git(root, *args):
    subprocess.run(["git", *args], cwd=root, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path):
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "config", "user.email", "release@test")
    _git(tmp_path, "config", "user.name", "release test")
    (tmp_path / "CHANGELOG.md").write_text(CHANGELOG)
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "start")
    return tmp_path


def test_stamp_moves_unreleased_notes_under_the_version():
    text = stamp(CHANGELOG, "0.1.0", dt.date(2026, 11, 22))
    assert text.index("## [Unreleased]") < text.index("## [0.1.0] - 2026-11-22") < text.index("## [0.0.9]")
    section = text.split("## [0.1.0] - 2026-11-22", 1)[1].split("## [0.0.9]", 1)[0]
    assert "audits/v0.1.0/" in section and "- the thing" in section
    assert text.split("## [Unreleased]", 1)[1].split("## [0.1.0]", 1)[0].strip() == ""


@pytest.mark.parametrize(
    ("version", "message"),
    [("v0.1.0", "not X.Y.Z"), ("0.1", "not X.Y.Z"), ("01.0.0", "not X.Y.Z")],
)
def test_check_refuses_a_malformed_version(repo, version, message):
    with pytest.raises(ReleaseError, match=message):
        check(repo, version)


def test_check_refuses_uncommitted_changes_an_existing_tag_and_empty_notes(repo):
    check(repo, "0.1.0")
    (repo / "new.txt").write_text("x")
    with pytest.raises(ReleaseError, match="uncommitted changes"):
        check(repo, "0.1.0")
    (repo / "new.txt").unlink()
    _git(repo, "tag", "v0.1.0")
    with pytest.raises(ReleaseError, match=r"tag v0\.1\.0 exists"):
        check(repo, "0.1.0")
    (repo / "CHANGELOG.md").write_text("# Changelog\n\n## [Unreleased]\n\n## [0.0.9] - 2026-01-01\n")
    _git(repo, "commit", "-qam", "empty notes")
    with pytest.raises(ReleaseError, match="section is empty"):
        check(repo, "0.2.0")


def test_finish_commits_the_report_and_changelog_and_tags(repo):
    with pytest.raises(ReleaseError, match=r"report\.md is missing; run make audit-report RELEASE=0\.1\.0"):
        finish(repo, "0.1.0")
    (repo / "audits" / "v0.1.0").mkdir(parents=True)
    (repo / "audits" / "v0.1.0" / "report.md").write_text("# report\n")
    finish(repo, "0.1.0", dt.date(2026, 11, 22))
    tags = subprocess.run(["git", "tag"], cwd=repo, capture_output=True, text=True).stdout.split()
    assert tags == ["v0.1.0"]
    tracked = subprocess.run(["git", "ls-files"], cwd=repo, capture_output=True, text=True).stdout.split()
    assert "audits/v0.1.0/report.md" in tracked
    assert "## [0.1.0] - 2026-11-22" in (repo / "CHANGELOG.md").read_text()
    status = subprocess.run(["git", "status", "--porcelain"], cwd=repo, capture_output=True, text=True).stdout
    assert status == ""


def _power(found: int = 47, fps: int = 10, flagged: int = 6) -> dict:
    return {
        "review_flagged": flagged,
        "review_flagged_and_silent_on_fix": flagged,
        "review_total": 6,
        "corpus_found": found,
        "corpus_bugs": 48,
        "corpus_clean_files_flagged": fps,
        "corpus_clean_files": 62,
        "corpus_medium_up_false_positives": fps,
    }


def _record(root, figures: dict, where: str = ".build/audit/audit_power.json") -> None:
    import json

    path = root / where
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(figures))


def test_the_release_gate_refuses_an_audit_that_finds_less_than_the_previous_release(tmp_path):
    from strikeforge.release import power_gate

    _record(tmp_path, _power(found=47), "audits/v0.1.0/audit_power.json")
    _record(tmp_path, _power(found=45))
    with pytest.raises(ReleaseError, match="corpus_found: 45 < 47 at the previous release"):
        power_gate(tmp_path, "0.2.0")
    assert not (tmp_path / "audits" / "v0.2.0" / "audit_power.json").exists()


def test_the_release_gate_refuses_more_false_positives_and_fewer_review_findings(tmp_path):
    from strikeforge.release import power_gate

    _record(tmp_path, _power(fps=10, flagged=6), "audits/v0.1.0/audit_power.json")
    _record(tmp_path, _power(fps=11, flagged=5))
    with pytest.raises(ReleaseError) as raised:
        power_gate(tmp_path, "0.2.0")
    assert "corpus_medium_up_false_positives: 11 > 10" in str(raised.value)
    assert "review_flagged: 5 < 6" in str(raised.value)


def test_the_release_gate_records_figures_that_held(tmp_path):
    from strikeforge.release import power_gate

    _record(tmp_path, _power(found=47), "audits/v0.1.0/audit_power.json")
    _record(tmp_path, _power(found=48, fps=9))
    power_gate(tmp_path, "0.2.0")
    assert '"corpus_found": 48' in (tmp_path / "audits" / "v0.2.0" / "audit_power.json").read_text()


def test_the_release_gate_needs_the_benchmark_run(tmp_path):
    from strikeforge.release import power_gate

    with pytest.raises(ReleaseError, match=r"bench/audit_power\.py"):
        power_gate(tmp_path, "0.2.0")
