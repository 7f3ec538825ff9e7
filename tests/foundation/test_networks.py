"""ape-config.yaml's networks: local providers and the three testnets, whose RPC URLs come from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

TESTNETS = [
    ("ethereum", "sepolia", 11_155_111, "SEPOLIA_RPC_URL"),
    ("arbitrum", "sepolia", 421_614, "ARBITRUM_SEPOLIA_RPC_URL"),
    ("base", "sepolia", 84_532, "BASE_SEPOLIA_RPC_URL"),
]


def test_local_network_defaults_to_ethereum_tester(networks):
    assert networks.ethereum.local.default_provider_name == "test"
    assert {"test", "foundry"} <= set(networks.ethereum.local.providers)


@pytest.mark.parametrize(("ecosystem", "network", "chain_id", "env_var"), TESTNETS)
def test_testnet_is_defined_with_its_chain_id(networks, ecosystem, network, chain_id, env_var):
    net = networks.get_ecosystem(ecosystem).get_network(network)
    assert net.chain_id == chain_id
    assert net.default_provider_name == "node"


@pytest.mark.parametrize(("ecosystem", "network", "chain_id", "env_var"), TESTNETS)
def test_testnet_rpc_url_comes_only_from_the_environment(ecosystem, network, chain_id, env_var):
    config = yaml.safe_load((ROOT / "ape-config.yaml").read_text())
    assert config["node"][ecosystem][network] == {"uri": f"${env_var}"}
