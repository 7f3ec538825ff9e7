"""Gas of a strike selection: DeltaStrikeSelector.select (router spot, signed vol feed, Black-Scholes search) beside
PercentOtmStrikeSelector.select (the anchor: one router read and arithmetic), both called from a contract (GasProbe)
on Ape's EthereumTester, cold (first call in a transaction: the selector, router, source and feed accounts are cold)
and warm (the same call again). The vault calls `select` once per roll with a static call, cold. Also the whole first
roll of a vault on each selector (receipt gas), so the selector's share of the roll is read in the same run.

The vol feed is a SignedPriceOracle (3 of 4 signers, f = 1) quoted in VolatilityUnit; spot 3,000 on a 100 grid.

    python bench/selector_gas.py
"""

from __future__ import annotations

from _report import write
from _volfeed import delta_selector
from ape import accounts, chain, networks, project

ONE = 10**18
NONE = "0x" + "00" * 20
DISPUTE, SOURCE_GRACE, STALL_PERIOD, MAX_EXPIRY_LAG = 3_600, 3_600, 86_400, 365 * 86_400
CASES = [
    ("call, vol 60%", False, 6 * ONE // 10),
    ("put, vol 60%", True, 6 * ONE // 10),
    ("call, vol 150%", False, 15 * ONE // 10),
]


def main() -> None:
    with networks.ethereum.local.use_provider("test"):
        d = accounts.test_accounts[0]
        weth = project.MockERC20.deploy("Wrapped Ether", "WETH", 18, sender=d)
        usdc = project.MockERC20.deploy("USD Coin", "USDC", 6, sender=d)
        spot = project.MockPriceSource.deploy(sender=d)
        spot.set(3_000 * ONE, chain.pending_timestamp, sender=d)
        router = project.OracleRouter.deploy(DISPUTE, SOURCE_GRACE, STALL_PERIOD, d, d, sender=d)
        router.set_route(weth, usdc, spot, NONE, 0, False, MAX_EXPIRY_LAG, sender=d)
        delta, publish = delta_selector(project, chain, d, router, weth)
        percent = project.PercentOtmStrikeSelector.deploy(router, 1_000, 100 * ONE, sender=d)
        probe = project.GasProbe.deploy(sender=d)
        gas = {}
        for label, is_put, vol in CASES:
            publish(vol)
            data = delta.select.encode_input(weth, usdc, is_put)
            strike = int(delta.select(weth, usdc, is_put))
            gas[label] = _measure(probe, delta, data) | {"strike": strike}
        gas["percent OTM (anchor)"] = _measure(probe, percent, percent.select.encode_input(weth, usdc, False))

        rolls = {}
        auction = project.BatchAuction.deploy(256, sender=d)
        for name, selector in (("delta", delta), ("percent", percent)):
            vault = project.ThetaVault.deploy(
                weth, project.OptionsEngine.deploy(router, d, sender=d), weth, usdc, False, 10**9 * ONE, selector,
                auction, d, "Strikeforge ETH Theta", "sfETH", sender=d,
            )  # fmt: skip
            engine = project.OptionsEngine.at(vault.ENGINE())
            engine.grantRole(engine.SERIES_CREATOR_ROLE(), vault, sender=d)
            vault.grantRole(vault.KEEPER_ROLE(), d, sender=d)
            vault.set_parameters(200, 1_000, d, selector, delta, 1_000, 3_600, 100, sender=d)  # priced by delta
            weth.mint(d, 1_000 * ONE, sender=d)
            weth.approve(vault, 2**256 - 1, sender=d)
            vault.requestDeposit(100 * ONE, d, d, sender=d)
            publish(6 * ONE // 10)
            rolls[name] = int(vault.roll(sender=d).gas_used)
            assert int(vault.current_series()) != 0, f"the {name} roll wrote no options"

    rows = [[label, f"{g['cold']:,}", f"{g['warm']:,}"] for label, g in gas.items()]
    rows += [[f"first roll on the {name} selector (tx)", f"{g:,}", ""] for name, g in rolls.items()]
    write(
        "selector_gas",
        "Strike selection gas (GasProbe, EthereumTester)",
        ["case", "cold", "warm"],
        rows,
        {"select": gas, "first_roll": rolls},
    )


def _measure(probe, target, data: bytes) -> dict[str, int]:
    cold = probe.measure.call(target, data)[0]
    warm = probe.measureWarm.call(target, data)
    return {"cold": int(cold), "warm": int(warm)}


if __name__ == "__main__":
    main()
