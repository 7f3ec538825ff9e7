"""``strikeforge audit``: the static audit (``audit [PATH ...]``) and the per-release report (``audit report``)."""

from __future__ import annotations

from pathlib import Path

import click

from strikeforge.paths import ProjectNotFoundError, find_project_root

TRIAGE_FILE = Path("audits/triage.yaml")


class _DefaultRun(click.Group):
    """A group whose first argument, unless it names a subcommand, is a PATH for the default ``run`` command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = ["run", *args]
        return super().parse_args(ctx, args)


def _root() -> Path:
    try:
        return find_project_root()
    except ProjectNotFoundError as exc:
        raise click.UsageError(str(exc)) from exc


@click.group(cls=_DefaultRun)
def audit() -> None:
    """Static audit: Slither (Solidity) and the Strikeforge Vyper analyzer, triaged; and the per-release report.

    strikeforge audit [PATH ...] [--json F] [--sarif F] [--md F] [--fail-on high|medium|low|none]
    [--fuzz [--fuzz-seed N] [--fuzz-calls N] [--fuzz-recipe FILE]]

    strikeforge audit report --release X.Y.Z
    """


@audit.command("run")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Write Slither's JSON shape here.")
@click.option("--sarif", "sarif_path", type=click.Path(path_type=Path), help="Write SARIF 2.1.0 here.")
@click.option("--md", "md_path", type=click.Path(path_type=Path), help="Write the Markdown checklist here.")
@click.option(
    "--fail-on",
    type=click.Choice(["high", "medium", "low", "none"]),
    default="medium",
    show_default=True,
    help="Exit 1 when an untriaged finding is at or above this impact.",
)
@click.option(
    "--triage",
    "triage_path",
    type=click.Path(path_type=Path),
    help="Triage file (default: the project's audits/triage.yaml when auditing the project; none for given PATHs).",
)
@click.option("--fuzz", is_flag=True, help="Then deploy the audited contracts in-process and fuzz them from their ABI.")
@click.option("--fuzz-seed", default=0, show_default=True, help="Seed of the fuzz campaign (same seed, same calls).")
@click.option("--fuzz-calls", default=2_000, show_default=True, help="Calls per fuzz campaign.")
@click.option(
    "--fuzz-recipe", type=click.Path(path_type=Path), help="Deployment recipe (YAML/JSON); default: deploy each alone."
)
def run_command(
    paths: tuple[Path, ...],
    json_path: Path | None,
    sarif_path: Path | None,
    md_path: Path | None,
    fail_on: str,
    triage_path: Path | None,
    fuzz: bool,
    fuzz_seed: int,
    fuzz_calls: int,
    fuzz_recipe: Path | None,
) -> None:
    """Audit PATHs (Solidity and Vyper files or folders; default: the project's contracts/ without mocks)."""
    from strikeforge.audit.console import summarize
    from strikeforge.audit.run import run, write_outputs
    from strikeforge.audit.sources import AuditInputError
    from strikeforge.audit.triage import TriageError

    root = _root()
    if triage_path is None and not paths:
        triage_path = root / TRIAGE_FILE
    try:
        result = run(list(paths), root, triage_path)
        if fuzz:
            from strikeforge.audit.abifuzz.audit import fuzz_audit

            for line in fuzz_audit(result, root, triage_path, fuzz_seed, fuzz_calls, fuzz_recipe):
                click.echo(line, err=True)
    except (AuditInputError, TriageError) as exc:
        raise click.ClickException(str(exc)) from exc
    write_outputs(result, json_path, sarif_path, md_path)
    failing = summarize(result, fail_on)
    if failing:
        raise SystemExit(1)


@audit.command("detectors")
def detectors_command() -> None:
    """Print audits/detectors.md: every Strikeforge detector, what it finds and what to do."""
    from strikeforge.audit.docs import render

    click.echo(render(), nl=False)


@audit.command("report")
@click.option("--release", required=True, help="The release, X.Y.Z; the report goes to audits/vX.Y.Z/.")
@click.option(
    "--previous",
    help="The release to compare against (default: the newest audits/vX.Y.Z/ below this one).",
)
@click.option(
    "--coverage",
    "coverage_path",
    type=click.Path(path_type=Path),
    help="Coverage and gas exported by `make audit-tests` (default: .build/audit/tests.json).",
)
@click.option("--check-html/--no-check-html", default=True, help="Render report.html in headless Chromium.")
@click.option("--fuzz-examples", default=200, show_default=True, help="Examples per invariant machine.")
def report_command(
    release: str, previous: str | None, coverage_path: Path | None, check_html: bool, fuzz_examples: int
) -> None:
    """Write audits/vX.Y.Z/: report.md, report.html, findings.json, findings.sarif."""
    from strikeforge.audit.report.build import ReportError, build_report

    root = _root()
    try:
        folder = build_report(
            root, release, previous, coverage_path, check_html=check_html, fuzz_examples=fuzz_examples
        )
    except ReportError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"report written to {folder}")
