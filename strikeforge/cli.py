"""The ``strikeforge`` console command."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from strikeforge.paths import ProjectNotFoundError, find_project_root
from strikeforge.settlement import API_WORKERS


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


class CampaignError(click.ClickException):
    """A campaign that could not start: one line, exit status 2 (1 means a worker found a failure)."""

    exit_code = 2


@main.group()
def fuzz() -> None:
    """Stateful fuzz campaigns on the in-process engine."""


@fuzz.command("campaign")
@click.argument("target")
@click.option("--workers", default=2, show_default=True, help="Worker processes (one per core).")
@click.option("--examples", default=2_000, show_default=True, help="Examples in total, shared among the workers.")
@click.option("--steps", default=25, show_default=True, help="Steps per example (each step: one rule, or 16 handlers).")
@click.option(
    "--database",
    default=".hypothesis/campaigns",
    show_default=True,
    help="Example database shared by the workers: a directory, or redis://host:port/db.",
)
@click.option("--seed", default=0, show_default=True, help="Seed of worker 0 (worker i uses seed + i).")
@click.option("--reuse-only", is_flag=True, help="Only replay the examples already in the database.")
@click.option(
    "--report-dir",
    default=".hypothesis/campaign-reports",
    show_default=True,
    help="Where each campaign's folder goes: report.txt, and per failure its @reproduce_failure line and call trace.",
)
def fuzz_campaign(
    target: str, workers: int, examples: int, steps: int, database: str, seed: int, reuse_only: bool, report_dir: str
) -> None:
    """Run TARGET (package.module:MachineClass) on several processes; exit 1 when any worker finds a failure, 2 when
    the campaign cannot start (an unreachable database, contracts that do not compile, a machine that cannot deploy).
    Compiles first (ape compile) when the build is missing or older than the sources.

    \b
    e.g. strikeforge fuzz campaign tests.fuzz.test_vault_invariants:VaultMachine --workers 2 --examples 20000
         strikeforge fuzz campaign tests.settlement.test_ledger_invariants:LedgerMachine --database redis://127.0.0.1:6379/0
    """
    from strikeforge.fuzz.campaign import (
        CampaignSetupError,
        check_database,
        ensure_compiled,
        run_campaign,
        write_report,
    )

    try:
        check_database(database)  # before compiling or starting anything
    except CampaignSetupError as exc:
        raise click.UsageError(f"--database {exc}") from exc
    try:
        ensure_compiled(_root(None), report=lambda line: click.echo(line, err=True))
    except CampaignSetupError as exc:
        raise CampaignError(str(exc)) from exc
    try:
        result = run_campaign(target, workers, examples, steps, database, seed, reuse_only)
    except CampaignSetupError as exc:
        raise click.UsageError(f"--database {exc}") from exc
    except (ValueError, ImportError, AttributeError) as exc:
        raise click.UsageError(str(exc)) from exc
    if result.setup_errors:
        first = result.setup_errors[0]
        raise CampaignError(
            f"{target}: worker {first.worker} could not deploy the machine's contracts ({first.setup_error}); nothing"
            " was fuzzed: fix the machine's deploy() or the build (ape compile)"
        )
    for line in write_report(result, report_dir):
        click.echo(line)
    sys.exit(1 if result.failed else 0)


def _clock_option(help_text: str):  # noqa: ANN202 (a click decorator)
    return click.option(
        "--clock", type=click.Choice(["system", "chain"]), default="system", show_default=True, help=help_text
    )


def _console_logging(queued: bool = False) -> None:
    from strikeforge.ops.logs import console_logging

    console_logging(queued)


def _clock(choice: str):  # noqa: ANN202
    """Seconds now: the system clock, or the connected chain's next block (local demos run ahead of wall time)."""
    import time

    from ape import chain

    return (lambda: chain.pending_timestamp) if choice == "chain" else (lambda: int(time.time()))


def _metrics_options(function):  # noqa: ANN001, ANN202 (click decorators)
    function = click.option("--metrics-port", type=int, help="Serve /metrics and /health here (0: any free port).")(
        function
    )
    return click.option("--metrics-host", default="127.0.0.1", show_default=True, help="Metrics and health address.")(
        function
    )


@main.group()
def oracle() -> None:
    """The off-chain oracle node."""


@oracle.command("run")
@click.option("--config", "config_path", default="oracles/feeds.yaml", show_default=True, help="The feeds file.")
@click.option("--network", default="ethereum:local:foundry", show_default=True, help="Ape network choice.")
@click.option(
    "--manifest",
    "manifest_path",
    help="Deployment manifest for feeds whose oracle is manifest:KEY (default: the network's).",
)
@click.option("--iterations", type=int, default=None, help="Stop after this many ticks (default: run forever).")
@_clock_option("Round timestamps from the system clock, or from the chain's next block (local demos).")
@_metrics_options
def oracle_run(
    config_path: str,
    network: str,
    manifest_path: str | None,
    iterations: int | None,
    clock: str,
    metrics_host: str,
    metrics_port: int | None,
) -> None:
    """Fetch, aggregate, sign and publish every feed in the config, every poll interval."""
    from strikeforge.accounts import AccountError
    from strikeforge.oracle.config import MANIFEST_PREFIX, ConfigError, load, resolve_manifest
    from strikeforge.oracle.runner import build_node
    from strikeforge.oracle.signing import SignerError

    _console_logging()
    try:
        config = load(Path(config_path))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    from strikeforge.rpc import connected_to

    with connected_to(network):
        if any(feed.oracle.startswith(MANIFEST_PREFIX) for feed in config.feeds):
            from strikeforge.ops.cli import default_manifest, load_manifest

            path = Path(manifest_path) if manifest_path else default_manifest(network)
            try:
                config = resolve_manifest(config, load_manifest(path), str(path))
            except ConfigError as exc:
                raise click.ClickException(str(exc)) from exc
        try:
            node, state = build_node(config, clock=_clock(clock))
        except (AccountError, SignerError) as exc:
            raise click.ClickException(str(exc)) from exc
        from strikeforge.ops.cli import monitored, run_service
        from strikeforge.ops.observe import OracleObserver, oracle_tick

        try:
            with monitored("oracle", node.poll_interval, metrics_host, metrics_port) as metrics:
                tick = oracle_tick(node, OracleObserver(metrics))
                report = lambda o: click.echo(f"{o.feed}: {o.action} ({o.detail})")  # noqa: E731
                run_service(metrics, tick, iterations, node.poll_interval, node.sleep, report)
        finally:
            state.close()


@main.group()
def keeper() -> None:
    """The vault keeper."""


@keeper.command("run")
@click.option("--vault", "vault_address", required=True, help="ThetaVault address.")
@click.option("--network", default="ethereum:local:foundry", show_default=True, help="Ape network choice.")
@click.option(
    "--account", "alias", help="Ape account alias or pkcs11:LABEL holding KEEPER_ROLE (required off local networks)."
)
@click.option("--test-account", type=int, help="Index of a local test account (local networks only).")
@click.option("--state", "state_path", default=".cache/keeper/rolls.sqlite", show_default=True, help="SQLite file.")
@click.option("--interval", type=float, default=60.0, show_default=True, help="Seconds between ticks.")
@click.option("--iterations", type=int, default=None, help="Stop after this many ticks (default: forever).")
@_clock_option("Time for expiry checks: the system clock, or the chain's next block (local demos).")
@_metrics_options
def keeper_run(
    vault_address: str,
    network: str,
    alias: str | None,
    test_account: int | None,
    state_path: str,
    interval: float,
    iterations: int | None,
    clock: str,
    metrics_host: str,
    metrics_port: int | None,
) -> None:
    """Roll the vault's epochs when due (once each, across restarts) and finish each epoch's auction once its
    bidding has ended."""
    import time

    from strikeforge.keeper.service import Keeper, RollLog

    with _connected(network, alias, test_account) as (account, project):
        vault = project.ThetaVault.at(vault_address)
        engine = project.OptionsEngine.at(vault.ENGINE())
        router = project.OracleRouter.at(engine.ROUTER())
        auction = project.BatchAuction.at(vault.AUCTION())
        rolls = RollLog(Path(state_path))
        from strikeforge.ops.cli import monitored, run_service
        from strikeforge.ops.observe import KeeperObserver, keeper_tick

        service = Keeper(vault, engine, router, account, rolls, _clock(clock), auction)
        try:
            with monitored("keeper", interval, metrics_host, metrics_port) as metrics:
                tick = keeper_tick(service, KeeperObserver(metrics, service))
                report = lambda a: click.echo(f"epoch {a.epoch}: {a.kind} ({a.detail})")  # noqa: E731
                run_service(metrics, tick, iterations, interval, time.sleep, report)
        finally:
            rolls.close()


@main.group()
def settle() -> None:
    """Rollup settlement: the sequencer and the watcher."""


def _account_options(role: str):  # noqa: ANN202 (click decorators)
    def wrap(function):  # noqa: ANN001, ANN202
        function = click.option("--test-account", type=int, help="Index of a local test account (local only).")(
            function
        )
        return click.option(
            "--account", "alias", help=f"Ape account alias or pkcs11:LABEL ({role}; required off local networks)."
        )(function)

    return wrap


def _one_account(alias: str | None, test_account: int | None) -> None:
    """Before connecting anywhere: exactly one of --account and --test-account."""
    if (alias is None) == (test_account is None):
        raise click.UsageError("give exactly one of --account (an Ape account alias) or --test-account (local only)")


@contextmanager
def _connected(
    network: str, alias: str | None, test_account: int | None, queued_logging: bool = False
) -> Iterator[tuple[Any, Any]]:
    """Console logging on (written by a background thread if `queued_logging`), the account options checked, then
    connected to `network`: yields (account, project)."""
    _console_logging(queued_logging)
    _one_account(alias, test_account)
    from ape import project

    from strikeforge.rpc import connected_to

    with connected_to(network):
        yield _load_account(alias, test_account), project


def _load_account(alias: str | None, test_account: int | None):  # noqa: ANN202
    """The sending account, once connected (after `_one_account`)."""
    from strikeforge.accounts import AccountError, sending_account
    from strikeforge.keys.pkcs11 import Pkcs11Error

    try:
        return sending_account(alias, test_account, alias_setting="--account", test_setting="--test-account")
    except Pkcs11Error as exc:  # the token, not the command line: one line, no usage text
        raise click.ClickException(str(exc)) from None
    except AccountError as exc:
        raise click.UsageError(str(exc)) from exc


@settle.command("run")
@click.option("--ledger", "ledger_address", required=True, help="SettlementLedger address.")
@click.option("--network", default="ethereum:local:foundry", show_default=True, help="Ape network choice.")
@_account_options("holding SEQUENCER_ROLE and the bond")
@click.option(
    "--db",
    "db_path",
    default=".cache/settle/sequencer.sqlite",
    show_default=True,
    help="SQLite file (WAL), or a postgresql:// URL.",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="API address to bind.")
@click.option("--port", default=8547, show_default=True, help="API port (0: any free port, printed at start).")
@click.option(
    "--api-workers",
    type=click.IntRange(0, 64),
    default=API_WORKERS,
    show_default=True,
    help="Worker processes serving the API beside the engine (HTTP on their own cores; 0: all in this process).",
)
@click.option("--batch-interval", type=int, default=10, show_default=True, help="Seconds between batch cuts.")
@click.option("--cosign-timeout", type=int, default=30, show_default=True, help="Seconds to co-sign, per round.")
@click.option(
    "--trading-cutoff",
    type=int,
    default=300,
    show_default=True,
    help="Seconds before a series' expiry from which its orders are refused (fills must be posted before expiry).",
)
@click.option("--interval", type=float, default=1.0, show_default=True, help="Seconds between ticks.")
@click.option("--iterations", type=int, default=None, help="Stop after this many ticks (default: forever).")
@_clock_option("Order expiry and deadlines: the system clock, or the chain's next block (local demos).")
@click.option("--denylist", "denylist_path", help="Address screening list (reloaded when it changes).")
@_metrics_options
def settle_run(
    ledger_address: str,
    network: str,
    alias: str | None,
    test_account: int | None,
    db_path: str,
    host: str,
    port: int,
    api_workers: int,
    batch_interval: int,
    cosign_timeout: int,
    trading_cutoff: int,
    interval: float,
    iterations: int | None,
    clock: str,
    denylist_path: str | None,
    metrics_host: str,
    metrics_port: int | None,
) -> None:
    """The sequencer: the order API, matching, batches, co-signatures and posting (resumes after any crash)."""
    from strikeforge.ops.denylist import Denylist, DenylistError
    from strikeforge.settlement.chain import ApeLedger
    from strikeforge.settlement.sequencer import Sequencer, Settings
    from strikeforge.settlement.service import run_sequencer
    from strikeforge.settlement.store import Store

    if trading_cutoff < batch_interval + cosign_timeout:
        raise click.UsageError(
            f"--trading-cutoff: {trading_cutoff} s is shorter than --batch-interval + --cosign-timeout"
            f" ({batch_interval + cosign_timeout} s); raise it, or a fill made just before the cutoff cannot be posted"
            " before expiry"
        )
    try:
        screen = Denylist(Path(denylist_path)) if denylist_path else None
    except DenylistError as exc:
        raise click.UsageError(f"--denylist: {exc}") from exc
    with _connected(network, alias, test_account, queued_logging=True) as (account, project):
        ledger = ApeLedger(project.SettlementLedger.at(ledger_address), account)
        store = Store(db_path)  # a path, or a postgresql:// URL
        sequencer = Sequencer(
            store, ledger, Settings(batch_interval, cosign_timeout, trading_cutoff=trading_cutoff), screen
        )
        run_sequencer(
            sequencer, _clock(clock), host, port, interval, iterations, metrics_host, metrics_port, api_workers
        )


@settle.command("watch")
@click.option("--ledger", "ledger_address", required=True, help="SettlementLedger address.")
@click.option("--network", default="ethereum:local:foundry", show_default=True, help="Ape network choice.")
@_account_options("that pays for challenges")
@click.option("--state", "state_path", default=".cache/settle/watcher.json", show_default=True, help="Progress file.")
@click.option("--from-block", type=int, default=0, show_default=True, help="First block to scan (first run only).")
@click.option("--interval", type=float, default=5.0, show_default=True, help="Seconds between scans.")
@click.option("--iterations", type=int, default=None, help="Stop after this many scans (default: forever).")
@_metrics_options
def settle_watch(
    ledger_address: str,
    network: str,
    alias: str | None,
    test_account: int | None,
    state_path: str,
    from_block: int,
    interval: float,
    iterations: int | None,
    metrics_host: str,
    metrics_port: int | None,
) -> None:
    """The watcher: rebuild every posted batch from calldata and challenge any invalid one."""
    import time

    from strikeforge.ops.cli import monitored, run_service
    from strikeforge.ops.observe import WatcherObserver, watcher_tick
    from strikeforge.settlement.watcher import Watcher

    with _connected(network, alias, test_account) as (account, project):
        watcher = Watcher(project.SettlementLedger.at(ledger_address), account, Path(state_path), from_block)
        with monitored("watcher", interval, metrics_host, metrics_port) as metrics:
            tick = watcher_tick(watcher, WatcherObserver(metrics, watcher))
            report = lambda f: click.echo(f"batch {f.number}: challenged ({f.kind})")  # noqa: E731
            run_service(metrics, tick, iterations, interval, time.sleep, report)


def _register_audit() -> None:
    from strikeforge.audit.cli import audit

    main.add_command(audit)


_register_audit()


def _register_ops() -> None:
    from strikeforge.ops.cli import COMMANDS

    for command in COMMANDS:
        main.add_command(command)


_register_ops()


def _register_keys() -> None:
    from strikeforge.keys.cli import keys

    main.add_command(keys)


_register_keys()


def _register_release() -> None:
    from strikeforge.release import release

    main.add_command(release)


_register_release()


def _register_chain() -> None:
    from strikeforge.chain_cli import chain

    main.add_command(chain)


_register_chain()


def _register_conformance() -> None:
    from strikeforge.conformance.cli import conformance

    main.add_command(conformance)


_register_conformance()


@main.command(
    "prove", context_settings={"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}
)
@click.pass_context
def prove(ctx: click.Context) -> None:
    """Symbolic checks of the contracts with halmos (tests/symbolic/); --help for the options."""
    from strikeforge.audit.prove.cli import prove as command

    command.main(args=ctx.args, prog_name="strikeforge prove", standalone_mode=True)


if __name__ == "__main__":  # pragma: no cover
    main()
