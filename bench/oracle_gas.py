"""Gas per oracle read, measured from a contract (GasProbe) on Ape's EthereumTester: what a protocol pays per quote.

Cold: the first call to the adapter in a transaction (EIP-2929: cold adapter, cold feed, cold feed storage), as a
settlement or vault transaction makes it. Warm: the same call again in that transaction. The anchor is a plain
ERC-20 balanceOf read measured the same way. Feeds are the vendors' official mocks (Chainlink MockV3Aggregator,
MockPyth), whose storage layout sets most of the cold cost. Target (issue 4): Chainlink quote <= 15,000 gas.
Adapters not built yet (Uniswap TWAP, signed prices) are not listed.

    python bench/oracle_gas.py
"""

from __future__ import annotations

from _report import write
from ape import accounts, chain, networks, project

FEED_ID = bytes.fromhex("ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace")
TARGETS = {"chainlink_quote": 15_000}


def measure(probe, contract, method: str, *args) -> tuple[int, int]:
    """(cold, warm) gas of one call made from a contract, simulated against the latest block (eth_call)."""
    data = getattr(contract, method).encode_input(*args)
    cold, _ = probe.measure.call(contract, data)
    warm = probe.measureWarm.call(contract, data)
    return cold, warm


def main() -> None:
    with networks.ethereum.local.use_provider("test"):
        d = accounts.test_accounts[0]
        probe = project.GasProbe.deploy(sender=d)
        weth = project.MockERC20.deploy("Wrapped Ether", "WETH", 18, sender=d)
        usdc = project.MockERC20.deploy("USD Coin", "USDC", 6, sender=d)
        feed = project.MockChainlinkFeed.deploy(8, 3_000 * 10**8, sender=d)
        chainlink = project.ChainlinkOracle.deploy(
            weth, usdc, feed, 3_600, 10**18, 10**24, "0x" + "00" * 20, 0, sender=d
        )
        pyth = project.MockPythFeeds.deploy(60, 1, sender=d)
        pyth_oracle = project.PythOracle.deploy(pyth, FEED_ID, weth, usdc, 60, 10, 100, sender=d)
        update = pyth.createPriceFeedUpdateData(
            FEED_ID, 3_000 * 10**8, 10**8, -8, 3_000 * 10**8, 10**8, chain.pending_timestamp, 0
        )
        update_tx = pyth_oracle.updatePrice([update], sender=d, value=1)
        reads = {
            "erc20_balance_of (anchor)": measure(probe, weth, "balanceOf", d),
            "chainlink_quote": measure(probe, chainlink, "getQuote", 10**18, weth, usdc),
            "chainlink_price": measure(probe, chainlink, "getPrice", weth, usdc),
            "pyth_quote": measure(probe, pyth_oracle, "getQuote", 10**18, weth, usdc),
        }
        update_gas = update_tx.gas_used
    anchor = reads["erc20_balance_of (anchor)"][0]
    rows = []
    for name, (cold, warm) in reads.items():
        target = TARGETS.get(name)
        verdict = "" if target is None else ("meets" if cold <= target else "MISSES") + f" <= {target:,} (cold)"
        rows.append([name, f"{cold:,}", f"{warm:,}", f"{cold / anchor:.1f}x", verdict])
    rows.append(["pyth_update_tx (1 feed, MockPyth, whole tx)", f"{update_gas:,}", "", "", ""])
    write(
        "oracle_gas",
        "Gas per oracle read, measured from a contract on EthereumTester",
        ["read", "cold gas", "warm gas", "cold vs balanceOf", "target"],
        rows,
        {
            "gas_cold": {k: v[0] for k, v in reads.items()},
            "gas_warm": {k: v[1] for k, v in reads.items()},
            "pyth_update_tx": update_gas,
            "targets": TARGETS,
        },
    )


if __name__ == "__main__":
    main()
