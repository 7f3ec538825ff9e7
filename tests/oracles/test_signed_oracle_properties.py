"""SignedPriceOracle properties, fuzzed on the in-process engine: the M-2 bound over committees, faulty sets and
submitter choices; the committee rule; the expiry round proven from round history."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_utils import keccak
from hypothesis import given, settings
from hypothesis import strategies as st

from strikeforge.fuzz.artifacts import from_project
from strikeforge.fuzz.chain import RevmChain
from strikeforge.fuzz.errors import RevertError
from strikeforge.oracle.report import Domain
from tests.oracles.signing import sign_fast

ONE = 10**18
MAX_AGE, DRIFT = 600, 15
MIN_PRICE, MAX_PRICE = ONE, 10**6 * ONE
KEYS = [Account.from_key(keccak(text=f"property-signer-{i}")) for i in range(16)]
# What a faulty signer signs: the bounds, just beyond them, and the extremes of uint256.
EXTREMES = [1, MIN_PRICE - 1, MIN_PRICE, MAX_PRICE, MAX_PRICE + 1, 2**192 - 1, 2**256 - 1]
ERRORS = (
    "InvalidConfig(string)",
    "NotExpiryRound(uint256,uint256)",
    "RoundNotFinal(uint256,uint256)",
    "NoRoundAtExpiry(uint256)",
)


@pytest.fixture(scope="module")
def world(project):
    types = from_project(project, "MockERC20", "SignedPriceOracle")
    chain = RevmChain()
    deployer, submitter = chain.actor("deployer"), chain.actor("submitter")
    base = chain.deploy(types["MockERC20"], "B", "B", 18, sender=deployer)
    quote = chain.deploy(types["MockERC20"], "Q", "Q", 6, sender=deployer)
    return {
        "chain": chain,
        "types": types,
        "deployer": deployer,
        "submitter": submitter,
        "pair": (base.address, quote.address),
        "snapshot": chain.snapshot(),
    }


def _deploy(world, members: int, threshold: int, f: int):
    chain = world["chain"]
    chain.revert(world["snapshot"])
    d = world["deployer"]
    oracle = chain.deploy(
        world["types"]["SignedPriceOracle"],
        *world["pair"],
        MAX_AGE,
        DRIFT,
        MIN_PRICE,
        MAX_PRICE,
        [k.address for k in KEYS[:members]],
        threshold,
        f,
        d,
        sender=d,
    )
    return oracle, Domain(chain.chain_id, oracle.address)


def _error(raised: pytest.ExceptionInfo) -> str:
    """The signature of the custom error a Vyper raw_revert carried (Vyper ABIs list no errors: match selectors)."""
    data = raised.value.error.data
    for signature in ERRORS:
        if data[:4] == keccak(text=signature)[:4]:
            return signature
    return f"unknown 0x{data.hex()}"


def _signed(world, domain, signers: list[int], prices: list[int], timestamp: int) -> list[bytes]:
    base, quote = world["pair"]
    return [sign_fast(KEYS[k], domain, base, quote, p, timestamp) for k, p in zip(signers, prices, strict=True)]


@st.composite
def committees(draw):
    """(n, f, threshold): n in 1..16, threshold a strict majority of n, and f in 0..(threshold-1)//2 (what the
    contract accepts) two times in three, else above it where n allows (threshold < 2f+1: f faulty signers could
    make an update with threshold - f <= f honest ones; the contract must refuse the committee)."""
    n = draw(st.integers(1, 16))
    threshold = draw(st.integers(n // 2 + 1, n))
    most = (threshold - 1) // 2
    if most < n // 2 and not draw(st.integers(0, 2)):
        return n, draw(st.integers(most + 1, n // 2)), threshold
    return n, draw(st.integers(0, most)), threshold


@st.composite
def attacks(draw):
    """A committee, a faulty set of at most f members signing extreme prices, the honest members' prices for the
    round, and the submitter's choice: any subset of at least `threshold` members, in any order."""
    n, f, threshold = draw(committees())
    faulty = set(draw(st.permutations(range(n)))[: draw(st.integers(0, f))])  # any size up to f, uniformly
    center = draw(st.integers(MIN_PRICE, MAX_PRICE))
    near = st.integers(max(MIN_PRICE, center - center // 20), min(MAX_PRICE, center + center // 20))
    honest_price = st.one_of(near, st.integers(MIN_PRICE, MAX_PRICE))
    faulty_price = st.one_of(st.sampled_from(EXTREMES), st.integers(1, 2**256 - 1))
    if draw(st.booleans()):  # colluding: every faulty member signs the same price
        faulty_price = st.just(draw(faulty_price))
    prices = {m: draw(faulty_price if m in faulty else honest_price) for m in range(n)}
    chosen = draw(st.permutations(range(n)))[: draw(st.integers(threshold, n))]
    if draw(st.booleans()):  # half the time the submitter's worst case: every faulty member included
        chosen = [*sorted(faulty), *(m for m in chosen if m not in faulty)][: len(chosen)]
    return n, f, threshold, faulty, prices, chosen


@settings(max_examples=400, deadline=None)
@given(attack=attacks())
def test_m2_with_at_most_f_faulty_signers_the_price_lies_within_the_honest_prices(world, attack):
    """Whatever the committee the contract accepts (n <= 16; it refuses threshold < 2f+1), the at most f faulty
    members' prices and the submitter's subset (a front-runner re-picking an honest update's signatures is one such
    submitter): the update is accepted and its price is an element of the submitted prices lying within [lowest,
    highest] of the prices the honest members in the update signed for that timestamp (an honest signer signs one
    price per round timestamp, so this is within the range of the prices the honest signers signed for it)."""
    n, f, threshold, faulty, prices, chosen = attack
    if threshold < 2 * f + 1:  # f faulty and threshold - f <= f honest signers would make an update: refused
        with pytest.raises(RevertError) as raised:
            _deploy(world, n, threshold, f)
        assert _error(raised) == "InvalidConfig(string)"
        return
    oracle, domain = _deploy(world, n, threshold, f)
    chain = world["chain"]
    timestamp = chain.timestamp
    submitted = [prices[m] for m in chosen]
    oracle.update(timestamp, submitted, _signed(world, domain, chosen, submitted, timestamp), sender=world["submitter"])
    honest = [prices[m] for m in chosen if m not in faulty]
    price = oracle.latest_price()
    assert min(honest) <= price <= max(honest)
    assert price == sorted(submitted)[(len(submitted) - 1) // 2]
    assert oracle.round_data(1) == (price, timestamp)


@settings(max_examples=300, deadline=None)
@given(members=st.integers(0, 16), threshold=st.integers(0, 18), f=st.one_of(st.integers(0, 10), st.just(2**256 - 1)))
def test_a_committee_is_accepted_iff_threshold_is_a_strict_majority_and_at_least_2f_plus_1(
    world, members, threshold, f
):
    valid = 0 < threshold <= members and 2 * threshold > members and threshold >= 2 * f + 1
    if not valid:
        with pytest.raises(RevertError) as raised:
            _deploy(world, members, threshold, f)
        assert _error(raised) == "InvalidConfig(string)"
        return
    oracle, _ = _deploy(world, members, threshold, f)
    assert (oracle.signer_count(), oracle.threshold(), oracle.max_faulty()) == (members, threshold, f)


@settings(max_examples=300, deadline=None)
@given(
    gaps=st.lists(st.integers(1, 2 * MAX_AGE), min_size=1, max_size=24),
    expiry_offset=st.integers(-60, 30 * MAX_AGE),
    wait=st.integers(1, 3 * MAX_AGE),
)
def test_price_at_answers_exactly_the_round_current_at_expiry(world, gaps, expiry_offset, wait):
    """Rounds at increasing timestamps; for an expiry anywhere around them, expiryHint finds the round a brute-force
    search calls current at expiry (last dated <= expiry; the latest only once block.timestamp > expiry + MAX_AGE),
    and priceAt answers for that id and reverts for every other one."""
    oracle, domain = _deploy(world, 1, 1, 0)
    chain = world["chain"]
    base, quote = world["pair"]
    start = chain.timestamp
    stamps = []
    for gap in gaps:
        timestamp = (stamps[-1] if stamps else start) + gap
        chain.set_time(timestamp)
        price = MIN_PRICE + timestamp
        oracle.update(timestamp, [price], _signed(world, domain, [0], [price], timestamp), sender=world["submitter"])
        stamps.append(timestamp)
    expiry = start + expiry_offset
    now = max(chain.timestamp, expiry) + wait
    chain.set_time(now)
    assert oracle.latest_round() == len(stamps)
    at_or_before = [i + 1 for i, ts in enumerate(stamps) if ts <= expiry]
    current = at_or_before[-1] if at_or_before else None
    if current == len(stamps) and now <= expiry + MAX_AGE:
        current = None  # the latest round: a report dated <= expiry can still land
    for round_id in range(len(stamps) + 2):
        hint = round_id.to_bytes(32, "big")
        if round_id == current and round_id:
            assert oracle.priceAt(base, quote, expiry, hint) == (MIN_PRICE + stamps[round_id - 1], stamps[round_id - 1])
        else:
            with pytest.raises(RevertError) as raised:
                oracle.priceAt(base, quote, expiry, hint)
            assert _error(raised) in ("NotExpiryRound(uint256,uint256)", "RoundNotFinal(uint256,uint256)")
    if current:
        assert oracle.expiryHint(base, quote, expiry) == current.to_bytes(32, "big")
    else:
        with pytest.raises(RevertError) as raised:
            oracle.expiryHint(base, quote, expiry)
        assert _error(raised) == ("RoundNotFinal(uint256,uint256)" if at_or_before else "NoRoundAtExpiry(uint256)")
