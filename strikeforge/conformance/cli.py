"""`strikeforge conformance SUITE --address 0x... --network ...`: a suite against anyone's deployed contract.

Read-only properties run on any network. Properties that send transactions run on local chains and forks only (each
example inside a snapshot that is restored, so the chain is left as found), acting as the local test accounts.
Exit status: 0 when at least one property passed and every property that ran passed; 1 when one failed or could not
complete (a call it needs reverted), or when nothing was checked (every property not run or not applicable); 2 on bad
input (one line: the option, the value, the fix).
"""

from __future__ import annotations

from typing import Any

import click

from strikeforge.conformance.core import SUITES, ConformanceError, Outcome, Subject, run_suite

NEEDS_TRANSACTIONS = "local chains and forks"


class InputError(click.ClickException):
    """Bad input: one line, exit status 2."""

    exit_code = 2


def _local(network: str) -> bool:
    parts = network.split(":")
    return len(parts) > 1 and (parts[1] == "local" or parts[1].endswith("-fork"))


def _actors(spec: str, accounts: Any) -> list[Any]:
    try:
        indices = [int(i) for i in spec.split(",") if i.strip()]
    except ValueError:
        raise ConformanceError(
            f"--actors {spec}: not a comma-separated list of test account indices (e.g. 1,2,3,4)"
        ) from None
    available = len(accounts.test_accounts)
    if len(indices) < 2 or len(set(indices)) != len(indices) or any(not 0 <= i < available for i in indices):
        raise ConformanceError(
            f"--actors {spec}: give at least two distinct test account indices below {available} (e.g. 1,2,3,4)"
        )
    return [accounts.test_accounts[i] for i in indices]


def _pairs(specs: tuple[str, ...]) -> list[tuple[str, str]]:
    from strikeforge.conformance.abi import checked_address

    pairs = []
    for spec in specs:
        base, _, quote = spec.partition(":")
        if not quote:
            raise ConformanceError(f"--pair {spec}: not BASE:QUOTE; give two addresses joined by ':'")
        pairs.append((checked_address(base, "--pair base"), checked_address(quote, "--pair quote")))
    return pairs


def exit_status(outcomes: list[Outcome]) -> int:
    """0 only when something was checked and held: a failure, a property that could not complete, or a run in which no
    property passed (all skipped or not applicable) is 1, so that a CI job never reads an unchecked contract as a
    conforming one."""
    if any(o.status in ("fail", "error") for o in outcomes):
        return 1
    return 0 if any(o.status == "pass" for o in outcomes) else 1


def _line(outcome: Outcome) -> str:
    status = {"pass": "PASS", "fail": "FAIL", "error": "ERR ", "n/a": "N/A ", "not run": "SKIP"}[outcome.status]
    timing = f" {outcome.seconds:.1f}s" if outcome.status in ("pass", "fail", "error") else ""
    head = f"{status} {outcome.prop.id:<20} [{outcome.prop.level}] {outcome.prop.cite}{timing}"
    return head + (f"\n       {outcome.detail}" if outcome.detail else "")


@click.command("conformance")
@click.argument("suite", type=click.Choice(sorted(SUITES)))
@click.option("--address", required=True, help="The contract to check (0x...).")
@click.option("--network", default="ethereum:local:foundry", show_default=True, help="Ape network choice.")
@click.option("--abi", "abi_path", help="The contract's JSON ABI or artifact (default: the standard's interface).")
@click.option("--examples", default=10, show_default=True, type=click.IntRange(1, 100_000), help="Per property.")
@click.option("--seed", default=0, show_default=True, help="Hypothesis seed (the same seed draws the same examples).")
@click.option(
    "--fund",
    type=click.Choice(["storage", "mint", "none"]),
    default="storage",
    show_default=True,
    help="How actors get tokens: write their balance slot (anvil), call the token's mint(address,uint256), or not.",
)
@click.option(
    "--fulfil",
    multiple=True,
    help="ACCOUNT:FUNCTION(TYPES)[=ARGS] on the vault, repeatable, in order: what makes pending requests claimable "
    "(e.g. 'test:5:roll()'). ACCOUNT: test:N.",
)
@click.option("--pair", multiple=True, help="erc7726: BASE:QUOTE addresses served (default: the BASE()/QUOTE() views).")
@click.option("--max-amount", type=click.IntRange(1), help="Largest amount per request or transfer, in base units.")
@click.option("--actors", "actor_spec", default="1,2,3,4", show_default=True, help="Test account indices to act as.")
@click.option("--property", "only", multiple=True, help="Only this property (repeatable); ids as printed.")
def conformance(
    suite: str,
    address: str,
    network: str,
    abi_path: str | None,
    examples: int,
    seed: int,
    fund: str,
    fulfil: tuple[str, ...],
    pair: tuple[str, ...],
    max_amount: int | None,
    actor_spec: str,
    only: tuple[str, ...],
) -> None:
    """Check the contract at --address against SUITE (erc7540: with ERC-4626/7575/165; erc20; erc7726; eip712),
    property by property, each citing the standard's section."""
    known = {p.id for p in SUITES[suite]}
    for wanted in only:
        if wanted not in known:
            raise InputError(f"--property {wanted}: not a property of {suite}; use one of {', '.join(sorted(known))}")
    try:
        _run(suite, address, network, abi_path, examples, seed, fund, fulfil, pair, max_amount, actor_spec, only)
    except ConformanceError as exc:
        raise InputError(str(exc)) from None


def _quiet_reverts() -> None:
    """Ape prints the call trace of every revert it meets on a node; the suites revert on purpose, many times."""
    from ape_ethereum.trace import Trace

    Trace.show = lambda self, *args, **kwargs: None  # type: ignore[method-assign]


def _connect(network: str) -> Any:
    from ape.exceptions import ApeException

    from strikeforge.rpc import connected_to

    try:
        return connected_to(network)
    except ApeException as exc:  # pragma: no cover (parse errors surface on enter)
        raise ConformanceError(f"--network {network}: {exc}") from None


def _run(
    suite: str,
    address: str,
    network: str,
    abi_path: str | None,
    examples: int,
    seed: int,
    fund: str,
    fulfil: tuple[str, ...],
    pairs: tuple[str, ...],
    max_amount: int | None,
    actor_spec: str,
    only: tuple[str, ...],
) -> None:
    from ape import accounts, chain
    from ape.exceptions import ApeException
    from ape.logging import logger

    logger.set_level("ERROR")  # no "Confirmed 0x..." line per transaction of the suite
    _quiet_reverts()

    from strikeforge.conformance.abi import bind, checked_address, load_abi
    from strikeforge.conformance.hooks import calls_fulfil, mint_fund, parse_call, storage_fund

    checked_address(address)
    user_abi = load_abi(abi_path) if abi_path else None
    parsed_pairs = _pairs(pairs)
    if fulfil and suite != "erc7540":
        raise ConformanceError(f"--fulfil: only the erc7540 suite fulfils requests, not {suite}")
    for spec in fulfil:
        parse_call(spec)
    try:
        context = _connect(network)
        context.__enter__()
    except click.UsageError as exc:  # strikeforge.rpc: an unset RPC variable, no local chain
        raise ConformanceError(exc.message) from None
    except ApeException as exc:
        reason = str(exc).splitlines()[0].removesuffix(" Options:")
        raise ConformanceError(
            f"--network {network}: {reason}; use ECOSYSTEM:NETWORK:PROVIDER, e.g. ethereum:local:node"
        ) from None
    try:
        stateful = _local(network)
        actors = _actors(actor_spec, accounts) if stateful else []
        contract = bind(suite, address, user_abi)
        funder = {"storage": storage_fund(chain.provider), "mint": mint_fund, "none": None}[fund] if stateful else None
        fulfiller = calls_fulfil(contract.address, list(fulfil), accounts) if (fulfil and stateful) else None
        subject = Subject(contract, chain, actors, funder, fulfiller, examples, seed, stateful)
        if parsed_pairs:
            subject.options["pairs"] = parsed_pairs
        if max_amount:
            subject.options["max_amount"] = max_amount
        click.echo(f"{suite} on {contract.address} ({network}, chain id {chain.chain_id}):")
        outcomes = run_suite(suite, subject, only, report=lambda o: click.echo(_line(o)))
    finally:
        context.__exit__(None, None, None)
    counts = {s: sum(o.status == s for o in outcomes) for s in ("pass", "fail", "error", "n/a", "not run")}
    click.echo(
        f"{suite}: {counts['pass']} passed, {counts['fail']} failed, {counts['n/a']} not applicable,"
        f" {counts['not run']} not run"
        + (f", {counts['error']} could not complete" if counts["error"] else "")
        + ("" if stateful else f" (properties that send transactions run on {NEEDS_TRANSACTIONS} only)")
    )
    if not counts["pass"]:
        click.echo(f"{suite}: nothing was checked (no property ran and passed): not a conformance result")
    status = exit_status(outcomes)
    if status:
        raise SystemExit(status)
