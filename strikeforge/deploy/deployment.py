"""One deployment, start to finish (what `ape run deploy` and the demo call): open the config, the account and the
manifest; check everything before the first transaction; plan; send; verify."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from strikeforge.accounts import AccountError, sending_account
from strikeforge.deploy import plan
from strikeforge.deploy.config import LOCAL_NETWORKS, ConfigError, DeployConfig
from strikeforge.deploy.manifest import Manifest, ManifestError, connected_genesis
from strikeforge.deploy.runner import (
    DeployError,
    Run,
    StepResult,
    check_funds,
    compiler_versions,
    estimate,
    preflight,
)
from strikeforge.deploy.verify import Check, verify


def manifest_path(root: Path, config: DeployConfig, provider_name: str) -> Path:
    """The manifest of the config's network on this provider (see `network_manifest`)."""
    return network_manifest(root, config.network, provider_name)


def network_manifest(root: Path, network: str, provider_name: str) -> Path:
    """deployments/<ecosystem>-<network>.json; local chains (which do not outlive a run) under .cache/deployments,
    per provider. `network` is `ecosystem:network`."""
    ecosystem, name = network.split(":")[:2]
    if name in LOCAL_NETWORKS:
        return root / ".cache" / "deployments" / f"{ecosystem}-{name}-{provider_name}.json"
    return root / "deployments" / f"{ecosystem}-{name}.json"


def connected_network() -> tuple[str, str]:
    """The connected ecosystem:network and the provider's name."""
    from ape import networks

    provider = networks.provider
    return f"{provider.network.ecosystem.name}:{provider.network.name}", provider.name


def open_run(
    config: DeployConfig, root: Path, path: Path, fresh: bool = False, account_alias: str | None = None
) -> Run:
    """The deployer, the manifest (a manifest of another chain stops here) and the run. Sends nothing."""
    from ape import accounts, chain

    network, _ = connected_network()
    if network.replace("-fork", "") != config.network:
        raise ConfigError(f"network: the config is for {config.network}, connected to {network}; pick its config")
    deployer_config = config.deployer
    try:
        deployer = sending_account(
            account_alias or deployer_config.ape_account,
            None if account_alias else deployer_config.test_account,
            deployer_config.password_env,
            alias_setting="--account" if account_alias else "deployer.ape_account",
            test_setting="deployer.test_account",
            unlock_setting="deployer.password_env",
        )
    except AccountError as error:
        raise ConfigError(str(error)) from None
    if fresh and path.exists():
        path.replace(path.with_suffix(".json.old"))
    manifest = Manifest.open(path, network, chain.chain_id, connected_genesis(), compiler_versions())
    test_accounts = accounts.test_accounts if config.is_local else None
    return Run(config, manifest, deployer, root, test_accounts)


@dataclass
class Outcome:
    run: Run
    results: list[StepResult]
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def gas_used(self) -> int:
        return sum(r.gas or 0 for r in self.results if r.status in {"sent", "resumed"})


def deploy(run: Run, dry_run: bool = False, report: Callable[[StepResult], Any] | None = None) -> Outcome:
    """Preflight, then the plan (dry: simulated or estimated), then every step and the verification."""
    steps = plan.build(run.config)
    run.learn(steps)
    problems = preflight(run)
    if problems:
        raise DeployError("; ".join(problems))
    planned = estimate(run, steps)
    if (problem := check_funds(run, planned)) is not None:
        raise DeployError(problem)
    if dry_run:
        return Outcome(run, planned, [])
    results = []
    for step in steps:
        result = run.execute(step)
        results.append(result)
        if report is not None:
            report(result)
    return Outcome(run, results, verify(run))


__all__ = ["ConfigError", "DeployError", "ManifestError", "Outcome", "deploy", "manifest_path", "open_run"]
