"""SignedPriceOracle: k-of-n EIP-712 reports, the lower median (M-2), round history and expiry evidence (priceAt,
expiryHint), replay protection, staleness and governance."""

from __future__ import annotations

from itertools import combinations
from pathlib import Path

import ape
import pytest
import yaml
from eth_abi import encode
from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_typed_data

from strikeforge.oracle.report import Domain, PriceReport, typed_data
from tests.oracles.conftest import (
    MAX_FAULTY,
    MAX_PRICE,
    MIN_PRICE,
    SIGNED_DRIFT,
    SIGNED_MAX_AGE,
    THRESHOLD,
    TIMELOCK_DELAY,
)
from tests.oracles.signing import committee, sign
from tests.revert_data import reverts_with

USD = 10**18
CONFIGS = Path(__file__).resolve().parents[2] / "deployments" / "config"


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
    assert [(e.round_id, e.price, e.timestamp, e.signatures, e.submitter) for e in tx.events] == [
        (1, 3_000 * USD, now, 3, alice.address)
    ]


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
    with reverts_with("OracleUnsupportedPair(address,address)", weth.address, weth.address):
        signed_oracle.getQuote(1, weth, weth)


def test_report_digest_matches_eth_account(signed_oracle, chain, now):
    report = PriceReport(signed_oracle.BASE(), signed_oracle.QUOTE(), 3_000 * USD, now)
    message = encode_typed_data(full_message=typed_data(Domain(chain.chain_id, signed_oracle.address), report))
    assert bytes(signed_oracle.report_digest(3_000 * USD, now)) == _hash_eip191_message(message)


def test_only_governance_changes_the_committee(signed_oracle, alice, deployer):
    with ape.reverts("ownable: caller is not the owner"):
        signed_oracle.set_signers([alice], 1, 0, sender=alice)
    with ape.reverts("ownable: caller is not the owner"):
        signed_oracle.set_signers([alice], 1, 0, sender=deployer)  # the deployer is not the owner: the timelock is


def test_a_committee_change_waits_for_the_timelock(signed_oracle, timelock, signers, deployer, alice, chain):
    newcomers = committee(3, label="new")
    call = signed_oracle.set_signers.encode_input([m.address for m in newcomers], 2, 0)
    salt = b"\x00" * 32
    timelock.schedule(signed_oracle, 0, call, b"\x00" * 32, salt, TIMELOCK_DELAY, sender=deployer)
    with ape.reverts():
        timelock.execute(signed_oracle, 0, call, b"\x00" * 32, salt, sender=deployer)
    chain.mine(1, timestamp=chain.pending_timestamp + TIMELOCK_DELAY)
    timelock.execute(signed_oracle, 0, call, b"\x00" * 32, salt, sender=deployer)

    assert [signed_oracle.signers(i) for i in range(3)] == [m.address for m in newcomers]
    assert (signed_oracle.threshold(), signed_oracle.max_faulty()) == (2, 0)
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
        deploy_signed_oracle(members=[m.address for m in committee(members)], threshold=threshold, f=0)


def test_a_committee_with_a_repeated_signer_is_rejected(deploy_signed_oracle, signers):
    members = [signers[0].address, signers[1].address, signers[0].address]
    with reverts_with("InvalidConfig(string)", "signers"):
        deploy_signed_oracle(members=members, threshold=2, f=0)


def test_a_max_price_that_cannot_be_packed_is_rejected(deploy_signed_oracle):
    with reverts_with("InvalidConfig(string)", "min_price/max_price"):
        deploy_signed_oracle(max_price=2**192)


# -- M-2: one rogue signer (f of them) cannot move the price outside the honest signers' prices --------------------


def deployed_committees() -> list:
    """(size, threshold, max_faulty) of the signed oracle in every checked-in deployment config."""
    params = []
    for path in sorted(CONFIGS.glob("*.yaml")):
        signed = yaml.safe_load(path.read_text())["oracle"]["signed"]
        params.append(pytest.param(len(signed["signers"]), signed["threshold"], signed["max_faulty"], id=path.stem))
    return params


def _deployed_style(deploy_signed_oracle, size, threshold, f):
    members = committee(size, label="deployed")
    return deploy_signed_oracle(members=[m.address for m in members], threshold=threshold, f=f), members


@pytest.mark.parametrize(("size", "threshold", "f"), deployed_committees())
def test_m2_one_rogue_signer_of_a_deployed_committee_cannot_set_a_price_outside_the_honest_range(
    deploy_signed_oracle, alice, chain, size, threshold, f
):
    oracle, members = _deployed_style(deploy_signed_oracle, size, threshold, f)
    rogue, honest = members[0], members[1:]
    honest_prices = [(3_000 + 5 * i) * USD for i in range(len(honest))]
    ts = chain.pending_timestamp
    for extreme in (MIN_PRICE, MAX_PRICE, 2 * MAX_PRICE):  # at the bounds, and beyond them
        for picked in range(max(threshold - 1, 1), len(honest) + 1):  # the rogue plus any count of honest signers
            ts += 1
            chain.pending_timestamp = ts
            prices = [extreme, *honest_prices[:picked]]
            _submit(oracle, alice, [rogue, *honest[:picked]], prices, ts, chain.chain_id)
            assert min(honest_prices[:picked]) <= oracle.latest_price() <= max(honest_prices[:picked])


@pytest.mark.parametrize(("size", "threshold", "f"), deployed_committees())
def test_m2_a_front_runner_re_picking_an_honest_updates_signatures_cannot_move_the_price(
    deploy_signed_oracle, alice, bob, chain, size, threshold, f
):
    oracle, members = _deployed_style(deploy_signed_oracle, size, threshold, f)
    rogue, honest = members[0], members[1:]
    honest_prices = [(2_990 + 10 * i) * USD for i in range(threshold)]
    ts = chain.pending_timestamp
    # The honest publisher's update (threshold honest signatures) waits in the mempool; the front-runner copies its
    # signatures, keeps any subset, adds the rogue member's extreme report or not, and lands first.
    for keep in range(1, threshold + 1):
        for subset in combinations(range(threshold), keep):
            for with_rogue in (True, False):
                if keep + with_rogue < threshold:
                    continue
                ts += 1
                chain.pending_timestamp = ts
                pending = _round(oracle, honest[:threshold], honest_prices, ts, chain.chain_id)
                prices = [pending[0][i] for i in subset]
                signatures = [pending[1][i] for i in subset]
                if with_rogue:
                    prices.insert(0, MAX_PRICE)
                    signatures.insert(0, sign(rogue, oracle, MAX_PRICE, ts, chain.chain_id))
                oracle.update(ts, prices, signatures, sender=bob)
                kept = [honest_prices[i] for i in subset]
                assert min(kept) <= oracle.latest_price() <= max(kept)
    with reverts_with("NonIncreasingTimestamp(uint256,uint256)", ts, ts):  # the honest update, landing second
        oracle.update(ts, *pending, sender=alice)


@pytest.mark.parametrize(
    ("members", "threshold", "f"),
    [(3, 2, 1), (5, 3, 2), (16, 9, 5), (7, 4, 2)],
    ids=["2-of-3-f1", "3-of-5-f2", "9-of-16-f5", "4-of-7-f2"],
)
def test_m2_a_committee_whose_threshold_is_below_2f_plus_1_is_refused(
    deploy_signed_oracle, deployer, members, threshold, f
):
    # Strict majorities all: f faulty signers plus threshold - f <= f honest ones would make an update.
    keys = [m.address for m in committee(members)]
    with reverts_with("InvalidConfig(string)", "max_faulty"):
        deploy_signed_oracle(members=keys, threshold=threshold, f=f)
    oracle = deploy_signed_oracle(members=keys, threshold=members, f=0, governance=deployer)
    with reverts_with("InvalidConfig(string)", "max_faulty"):
        oracle.set_signers(keys, threshold, f, sender=deployer)


@pytest.mark.parametrize(
    ("members", "threshold", "f"), [(1, 1, 0), (4, 3, 1), (5, 3, 1), (7, 5, 2), (16, 15, 7), (16, 16, 7), (16, 9, 4)]
)
def test_committees_with_threshold_at_least_2f_plus_1_and_a_strict_majority_are_accepted(
    deploy_signed_oracle, deployer, members, threshold, f
):
    keys = [m.address for m in committee(members)]
    oracle = deploy_signed_oracle(members=keys, threshold=threshold, f=f, governance=deployer)
    assert (oracle.signer_count(), oracle.threshold(), oracle.max_faulty()) == (members, threshold, f)


def test_a_max_faulty_too_large_for_any_arithmetic_is_refused_by_name(deploy_signed_oracle):
    with reverts_with("InvalidConfig(string)", "max_faulty"):
        deploy_signed_oracle(f=2**255)


def test_m2_an_even_count_takes_the_lower_median_an_element_never_a_mean(signed_oracle, signers, alice, chain, now):
    _submit(signed_oracle, alice, signers[:4], [4 * USD, 1 * USD, 2 * USD, 9 * USD], now, chain.chain_id)
    assert signed_oracle.latest_price() == 2 * USD  # sorted 1, 2, 4, 9: index (4 - 1) // 2
    _submit(signed_oracle, alice, signers[:3], [9 * USD, 1 * USD, 2 * USD], now + 1, chain.chain_id)
    assert signed_oracle.latest_price() == 2 * USD  # sorted 1, 2, 9: the middle one


def test_m2_signers_changed_states_the_new_committee_threshold_and_max_faulty(deploy_signed_oracle, deployer):
    oracle = deploy_signed_oracle(governance=deployer)
    assert (oracle.threshold(), oracle.max_faulty()) == (THRESHOLD, MAX_FAULTY)
    keys = [m.address for m in committee(4, label="rotated")]
    tx = oracle.set_signers(keys, 3, 1, sender=deployer)
    assert [(e.signers, e.threshold, e.max_faulty) for e in tx.events] == [(keys, 3, 1)]
    assert (oracle.threshold(), oracle.max_faulty(), oracle.signer_count()) == (3, 1, 4)


# -- Round history and expiry evidence (IExpiryPriceOracle) ----------------------------------------------------------


def hint(round_id: int) -> bytes:
    return encode(["uint256"], [round_id])


def _at(chain, timestamp: int) -> None:
    """The next block (and every read after it) at `timestamp`."""
    chain.mine(1, timestamp=timestamp)


def _publish_at(oracle, signers, sender, chain, timestamp: int, price: int, block_time: int | None = None) -> None:
    chain.pending_timestamp = timestamp if block_time is None else block_time
    _submit(oracle, sender, signers[:THRESHOLD], [price] * THRESHOLD, timestamp, chain.chain_id)


def test_every_accepted_round_is_kept_in_order(signed_oracle, signers, alice, deployer, chain, now):
    assert (signed_oracle.latest_round(), signed_oracle.round_data(1)) == (0, (0, 0))
    for i in range(3):
        _publish_at(signed_oracle, signers, alice, chain, now + 10 * i, (3_000 + i) * USD)
    assert signed_oracle.latest_round() == 3
    assert [signed_oracle.round_data(i) for i in (1, 2, 3, 4)] == [
        (3_000 * USD, now),
        (3_001 * USD, now + 10),
        (3_002 * USD, now + 20),
        (0, 0),
    ]
    assert (signed_oracle.latest_price(), signed_oracle.latest_timestamp()) == (3_002 * USD, now + 20)


def test_a_committee_change_keeps_the_rounds(deploy_signed_oracle, signers, alice, deployer, chain):
    oracle = deploy_signed_oracle(governance=deployer)
    now = chain.pending_timestamp
    _publish_at(oracle, signers, alice, chain, now, 3_000 * USD)
    oracle.set_signers([m.address for m in committee(4, label="next")], 3, 1, sender=deployer)
    assert (oracle.latest_round(), oracle.round_data(1), oracle.latest_price()) == (1, (3_000 * USD, now), 3_000 * USD)


@pytest.fixture
def expiry(now):
    return now + 1_000


def test_the_round_dated_exactly_at_expiry_is_its_price(signed_oracle, signers, alice, chain, weth, usdc, expiry):
    _publish_at(signed_oracle, signers, alice, chain, expiry - 120, 2_900 * USD)  # round 1
    _publish_at(signed_oracle, signers, alice, chain, expiry, 3_000 * USD)  # round 2, exactly at expiry
    _publish_at(signed_oracle, signers, alice, chain, expiry + 60, 3_100 * USD)  # round 3, after
    _at(chain, expiry + 61)
    assert signed_oracle.priceAt(weth, usdc, expiry, hint(2)) == (3_000 * USD, expiry)
    assert bytes(signed_oracle.expiryHint(weth, usdc, expiry)) == hint(2)
    for wrong in (0, 1, 3, 4):  # before it (superseded at expiry), after it, and ids that do not exist
        with reverts_with("NotExpiryRound(uint256,uint256)", wrong, expiry):
            signed_oracle.priceAt(weth, usdc, expiry, hint(wrong))
    # One second earlier, round 1 was current; one second before round 3, round 2 still is.
    assert signed_oracle.priceAt(weth, usdc, expiry - 1, hint(1)) == (2_900 * USD, expiry - 120)
    assert bytes(signed_oracle.expiryHint(weth, usdc, expiry - 1)) == hint(1)
    assert bytes(signed_oracle.expiryHint(weth, usdc, expiry + 59)) == hint(2)


def test_the_round_after_expiry_is_never_its_price(signed_oracle, signers, alice, chain, weth, usdc, expiry):
    _publish_at(signed_oracle, signers, alice, chain, expiry - 30, 3_000 * USD)  # round 1: current at expiry
    _publish_at(signed_oracle, signers, alice, chain, expiry + 1, 9_000 * USD)  # round 2: one second late
    assert signed_oracle.priceAt(weth, usdc, expiry, hint(1)) == (3_000 * USD, expiry - 30)
    with reverts_with("NotExpiryRound(uint256,uint256)", 2, expiry):
        signed_oracle.priceAt(weth, usdc, expiry, hint(2))
    assert bytes(signed_oracle.expiryHint(weth, usdc, expiry)) == hint(1)


def test_the_latest_round_before_expiry_counts_only_after_max_age(
    signed_oracle, signers, alice, chain, weth, usdc, expiry
):
    _publish_at(signed_oracle, signers, alice, chain, expiry - 30, 3_000 * USD)  # round 1, the latest
    _at(chain, expiry + 100)
    with reverts_with("RoundNotFinal(uint256,uint256)", 1, expiry + SIGNED_MAX_AGE):
        signed_oracle.priceAt(weth, usdc, expiry, hint(1))
    with reverts_with("RoundNotFinal(uint256,uint256)", 1, expiry + SIGNED_MAX_AGE):
        signed_oracle.expiryHint(weth, usdc, expiry)
    # Why it waits: until expiry + MAX_AGE a report dated at or before expiry can still land, and become the answer.
    _publish_at(signed_oracle, signers, alice, chain, expiry, 3_050 * USD, block_time=expiry + SIGNED_MAX_AGE)
    with reverts_with("NotExpiryRound(uint256,uint256)", 1, expiry):
        signed_oracle.priceAt(weth, usdc, expiry, hint(1))
    with reverts_with("RoundNotFinal(uint256,uint256)", 2, expiry + SIGNED_MAX_AGE):  # at expiry + MAX_AGE exactly
        signed_oracle.priceAt(weth, usdc, expiry, hint(2))
    _at(chain, expiry + SIGNED_MAX_AGE + 1)
    assert signed_oracle.priceAt(weth, usdc, expiry, hint(2)) == (3_050 * USD, expiry)
    assert bytes(signed_oracle.expiryHint(weth, usdc, expiry)) == hint(2)
    # From now on no report dated at or before expiry is accepted: the answer is final.
    stale = _round(signed_oracle, signers[:THRESHOLD], [1 * USD] * THRESHOLD, expiry, chain.chain_id)
    chain.pending_timestamp = expiry + SIGNED_MAX_AGE + 2
    with reverts_with("NonIncreasingTimestamp(uint256,uint256)", expiry, expiry):
        signed_oracle.update(expiry, *stale, sender=alice)


def test_no_expiry_answer_until_the_expiry_has_passed(signed_oracle, signers, alice, chain, weth, usdc, expiry):
    _publish_at(signed_oracle, signers, alice, chain, expiry - 10, 3_000 * USD, block_time=expiry - 10)
    _at(chain, expiry)
    with reverts_with("ExpiryNotPassed(uint256)", expiry):
        signed_oracle.priceAt(weth, usdc, expiry, hint(1))
    with reverts_with("ExpiryNotPassed(uint256)", expiry):
        signed_oracle.expiryHint(weth, usdc, expiry)


def test_an_expiry_before_the_first_round_has_no_answer(signed_oracle, signers, alice, chain, weth, usdc, expiry):
    _publish_at(signed_oracle, signers, alice, chain, expiry + 5, 3_000 * USD)
    _at(chain, expiry + SIGNED_MAX_AGE + 1)
    with reverts_with("NoRoundAtExpiry(uint256)", expiry):
        signed_oracle.expiryHint(weth, usdc, expiry)
    with reverts_with("NotExpiryRound(uint256,uint256)", 1, expiry):
        signed_oracle.priceAt(weth, usdc, expiry, hint(1))


def test_a_malformed_hint_or_another_pair_is_refused(signed_oracle, signers, alice, chain, weth, usdc, expiry):
    _publish_at(signed_oracle, signers, alice, chain, expiry, 3_000 * USD)
    _at(chain, expiry + SIGNED_MAX_AGE + 1)
    for bad in (b"", hint(1)[:31], hint(1) + hint(1)):
        with reverts_with("MalformedHint(uint256)", len(bad)):
            signed_oracle.priceAt(weth, usdc, expiry, bad)
    with reverts_with("OracleUnsupportedPair(address,address)", usdc.address, weth.address):
        signed_oracle.priceAt(usdc, weth, expiry, hint(1))
    with reverts_with("OracleUnsupportedPair(address,address)", usdc.address, weth.address):
        signed_oracle.expiryHint(usdc, weth, expiry)
