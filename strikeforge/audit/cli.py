"""``strikeforge audit``: the static audit (``audit [PATH ...]``) and the per-release report (``audit report``)."""

from __future__ import annotations

from pathlib import Path

import click

from strikeforge.paths import ProjectNotFoundError, find_project_root

TRIAGE_FILE = Path("audits/triage.yaml")
# What an audit compiles with (ape-config.yaml's pins; a test keeps this text equal to them).
COMPILERS = (
    "Compilers: solc 0.8.28 only (a native build when one is installed, else solc-js behind the Strikeforge shim) "
    "and vyper 0.4.3 only. A file whose version pragma they cannot meet (pragma solidity 0.7.6, ^0.8.30, "
    "# pragma version 0.3.10) is refused with one line naming it, its pragma and these versions."
)


class _DefaultRun(click.Group):
    """A group whose first argument, unless it names a subcommand, is a PATH for the default ``run`` command."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
            args = ["run", *args]
        return super().parse_args(ctx, args)


def _root(option: Path | None = None) -> Path:
    try:
        return find_project_root(option)
    except ProjectNotFoundError as exc:
        raise click.UsageError(str(exc)) from exc


@click.group(
    cls=_DefaultRun,
    help=f"""Static audit: Slither (Solidity) and the Strikeforge Vyper analyzer, triaged;
and the per-release report.

\b
strikeforge audit [PATH ...] [--root DIR] [--json F] [--sarif F] [--md F]
                  [--fail-on high|medium|low|none] [--triage F]
                  [--fuzz [--fuzz-seed N] [--fuzz-calls N] [--fuzz-recipe FILE]]
strikeforge audit report --release X.Y.Z [--root DIR]

PATH may be any folder of .sol and .vy files, from anywhere (see `strikeforge audit run --help`).

{COMPILERS}
""",
)
def audit() -> None:
    """The ``strikeforge audit`` group (its help is above)."""


@audit.command(
    "run",
    help=f"""Audit PATHs: Solidity and Vyper files or folders, anywhere (default: the root's contracts/, else its
foundry.toml src/, without mocks, tests and scripts).

The audited root (--root) is the folder every path in the output is relative to, and whose Solidity remappings are
used: foundry.toml's remappings, remappings.txt and the folders under lib/ (forge's order; a library's own
foundry.toml or remappings.txt for its own imports), then node_modules above the file, then Strikeforge's own
node_modules (OpenZeppelin, Chainlink, ...). Vyper imports resolve from the file's folders, the root and
site-packages (snekmate).

{COMPILERS}
""",
)
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option(
    "--root",
    "audit_root",
    type=click.Path(path_type=Path, file_okay=False),
    help="The audited root: output paths are relative to it; foundry.toml and remappings.txt are read from it. "
    "Default: the nearest folder at or above PATH with foundry.toml, remappings.txt, ape-config.yaml or .git, else "
    "PATH's own folder; with no PATH, the project at the working directory.",
)
@click.option("--json", "json_path", type=click.Path(path_type=Path), help="Write Slither's JSON shape here.")
@click.option("--sarif", "sarif_path", type=click.Path(path_type=Path), help="Write SARIF 2.1.0 here.")
@click.option(
    "--md",
    "md_path",
    type=click.Path(path_type=Path),
    help="Write the Markdown checklist here (its links are relative to its folder).",
)
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
    help="Triage file (default: the root's audits/triage.yaml when no PATH is given; none for given PATHs).",
)
@click.option("--fuzz", is_flag=True, help="Then deploy the audited contracts in-process and fuzz them from their ABI.")
@click.option("--fuzz-seed", default=0, show_default=True, help="Seed of the fuzz campaign (same seed, same calls).")
@click.option("--fuzz-calls", default=2_000, show_default=True, help="Calls per fuzz campaign.")
@click.option(
    "--fuzz-recipe", type=click.Path(path_type=Path), help="Deployment recipe (YAML/JSON); default: deploy each alone."
)
def run_command(
    paths: tuple[Path, ...],
    audit_root: Path | None,
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
    from strikeforge.audit.console import summarize
    from strikeforge.audit.run import run, toolchain_root, write_outputs
    from strikeforge.audit.sources import AuditInputError
    from strikeforge.audit.triage import TriageError

    if audit_root is not None and not audit_root.is_dir():
        raise click.UsageError(f"--root {audit_root}: no such folder; pass the folder the audited contracts live in")
    try:
        root = toolchain_root()
    except AuditInputError as exc:
        raise click.ClickException(str(exc)) from exc
    if not paths and audit_root is None:
        try:
            audit_root = find_project_root()
        except ProjectNotFoundError as exc:
            raise click.UsageError(
                f"no PATH given and no project at or above {Path.cwd()}: pass the folder of contracts to audit "
                "(strikeforge audit PATH [--root DIR])"
            ) from exc
    if triage_path is None and not paths:
        triage_path = audit_root / TRIAGE_FILE
    try:
        result = run(list(paths), root, triage_path, audit_root)
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
    "--root",
    "project_root",
    type=click.Path(path_type=Path, file_okay=False),
    help="The project to report on (default: the nearest folder with ape-config.yaml).",
)
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
    release: str,
    project_root: Path | None,
    previous: str | None,
    coverage_path: Path | None,
    check_html: bool,
    fuzz_examples: int,
) -> None:
    """Write audits/vX.Y.Z/: report.md, report.html, findings.json, findings.sarif."""
    from strikeforge.audit.report.build import ReportError, build_report

    root = _root(project_root)
    try:
        folder = build_report(
            root, release, previous, coverage_path, check_html=check_html, fuzz_examples=fuzz_examples
        )
    except ReportError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"report written to {folder}")
