"""`strikeforge oracle run`: the command end to end, on the connected local chain, with a config file on disk."""

from __future__ import annotations

import yaml
from click.testing import CliRunner

from strikeforge.cli import main
from tests.oracle_node.conftest import PASSWORD_ENV


def _write_config(tmp_path, keystores, oracle, sources):
    config = {
        "node": {"state": "state.sqlite", "poll_interval": "0"},
        "signers": [{"keystore": str(p), "password_env": PASSWORD_ENV} for p in keystores],
        "publisher": {"test_account": 2},
        "feeds": [
            {
                "name": "ETH/USD",
                "oracle": str(oracle.address),
                "sources": [
                    {"type": "http", "name": n, "url": f"{sources.url}/{n}", "path": "data.price"} for n in "abc"
                ],
            }
        ],
    }
    path = tmp_path / "feeds.yaml"
    path.write_text(yaml.safe_dump(config))
    return path


def test_oracle_run_publishes_and_reports(tmp_path, keystores, committee_oracle, price_server):
    oracle = committee_oracle
    for name in "abc":
        price_server.serve_price(f"/{name}", "2500.5")
    path = _write_config(tmp_path, keystores, oracle, price_server)

    args = ["oracle", "run", "--config", str(path), "--network", "ethereum:local:test", "--iterations", "2"]
    result = CliRunner().invoke(main, [*args, "--clock", "chain"])

    assert result.exit_code == 0, result.output
    assert "ETH/USD: published (first round)" in result.output
    assert "ETH/USD: skipped" in result.output
    assert oracle.latest_price() == 2_500_500_000_000_000_000_000


def test_a_bad_config_exits_with_the_field_named(tmp_path):
    path = tmp_path / "feeds.yaml"
    path.write_text("feeds: []\nsigners:\n  - private_key: '0x01'\npublisher: {test_account: 0}\n")
    result = CliRunner().invoke(main, ["oracle", "run", "--config", str(path)])
    assert result.exit_code == 1
    assert "signers[0]: plaintext keys are refused" in result.output
