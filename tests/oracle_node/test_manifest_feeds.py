"""A feed's `oracle: manifest:KEY`, `strikeforge address KEY` and local `test_account` signers: the manifest must be the
connected chain's (chain id and genesis, as every operations command checks), `address` prints the address alone on
standard output (it is used as `$(strikeforge address KEY)`), and a test account signs on local networks only."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from click.testing import CliRunner

from strikeforge.cli import main
from strikeforge.oracle.config import SignerConfig
from strikeforge.oracle.signing import SignerError, load

ORACLE = "0x" + "ab" * 20


def _manifest(tmp_path, chain, genesis=None):
    from strikeforge.deploy.manifest import connected_genesis

    path = tmp_path / "manifest.json"
    steps = {"SignedPriceOracle": {"status": "done", "contract": "SignedPriceOracle", "address": ORACLE}}
    document = {"chain_id": chain.chain_id, "genesis": genesis or connected_genesis(), "steps": steps}
    path.write_text(json.dumps(document))
    return path


def test_address_prints_the_address_alone_on_standard_output(tmp_path, chain):
    path = _manifest(tmp_path, chain)
    args = ["address", "SignedPriceOracle", "--network", "ethereum:local:test", "--manifest", str(path)]
    result = CliRunner(mix_stderr=False).invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.stdout == f"{ORACLE}\n"


def test_address_and_manifest_feeds_refuse_another_chains_manifest(tmp_path, chain):
    path = _manifest(tmp_path, chain, genesis="0x" + "00" * 32)
    args = ["address", "SignedPriceOracle", "--network", "ethereum:local:test", "--manifest", str(path)]
    refused = CliRunner().invoke(main, args)
    assert refused.exit_code == 1 and "is from another chain" in refused.output
    config = tmp_path / "feeds.yaml"
    rows = str(Path(__file__).resolve().parents[2] / "oracles" / "replay" / "eth-usd.csv")
    feed = {"name": "ETH/USD", "oracle": "manifest:SignedPriceOracle", "min_sources": 1}
    feed["sources"] = [{"type": "replay", "name": "r", "file": rows}]
    config.write_text(
        yaml.safe_dump({"signers": [{"test_account": 1}], "publisher": {"test_account": 2}, "feeds": [feed]})
    )
    args = ["oracle", "run", "--config", str(config), "--network", "ethereum:local:test", "--manifest", str(path)]
    refused = CliRunner().invoke(main, [*args, "--iterations", "1"])
    assert refused.exit_code == 1 and "is from another chain" in refused.output


@pytest.mark.parametrize("network", ["sepolia", "mainnet-fork", "mainnet"])
def test_a_test_account_signer_is_refused_off_local_networks(monkeypatch, network):
    import ape

    provider = SimpleNamespace(network=SimpleNamespace(name=network))
    monkeypatch.setattr(ape, "networks", SimpleNamespace(provider=provider))
    with pytest.raises(SignerError, match="test_account is for local networks only"):
        load(SignerConfig(test_account=1))
