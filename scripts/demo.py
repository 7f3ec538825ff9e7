"""The main job (`make demo`): deploy Strikeforge on a local chain and run one epoch end to end.

Run as `ape run demo --network ethereum:local:foundry` (anvil, the default of `make demo`) or
`--network ethereum:local:test` (EthereumTester). Deploys from deployments/config/ethereum-local.yaml (Safe, timelock,
oracles, engine, batch auction, vault, ledger; verified), runs the oracle node from oracles/replay/demo-eth-usd.csv,
takes deposits, lets the keeper roll (10-delta strike chosen, calls written and offered in the batch auction), has two
market makers bid, the keeper finish the auction and the winners claim, trades through the settlement sequencer (batch
posted, watched, challenge window passed, leaves claimed), expires the series (price recorded, made final, settled),
redeems and withdraws. Prints each transaction, then a summary (balances, the strike and its delta, the auction:
reserve, clearing price, each bidder's fill and payment; payouts, fees, every check that held, gas per step) also
written to .cache/demo/summary-<provider>.json. Any failed step or check exits non-zero.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click
from ape import chain
from rich.console import Console
from rich.table import Table

from strikeforge.demo.flow import STATE_FILES, DemoCheckError, EpochDemo, Step, demo_state_folder
from strikeforge.deploy.config import config_path, load
from strikeforge.paths import find_project_root
from strikeforge.units import format_units

OUTPUT = Path(".cache/demo")


@click.command()
@click.option(
    "--network",
    default="ethereum:local:foundry",
    show_default=True,
    help="A local network: ethereum:local:foundry (a throwaway anvil), ethereum:local:test (EthereumTester) or"
    " ethereum:local:node (the persistent chain of `make chain`).",
)
def cli(network: str) -> None:
    """Deploy on a local chain and run one epoch end to end."""
    from ape import networks

    from strikeforge.rpc import connected_to

    with connected_to(network):
        _demo(networks.provider)


def _demo(provider: object) -> None:
    console = Console(width=120)
    started = time.monotonic()
    network = f"{provider.network.choice}:{provider.name}"  # type: ignore[attr-defined]
    root = find_project_root()
    config = load(config_path(root, "ethereum", "local"))
    console.print(f"[bold]Strikeforge demo[/bold] on {network} (chain id {chain.chain_id})")
    phase = [""]

    def report(step: Step) -> None:
        if step.phase != phase[0]:
            phase[0] = step.phase
            console.print(f"[bold]{step.phase}[/bold]")
        console.print(f"  [green]ok[/green] {step.name} ({step.actor}): {step.gas_used:,} gas")

    demo = EpochDemo(config, root, provider.name, report)  # type: ignore[attr-defined]
    try:
        epoch = demo.run()
    except DemoCheckError as error:
        console.print(f"[red]demo failed[/red] in phase {phase[0] or 'setup'}: {error}")
        raise SystemExit(1) from None
    facts = epoch.facts
    accounts = {**demo.users, **demo.bidders, **demo.buyers}
    fee_recipient = demo.vault.fee_recipient()
    accounts["fee recipient"] = fee_recipient

    balances = {}
    table = Table(title="Balances after the epoch")
    for column in ("account", "WETH", "USDC", "vault shares", "shares worth (WETH)"):
        table.add_column(column, justify="left" if column == "account" else "right")
    for name, who in accounts.items():
        shares = int(demo.vault.balanceOf(who))
        row = {
            "weth": int(demo.weth.balanceOf(who)),
            "usdc": int(demo.usdc.balanceOf(who)),
            "shares": shares,
            "shares_assets": int(demo.vault.convertToAssets(shares)),
        }
        balances[name] = row
        table.add_row(
            name,
            format_units(row["weth"], 18, 4),
            format_units(row["usdc"], 6),
            format_units(shares, 24, 4),
            format_units(row["shares_assets"], 18, 4),
        )
    console.print(table)

    roll, auction = facts["rolls"][0], facts["auction"]
    economics = Table(title=f"Series {facts['series']}")
    economics.add_column("item")
    economics.add_column("value", justify="right")
    economics.add_row("spot at the roll (USDC)", format_units(facts["spot_at_roll"], 18))
    economics.add_row("strike selector and pricer", "DeltaStrikeSelector (10-delta)")
    economics.add_row("implied vol at the roll", f"{roll['implied_vol'] / 10**16:.2f}%")
    economics.add_row("strike (USDC)", format_units(facts["strike"], 18))
    economics.add_row("strike delta (DeltaStrikeSelector.quote)", format_units(roll["strike_delta"], 18, 6))
    economics.add_row("settlement price (USDC)", format_units(facts["settlement_price"], 18))
    economics.add_row("options written", format_units(facts["options_written"], 18))
    economics.add_row("value per option at the roll (WETH)", format_units(auction["value"], 18, 6))
    economics.add_row(
        f"reserve: value less {auction['discount_bps']} bps (WETH)", format_units(auction["reserve"], 18, 6)
    )
    economics.add_row("clearing price (WETH per option)", format_units(auction["clearing_price"], 18, 6))
    economics.add_row("options sold / unsold (burned)", f"{format_units(auction['sold'], 18)} / {auction['unsold']}")
    economics.add_row("premium: the auction's proceeds to the vault (WETH)", format_units(facts["premium"], 18, 6))
    for name, payout in facts["option_payouts"].items():
        economics.add_row(f"payout to {name}'s options (WETH)", format_units(payout, 18, 4))
    economics.add_row("fees owed at the rolls, claimed (WETH)", format_units(facts["fees_claimed"], 18, 6))
    economics.add_row("alice withdrew (WETH)", format_units(facts["alice_withdrawn"], 18, 4))
    for name, value in facts["ledger_position_value"].items():
        economics.add_row(f"{name}'s ledger position at expiry (WETH)", format_units(value, 18, 4))
    console.print(economics)

    bids = Table(title=f"Auction {auction['id']}: bids, fills and payments (finished by the {auction['finished_by']})")
    for column in ("bidder", "options", "limit (WETH)", "escrow", "filled", "paid", "refund"):
        bids.add_column(column, justify="left" if column == "bidder" else "right")
    for bid in auction["bids"]:
        bids.add_row(
            bid["bidder"],
            format_units(bid["size"], 18),
            format_units(bid["limit"], 18, 6),
            format_units(bid["escrow"], 18, 6),
            format_units(bid["filled"], 18),
            format_units(bid["paid"], 18, 6),
            format_units(bid["refund"], 18, 6),
        )
    bids.add_row(
        "total", "", "", format_units(auction["escrow"], 18, 6), format_units(auction["sold"], 18),
        format_units(auction["proceeds"], 18, 6), format_units(auction["refunds"], 18, 6),
    )  # fmt: skip
    console.print(bids)

    checks = Table(title=f"Checks that held ({len(epoch.checks)})")
    checks.add_column("phase")
    checks.add_column("checks")
    by_phase: dict[str, dict[str, int]] = {}  # phase -> check -> times it held
    for held in epoch.checks:
        phase_name, _, what = held.partition(": ")
        counts = by_phase.setdefault(phase_name, {})
        counts[what] = counts.get(what, 0) + 1
    for phase_name, counts in by_phase.items():
        checks.add_row(phase_name, "; ".join(what + (f" (x{n})" if n > 1 else "") for what, n in counts.items()))
    console.print(checks)

    gas = Table(title="Gas per step")
    for column in ("phase", "step", "actor", "gas"):
        gas.add_column(column, justify="right" if column == "gas" else "left")
    for step in epoch.steps:
        gas.add_row(step.phase, step.name, step.actor, f"{step.gas_used:,}")
    total = sum(s.gas_used for s in epoch.steps)
    gas.add_row("", "total", "", f"{total:,}")
    console.print(gas)

    elapsed = time.monotonic() - started
    summary = {
        "network": network,
        "chain_id": chain.chain_id,
        "contracts": epoch.deployment.run.manifest.contracts() if epoch.deployment else {},
        "series": {k: facts[k] for k in ("series", "strike", "expiry", "options_written", "premium")},
        "spot_at_roll": facts["spot_at_roll"],
        "rolls": facts["rolls"],  # each roll's strike and expiry (with the delta selector: its delta and the vol)
        "settlement_price": facts["settlement_price"],
        "auction": auction,  # reserve, clearing price, each bid's escrow, fill, payment and refund
        "payouts": {"options": facts["option_payouts"], "ledger_positions": facts["ledger_position_value"]},
        "fees": facts["fees_claimed"],
        "alice_withdrawn": facts["alice_withdrawn"],
        "ledger_trades": facts["ledger_trades"],
        "balances": balances,
        "deployment_checks": len(epoch.deployment.checks) if epoch.deployment else 0,
        "checks": epoch.checks,
        "steps": [step.__dict__ for step in epoch.steps],
        "total_gas": total,
        "seconds": round(elapsed, 1),
    }
    OUTPUT.mkdir(parents=True, exist_ok=True)
    out = OUTPUT / f"summary-{network.split(':')[-1]}.json"
    out.write_text(json.dumps(summary, indent=2) + "\n")
    console.print(
        f"[bold green]demo complete[/bold green]: {len(epoch.steps)} transactions in {elapsed:.0f} s;"
        f" summary written to {out}"
    )
    folder = demo_state_folder(root, provider.name)  # type: ignore[attr-defined]
    options = " ".join(f"{option} {_shown(folder / name)}" for option, name in STATE_FILES.items())
    console.print(f"services' state files (oracle node, keeper, sequencer, watcher): {_shown(folder)}/")
    if provider.name == "node":  # type: ignore[attr-defined]
        console.print(
            f"check them against the chain: strikeforge reconcile --network {network} {options}", soft_wrap=True
        )
    else:
        console.print(
            f"(the {network} chain ended with this run; to reconcile, run the demo on the persistent chain: make chain,"
            " then make demo DEMO_NETWORK=node)",
            soft_wrap=True,
        )


def _shown(path: Path) -> str:
    """`path` relative to the working directory when it is inside it (the README's commands run from the root)."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
