"""`strikeforge index`, `statement`, `reconcile` and `sentinel run`: the operations commands."""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click


def default_manifest(network: str) -> Path:
    """Where `ape run deploy` writes the manifest of a network choice `ecosystem:network[:provider]`."""
    from strikeforge.deploy.deployment import network_manifest

    ecosystem, name, provider = [*network.split(":"), "", ""][:3]
    return network_manifest(Path(), f"{ecosystem}:{name}", provider or "test")


def load_manifest(path: Path) -> dict[str, Any]:
    """The manifest, checked against the connected chain (its chain id and genesis block, as deploy checks them): every
    operations command reads it here. A ClickException names the option and the fix."""
    from ape import chain

    from strikeforge.deploy.manifest import ManifestError, chain_mismatch, connected_genesis, read_document

    redeploy = "redeploy on this chain (make deploy) or point --manifest at this chain's manifest"
    if not path.exists():
        raise click.ClickException(f"--manifest: {path} does not exist; deploy first (ape run deploy) or pass its path")
    try:
        manifest = read_document(path, redeploy)
    except ManifestError as exc:
        raise click.ClickException(f"--manifest: {exc}") from None
    mismatch = chain_mismatch(manifest, int(chain.chain_id), connected_genesis())
    if mismatch is not None and mismatch[0] == "chain_id":
        raise click.ClickException(
            f"--manifest: {path} is for chain_id {manifest.get('chain_id')}, but the connected chain is"
            f" {chain.chain_id}; connect to the manifest's network (--network) or pass its manifest"
        )
    if mismatch is not None:
        raise click.ClickException(f"--manifest: {path} is from another chain: its {mismatch[1]}; {redeploy}")
    return manifest


def _network_option(function: Any) -> Any:
    return click.option("--network", default="ethereum:local:foundry", show_default=True, help="Ape network choice.")(
        function
    )


def _manifest_option(function: Any) -> Any:
    return click.option("--manifest", "manifest_path", help="Deployment manifest (default: the network's).")(function)


def _index_option(function: Any) -> Any:
    return click.option(
        "--db",
        "db_spec",
        help="Index store: a SQLite path or postgresql:// URL (default: .cache/ops/index-<net>.sqlite).",
    )(function)


def drop_index(index: Any) -> None:
    """Everything the index holds (one store per network): events, their accounts, the contracts followed (an earlier
    deployment's too), block hashes and the cursor; in one transaction."""
    import re

    from strikeforge.ops.index import SCHEMA

    with index.db.transaction() as db:
        for table in re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", SCHEMA):
            db.execute(f"DELETE FROM {table}")  # noqa: S608 (the schema's own names)


@contextmanager
def _session(
    network: str, manifest_path: str | None, db_spec: str | None, rebuild: bool = False
) -> Iterator[tuple[dict, Path, Any]]:
    """Connected to `network`, with the manifest and the event index following it (emptied first with `rebuild`):
    yields (manifest, path, index)."""
    from strikeforge.ops.index import EventIndex, follow_manifest
    from strikeforge.rpc import connected_to

    path = Path(manifest_path) if manifest_path else default_manifest(network)
    spec = db_spec or str(Path(".cache/ops") / f"index-{network.replace(':', '-')}.sqlite")
    with connected_to(network):
        manifest = load_manifest(path)
        index = EventIndex(spec)
        try:
            if rebuild:
                drop_index(index)
            follow_manifest(index, manifest)
            yield manifest, path, index
        finally:
            index.close()


def _sync(index: Any, confirmations: int) -> None:
    from rich.progress import Progress

    from strikeforge.ops.index import IndexSyncError

    with Progress(transient=True) as progress:
        task = progress.add_task("indexing", total=None)

        def report(done: int, top: int) -> None:
            progress.update(task, total=top, completed=done)

        try:
            result = index.sync(confirmations=confirmations, progress=report)
        except IndexSyncError as exc:
            raise click.ClickException(str(exc)) from exc
    rewound = f"; reorganization undone above block {result.rewound_to}" if result.rewound_to is not None else ""
    click.echo(f"index: blocks {result.start}..{result.stop}, {result.events} events{rewound}", err=True)


@click.command("index")
@_network_option
@_manifest_option
@_index_option
@click.option("--confirmations", default=0, show_default=True, help="Blocks to stay behind the head.")
@click.option(
    "--rebuild",
    is_flag=True,
    help="Drop the index (every event and contract it holds) and start again from the deployment block.",
)
def index_command(
    network: str, manifest_path: str | None, db_spec: str | None, confirmations: int, rebuild: bool
) -> None:
    """Index the deployment's events (resumes from the last indexed block; undoes shallow reorganizations)."""
    with _session(network, manifest_path, db_spec, rebuild) as (_, _, index):
        _sync(index, confirmations)


@click.command("statement")
@_network_option
@_manifest_option
@_index_option
@click.option("--account", help="The account (0x address).")
@click.option("--all", "all_accounts", is_flag=True, help="Every account the index has seen (a period export).")
@click.option("--from", "start", required=True, help="Start: YYYY-MM-DD (UTC), ISO datetime or unix seconds.")
@click.option("--to", "end", required=True, help="End (inclusive; a date means its end): same formats.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True)
@click.option("--out", "out_path", help="Write here instead of standard output.")
@click.option("--denylist", "denylist_path", help="Screening list: statements say whether each account is listed.")
@click.option("--no-sync", is_flag=True, help="Do not index new blocks first.")
def statement_command(
    network: str,
    manifest_path: str | None,
    db_spec: str | None,
    account: str | None,
    all_accounts: bool,
    start: str,
    end: str,
    fmt: str,
    out_path: str | None,
    denylist_path: str | None,
    no_sync: bool,
) -> None:
    """Trades, fees, premiums, option positions, settlements, deposits and withdrawals, with totals checked against
    chain state at the end block; exit 1 if a total does not reconcile."""
    from strikeforge.ops.denylist import Denylist, DenylistError
    from strikeforge.ops.statement import StatementError, Statements, parse_time, to_csv, to_json

    if bool(account) == all_accounts:
        raise click.UsageError("give exactly one of --account ADDRESS or --all")
    try:
        since, until = parse_time(start, "--from"), parse_time(end, "--to", end_of_day=True)
        denylist = Denylist(Path(denylist_path)) if denylist_path else None
    except (StatementError, DenylistError) as exc:
        raise click.UsageError(str(exc)) from exc
    if account and not (account.startswith("0x") and len(account) == 42):
        raise click.UsageError(f"--account: {account!r} is not an address; pass a 0x-prefixed 40-hex-digit address")
    with _session(network, manifest_path, db_spec) as (_, _, index):
        if not no_sync:
            _sync(index, 0)
        statements = Statements(index, denylist)
        try:
            built = statements.all_accounts(since, until) if all_accounts else [statements.build(account, since, until)]
        except StatementError as exc:
            raise click.UsageError(str(exc)) from exc
    text = to_csv(built) if fmt == "csv" else to_json(built)
    if out_path:
        Path(out_path).parent.mkdir(parents=True, exist_ok=True)
        Path(out_path).write_text(text)
        click.echo(f"{len(built)} statement(s) written to {out_path}", err=True)
    else:
        click.echo(text, nl=False)
    unverified = [s.account for s in built if s.reconciled and not s.verified]
    if unverified:
        click.echo(
            "the end block's state is pruned: totals read at the index's cursor less later activity agree but are not"
            f" verified at the end block (an archive node verifies them) for: {', '.join(unverified)}",
            err=True,
        )
    bad = [s.account for s in built if not s.reconciled]
    if bad:
        click.echo(f"totals do not reconcile to chain state for: {', '.join(bad)}", err=True)
        sys.exit(1)


@click.command("reconcile")
@_network_option
@_manifest_option
@_index_option
@click.option("--sequencer-db", help="The sequencer's SQLite path or postgresql:// URL.")
@click.option("--oracle-state", type=click.Path(exists=True, dir_okay=False), help="The oracle node's state file.")
@click.option("--keeper-state", type=click.Path(exists=True, dir_okay=False), help="The keeper's rolls file.")
@click.option("--watcher-state", type=click.Path(exists=True, dir_okay=False), help="The watcher's progress file.")
@click.option("--no-index", is_flag=True, help="Skip the event index (and the checks built on it).")
@click.option("--feed", "feeds", multiple=True, help="Oracle node feed to oracle: NAME=0xADDRESS (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON document instead of lines.")
def reconcile_command(
    network: str,
    manifest_path: str | None,
    db_spec: str | None,
    sequencer_db: str | None,
    oracle_state: str | None,
    keeper_state: str | None,
    watcher_state: str | None,
    no_index: bool,
    feeds: tuple[str, ...],
    as_json: bool,
) -> None:
    """Compare chain state with every off-chain record given; print each mismatch with both values and their
    sources; exit 1 on any mismatch."""
    from ape import chain

    from strikeforge.ops.reconcile import Context, reconcile

    pairs = {}
    for item in feeds:
        name, _, address = item.partition("=")
        if not name or not (address.startswith("0x") and len(address) == 42):
            raise click.UsageError(f"--feed: {item!r} is not NAME=0xADDRESS; e.g. --feed ETH/USD=0x5FbD...")
        pairs[name] = address
    with _session(network, manifest_path, db_spec) as (manifest, path, index):
        if not no_index:
            _sync(index, 0)
        ctx = Context(
            path,
            manifest,
            index.cursor() if not no_index else int(chain.blocks.height),
            sequencer_db=sequencer_db,
            oracle_state=Path(oracle_state) if oracle_state else None,
            keeper_state=Path(keeper_state) if keeper_state else None,
            watcher_state=Path(watcher_state) if watcher_state else None,
            index=None if no_index else index,
            feeds=pairs,
        )
        mismatches = reconcile(ctx)
    if as_json:
        document = {
            "block": ctx.block,
            "checks": ctx.ran,
            "mismatches": [m.to_json() for m in mismatches],
            "ok": not mismatches,
        }
        click.echo(json.dumps(document, indent=2))
    else:
        for mismatch in mismatches:
            click.echo(mismatch.line())
        verdict = "no mismatches" if not mismatches else f"{len(mismatches)} mismatch(es)"
        click.echo(f"reconciled at block {ctx.block}: {', '.join(ctx.ran)}: {verdict}")
    sys.exit(1 if mismatches else 0)


@click.group("sentinel")
def sentinel() -> None:
    """The protocol sentinel."""


@sentinel.command("run")
@_network_option
@_manifest_option
@click.option("--state", "state_path", default=".cache/ops/sentinel.json", show_default=True, help="Progress file.")
@click.option("--alerts", "alerts_path", help="Also append each alert (one JSON line) to this file.")
@click.option("--outflow-share-bps", default=1_000, show_default=True, help="Outflow alert: share of the holder.")
@click.option("--outflow-window", default=3_600, show_default=True, help="Outflow alert: window in seconds.")
@click.option("--interval", type=float, default=12.0, show_default=True, help="Seconds between scans.")
@click.option("--iterations", type=int, default=None, help="Stop after this many scans (default: forever).")
@click.option("--metrics-host", default="127.0.0.1", show_default=True, help="Metrics and health address.")
@click.option("--metrics-port", type=int, help="Serve /metrics and /health here (0: any free port).")
def sentinel_run(
    network: str,
    manifest_path: str | None,
    state_path: str,
    alerts_path: str | None,
    outflow_share_bps: int,
    outflow_window: int,
    interval: float,
    iterations: int | None,
    metrics_host: str,
    metrics_port: int | None,
) -> None:
    """Watch roles, ownership, timelock operations, pauses, upgrades, oracle signers, outflows and price moves; print
    each alert as one JSON line on standard output."""
    from strikeforge.ops.observe import SentinelObserver, sentinel_tick
    from strikeforge.ops.sentinel import Alert, Limits, Sentinel, manifest_contracts
    from strikeforge.rpc import connected_to

    try:
        limits = Limits(outflow_share_bps, outflow_window)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    path = Path(manifest_path) if manifest_path else default_manifest(network)

    def emit(alert: Alert) -> None:
        line = alert.to_json()
        click.echo(line)
        if alerts_path:
            with Path(alerts_path).open("a") as handle:
                handle.write(line + "\n")

    with connected_to(network):
        contracts, first = manifest_contracts(load_manifest(path))
        watcher = Sentinel(contracts, Path(state_path), limits, first, emit)
        with monitored("sentinel", interval, metrics_host, metrics_port) as metrics:
            run_service(metrics, sentinel_tick(watcher, SentinelObserver(metrics, watcher)), iterations, interval)


@contextmanager
def monitored(service: str, interval: float, host: str, port: int | None) -> Iterator[Any]:
    """The service's metrics, served on `port` (if given) until the block ends; healthy while a tick succeeded in the
    last three intervals (at least a minute)."""
    from strikeforge.ops.metrics import ServiceMetrics, serve

    metrics = ServiceMetrics(service, stale_after=max(60.0, 3 * interval))
    server = serve(metrics, host, port) if port is not None else None
    if server:
        metrics.url = f"http://{server.server_address[0]}:{server.server_address[1]}"
        click.echo(f"{service} metrics on {metrics.url}/metrics, health on {metrics.url}/health", err=True)
    try:
        yield metrics
    finally:
        if server:
            server.shutdown()


def run_service(
    metrics: Any,
    tick: Callable[[], list[Any]],
    iterations: int | None,
    interval: float,
    sleep: Callable[[float], None] = time.sleep,
    report: Callable[[Any], None] | None = None,
) -> None:
    """The service loop: every tick counted by the metrics; a tick that raises is counted, logged and retried."""
    from strikeforge.ticks import run_ticks

    run_ticks(lambda: metrics.run_tick(tick), iterations, interval, sleep, report)


@click.command("address")
@click.argument("key")
@_network_option
@_manifest_option
def address_command(key: str, network: str, manifest_path: str | None) -> None:
    """Print the address the deployment manifest records for KEY (e.g. ThetaVault, SettlementLedger), checked against
    the connected chain: `VAULT=$(strikeforge address ThetaVault --network ethereum:local:node)`."""
    import difflib

    from ape.logging import logger

    from strikeforge.rpc import connected_to

    logger.set_level("WARNING")  # Ape logs "Connecting to ..." on standard output, which is this command's answer
    path = Path(manifest_path) if manifest_path else default_manifest(network)
    with connected_to(network):
        steps = load_manifest(path).get("steps") or {}
    known = sorted(k for k, v in steps.items() if isinstance(v, dict) and v.get("address"))
    if key not in known:
        hint = difflib.get_close_matches(key, known, n=1)
        raise click.ClickException(
            f"KEY: {path} records no contract {key!r}"
            + (f"; did you mean {hint[0]}?" if hint else f"; it has {', '.join(known)}")
        )
    click.echo(steps[key]["address"])


COMMANDS = (index_command, statement_command, reconcile_command, sentinel, address_command)
