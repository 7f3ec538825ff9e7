"""The main job (`make demo`): deploy what the protocol has so far on a local chain and run it end to end.

Run as `ape run demo --network ethereum:local:foundry` (anvil, the default of `make demo`) or
`--network ethereum:local:test` (EthereumTester). Prints each step, a summary table with gas per step, and writes the
same summary as JSON to .cache/demo/summary-<provider>.json. Any failed step or broken check exits non-zero.

Today the protocol is its foundation: a Solidity test asset, a Vyper ERC-4626 vault (snekmate) and a Solidity
depositor calling it. The options, vault, settlement and oracle issues extend this script into a full epoch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import NamedTuple

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand
from rich.console import Console
from rich.table import Table

from strikeforge.units import format_units

UNIT = 10**18
DEPOSITS = {"alice": 1_000, "bob": 250, "carol": 40}  # whole tokens
OUTPUT = Path(".cache/demo")


class DemoCheckError(RuntimeError):
    """A state check after a step failed: the demo did not do what it claims."""


class Step(NamedTuple):
    """One transaction of the demo (a NamedTuple: Ape loads scripts outside sys.modules, which dataclasses need)."""

    name: str
    actor: str
    gas_used: int
    tx: str


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise DemoCheckError(message)


@click.command(cls=ConnectedProviderCommand)
def cli(provider: object) -> None:
    """Deploy the foundation contracts and run deposits and a redemption through both languages."""
    console = Console()
    network = f"{provider.network.choice}:{provider.name}"  # type: ignore[attr-defined]  # ethereum:local:foundry
    deployer, *users = accounts.test_accounts[:4]
    names = dict(zip(DEPOSITS, users, strict=False))
    steps: list[Step] = []

    def record(name: str, actor: str, receipt: object) -> None:
        steps.append(Step(name, actor, receipt.gas_used, receipt.txn_hash))  # type: ignore[attr-defined]
        console.print(f"  [green]ok[/green] {name} ({actor}): {receipt.gas_used:,} gas")  # type: ignore[attr-defined]

    console.print(f"[bold]Strikeforge demo[/bold] on {network} (chain id {chain.chain_id})")
    token = project.MockERC20.deploy("Mock USD", "mUSD", 18, sender=deployer)
    record("deploy MockERC20 (Solidity)", "deployer", chain.get_receipt(token.txn_hash))
    vault = project.MockVault.deploy(token, 0, sender=deployer)
    record("deploy MockVault (Vyper)", "deployer", chain.get_receipt(vault.txn_hash))
    depositor = project.InteropDepositor.deploy(sender=deployer)
    record("deploy InteropDepositor (Solidity)", "deployer", chain.get_receipt(depositor.txn_hash))

    for name, user in names.items():
        amount = DEPOSITS[name] * UNIT
        record("mint test asset", name, token.mint(user, amount, sender=deployer))
        record("approve depositor", name, token.approve(depositor, amount, sender=user))
        expected = vault.previewDeposit(amount)
        record("deposit via Solidity -> Vyper", name, depositor.deposit(vault, amount, user, expected, sender=user))
        _check(vault.balanceOf(user) == expected, f"{name}: expected {expected} shares, got {vault.balanceOf(user)}")

    carol = names["carol"]
    shares = vault.balanceOf(carol)
    assets = vault.previewRedeem(shares)
    record("redeem (Vyper -> Solidity)", "carol", vault.redeem(shares, carol, carol, sender=carol))
    _check(token.balanceOf(carol) == assets, f"carol: expected {assets} assets back, got {token.balanceOf(carol)}")
    total = sum(DEPOSITS[n] for n in ("alice", "bob")) * UNIT
    _check(vault.totalAssets() == total == token.balanceOf(vault), "vault assets do not match the deposits left")

    table = Table(title="Balances after the demo")
    for column in ("account", "vault shares", "asset balance"):
        table.add_column(column, justify="right" if column != "account" else "left")
    for name, user in names.items():
        table.add_row(name, format_units(vault.balanceOf(user), 18), format_units(token.balanceOf(user), 18))
    table.add_row("vault (total)", format_units(vault.totalSupply(), 18), format_units(vault.totalAssets(), 18))
    console.print(table)

    gas = Table(title="Gas per step")
    gas.add_column("step")
    gas.add_column("actor")
    gas.add_column("gas", justify="right")
    for step in steps:
        gas.add_row(step.name, step.actor, f"{step.gas_used:,}")
    console.print(gas)

    summary = {
        "network": network,
        "chain_id": chain.chain_id,
        "contracts": {"MockERC20": token.address, "MockVault": vault.address, "InteropDepositor": depositor.address},
        "balances": {
            name: {"shares": vault.balanceOf(user), "assets": token.balanceOf(user)} for name, user in names.items()
        },
        "vault_total_assets": vault.totalAssets(),
        "steps": [s._asdict() for s in steps],
        "total_gas": sum(s.gas_used for s in steps),
    }
    OUTPUT.mkdir(parents=True, exist_ok=True)
    out = OUTPUT / f"summary-{network.split(':')[-1]}.json"
    out.write_text(json.dumps(summary, indent=2) + "\n")
    console.print(f"[bold green]demo complete[/bold green]: {len(steps)} transactions; summary written to {out}")
