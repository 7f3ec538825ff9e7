"""A testnet whose node URI comes from an unset environment variable is refused in one line naming the variable,
before Ape tries to connect (which ends in a long traceback about an empty URI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from strikeforge.rpc import RpcError, check_rpc, rpc_variable

ROOT = Path(__file__).resolve().parents[2]
CONFIG = {"node": {"ethereum": {"sepolia": {"uri": "$SEPOLIA_RPC_URL"}}, "base": {"sepolia": {"uri": "${BASE_RPC}"}}}}


@pytest.mark.parametrize(
    ("network", "variable"),
    [
        ("ethereum:sepolia", "SEPOLIA_RPC_URL"),
        ("ethereum:sepolia:node", "SEPOLIA_RPC_URL"),
        ("base:sepolia:node", "BASE_RPC"),
        ("ethereum:sepolia:foundry", None),  # another provider: not the node section's URI
        ("ethereum:local:test", None),
        ("ethereum:mainnet:node", None),  # no env-based URI configured
    ],
)
def test_the_variable_is_read_from_the_node_section(network, variable):
    assert rpc_variable(network, CONFIG) == variable


def test_an_unset_variable_is_named_with_the_export_to_run(monkeypatch):
    monkeypatch.delenv("SEPOLIA_RPC_URL", raising=False)
    with pytest.raises(RpcError, match=r"^--network ethereum:sepolia:node: SEPOLIA_RPC_URL is not set; export"):
        check_rpc("ethereum:sepolia:node", ROOT)  # the project's own ape-config.yaml
    monkeypatch.setenv("SEPOLIA_RPC_URL", "https://rpc.example")
    check_rpc("ethereum:sepolia:node", ROOT)


@pytest.mark.parametrize(
    "args",
    [
        ["settle", "watch", "--ledger", "0x" + "11" * 20, "--test-account", "0", "--iterations", "1"],
        ["reconcile"],
    ],
)
def test_commands_refuse_a_testnet_without_its_rpc_url_in_one_line(monkeypatch, args):
    from strikeforge.cli import main

    monkeypatch.delenv("SEPOLIA_RPC_URL", raising=False)
    result = CliRunner().invoke(main, [*args, "--network", "ethereum:sepolia:node"])
    assert result.exit_code == 2, result.output
    assert "SEPOLIA_RPC_URL is not set; export SEPOLIA_RPC_URL=" in result.output
    assert "Traceback" not in result.output
