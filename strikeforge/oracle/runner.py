"""Builds a Node from a NodeConfig on the connected Ape network (the `strikeforge oracle run` command's work)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from strikeforge.accounts import sending_account
from strikeforge.oracle import signing, sources
from strikeforge.oracle.config import NodeConfig, PublisherConfig
from strikeforge.oracle.node import FeedWorker, Node
from strikeforge.oracle.state import State


def publisher_account(config: PublisherConfig) -> Any:
    """The account that sends updates: an Ape account, or a test account on a local network only."""
    return sending_account(
        config.ape_account,
        config.test_account,
        config.password_env,
        alias_setting="publisher.ape_account",
        test_setting="publisher.test_account",
        unlock_setting="publisher.password_env",
    )


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
