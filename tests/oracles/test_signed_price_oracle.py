"""SignedPriceOracle: k-of-n EIP-712 reports, the median, replay protection, staleness and governance."""

from __future__ import annotations

import ape
import pytest
from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_typed_data

from strikeforge.oracle.report import Domain, PriceReport, typed_data
from tests.oracles.conftest import MAX_PRICE, MIN_PRICE, SIGNED_DRIFT, SIGNED_MAX_AGE, THRESHOLD, TIMELOCK_DELAY
from tests.oracles.signing import committee, sign
from tests.revert_data import reverts_with

USD = 10**18


def _round(oracle, members, prices, timestamp, chain_id):
    return prices, [sign(m, oracle, p, timestamp, chain_id) for m, p in zip(members, prices, strict=True)]


def _submit(oracle, sender, members, prices, timestamp, chain_id):
    prices, signatures = _round(oracle, members, prices, timestamp, chain_id)
    return oracle.update(timestamp, prices, signatures, sender=sender)


@pytest.fixture
def now(chain):
    return chain.pending_timestamp


def test_three_of_five_sets_the_median(signed_oracle, signers, alice, weth, usdc, chain, now):
    tx = _submit(signed_oracle, alice, signers[:3], [3_010 * USD, 2_990 * USD, 3_000 * USD], now, chain.chain_id)
    assert signed_oracle.getPrice(weth, usdc) == (3_000 * USD, now)
    assert [(e.price, e.timestamp, e.signatures, e.submitter) for e in tx.events] == [
        (3_000 * USD, now, 3, alice.address)
    ]


def test_an_even_count_takes_the_floor_of_the_middle_mean(signed_oracle, signers, alice, weth, usdc, chain, now):
    _submit(signed_oracle, alice, signers[:4], [4 * USD, 1 * USD, 2 * USD, 9 * USD], now, chain.chain_id)
    assert signed_oracle.getPrice(weth, usdc)[0] == 3 * USD  # middle: 2 and 4
    prices = [3 * USD + 1, 3 * USD, 5 * USD, 2 * USD]  # middle: 3e18 and 3e18+1 -> 3e18 (floor)
    _submit(signed_oracle, alice, signers[:4], prices, now + 1, chain.chain_id)
    assert signed_oracle.getPrice(weth, usdc)[0] == 3 * USD


def test_a_minority_of_liars_cannot_move_the_median_out_of_the_honest_range(signed_oracle, signers, alice, chain, now):
    prices = [3_000 * USD, 3_001 * USD, 3_002 * USD, 1 * USD, MAX_PRICE]  # two of five lie, at both extremes
    _submit(signed_oracle, alice, signers, prices, now, chain.chain_id)
    assert signed_oracle.latest_price() == 3_001 * USD


def test_fewer_signatures_than_the_threshold_revert(signed_oracle, signers, alice, chain, now):
    prices, signatures = _round(signed_oracle, signers[:2], [3_000 * USD] * 2, now, chain.chain_id)
    with reverts_with("InsufficientSignatures(uint256,uint256)", 2, THRESHOLD):
        signed_oracle.update(now, prices, signatures, sender=alice)


def test_one_signer_counted_twice_reverts(signed_oracle, signers, alice, chain, now):
    twice = [signers[0], signers[1], signers[0]]
    prices, signatures = _round(signed_oracle, twice, [3_000 * USD] * 3, now, chain.chain_id)
    with reverts_with("DuplicateSigner(address)", signers[0].address):
        signed_oracle.update(now, prices, signatures, sender=alice)


def test_a_signature_from_outside_the_committee_reverts(signed_oracle, signers, alice, chain, now):
    outsider = committee(1, label="outsider")[0]
    prices, signatures = _round(signed_oracle, [*signers[:2], outsider], [3_000 * USD] * 3, now, chain.chain_id)
    with reverts_with("UnknownSigner(address)", outsider.address):
        signed_oracle.update(now, prices, signatures, sender=alice)


def test_a_price_changed_after_signing_does_not_verify(signed_oracle, signers, alice, chain, now):
    prices, signatures = _round(signed_oracle, signers[:3], [3_000 * USD] * 3, now, chain.chain_id)
    prices[2] = 30_000 * USD
    with reverts_with("UnknownSigner(address)"):
        signed_oracle.update(now, prices, signatures, sender=alice)


def test_a_round_cannot_be_replayed(signed_oracle, signers, alice, chain, now):
    prices, signatures = _round(signed_oracle, signers[:3], [3_000 * USD] * 3, now, chain.chain_id)
    signed_oracle.update(now, prices, signatures, sender=alice)
    with reverts_with("NonIncreasingTimestamp(uint256,uint256)", now, now):
        signed_oracle.update(now, prices, signatures, sender=alice)


def test_an_older_round_cannot_follow_a_newer_one(signed_oracle, signers, alice, chain, now):
    older = _round(signed_oracle, signers[:3], [2_000 * USD] * 3, now - 10, chain.chain_id)
    _submit(signed_oracle, alice, signers[:3], [3_000 * USD] * 3, now, chain.chain_id)
    with reverts_with("NonIncreasingTimestamp(uint256,uint256)", now - 10, now):
        signed_oracle.update(now - 10, *older, sender=alice)


def test_signatures_for_another_oracle_contract_do_not_verify(deploy_signed_oracle, signers, alice, chain, now):
    first, second = deploy_signed_oracle(), deploy_signed_oracle()  # same pair, same committee
    prices, signatures = _round(first, signers[:3], [3_000 * USD] * 3, now, chain.chain_id)
    with reverts_with("UnknownSigner(address)"):
        second.update(now, prices, signatures, sender=alice)


def test_signatures_for_another_chain_do_not_verify(signed_oracle, signers, alice, chain, now):
    other_chain = chain.chain_id + 1
    prices = [3_000 * USD] * 3
    signatures = [sign(m, signed_oracle, p, now, other_chain) for m, p in zip(signers[:3], prices, strict=True)]
    with reverts_with("UnknownSigner(address)"):
        signed_oracle.update(now, prices, signatures, sender=alice)


def test_signatures_for_another_pair_do_not_verify(signed_oracle, signers, alice, chain, now, weth, usdc):
    domain = Domain(chain.chain_id, signed_oracle.address)
    flipped = PriceReport(usdc.address, weth.address, 3_000 * USD, now)  # same numbers, the pair reversed
    message = encode_typed_data(full_message=typed_data(domain, flipped))
    signatures = [bytes(Account.sign_message(message, m.key).signature) for m in signers[:3]]
    with reverts_with("UnknownSigner(address)"):
        signed_oracle.update(now, [3_000 * USD] * 3, signatures, sender=alice)


def test_a_report_older_than_max_age_reverts(signed_oracle, signers, alice, chain, now):
    stale = now - SIGNED_MAX_AGE - 1
    prices, signatures = _round(signed_oracle, signers[:3], [3_000 * USD] * 3, stale, chain.chain_id)
    with reverts_with("StaleReport(uint256,uint256)", stale, SIGNED_MAX_AGE):
        signed_oracle.update(stale, prices, signatures, sender=alice)


def test_a_report_dated_beyond_the_drift_reverts(signed_oracle, signers, alice, chain, now):
    ahead = now + SIGNED_DRIFT + 1
    prices, signatures = _round(signed_oracle, signers[:3], [3_000 * USD] * 3, ahead, chain.chain_id)
    with reverts_with("ReportFromFuture(uint256,uint256)", ahead, now):
        signed_oracle.update(ahead, prices, signatures, sender=alice)


def test_a_median_outside_the_bounds_reverts(signed_oracle, signers, alice, chain, now):
    low = MIN_PRICE - 1
    prices, signatures = _round(signed_oracle, signers[:3], [low] * 3, now, chain.chain_id)
    with reverts_with("PriceOutOfBounds(uint256,uint256,uint256)", low, MIN_PRICE, MAX_PRICE):
        signed_oracle.update(now, prices, signatures, sender=alice)


def test_a_malformed_signature_reverts_with_its_position(signed_oracle, signers, alice, chain, now):
    prices, signatures = _round(signed_oracle, signers[:3], [3_000 * USD] * 3, now, chain.chain_id)
    signatures[1] = signatures[1][:64]
    with reverts_with("InvalidSignature(uint256)", 1):
        signed_oracle.update(now, prices, signatures, sender=alice)


def test_no_price_before_the_first_round(signed_oracle, weth, usdc):
    with reverts_with("NoPrice()"):
        signed_oracle.getPrice(weth, usdc)


def test_the_price_goes_stale_exactly_after_max_age(signed_oracle, signers, alice, weth, usdc, chain, now):
    _submit(signed_oracle, alice, signers[:3], [3_000 * USD] * 3, now, chain.chain_id)
    chain.mine(1, timestamp=now + SIGNED_MAX_AGE)
    assert signed_oracle.getPrice(weth, usdc) == (3_000 * USD, now)
    chain.mine(1, timestamp=now + SIGNED_MAX_AGE + 1)
    with reverts_with("StalePrice(uint256,uint256)", now, SIGNED_MAX_AGE):
        signed_oracle.getPrice(weth, usdc)


def test_quotes_scale_by_asset_decimals_both_ways(signed_oracle, signers, alice, weth, usdc, chain, now):
    _submit(signed_oracle, alice, signers[:3], [3_000 * USD] * 3, now, chain.chain_id)
    assert signed_oracle.getQuote(2 * 10**18, weth, usdc) == 6_000 * 10**6
    assert signed_oracle.getQuote(1_500 * 10**6, usdc, weth) == 5 * 10**17
    with reverts_with("UnsupportedPair(address,address)", weth.address, weth.address):
        signed_oracle.getQuote(1, weth, weth)


def test_report_digest_matches_eth_account(signed_oracle, chain, now):
    report = PriceReport(signed_oracle.BASE(), signed_oracle.QUOTE(), 3_000 * USD, now)
    message = encode_typed_data(full_message=typed_data(Domain(chain.chain_id, signed_oracle.address), report))
    assert bytes(signed_oracle.report_digest(3_000 * USD, now)) == _hash_eip191_message(message)


def test_only_governance_changes_the_committee(signed_oracle, alice, deployer):
    with ape.reverts("ownable: caller is not the owner"):
        signed_oracle.set_signers([alice], 1, sender=alice)
    with ape.reverts("ownable: caller is not the owner"):
        signed_oracle.set_signers([alice], 1, sender=deployer)  # the deployer is not the owner: the timelock is


def test_a_committee_change_waits_for_the_timelock(signed_oracle, timelock, signers, deployer, alice, chain):
    newcomers = committee(3, label="new")
    call = signed_oracle.set_signers.encode_input([m.address for m in newcomers], 2)
    salt = b"\x00" * 32
    timelock.schedule(signed_oracle, 0, call, b"\x00" * 32, salt, TIMELOCK_DELAY, sender=deployer)
    with ape.reverts():
        timelock.execute(signed_oracle, 0, call, b"\x00" * 32, salt, sender=deployer)
    chain.mine(1, timestamp=chain.pending_timestamp + TIMELOCK_DELAY)
    timelock.execute(signed_oracle, 0, call, b"\x00" * 32, salt, sender=deployer)

    assert [signed_oracle.signers(i) for i in range(3)] == [m.address for m in newcomers]
    assert signed_oracle.threshold() == 2
    assert signed_oracle.signer_index(signers[0].address) == 0
    now = chain.pending_timestamp
    with reverts_with("UnknownSigner(address)", signers[0].address):
        _submit(signed_oracle, alice, signers[:3], [3_000 * USD] * 3, now, chain.chain_id)
    _submit(signed_oracle, alice, newcomers[:2], [3_000 * USD] * 2, now, chain.chain_id)


@pytest.mark.parametrize(
    ("members", "threshold"),
    [(3, 1), (4, 2), (3, 4), (3, 0), (0, 0)],
    ids=["minority", "half", "above-count", "zero", "empty"],
)
def test_the_threshold_must_be_a_strict_majority(deploy_signed_oracle, members, threshold):
    with reverts_with("InvalidConfig(string)", "threshold"):
        deploy_signed_oracle(members=[m.address for m in committee(members)], threshold=threshold)


def test_a_committee_with_a_repeated_signer_is_rejected(deploy_signed_oracle, signers):
    members = [signers[0].address, signers[1].address, signers[0].address]
    with reverts_with("InvalidConfig(string)", "signers"):
        deploy_signed_oracle(members=members, threshold=2)


def test_a_max_price_that_cannot_be_packed_is_rejected(deploy_signed_oracle):
    with reverts_with("InvalidConfig(string)", "min_price/max_price"):
        deploy_signed_oracle(max_price=2**192)
