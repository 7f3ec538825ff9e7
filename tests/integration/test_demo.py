"""The main job (`make demo` runs `ape run demo`) works end to end and reports what it did."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("provider", ["test", "foundry"])
def test_demo_runs_and_writes_its_summary(provider):
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
    assert "demo complete: 13 transactions" in result.stdout
    summary = json.loads(summary_path.read_text())
    assert summary["network"] == f"ethereum:local:{provider}"
    assert summary["chain_id"] in {1337, 31337}
    assert summary["balances"]["alice"] == {"shares": 1_000 * 10**18, "assets": 0}
    assert summary["balances"]["carol"] == {"shares": 0, "assets": 40 * 10**18}
    assert summary["vault_total_assets"] == 1_250 * 10**18
    assert len(summary["steps"]) == 13
    assert summary["total_gas"] == sum(step["gas_used"] for step in summary["steps"])
    assert all(step["gas_used"] > 21_000 for step in summary["steps"])
