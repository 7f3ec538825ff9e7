"""The node publishing an implied-volatility feed: a SignedPriceOracle of WETH quoted in VolatilityUnit (1e18 =
100%/yr), fed from sources quoting vol in percent (`scale: "0.01"`), refused outside [1%, 500%]; the config's `kind`
and `scale` keys; DeltaStrikeSelector reading what the node published."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from statistics import NormalDist

import pytest

from strikeforge.oracle.config import ConfigError, parse
from strikeforge.oracle.runner import build_node
from tests.oracle_node.conftest import PASSWORD_ENV, signer_keys

WAD = 10**18


@pytest.fixture
def vol_unit(project, deployer):
    return project.VolatilityUnit.deploy(sender=deployer)


@pytest.fixture
def vol_oracle(project, deployer, weth, vol_unit):
    """WETH's implied vol: 3 of 4 (f = 1), bounds [1%, 500%]; the node holds the first three keys."""
    members = [k.address for k in signer_keys(4)]
    return project.SignedPriceOracle.deploy(
        weth, vol_unit, 7_200, 60, WAD // 100, 5 * WAD, members, 3, 1, deployer, sender=deployer
    )


def _raw(keystores, oracle, url, **feed):
    return {
        "node": {"state": "state.sqlite", "poll_interval": "1"},
        "signers": [{"keystore": p.name, "password_env": PASSWORD_ENV} for p in keystores],
        "publisher": {"test_account": 1, "retries": 0},
        "feeds": [
            {
                "name": "ETH IV",
                "oracle": str(oracle.address),
                "kind": "volatility",
                "sources": [
                    {"type": "http", "name": n, "url": f"{url}/{n}", "path": "data.price", "scale": "0.01"}
                    for n in ("a", "b")
                ],
            }
            | feed
        ],
    }


def test_the_node_publishes_a_percent_quoted_vol_as_a_fraction(
    tmp_path: Path, keystores, vol_oracle, price_server, chain, project, deployer, router, weth, usdc, vol_unit
):
    price_server.serve_price("/a", "62.5")
    price_server.serve_price("/b", "62.5")
    config = parse(_raw(keystores, vol_oracle, price_server.url), tmp_path)
    node, state = build_node(config, clock=lambda: chain.pending_timestamp)
    try:
        (outcome,) = node.tick()
        assert outcome.action == "published", outcome.detail
        assert vol_oracle.latest_price() == 625 * WAD // 1000  # 62.5% -> 0.625e18
        selector = project.DeltaStrikeSelector.deploy(
            router, vol_oracle, vol_unit, 100 * WAD, WAD // 10, -WAD // 10,
            round(NormalDist().inv_cdf(0.1) * WAD), round(NormalDist().inv_cdf(0.9) * WAD), 3_600, 0, sender=deployer,
        )  # fmt: skip
        strike, delta, spot, vol, _ = selector.quote(weth, usdc, False)
        assert vol == 625 * WAD // 1000 and strike > spot and abs(delta - WAD // 10) < WAD // 20
    finally:
        state.close()


def test_a_vol_outside_one_to_five_hundred_percent_is_not_signed(
    tmp_path: Path, keystores, vol_oracle, price_server, chain
):
    for quoted in ("0.5", "650"):  # 0.5% and 650%
        price_server.serve_price("/a", quoted)
        price_server.serve_price("/b", quoted)
        config = parse(_raw(keystores, vol_oracle, price_server.url), tmp_path)
        node, state = build_node(config, clock=lambda: chain.pending_timestamp)
        try:
            (outcome,) = node.tick()
            assert outcome.action == "refused" and "outside [0.01, 5]" in outcome.detail
            assert vol_oracle.latest_round() == 0
        finally:
            state.close()


def test_kind_and_scale_are_validated(tmp_path: Path):
    base = {
        "signers": [{"ape_account": "x"}],
        "publisher": {"test_account": 1},
        "feeds": [
            {
                "name": "ETH IV",
                "oracle": "0x" + "11" * 20,
                "min_sources": 1,
                "sources": [{"type": "http", "url": "https://vol.example/eth", "path": "v", "scale": "0.01"}],
            }
        ],
    }
    config = parse(base, tmp_path)
    assert config.feeds[0].kind == "price" and config.feeds[0].sources[0].scale == Decimal("0.01")
    base["feeds"][0]["kind"] = "vol"
    with pytest.raises(ConfigError, match=r"feeds\[0\]\.kind: 'vol' is unknown; use price or volatility"):
        parse(base, tmp_path)
    base["feeds"][0]["kind"] = "volatility"
    base["feeds"][0]["sources"][0]["scale"] = "0"
    with pytest.raises(ConfigError, match=r"scale: must be > 0"):
        parse(base, tmp_path)
