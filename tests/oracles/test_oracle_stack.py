"""The real stack: a Chainlink adapter as primary, the signed-price committee as fallback, behind the router."""

from __future__ import annotations

import pytest

from tests.oracles.conftest import MAX_EXPIRY_LAG
from tests.oracles.signing import sign
from tests.revert_data import reverts_with

USD = 10**18


@pytest.fixture
def stack(router, deployer, oracle, signed_oracle, weth, usdc):
    router.set_route(weth, usdc, oracle, signed_oracle, 100, False, MAX_EXPIRY_LAG, sender=deployer)
    return router


def _publish(signed_oracle, signers, alice, price, chain):
    now = chain.pending_timestamp
    signatures = [sign(m, signed_oracle, price, now, chain.chain_id) for m in signers[:3]]
    signed_oracle.update(now, [price] * 3, signatures, sender=alice)


def test_agreeing_sources_route_to_chainlink(stack, oracle, signed_oracle, signers, alice, weth, usdc, chain):
    _publish(signed_oracle, signers, alice, 3_010 * USD, chain)
    assert stack.routed_price(weth, usdc)[::2] == (3_000 * USD, oracle.address)


def test_a_stale_chainlink_feed_falls_back_to_the_committee(
    stack, feed, signed_oracle, signers, alice, weth, usdc, chain
):
    chain.mine(1, timestamp=chain.pending_timestamp + 3_601)  # the feed's answer is now older than its max age
    _publish(signed_oracle, signers, alice, 2_990 * USD, chain)
    assert stack.routed_price(weth, usdc)[::2] == (2_990 * USD, signed_oracle.address)


def test_chainlink_stuck_at_min_answer_falls_back(
    stack, feed, signed_oracle, signers, alice, deployer, weth, usdc, chain
):
    feed.updateAnswer(10**6, sender=deployer)  # $0.01: the aggregator's floor, below the adapter's circuit breaker
    _publish(signed_oracle, signers, alice, 2_990 * USD, chain)
    assert stack.routed_price(weth, usdc)[::2] == (2_990 * USD, signed_oracle.address)


def test_a_divergent_committee_is_overruled_only_by_halting(
    stack, router, oracle, signed_oracle, signers, alice, deployer, weth, usdc, chain
):
    _publish(signed_oracle, signers, alice, 3_300 * USD, chain)  # 10% away from Chainlink
    assert stack.routed_price(weth, usdc)[::2] == (3_300 * USD, signed_oracle.address)
    router.set_route(weth, usdc, oracle, signed_oracle, 100, True, MAX_EXPIRY_LAG, sender=deployer)
    with reverts_with("PriceDeviation(uint256,uint256,uint256)", 3_000 * USD, 3_300 * USD, 100):
        router.getPrice(weth, usdc)


def test_expiry_settles_on_both_sources_evidence_at_expiry(
    stack, oracle, feed, signed_oracle, signers, alice, deployer, weth, usdc, chain
):
    _publish(signed_oracle, signers, alice, 3_001 * USD, chain)  # the committee's round current at expiry
    expiry = chain.pending_timestamp
    chain.mine(1, timestamp=expiry + 5)
    _publish(signed_oracle, signers, alice, 3_200 * USD, chain)  # after expiry: not the expiry's
    feed.updateAnswer(3_200 * 10**8, sender=deployer)
    hints = stack.expiry_hints(weth, usdc, expiry)
    assert hints[0] == (1).to_bytes(32, "big")  # the feed's constructor round, current at expiry
    tx = stack.record_expiry_price(weth, usdc, expiry, *hints, sender=alice)
    assert [(e.price, e.source) for e in tx.events] == [(3_000 * USD, oracle.address)]
    assert stack.expiry_prices(weth, usdc, expiry).price == 3_000 * USD
