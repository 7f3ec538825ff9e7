"""ChainlinkOracle expiry evidence (IExpiryPriceOracle): the round current at expiry, proven from its round id."""

from __future__ import annotations

import pytest
from ape.exceptions import ContractLogicError

from tests.oracles.conftest import MAX_PRICE, MIN_PRICE
from tests.revert_data import reverts_with

USD = 10**18
FEED_UNIT = 10**8  # the mock feed has 8 decimals


def rid(phase: int, round_: int) -> int:
    """A proxy round id: phase << 64 | aggregator round."""
    return (phase << 64) | round_


def hint(round_id: int) -> bytes:
    return round_id.to_bytes(32, "big")


@pytest.fixture
def expiry(chain):
    return chain.pending_timestamp + 10_000


@pytest.fixture
def rounds(feed, deployer):
    """setRound(phase, round, answer in dollars, updatedAt)."""

    def set_round(phase, round_, dollars, updated_at):
        feed.setRound(phase, round_, dollars * FEED_UNIT, updated_at, sender=deployer)
        return rid(phase, round_)

    return set_round


def _after(chain, timestamp):
    chain.mine(1, timestamp=timestamp)


def _price_at(oracle, weth, usdc, expiry, round_id):
    return oracle.priceAt(weth, usdc, expiry, hint(round_id))


def test_the_round_current_at_expiry_is_proven_and_scaled(oracle, rounds, weth, usdc, chain, expiry):
    first = rounds(1, 1, 2_900, expiry - 120)
    current = rounds(1, 2, 3_000, expiry - 10)
    after = rounds(1, 3, 3_100, expiry + 50)
    _after(chain, expiry + 100)
    assert _price_at(oracle, weth, usdc, expiry, current) == (3_000 * USD, expiry - 10)
    assert oracle.expiryHint(weth, usdc, expiry) == hint(current)
    with reverts_with("RoundSuperseded(uint80,uint80,uint256)", first, current, expiry - 10):
        _price_at(oracle, weth, usdc, expiry, first)
    with reverts_with("RoundAfterExpiry(uint80,uint256,uint256)", after, expiry + 50, expiry):
        _price_at(oracle, weth, usdc, expiry, after)


def test_a_round_dated_exactly_at_expiry_is_current(oracle, rounds, weth, usdc, chain, expiry):
    before = rounds(1, 1, 2_900, expiry - 1)
    at = rounds(1, 2, 3_000, expiry)
    rounds(1, 3, 3_100, expiry + 1)
    _after(chain, expiry + 10)
    assert _price_at(oracle, weth, usdc, expiry, at) == (3_000 * USD, expiry)
    assert oracle.expiryHint(weth, usdc, expiry) == hint(at)
    with reverts_with("RoundSuperseded(uint80,uint80,uint256)", before, at, expiry):
        _price_at(oracle, weth, usdc, expiry, before)


def test_the_latest_round_is_current_and_stays_so(oracle, rounds, weth, usdc, chain, expiry):
    rounds(1, 1, 2_900, expiry - 100)
    latest = rounds(1, 2, 3_000, expiry - 10)
    _after(chain, expiry + 1)
    assert oracle.expiryHint(weth, usdc, expiry) == hint(latest)
    assert _price_at(oracle, weth, usdc, expiry, latest) == (3_000 * USD, expiry - 10)
    rounds(1, 3, 3_300, expiry + 500)  # a later round cannot change the answer: it is dated after expiry
    _after(chain, expiry + 600)
    assert _price_at(oracle, weth, usdc, expiry, latest) == (3_000 * USD, expiry - 10)
    assert oracle.expiryHint(weth, usdc, expiry) == hint(latest)


def test_a_phase_change_after_expiry_proves_the_old_phases_last_round(oracle, rounds, weth, usdc, chain, expiry):
    rounds(1, 1, 2_900, expiry - 300)
    last_of_phase = rounds(1, 2, 3_000, expiry - 100)
    rounds(2, 1, 3_050, expiry + 60)
    rounds(2, 2, 3_060, expiry + 120)
    _after(chain, expiry + 200)
    assert _price_at(oracle, weth, usdc, expiry, last_of_phase) == (3_000 * USD, expiry - 100)
    assert oracle.expiryHint(weth, usdc, expiry) == hint(last_of_phase)  # found a phase back


def test_a_new_phase_dated_before_expiry_supersedes_the_old_phase(oracle, rounds, weth, usdc, chain, expiry):
    last_of_phase = rounds(1, 2, 3_000, expiry - 100)
    first_of_next = rounds(2, 1, 3_050, expiry - 50)
    rounds(2, 2, 3_060, expiry + 60)
    _after(chain, expiry + 100)
    with reverts_with("RoundSuperseded(uint80,uint80,uint256)", last_of_phase, first_of_next, expiry - 50):
        _price_at(oracle, weth, usdc, expiry, last_of_phase)
    assert _price_at(oracle, weth, usdc, expiry, first_of_next) == (3_050 * USD, expiry - 50)
    assert oracle.expiryHint(weth, usdc, expiry) == hint(first_of_next)


def test_a_missing_next_round_is_refused_unless_latest(oracle, rounds, weth, usdc, chain, expiry):
    rounds(1, 1, 2_900, expiry - 100)
    orphan = rounds(1, 2, 3_000, expiry - 50)
    latest = rounds(1, 4, 3_100, expiry + 100)  # round 3 never existed, nor does phase 2
    _after(chain, expiry + 200)
    with reverts_with("NextRoundMissing(uint80,uint80)", orphan, latest):
        _price_at(oracle, weth, usdc, expiry, orphan)


def test_expiry_refusals_are_named(deploy_oracle, feed, oracle, rounds, weth, usdc, chain, expiry):
    current = rounds(1, 1, 3_000, expiry - 10)
    with reverts_with("ExpiryNotPassed(uint256)", expiry):
        _price_at(oracle, weth, usdc, expiry, current)
    _after(chain, expiry + 10)
    for bad in (b"", b"\x01" * 31, b"\x01" * 33, hint(2**80)):
        with reverts_with("InvalidHint(bytes)", bad):
            oracle.priceAt(weth, usdc, expiry, bad)
    with reverts_with("RoundNotFound(uint80)", rid(5, 1)):
        _price_at(oracle, weth, usdc, expiry, rid(5, 1))
    with reverts_with("OracleUnsupportedPair(address,address)", usdc.address, weth.address):
        oracle.priceAt(usdc, weth, expiry, hint(current))
    with reverts_with("NoRoundAtExpiry(uint256)", 1):
        oracle.expiryHint(weth, usdc, 1)
    zero = rounds(1, 2, 0, expiry + 20)
    _after(chain, expiry + 30)
    with reverts_with("InvalidAnswer(int256)", 0):
        _price_at(oracle, weth, usdc, expiry + 25, zero)
    tight = deploy_oracle(feed, min_price=MIN_PRICE, max_price=2_000 * USD)
    with reverts_with("PriceOutOfBounds(uint256,uint256,uint256)", 3_000 * USD, MIN_PRICE, 2_000 * USD):
        _price_at(tight, weth, usdc, expiry, current)
    assert MAX_PRICE > 3_000 * USD


def test_the_hint_search_matches_a_model_over_phases(oracle, rounds, feed, weth, usdc, chain, expiry):
    dated = {rid(0, 1): int(feed.getTimestamp(1))}  # the constructor's round
    at = expiry - 5_000
    for phase, count in ((1, 13), (2, 1), (3, 40)):
        for round_ in range(1, count + 1):
            at += 60
            dated[rounds(phase, round_, 3_000 + round_, at)] = at
    _after(chain, at + 1)
    ordered = sorted(dated.items(), key=lambda item: item[1])
    for probe in range(ordered[0][1] - 30, at + 30, 97):
        candidates = [round_id for round_id, when in ordered if when <= probe]
        if not candidates:
            with reverts_with("NoRoundAtExpiry(uint256)", probe):
                oracle.expiryHint(weth, usdc, probe)
            continue
        found = oracle.expiryHint(weth, usdc, probe)
        assert found == hint(candidates[-1]), probe
        assert _price_at(oracle, weth, usdc, probe, candidates[-1])[1] == dated[candidates[-1]]


# -- Audit of the fix, F5: overlapping phases ----------------------------------------------------------------------


def test_f5_a_round_of_a_phase_the_proxy_left_before_expiry_is_refused(oracle, rounds, weth, usdc, chain, expiry):
    """The proxy moved to phase 2 (its first round 2,500 is dated before expiry); the old aggregator (phase 1) kept
    reporting during the migration, so its round 1 (3,000) is also followed by a round dated after expiry. Only the
    new phase's round is current at expiry."""
    old = rounds(1, 1, 3_000, expiry - 600)
    new = rounds(2, 1, 2_500, expiry - 300)
    rounds(1, 2, 3_050, expiry + 60)  # the old aggregator, still reporting after expiry
    rounds(2, 2, 2_550, expiry + 120)
    _after(chain, expiry + 200)
    with reverts_with("RoundSuperseded(uint80,uint80,uint256)", old, new, expiry - 300):
        _price_at(oracle, weth, usdc, expiry, old)
    assert _price_at(oracle, weth, usdc, expiry, new) == (2_500 * USD, expiry - 300)


def test_f5_the_hint_search_names_the_round_price_at_accepts_across_overlapping_phases(
    oracle, rounds, feed, weth, usdc, chain, expiry
):
    """Phases 1 and 2 overlap in time (the old aggregator keeps reporting after the switch): for every expiry around
    the overlap, exactly one round is accepted by priceAt, expiryHint names it, and once phase 2 has a round at or
    before the expiry it is phase 2's."""
    dated = {
        rid(0, 1): int(feed.getTimestamp(1)),  # the constructor's round
        rounds(1, 1, 3_000, expiry - 900): expiry - 900,
        rounds(1, 2, 3_010, expiry - 500): expiry - 500,
        rounds(2, 1, 2_500, expiry - 400): expiry - 400,
        rounds(1, 3, 3_020, expiry - 200): expiry - 200,  # the old phase, after the new one's first round
        rounds(2, 2, 2_510, expiry + 100): expiry + 100,
        rounds(1, 4, 3_030, expiry + 150): expiry + 150,
    }
    _after(chain, expiry + 300)
    for probe in range(expiry - 950, expiry + 250, 50):
        accepted = []
        for round_id in dated:
            try:
                _price_at(oracle, weth, usdc, probe, round_id)
            except ContractLogicError:  # refused with a named error
                continue
            accepted.append(round_id)
        assert len(accepted) == 1, (probe, accepted)
        assert oracle.expiryHint(weth, usdc, probe) == hint(accepted[0]), probe
        phase_two = [r for r, when in dated.items() if r >> 64 == 2 and when <= probe]
        if phase_two:
            assert accepted == [max(phase_two)], probe


# -- Re-audit of the fix: a starved round lookup ---------------------------------------------------------------------


def test_a_round_lookup_starved_of_gas_is_not_read_as_a_missing_round(project, deploy_oracle, deployer, chain):
    """A caller who starves one getRoundData probe must not make the adapter treat that round as missing (which would
    accept a superseded round, or send the hint search to an earlier one): the lookup reverts RoundLookupOutOfGas."""
    expiry = chain.pending_timestamp + 1_000
    feed = project.GasBurningFeed.deploy(3_000 * FEED_UNIT, expiry - 100, expiry + 50, 2, sender=deployer)
    oracle = deploy_oracle(feed)
    _after(chain, expiry + 60)
    with reverts_with("RoundLookupOutOfGas(uint80)", 2):
        oracle.priceAt(oracle.BASE(), oracle.QUOTE(), expiry, hint(1), gas_limit=2_000_000)
