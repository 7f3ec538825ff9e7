"""`ape run deploy` on anvil (ethereum:local:foundry): the dry run sends nothing; the real run deploys and verifies."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _deploy(*args: str) -> subprocess.CompletedProcess:
    ape = Path(sys.executable).with_name("ape")
    command = [str(ape), "run", "deploy", "--network", "ethereum:local:foundry", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_dry_run_prints_the_plan_and_writes_no_manifest(tmp_path):
    manifest = tmp_path / "manifest.json"
    result = _deploy("--dry-run", "--manifest", str(manifest))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "nothing sent" in result.stdout and "simulated" in result.stdout
    assert not manifest.exists()


def test_deploy_on_anvil_verifies_every_check(tmp_path):
    manifest, outcome = tmp_path / "manifest.json", tmp_path / "outcome.json"
    result = _deploy("--manifest", str(manifest), "--json", str(outcome))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "all checks ok" in result.stdout
    document = json.loads(outcome.read_text())
    assert document["network"] == "ethereum:local"
    assert len(document["checks"]) == 53 and all(check["ok"] for check in document["checks"])
    # Verification covers the vault's auction: its AUCTION, the auction's bid cap, the pricer and the terms.
    subjects = {check["subject"] for check in document["checks"]}
    assert {
        "BatchAuction code",
        "ThetaVault.AUCTION",
        "BatchAuction.MAX_BIDS",
        "ThetaVault.pricer",
        "ThetaVault.reserve_discount_bps",
        "ThetaVault.auction_duration",
        "ThetaVault.min_bid_bps",
    } <= subjects
    assert json.loads(manifest.read_text())["chain_id"] == 31337


def test_a_config_for_another_network_stops_before_any_transaction(tmp_path):
    config = ROOT / "deployments" / "config" / "ethereum-sepolia.yaml"
    result = _deploy("--config", str(config), "--manifest", str(tmp_path / "m.json"))
    assert result.returncode != 0
    assert "network: the config is for ethereum:sepolia, connected to ethereum:local" in result.stdout + result.stderr
    assert not (tmp_path / "m.json").exists()
