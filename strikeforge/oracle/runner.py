"""Builds a Node from a NodeConfig on the connected Ape network (the `strikeforge oracle run` command's work)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from strikeforge.oracle import signing, sources
from strikeforge.oracle.config import NodeConfig, PublisherConfig
from strikeforge.oracle.node import FeedWorker, Node
from strikeforge.oracle.state import State


class RunnerError(RuntimeError):
    """The node cannot start; the message names the setting and the fix."""


def publisher_account(config: PublisherConfig) -> Any:
    """The account that sends updates: an Ape account, or a test account on a local network only."""
    from ape import accounts, networks

    network = networks.provider.network.name
    if config.test_account is not None:
        if network != "local":
            raise RunnerError(f"publisher.test_account is for local networks only (connected to {network!r})")
        return accounts.test_accounts[config.test_account]
    try:
        account = accounts.load(config.ape_account)
    except Exception:
        raise RunnerError(f"publisher.ape_account {config.ape_account!r} not found; `ape accounts import` it") from None
    if config.password_env:
        passphrase = os.environ.get(config.password_env)
        if passphrase is None:
            raise RunnerError(f"publisher.password_env: {config.password_env} is not set")
        account.set_autosign(True, passphrase=passphrase)
    return account


def build_node(
    config: NodeConfig,
    clock: Callable[[], int] | None = None,
    sleep: Callable[[float], None] = time.sleep,
    publisher: Any = None,
) -> tuple[Node, State]:
    """Workers for every feed, sharing the signers, the publisher and one state database."""
    from ape import chain, project

    signers = [signing.load(s) for s in config.signers]
    account = publisher if publisher is not None else publisher_account(config.publisher)
    state = State(config.state)
    workers = []
    for feed in config.feeds:
        oracle = project.SignedPriceOracle.at(feed.oracle)
        workers.append(
            FeedWorker(
                feed,
                [sources.build(s) for s in feed.sources],
                oracle,
                signers,
                account,
                config.publisher,
                state,
                chain.chain_id,
                gas_price=lambda: chain.provider.gas_price,
                sleep=sleep,
            )
        )
    node = Node(workers, clock or (lambda: int(time.time())), float(config.poll_interval), sleep)
    return node, state
