"""Transactions per second through Ape's own path, EthereumTester versus anvil (the anchor is EthereumTester).

This is the per-transaction cost that makes Ape the wrong engine for fuzz campaigns (see the fuzz-engine issue); it
is measured here so later engines are compared in the same run. Each provider: deploy MockERC20, then N transfers
from one funded account to rotating receivers, timed with a monotonic clock; signing goes through coincurve when it
is installed (it is, through requirements.lock).

    python bench/ape_throughput.py [N]
"""

from __future__ import annotations

import sys
import time
from decimal import Decimal

from _report import write
from ape import accounts, networks, project

PROVIDERS = ("test", "foundry")


def measure(provider: str, n: int) -> dict:
    with networks.ethereum.local.use_provider(provider):
        sender, *receivers = accounts.test_accounts[:5]
        token = project.MockERC20.deploy("Bench", "BNC", 18, sender=sender)
        token.mint(sender, 10**30, sender=sender)
        token.transfer(receivers[0], 1, sender=sender)  # warm-up: caches, first-call costs
        start = time.perf_counter_ns()
        for i in range(n):
            token.transfer(receivers[i % len(receivers)], 1, sender=sender)
        elapsed_ns = time.perf_counter_ns() - start
    seconds = Decimal(elapsed_ns) / Decimal(10**9)
    return {"transactions": n, "seconds": str(seconds.quantize(Decimal("0.001"))), "tx_per_s": n / seconds}


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    results = {p: measure(p, n) for p in PROVIDERS}
    anchor = results["test"]["tx_per_s"]
    rows = [
        [p, str(r["transactions"]), r["seconds"], f"{r['tx_per_s']:.1f}", f"{r['tx_per_s'] / anchor:.2f}x"]
        for p, r in results.items()
    ]
    data = {
        "tx_per_s": {p: str(r["tx_per_s"].quantize(Decimal("0.1"))) for p, r in results.items()},
        "ratio_to_ethereum_tester": {
            p: str((r["tx_per_s"] / anchor).quantize(Decimal("0.01"))) for p, r in results.items()
        },
        "transactions_per_provider": n,
    }
    write(
        "ape_throughput",
        "Ape transactions/s (ERC-20 transfers)",
        ["provider", "tx", "s", "tx/s", "vs test"],
        rows,
        data,
    )


if __name__ == "__main__":
    main()
