"""PythOracle: pull updates paid exactly, normalization by exponent, and every check."""

from __future__ import annotations

import ape
import pytest

FEED_ID = bytes.fromhex("ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace")  # ETH/USD on Pyth
FEE = 7
STALENESS = 60
AHEAD = 10
CONF_BPS = 100  # 1%


@pytest.fixture
def pyth(project, deployer):
    return project.MockPythFeeds.deploy(STALENESS, FEE, sender=deployer)


@pytest.fixture
def pyth_oracle(project, deployer, pyth, weth, usdc):
    return project.PythOracle.deploy(pyth, FEED_ID, weth, usdc, STALENESS, AHEAD, CONF_BPS, sender=deployer)


def _update(pyth, oracle, sender, price, conf=0, expo=-8, publish_time=None, chain=None, value=FEE):
    publish = publish_time if publish_time is not None else chain.pending_timestamp
    data = pyth.createPriceFeedUpdateData(FEED_ID, price, conf, expo, price, conf, publish, 0)
    return oracle.updatePrice([data], sender=sender, value=value)


def test_price_is_scaled_by_its_exponent(pyth, pyth_oracle, alice, weth, usdc, chain):
    _update(pyth, pyth_oracle, alice, 3_000 * 10**8, chain=chain)
    price, _ = pyth_oracle.getPrice(weth, usdc)
    assert price == 3_000 * 10**18
    assert pyth_oracle.getQuote(10**18, weth, usdc) == 3_000 * 10**6


def test_update_pays_the_fee_exactly_and_refunds_the_rest(pyth, pyth_oracle, alice, chain):
    before = alice.balance
    tx = _update(pyth, pyth_oracle, alice, 3_000 * 10**8, chain=chain, value=FEE + 1_000)
    assert pyth.balance == FEE
    assert pyth_oracle.balance == 0
    assert alice.balance == before - FEE - tx.total_fees_paid
    assert [(e.payer, e.fee, e.refund) for e in pyth_oracle.PriceUpdatePaid.from_receipt(tx)] == [
        (alice.address, FEE, 1_000)
    ]


def test_update_below_the_fee_is_refused(pyth, pyth_oracle, alice, chain):
    data = pyth.createPriceFeedUpdateData(FEED_ID, 1, 0, -8, 1, 0, chain.pending_timestamp, 0)
    with ape.reverts(pyth_oracle.InsufficientFee, paid=FEE - 1, fee=FEE):
        pyth_oracle.updatePrice([data], sender=alice, value=FEE - 1)


def test_stale_price_reverts(pyth, pyth_oracle, alice, weth, usdc, chain):
    published = chain.pending_timestamp - STALENESS - 5
    _update(pyth, pyth_oracle, alice, 3_000 * 10**8, publish_time=published, chain=chain)
    with ape.reverts(pyth_oracle.StalePrice, publishTime=published, maxStaleness=STALENESS):
        pyth_oracle.getPrice(weth, usdc)


def test_price_too_far_in_the_future_reverts(pyth, pyth_oracle, alice, weth, usdc, chain):
    published = chain.pending_timestamp + AHEAD + 30
    _update(pyth, pyth_oracle, alice, 3_000 * 10**8, publish_time=published, chain=chain)
    with ape.reverts(pyth_oracle.PriceTooFarAhead, publishTime=published, maxAhead=AHEAD):
        pyth_oracle.getPrice(weth, usdc)


def test_wide_confidence_interval_reverts(pyth, pyth_oracle, alice, weth, usdc, chain):
    price, conf = 3_000 * 10**8, 31 * 10**8  # $31 on $3,000: 1.03% > 1%
    _update(pyth, pyth_oracle, alice, price, conf=conf, chain=chain)
    with ape.reverts(pyth_oracle.ConfidenceTooWide, conf=conf, price=price, maxConfWidthBps=CONF_BPS):
        pyth_oracle.getPrice(weth, usdc)


def test_confidence_at_the_bound_is_accepted(pyth, pyth_oracle, alice, weth, usdc, chain):
    _update(pyth, pyth_oracle, alice, 3_000 * 10**8, conf=30 * 10**8, chain=chain)  # exactly 1%
    assert pyth_oracle.getPrice(weth, usdc)[0] == 3_000 * 10**18


@pytest.mark.parametrize("price", [0, -1])
def test_zero_or_negative_price_reverts(pyth, pyth_oracle, alice, weth, usdc, chain, price):
    _update(pyth, pyth_oracle, alice, price, chain=chain)
    with ape.reverts(pyth_oracle.InvalidAnswer, price=price):
        pyth_oracle.getPrice(weth, usdc)


@pytest.mark.parametrize("expo", [-37, 1])
def test_exponent_outside_minus_36_to_0_reverts(pyth, pyth_oracle, alice, weth, usdc, chain, expo):
    _update(pyth, pyth_oracle, alice, 3_000, expo=expo, chain=chain)
    with ape.reverts(pyth_oracle.InvalidExponent, expo=expo):
        pyth_oracle.getPrice(weth, usdc)


@pytest.mark.parametrize(("expo", "expected"), [(0, 3_000 * 10**18), (-18, 3_000), (-21, 3)])
def test_exponent_scaling_at_the_edges(pyth, pyth_oracle, alice, weth, usdc, chain, expo, expected):
    _update(pyth, pyth_oracle, alice, 3_000, expo=expo, chain=chain)
    assert pyth_oracle.getPrice(weth, usdc)[0] == expected


def test_price_below_1e_minus_18_is_refused_not_zero(pyth, pyth_oracle, alice, weth, usdc, chain):
    _update(pyth, pyth_oracle, alice, 3_000, expo=-36, chain=chain)  # 3e-33: would scale to 0
    with ape.reverts(pyth_oracle.PriceBelowResolution, price=3_000, expo=-36):
        pyth_oracle.getQuote(10**6, usdc, weth)


@pytest.mark.parametrize(
    ("args", "reason"),
    [
        ({"staleness": 0}, "maxStaleness"),
        ({"conf_bps": 0}, "maxConfWidthBps"),
        ({"conf_bps": 10_001}, "maxConfWidthBps"),
        ({"feed": b"\x00" * 32}, "feedId"),
    ],
)
def test_bad_configuration_is_named(project, deployer, pyth, weth, usdc, args, reason):
    with ape.reverts(project.PythOracle.InvalidConfig, reason=reason):
        project.PythOracle.deploy(
            pyth,
            args.get("feed", FEED_ID),
            weth,
            usdc,
            args.get("staleness", STALENESS),
            AHEAD,
            args.get("conf_bps", CONF_BPS),
            sender=deployer,
        )
