"""The ``strikeforge`` console command."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from strikeforge.paths import ProjectNotFoundError, find_project_root


def _root(option: str | None) -> Path:
    try:
        return find_project_root(Path(option) if option else None)
    except ProjectNotFoundError as exc:
        raise click.UsageError(str(exc)) from exc


@click.group()
@click.version_option(package_name="strikeforge")
def main() -> None:
    """Strikeforge: options vaults, rollup settlement and oracles; their toolchain, services and audits."""


@main.group()
def toolchain() -> None:
    """The offline compiler and chain toolchain."""


@toolchain.command("setup")
@click.option("--root", help="Project root (default: the nearest folder with ape-config.yaml).")
@click.option("--venv", help="Virtual environment to register into (default: the running one).")
def toolchain_setup(root: str | None, venv: str | None) -> None:
    """Register solc (native if installed, else the solc-js shim) and anvil/forge in the virtual environment."""
    from strikeforge.toolchain.anvil import FoundrySetupError, install_foundry
    from strikeforge.toolchain.config import ToolchainConfigError, read_pins
    from strikeforge.toolchain.solc import SolcSetupError, register_solc

    project = _root(root)
    env = Path(venv).resolve() if venv else Path(sys.prefix)
    try:
        pins = read_pins(project)
        reg = register_solc(project, env, pins.solidity)
        anvil, forge = install_foundry(project, env)
    except (ToolchainConfigError, SolcSetupError, FoundrySetupError) as exc:
        raise click.ClickException(str(exc)) from exc
    kind = "native solc" if reg.native else "solc-js through the shim (no native solc of this version found)"
    click.echo(f"solc {reg.version}: {kind}, registered as {reg.executable}")
    click.echo(f"anvil: {anvil} (--prune-history, project-local HOME); forge: {forge}")


@toolchain.command("doctor")
@click.option("--root", help="Project root (default: the nearest folder with ape-config.yaml).")
def toolchain_doctor(root: str | None) -> None:
    """Show what the toolchain resolves to; exit 1 if anything is missing."""
    from strikeforge.toolchain.doctor import report

    ok = report(_root(root), Path(sys.prefix))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":  # pragma: no cover
    main()
