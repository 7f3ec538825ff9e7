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
