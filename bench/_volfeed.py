"""A signed implied-vol feed (SignedPriceOracle in VolatilityUnit, 3 of 4 signers, f = 1) and the default
DeltaStrikeSelector on it, for the gas benchmarks (selector_gas, vault_gas)."""

from __future__ import annotations

from collections.abc import Callable
from statistics import NormalDist

from eth_utils import keccak

from strikeforge.oracle.report import Domain, PriceReport, digest

ONE = 10**18


def _sign(key: bytes, domain: Domain, report: PriceReport) -> bytes:
    from coincurve import PrivateKey

    signature = PrivateKey(key).sign_recoverable(digest(domain, report), hasher=None)
    return signature[:64] + bytes([27 + signature[64]])


def delta_selector(project, chain, d, router, underlying) -> tuple[object, Callable[[int], None]]:
    """Deploys the vol feed and a 10-delta selector (also the vault's pricer); returns it and `publish(vol)`."""
    from eth_account import Account

    unit = project.VolatilityUnit.deploy(sender=d)
    keys = [keccak(text=f"bench-vol-signer-{i}") for i in range(4)]
    members = [Account.from_key(k).address for k in keys]
    feed = project.SignedPriceOracle.deploy(
        underlying, unit, 7_200, 60, ONE // 100, 5 * ONE, members, 3, 1, d, sender=d
    )
    selector = project.DeltaStrikeSelector.deploy(
        router,
        feed,
        unit,
        100 * ONE,
        ONE // 10,
        -ONE // 10,
        round(NormalDist().inv_cdf(0.1) * ONE),
        round(NormalDist().inv_cdf(0.9) * ONE),
        3_600,
        0,
        sender=d,
    )
    domain = Domain(chain.chain_id, feed.address)

    def publish(vol: int) -> None:
        ts = chain.pending_timestamp
        report = PriceReport(underlying.address, unit.address, vol, ts)
        feed.update(ts, [vol] * 3, [_sign(k, domain, report) for k in keys[:3]], sender=d)

    return selector, publish
