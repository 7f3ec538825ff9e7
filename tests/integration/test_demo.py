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
    assert {"Safe", "StrikeforgeTimelock", "ThetaVault", "OptionsEngine", "SettlementLedger"} <= set(
        summary["contracts"]
    )
    assert summary["deployment_checks"] == 42
    # Deposits of 100 + 50 + 20 WETH are all written as calls; 0.01 WETH premium each; the strike is the listed one
    # (100 grid) closest to 10-delta at the published 50% vol (the demo checks it against the selector's pick).
    assert summary["series"]["options_written"] == 170 * WAD
    assert summary["series"]["premium"] == 170 * WAD // 100
    first = summary["rolls"][0]
    assert first["selector"] == "DeltaStrikeSelector" and first["strike"] == summary["series"]["strike"]
    assert summary["series"]["strike"] % (100 * WAD) == 0 and summary["series"]["strike"] > summary["spot_at_roll"]
    assert all(abs(roll["strike_delta"] - WAD // 10) < WAD // 20 for roll in summary["rolls"])
    assert summary["settlement_price"] > summary["series"]["strike"]  # the replay path ends in the money
    strike, price = summary["series"]["strike"], summary["settlement_price"]
    # 30 of the 170 options were sold on the ledger (deposited there, issue 18): the maker redeems the other 140 and
    # the buyers claim their shares of the ledger's redemption.
    assert summary["payouts"]["market_maker"] == 140 * WAD * (price - strike) // price
    claims = summary["payouts"]["ledger_positions"]  # shares of the redeemed 30, rounded down: a wei below at most
    for name, options in (("dave", 20), ("erin", 10)):
        assert 0 <= options * WAD * (price - strike) // price - claims[name] <= 1
    assert summary["fees"] > 0  # owed at the rolls, then claimed by the recipient (a pull)
    assert "claim fees (pulled by the recipient)" in {step["name"] for step in summary["steps"]}
    assert 0 < summary["alice_withdrawn"] < 100 * WAD  # she bore her share of the in-the-money payout
    assert summary["balances"]["dave"]["usdc"] == 5_000 * 10**6 - 20 * 60 * 10**6
    assert summary["balances"]["market maker"]["usdc"] == 20 * 60 * 10**6 + 10 * 62 * 10**6
    phases = {step["phase"] for step in summary["steps"]}
    assert phases == {"deploy", "fund", "epoch 1", "trade", "expiry", "withdraw"}
    assert summary["total_gas"] == sum(step["gas_used"] for step in summary["steps"])
    assert all(step["gas_used"] >= 21_000 for step in summary["steps"])
    assert summary["seconds"] < 180
