"""The ``strikeforge prove`` command."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import click

from strikeforge.paths import ProjectNotFoundError, find_project_root


class _OneLineErrors(click.Command):
    """Usage errors (an unknown option, a bad value) as one line naming the problem and the fix."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            raise click.ClickException(f"{exc.format_message()}: see strikeforge prove --help") from exc


@click.command("prove", cls=_OneLineErrors)
@click.option("--match", help="Only checks matching this regex (halmos --match-test; '^deep_' runs the deep ones).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False), help="Write the results here (prove.json).")
@click.option("--timeout", type=click.FloatRange(min=1), default=60, show_default=True, help="Seconds per check.")
@click.option("--folder", default="tests/symbolic", show_default=True, help="Folder of Solidity checks.")
@click.option("--workers", type=click.IntRange(min=1), default=os.cpu_count() or 1, help="Checks run at once.")
@click.option("--root", help="Project root (default: the nearest folder with ape-config.yaml).")
def prove(
    match: str | None, json_path: str | None, timeout: float, folder: str, workers: int, root: str | None
) -> None:
    """Symbolic checks of the contracts with halmos (tests/symbolic/): proved, counterexample, timeout or error.

    Exit status 1 on a counterexample or an error; timeouts are named but do not fail the run.
    """
    from strikeforge.audit.prove import ProveError
    from strikeforge.audit.prove.report import failed, print_results, write_json
    from strikeforge.audit.prove.runner import run

    try:
        project = find_project_root(Path(root) if root else None)
    except ProjectNotFoundError as exc:
        raise click.ClickException(str(exc)) from exc
    start = time.monotonic()
    try:
        results = run(project, (project / folder).resolve(), match, timeout, workers)
    except ProveError as exc:
        raise click.ClickException(str(exc)) from exc
    print_results(results, time.monotonic() - start)
    if json_path:
        write_json(results, Path(json_path))
    sys.exit(1 if failed(results) else 0)
