"""`make release VERSION=X.Y.Z`'s bookends: `strikeforge release check` before the tests and the audit (nothing long
starts unless the release can be cut), `strikeforge release finish` after them (CHANGELOG.md's Unreleased section
becomes the version's, the report in audits/vX.Y.Z/ and the changelog are committed, and the commit is tagged)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
from pathlib import Path

import click

from strikeforge.paths import find_project_root

VERSION = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$")
UNRELEASED = "## [Unreleased]"


class ReleaseError(RuntimeError):
    """The release cannot be cut; the message says why and the fix."""


def _git(root: Path, *args: str) -> str:
    result = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    if result.returncode != 0:
        raise ReleaseError(f"git {' '.join(args)}: {result.stderr.strip()}")
    return result.stdout.strip()


def unreleased_notes(changelog: str) -> str:
    """The text under `## [Unreleased]`, up to the next version heading."""
    if UNRELEASED not in changelog:
        raise ReleaseError(f"CHANGELOG.md: no '{UNRELEASED}' section; add one listing the changes")
    body = changelog.split(UNRELEASED, 1)[1]
    return re.split(r"^## \[", body, maxsplit=1, flags=re.MULTILINE)[0].strip()


def check(root: Path, version: str) -> None:
    """Everything that must hold before the long part of a release."""
    if not VERSION.match(version):
        raise ReleaseError(f"VERSION={version!r}: not X.Y.Z (semantic versioning, no prefix); e.g. VERSION=0.1.0")
    if _git(root, "status", "--porcelain"):
        raise ReleaseError("the working tree has uncommitted changes; commit or stash them (a release is a commit)")
    if _git(root, "tag", "--list", f"v{version}"):
        raise ReleaseError(f"tag v{version} exists; pick the next version")
    if (root / "audits" / f"v{version}").exists():
        raise ReleaseError(f"audits/v{version}/ exists; pick the next version or remove the folder")
    if not unreleased_notes((root / "CHANGELOG.md").read_text()):
        raise ReleaseError(f"CHANGELOG.md: the '{UNRELEASED}' section is empty; list what this release changes")


POWER = Path(".build/audit/audit_power.json")


def previous_release(root: Path, version: str) -> Path | None:
    """The newest audits/vX.Y.Z/ below ``version`` that holds an audit-power record, or None."""

    def key(v: str) -> tuple[int, ...]:
        return tuple(int(p) for p in v.split("."))

    found = [
        d
        for d in (root / "audits").glob("v*")
        if VERSION.match(d.name[1:]) and key(d.name[1:]) < key(version) and (d / "audit_power.json").is_file()
    ]
    return max(found, key=lambda d: key(d.name[1:])) if found else None


def power_gate(root: Path, version: str) -> list[str]:
    """Refuse a release whose audit power regressed: fewer review findings or corpus bugs found, or more false
    positives, than the previous release recorded. Records this release's figures in audits/vX.Y.Z/."""
    import json

    from strikeforge.audit.power import regressions

    measured = root / POWER
    if not measured.is_file():
        raise ReleaseError(f"{POWER} is missing; run python bench/audit_power.py --json {POWER}")
    current = json.loads(measured.read_text())
    previous = previous_release(root, version)
    worse = regressions(current, json.loads((previous / "audit_power.json").read_text())) if previous else []
    if worse:
        raise ReleaseError(
            f"audit power regressed since {previous.name}: " + "; ".join(worse) + " (fix the detectors, or explain)"
        )
    target = root / "audits" / f"v{version}"
    target.mkdir(parents=True, exist_ok=True)
    (target / "audit_power.json").write_text(measured.read_text())
    return [f"audit power: {current}", f"compared with {previous.name if previous else 'no earlier record'}"]


def stamp(changelog: str, version: str, today: dt.date) -> str:
    """The changelog with the Unreleased notes moved under the version's heading, and a new empty Unreleased."""
    notes = unreleased_notes(changelog)
    heading = f"## [{version}] - {today.isoformat()}"
    report = f"Audit report: [audits/v{version}/](audits/v{version}/report.md)."
    before, after = changelog.split(UNRELEASED, 1)
    rest = re.split(r"^## \[", after, maxsplit=1, flags=re.MULTILINE)
    tail = f"## [{rest[1]}" if len(rest) > 1 else ""
    return f"{before}{UNRELEASED}\n\n{heading}\n\n{report}\n\n{notes}\n\n{tail}".rstrip() + "\n"


def finish(root: Path, version: str, today: dt.date | None = None) -> None:
    """Stamp the changelog, commit it with the report, tag the commit."""
    report = root / "audits" / f"v{version}"
    if not (report / "report.md").is_file():
        raise ReleaseError(f"audits/v{version}/report.md is missing; run make audit-report RELEASE={version}")
    changelog = root / "CHANGELOG.md"
    changelog.write_text(stamp(changelog.read_text(), version, today or dt.date.today()))
    _git(root, "add", "CHANGELOG.md", str(report.relative_to(root)))
    _git(root, "commit", "-q", "-m", f"Release v{version}: audit report in audits/v{version}/, changelog")
    _git(root, "tag", "-a", f"v{version}", "-m", f"Strikeforge v{version}")


@click.group()
def release() -> None:
    """Cut a release (make release VERSION=X.Y.Z runs these around the tests and the audit)."""


@release.command("check")
@click.argument("version")
def release_check(version: str) -> None:
    """Refuse early: a bad version, uncommitted changes, an existing tag or report, no changelog notes."""
    try:
        check(find_project_root(), version)
    except ReleaseError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"release v{version}: ready (tests and audit next)")


@release.command("gate")
@click.argument("version")
def release_gate(version: str) -> None:
    """Refuse VERSION if the audit-power benchmark regressed against the previous release."""
    try:
        for line in power_gate(find_project_root(), version):
            click.echo(line)
    except ReleaseError as exc:
        raise click.ClickException(str(exc)) from exc


@release.command("finish")
@click.argument("version")
def release_finish(version: str) -> None:
    """Stamp CHANGELOG.md, commit it with audits/vX.Y.Z/, tag vX.Y.Z."""
    try:
        finish(find_project_root(), version)
    except ReleaseError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"release v{version}: committed and tagged")
