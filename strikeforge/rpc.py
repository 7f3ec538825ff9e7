"""A network whose node URI comes from the environment (ape-config.yaml's `node:` section, e.g. `uri:
$SEPOLIA_RPC_URL`) is refused in one line when the variable is unset, before Ape tries to connect (which otherwise
ends in a long traceback about an empty URI)."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

_VARIABLE = re.compile(r"^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$")


class RpcError(RuntimeError):
    """The network's node URI names an environment variable that is not set."""


def rpc_variable(network: str, config: dict[str, Any]) -> str | None:
    """The environment variable the node provider's URI of `network` (ECOSYSTEM:NETWORK[:PROVIDER]) reads, if any."""
    parts = network.split(":")
    if len(parts) < 2 or (len(parts) > 2 and parts[2] != "node"):
        return None
    ecosystem, name = parts[0], parts[1]
    uri = ((config.get("node") or {}).get(ecosystem) or {}).get(name, {})
    uri = uri.get("uri") if isinstance(uri, dict) else None
    match = _VARIABLE.match(str(uri)) if uri else None
    return match.group(1) if match else None


def check_rpc(network: str, root: Path) -> None:
    """Raises RpcError naming the variable to export when `network`'s node URI comes from an unset variable."""
    path = root / "ape-config.yaml"
    config = yaml.safe_load(path.read_text()) if path.is_file() else {}
    variable = rpc_variable(network, config or {})
    if variable and not os.environ.get(variable):
        raise RpcError(
            f"--network {network}: {variable} is not set; export {variable}=https://... (your node's RPC URL, which"
            " ape-config.yaml reads) and run the command again"
        )


def check_local_chain(network: str, root: Path) -> None:
    """Raises RpcError when `network` is the persistent local chain (ethereum:local:node) and nothing listens at its
    URI: Ape would otherwise try to start geth and end in a page about installing it."""
    from urllib.parse import urlparse

    from strikeforge.localchain import NETWORK, configured_url, listening

    if network != NETWORK:
        return
    url = configured_url(root)
    parsed = urlparse(url)
    if not listening(parsed.hostname or "127.0.0.1", parsed.port or 8545):
        raise RpcError(
            f"--network {NETWORK}: no chain at {url}; start the project's local chain with `make chain` (or use"
            " ethereum:local:foundry for a throwaway one)"
        )


def check_network(network: str) -> None:
    """check_rpc and check_local_chain against the checkout's ape-config.yaml (outside a checkout Ape's own
    configuration applies)."""
    from strikeforge.paths import ProjectNotFoundError, find_project_root

    try:
        root = find_project_root()
    except ProjectNotFoundError:
        return
    check_rpc(network, root)
    check_local_chain(network, root)


@contextmanager
def connected_to(network: str) -> Iterator[None]:
    """`ape.networks.parse_network_choice(network)` for a command: an unset RPC variable is a click usage error (one
    line naming the variable), raised before Ape tries to connect."""
    import click
    from ape import networks

    from strikeforge.localchain import support_anvil_under_node

    try:
        check_network(network)
    except RpcError as exc:
        raise click.UsageError(str(exc)) from exc
    support_anvil_under_node()
    with networks.parse_network_choice(network):
        yield
