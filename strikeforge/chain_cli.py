"""`strikeforge chain start|stop|status|reset`: the persistent local chain (strikeforge/localchain.py)."""

from __future__ import annotations

from pathlib import Path

import click

from strikeforge.localchain import (
    KEPT_STATES,
    NETWORK,
    ChainError,
    configured_port,
    default_paths,
    reset,
    start,
    status,
    stop,
)


def _root() -> Path:
    from strikeforge.paths import ProjectNotFoundError, find_project_root

    try:
        return find_project_root()
    except ProjectNotFoundError as exc:
        raise click.UsageError(str(exc)) from exc


@click.group()
def chain() -> None:
    """The project's local chain that stays up between commands (Ape network ethereum:local:node)."""


@chain.command("start")
@click.option(
    "--history",
    default=KEPT_STATES,
    show_default=True,
    type=click.IntRange(0, 1_000_000),
    help="Past blocks whose state stays readable (in anvil's memory).",
)
@click.option(
    "--save-history",
    is_flag=True,
    help="Also keep those states across restarts, in the state file (about 0.9 MB of file per block).",
)
def chain_start(history: int, save_history: bool) -> None:
    """Start anvil in the background, reloading its saved state (.cache/chain/state.json); a no-op when running."""
    root = _root()
    paths = default_paths(root)
    try:
        now = start(root, paths, configured_port(root), history=history, save_history=save_history)
    except ChainError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"chain: {now.url} (pid {now.pid}, block {now.block}, genesis {now.genesis}); state {paths.state}, log"
        f" {paths.log}. Use --network {NETWORK}; stop it with `make chain-stop`."
    )


@chain.command("stop")
def chain_stop() -> None:
    """Stop the chain; its state is written to .cache/chain/state.json and reloaded by the next start."""
    paths = default_paths(_root())
    try:
        stopped = stop(paths)
    except ChainError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"chain: stopped; state saved in {paths.state}" if stopped else "chain: not running")


@chain.command("status")
def chain_status() -> None:
    """Whether the chain runs, its block and genesis hash, and the size of its saved state; exit 1 if stopped."""
    root = _root()
    paths = default_paths(root)
    try:
        now = status(paths, configured_port(root))
    except ChainError as exc:
        raise click.ClickException(str(exc)) from exc
    if not now.running:
        click.echo(f"chain: not running (saved state: {now.state_bytes:,} bytes in {paths.state}); `make chain`")
        raise SystemExit(1)
    click.echo(f"chain: {now.url} pid {now.pid} block {now.block} genesis {now.genesis}")


@chain.command("reset")
def chain_reset() -> None:
    """Forget the stopped chain: its saved state, and its deployment manifest (kept as .json.old)."""
    root = _root()
    paths = default_paths(root)
    try:
        reset(paths)
    except ChainError as exc:
        raise click.ClickException(str(exc)) from exc
    manifest = root / ".cache" / "deployments" / "ethereum-local-node.json"
    if manifest.is_file():
        manifest.replace(manifest.with_suffix(".json.old"))
    click.echo(f"chain: state removed ({paths.state}); the next `make chain` starts a new chain (deploy it again)")
