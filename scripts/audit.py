"""`ape run audit`: the static audit of the project (as `strikeforge audit`), or with --release the per-release report.

ape run audit                    # Slither + the Vyper analyzer, triaged; exit 1 on an untriaged Medium or High
ape run audit --release 0.1.0    # audits/v0.1.0/ (needs `make audit-tests` first for coverage and gas)
"""

from __future__ import annotations

import click

from strikeforge.audit.cli import audit


@click.command(context_settings={"ignore_unknown_options": True})
@click.option("--release", help="Write the report for release X.Y.Z to audits/vX.Y.Z/.")
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def cli(release: str | None, args: tuple[str, ...]) -> None:
    """The Strikeforge audit (see `strikeforge audit --help`)."""
    argv = ["report", "--release", release, *args] if release else list(args)
    audit.main(args=argv, prog_name="ape run audit", standalone_mode=True)
