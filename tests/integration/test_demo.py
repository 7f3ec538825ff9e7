"""The main job (`make demo` runs `ape run demo`) deploys, runs one epoch end to end and reports what it did."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WAD = 10**18


@pytest.mark.parametrize("provider", ["test", "foundry"])
def test_demo_runs_an_epoch_and_writes_its_summary(provider):
    summary_path = ROOT / ".cache" / "demo" / f"summary-{provider}.json"
    summary_path.unlink(missing_ok=True)
    ape = Path(sys.executable).with_name("ape")
    result = subprocess.run(
        [str(ape), "run", "demo", "--network", f"ethereum:local:{provider}"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "demo complete:" in result.stdout
    summary = json.loads(summary_path.read_text())
    assert summary["network"] == f"ethereum:local:{provider}"
    assert {"Safe", "StrikeforgeTimelock", "ThetaVault", "OptionsEngine", "SettlementLedger", "BatchAuction"} <= set(
        summary["contracts"]
    )
    assert summary["deployment_checks"] == 53
    # Deposits of 100 + 50 + 20 WETH are all written as calls; the strike is the listed one (100 grid) closest to
    # 10-delta at the published 50% vol (the demo checks it against the selector's quote at the roll).
    assert summary["series"]["options_written"] == 170 * WAD
    first = summary["rolls"][0]
    assert first["selector"] == "DeltaStrikeSelector" and first["strike"] == summary["series"]["strike"]
    assert summary["series"]["strike"] % (100 * WAD) == 0 and summary["series"]["strike"] > summary["spot_at_roll"]
    assert all(abs(roll["strike_delta"] - WAD // 10) < WAD // 20 for roll in summary["rolls"])
    # The auction: the reserve is the selector's value less 10%; the market makers bid 98% and 94% of the value for
    # 120 and 100 calls: demand covers the 170 calls at the lower limit, which clears; the higher bid fills in full,
    # the lower gets the 50 left; each pays its fill at the clearing price, rounded up, and is refunded the rest.
    auction = summary["auction"]
    value, reserve, price = auction["value"], auction["reserve"], auction["clearing_price"]
    assert reserve == -(-value * 9_000 // 10_000) and auction["discount_bps"] == 1_000
    (high, low) = auction["bids"]
    assert (high["bidder"], high["limit"], low["bidder"], low["limit"]) == (
        "market maker",
        value * 9_800 // 10_000,
        "market maker 2",
        value * 9_400 // 10_000,
    )
    assert reserve < low["limit"] == price < high["limit"]
    assert (high["filled"], low["filled"], auction["sold"], auction["unsold"]) == (120 * WAD, 50 * WAD, 170 * WAD, 0)
    for bid in (high, low):
        assert bid["escrow"] == -(-bid["size"] * bid["limit"] // WAD)
        assert bid["paid"] == -(-bid["filled"] * price // WAD) == bid["escrow"] - bid["refund"]
    assert summary["series"]["premium"] == auction["proceeds"] == high["paid"] + low["paid"]
    assert auction["proceeds"] + auction["refunds"] == auction["escrow"] and auction["finished_by"] == "keeper"
    assert summary["settlement_price"] > summary["series"]["strike"]  # the replay path ends in the money
    strike, settled = summary["series"]["strike"], summary["settlement_price"]
    # The first maker claimed its 120 calls to its wallet and sold 20 of them on the ledger (deposited there): it
    # redeems the other 100. The second bid from its ledger cash: its 50 calls were delivered into its ledger
    # inventory; it sold 10 there. The ledger's 70 calls turned into their payout in the holders' ledger cash (WETH),
    # shares rounded down: a wei below at most.
    assert summary["payouts"]["options"] == {"market maker": 100 * WAD * (settled - strike) // settled}
    claims = summary["payouts"]["ledger_positions"]
    for name, options in (("dave", 20), ("erin", 10), ("market maker 2", 40)):
        assert 0 <= options * WAD * (settled - strike) // settled - claims[name] <= 1
    trades = {t["buyer"]: t for t in summary["ledger_trades"]}
    assert {(n, t["seller"], t["options"]) for n, t in trades.items()} == {
        ("dave", "market maker", 20 * WAD),
        ("erin", "market maker 2", 10 * WAD),
    }
    assert trades["dave"]["price"] == price * 11_000 // 10_000 and trades["erin"]["price"] == price * 11_500 // 10_000
    cost = {n: t["options"] * t["price"] // WAD for n, t in trades.items()}  # netted: size x price, rounded down
    assert summary["fees"] > 0  # owed at the rolls, then claimed by the recipient (a pull)
    assert "claim fees (pulled by the recipient)" in {step["name"] for step in summary["steps"]}
    assert 0 < summary["alice_withdrawn"] < 100 * WAD  # she bore her share of the in-the-money payout
    # Everyone withdrew its ledger cash at the end: the wallets hold what each epoch's moves left.
    balances = summary["balances"]
    assert balances["dave"]["weth"] == 2 * WAD - cost["dave"] + claims["dave"]
    assert balances["erin"]["weth"] == 2 * WAD - cost["erin"] + claims["erin"]
    assert (
        balances["market maker"]["weth"]
        == 10 * WAD - high["paid"] + cost["dave"] + summary["payouts"]["options"]["market maker"]
    )
    assert balances["market maker 2"]["weth"] == 10 * WAD - low["paid"] + cost["erin"] + claims["market maker 2"]
    assert all(row["usdc"] == 0 for name, row in balances.items() if name in ("dave", "erin", "market maker 2"))
    phases = {step["phase"] for step in summary["steps"]}
    assert phases == {"deploy", "fund", "epoch 1", "auction", "trade", "expiry", "withdraw"}
    for held in (
        "auction: proceeds + refunds == escrow",
        "auction: market maker paid its fill times the clearing price, rounded up",
        "auction: market maker 2 paid its fill times the clearing price, rounded up",
        "auction: market maker 2's ledger bid is its own (LedgerBid)",
        "auction: the desk passed everything into the ledger",
        "auction: the vault's totalAssets grew by the proceeds",
        "auction: unsold calls were burned (the token's supply is what was sold)",
        "epoch 1: the reserve is the selector's value less the discount",
        "trade: market maker 2 holds on the ledger the calls it sells",
        "expiry: the ledger redeemed every call it held for the engine's payout",
        "expiry: market maker 2's ledger calls turned into their payout in its ledger cash",
    ):
        assert held in summary["checks"]
    assert summary["total_gas"] == sum(step["gas_used"] for step in summary["steps"])
    assert all(step["gas_used"] >= 21_000 for step in summary["steps"])
    assert summary["seconds"] < 180
