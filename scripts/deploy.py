"""Deploys the protocol on the connected network from deployments/config/<ecosystem>-<network>.yaml.

    ape run deploy --network ethereum:local:test             # local: mocks, Safe v1.4.1, everything
    ape run deploy --network ethereum:sepolia:node --dry-run  # the plan and its gas; nothing is sent

Idempotent: the manifest (deployments/<ecosystem>-<network>.json; local chains: .cache/deployments/) records every
step; a re-run sends only what is missing, resumes an interrupted step, and reports (never replaces) a deployed
contract whose code is no longer the artifact's. Ends by verifying code, roles and owners against the config.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from strikeforge.deploy.config import ConfigError, config_path, load
from strikeforge.deploy.deployment import DeployError, ManifestError, connected_network, deploy, manifest_path, open_run
from strikeforge.deploy.runner import StepResult
from strikeforge.paths import find_project_root


@click.command()
@click.option(
    "--network",
    default="ethereum:local:foundry",
    show_default=True,
    help="Ape network choice; ethereum:local:node is the persistent local chain (`make chain`).",
)
@click.option(
    "--config", "config_file", type=click.Path(path_type=Path), help="Default: deployments/config/<network>.yaml."
)
@click.option("--manifest", "manifest_file", type=click.Path(path_type=Path), help="Default: by network.")
@click.option("--account", "alias", help="Ape account alias (overrides the config's deployer).")
@click.option("--dry-run", is_flag=True, help="Print the plan with gas; send nothing.")
@click.option("--fresh", is_flag=True, help="Start a new manifest (the old one is kept as .json.old).")
@click.option("--json", "json_file", type=click.Path(path_type=Path), help="Also write the outcome as JSON.")
def cli(network: str, **options: Any) -> None:
    """Deploy (or finish deploying) Strikeforge on the connected network, then verify it."""
    from strikeforge.rpc import connected_to

    with connected_to(network):
        _deploy(**options)


def _deploy(
    config_file: Path | None,
    manifest_file: Path | None,
    alias: str | None,
    dry_run: bool,
    fresh: bool,
    json_file: Path | None,
) -> None:
    console = Console()
    root = find_project_root()
    network, provider_name = connected_network()
    ecosystem, name = network.replace("-fork", "").split(":")
    try:
        config = load(config_file or config_path(root, ecosystem, name))
        path = manifest_file or manifest_path(root, config, provider_name)
        run = open_run(config, root, path, fresh=fresh, account_alias=alias)
        console.print(f"[bold]deploy[/bold] {network}:{provider_name} as {run.deployer.address}; manifest {path}")

        def report(result: StepResult) -> None:
            gas = f"{result.gas:,} gas" if result.gas else ""
            console.print(f"  {result.status:>8}  {result.label}  {gas}")

        outcome = deploy(run, dry_run=dry_run, report=report)
    except (ConfigError, ManifestError, DeployError) as error:
        raise click.ClickException(str(error)) from None

    if dry_run:
        table = Table(title=f"Plan on {network} (nothing sent)")
        for column in ("step", "status", "gas"):
            table.add_column(column, justify="right" if column == "gas" else "left")
        for result in outcome.results:
            table.add_row(result.label, result.status, f"{result.gas:,}" if result.gas else "")
        total = sum(r.gas or 0 for r in outcome.results)
        table.add_row("total", "", f"{total:,}")
        console.print(table)
        return
    checks = Table(title="Verification")
    for column in ("check", "expected", "actual", ""):
        checks.add_column(column)
    for check in outcome.checks:
        verdict = "[green]ok[/green]" if check.ok else "[red]NO[/red]"
        checks.add_row(check.subject, check.expected, check.actual, verdict)
    console.print(checks)
    if json_file is not None:
        document = {
            "network": network,
            "manifest": str(path),
            "contracts": outcome.run.manifest.contracts(),
            "steps": [r.__dict__ for r in outcome.results],
            "checks": [{**c.__dict__, "ok": c.ok} for c in outcome.checks],
        }
        json_file.write_text(json.dumps(document, indent=2) + "\n")
    sent = sum(r.status in {"sent", "resumed"} for r in outcome.results)
    if not outcome.ok:
        failed = [c.subject for c in outcome.checks if not c.ok]
        raise click.ClickException(f"verification failed: {', '.join(failed)}")
    console.print(
        f"[bold green]deployed[/bold green]: {sent} transactions sent ({outcome.gas_used:,} gas); all checks ok"
    )
