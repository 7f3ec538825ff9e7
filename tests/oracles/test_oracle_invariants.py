"""SignedPriceOracle and OracleRouter header invariants, as Hypothesis state machines on the in-process engine."""

from __future__ import annotations

from typing import ClassVar

import pytest
from eth_account import Account
from eth_utils import keccak
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from strikeforge.fuzz.errors import RevertError
from strikeforge.fuzz.machine import ChainMachine
from strikeforge.oracle.report import Domain
from tests.oracles.signing import sign_fast

ONE = 10**18
MAX_AGE, DRIFT = 600, 15
MIN_PRICE, MAX_PRICE = ONE, 10**6 * ONE
KEYS = [Account.from_key(keccak(text=f"machine-signer-{i}")) for i in range(7)]  # a pool: members and outsiders
# What a rogue member signs: the bounds, just beyond them, and the extremes of uint256.
EXTREMES = (1, MIN_PRICE - 1, MIN_PRICE, MAX_PRICE, MAX_PRICE + 1, 2**256 - 1)


def _lower_median(prices: list[int]) -> int:
    return sorted(prices)[(len(prices) - 1) // 2]


class SignedOracleMachine(ChainMachine):
    """Rounds from random subsets of a key pool (members, outsiders, repeats), committee rotations (threshold and
    max_faulty f), rogue members (at most f per committee) signing extreme prices, two per round if they like, and a
    hostile submitter choosing which reports of a round to send, in which order; expiries probed with priceAt and
    expiryHint, hints good and bad."""

    ACTORS = ("keeper", "submitter")
    types: ClassVar[dict] = {}

    @classmethod
    def deploy(cls, chain, actors):
        d = actors["deployer"]
        base = chain.deploy(cls.contract_type("MockERC20"), "B", "B", 18, sender=d)
        quote = chain.deploy(cls.contract_type("MockERC20"), "Q", "Q", 6, sender=d)
        members = [k.address for k in KEYS[:5]]
        oracle = chain.deploy(
            cls.contract_type("SignedPriceOracle"),
            base,
            quote,
            MAX_AGE,
            DRIFT,
            MIN_PRICE,
            MAX_PRICE,
            members,
            3,
            1,
            d,
            sender=d,
        )
        return {"oracle": oracle}

    def __init__(self):
        super().__init__()
        self.members = list(range(5))  # indices into KEYS
        self.threshold, self.faults = 3, 1
        self.rogues: set[int] = {0}  # members signing extreme prices: at most max_faulty of the committee
        self.rounds: list[tuple[int, int]] = []  # every accepted round: (price, timestamp); id = position + 1
        self.answers: dict[int, tuple[int, int, int]] = {}  # expiry -> (round id, price, ts) once priceAt answers
        self.domain = Domain(self.chain.chain_id, str(self.c.oracle.address))
        self.pair = (str(self.c.oracle.BASE()), str(self.c.oracle.QUOTE()))

    @property
    def price(self) -> int:
        return self.rounds[-1][0] if self.rounds else 0

    @property
    def timestamp(self) -> int:
        return self.rounds[-1][1] if self.rounds else 0

    def _sign(self, key_index: int, price: int, timestamp: int) -> bytes:
        return sign_fast(KEYS[key_index], self.domain, *self.pair, price, timestamp)

    def _accepted(self, signers: list[int], prices: list[int], timestamp: int) -> bool:
        now = self.chain.timestamp
        return (
            len(signers) >= self.threshold
            and len(set(signers)) == len(signers)
            and all(k in self.members for k in signers)
            and self.timestamp < timestamp <= now + DRIFT
            and timestamp + MAX_AGE >= now
            and MIN_PRICE <= _lower_median(prices) <= MAX_PRICE
        )

    def _send(self, signers: list[int], prices: list[int], timestamp: int, who: str) -> bool:
        signatures = [self._sign(k, p, timestamp) for k, p in zip(signers, prices, strict=True)]
        if not self._accepted(signers, prices, timestamp):
            with pytest.raises(RevertError):
                self.c.oracle.update(timestamp, prices, signatures, sender=self.who(who))
            return False
        self.c.oracle.update(timestamp, prices, signatures, sender=self.who(who))
        self.rounds.append((_lower_median(prices), timestamp))
        return True

    @rule(
        data=st.data(),
        honest=st.booleans(),
        prices=st.lists(st.integers(MIN_PRICE // 2, MAX_PRICE + MAX_PRICE // 5), min_size=7, max_size=7),
        offset=st.integers(-MAX_AGE - 30, DRIFT + 30),
    )
    def submit(self, data, honest, prices, offset):
        """Any reports: honest members at any prices, or outsiders, repeats and too few (refused)."""
        if honest:  # distinct members, at least the threshold: accepted unless time or bounds say otherwise
            pool = st.sampled_from([m for m in self.members if m not in self.rogues])
            count = len(self.members) - len(self.rogues)
            signers = data.draw(st.lists(pool, unique=True, min_size=min(self.threshold, count), max_size=count))
        else:  # anything: outsiders, repeats, too few
            signers = data.draw(st.lists(st.integers(0, 6), max_size=7))
        timestamp = max(1, self.chain.timestamp + offset)
        prices = prices[: len(signers)]
        event(f"round {'accepted' if self._send(signers, prices, timestamp, 'keeper') else 'refused'}")

    @rule(
        data=st.data(),
        market=st.integers(MIN_PRICE, MAX_PRICE),
        spread_bps=st.integers(0, 500),
        offset=st.integers(-MAX_AGE, DRIFT),
    )
    def hostile_round(self, data, market, spread_bps, offset):
        """One round timestamp: every honest member signs one price near the market, every rogue member signs two
        extreme prices; the hostile submitter (or a front-runner holding the honest update's signatures) sends any
        subset of at least the threshold, one report per signer, in any order. The price must stay within the
        prices the honest signers signed for that timestamp."""
        timestamp = max(1, self.chain.timestamp + offset)
        spread = market * spread_bps // 10_000
        honest = {
            m: data.draw(st.integers(max(MIN_PRICE, market - spread), min(MAX_PRICE, market + spread)))
            for m in self.members
            if m not in self.rogues
        }
        extremes = {m: data.draw(st.lists(st.sampled_from(EXTREMES), min_size=2, max_size=2)) for m in self.rogues}
        order = data.draw(st.permutations(self.members))
        if data.draw(st.booleans()):  # the worst case for the honest: every rogue in
            order = sorted(order, key=lambda m: m not in self.rogues)
        signers = order[: data.draw(st.integers(self.threshold, len(self.members)))]
        prices = [honest[m] if m in honest else extremes[m][data.draw(st.integers(0, 1))] for m in signers]
        accepted = self._send(signers, prices, timestamp, "submitter")
        event(f"hostile round {'accepted' if accepted else 'refused'}")
        if accepted:
            chosen = [honest[m] for m in signers if m in honest]
            assert min(honest.values()) <= min(chosen) <= self.price <= max(chosen) <= max(honest.values())

    @rule(data=st.data())
    def corrupt(self, data):
        """A member turns rogue, while the committee has fewer than max_faulty rogues."""
        candidates = [m for m in self.members if m not in self.rogues]
        if len(self.rogues) < self.faults and candidates:
            self.rogues.add(data.draw(st.sampled_from(candidates)))

    @rule(wait=st.integers(0, 2 * MAX_AGE))
    def wait(self, wait):
        self.chain.warp(wait)

    @rule(data=st.data(), members=st.sets(st.integers(0, 6), min_size=1, max_size=7), extra=st.integers(0, 6))
    def rotate(self, data, members, extra):
        """Governance installs a committee with a valid (threshold, f); the adversary holds at most f of its keys."""
        ordered = sorted(members)
        threshold = min(len(ordered), len(ordered) // 2 + 1 + extra % 2)
        faults = data.draw(st.integers(0, (threshold - 1) // 2))
        self.c.oracle.set_signers([KEYS[i].address for i in ordered], threshold, faults, sender=self.who("deployer"))
        self.members, self.threshold, self.faults = ordered, threshold, faults
        self.rogues = set(data.draw(st.permutations(ordered))[: data.draw(st.integers(0, faults))])

    @rule(threshold=st.integers(1, 7), faults=st.integers(1, 4))
    def rotation_tolerating_too_many_faults_is_refused(self, threshold, faults):
        if threshold >= 2 * faults + 1:
            return
        keys = [KEYS[i].address for i in range(threshold)]
        with pytest.raises(RevertError):
            self.c.oracle.set_signers(keys, threshold, faults, sender=self.who("deployer"))

    @rule(who=st.sampled_from(["keeper", "submitter"]))
    def outsider_cannot_rotate(self, who):
        with pytest.raises(RevertError):
            self.c.oracle.set_signers([KEYS[6].address], 1, 0, sender=self.who(who))

    def _current_at(self, expiry: int) -> int | None:
        """The model's round current at `expiry` (its id), or None while there is none or it may still change."""
        ids = [i + 1 for i, (_, ts) in enumerate(self.rounds) if ts <= expiry]
        if not ids or (ids[-1] == len(self.rounds) and self.chain.timestamp <= expiry + MAX_AGE):
            return None
        return ids[-1]

    @rule(data=st.data(), back=st.integers(1, 3 * MAX_AGE), bad=st.integers(0, 3))
    def probe_expiry(self, data, back, bad):
        """A recorder asks for an expiry in the past with the true hint or a wrong one."""
        base, quote = self.pair
        expiry = max(0, self.chain.timestamp - back)
        if self.rounds and data.draw(st.booleans()):  # often exactly at a round's timestamp
            expiry = min(self.chain.timestamp - 1, data.draw(st.sampled_from(self.rounds))[1])
        current = self._current_at(expiry)
        wrong = (current or 0) + bad if bad else None
        hint = (wrong if wrong is not None else (current or 0)).to_bytes(32, "big")
        if current is None or wrong is not None:
            with pytest.raises(RevertError):
                self.c.oracle.priceAt(base, quote, expiry, hint)
        if current is None:
            with pytest.raises(RevertError):
                self.c.oracle.expiryHint(base, quote, expiry)
            return
        answer = (current, *self.rounds[current - 1])
        assert self.c.oracle.expiryHint(base, quote, expiry) == current.to_bytes(32, "big")
        assert self.c.oracle.priceAt(base, quote, expiry, current.to_bytes(32, "big")) == answer[1:]
        assert self.answers.setdefault(expiry, answer) == answer
        event("expiry answered")

    @invariant()
    def round_history_is_append_only(self):
        oracle = self.c.oracle
        assert oracle.latest_round() == len(self.rounds)
        for round_id, stored in enumerate(self.rounds, start=1):
            assert oracle.round_data(round_id) == stored
        assert oracle.round_data(len(self.rounds) + 1) == (0, 0)
        assert (oracle.latest_price(), oracle.latest_timestamp()) == (self.price, self.timestamp)

    @invariant()
    def expiry_answers_never_change_once_unique(self):
        base, quote = self.pair
        for expiry, (round_id, price, ts) in self.answers.items():
            assert self.c.oracle.priceAt(base, quote, expiry, round_id.to_bytes(32, "big")) == (price, ts)
            assert self._current_at(expiry) == round_id

    @invariant()
    def the_price_is_in_bounds(self):
        assert self.price == 0 or MIN_PRICE <= self.c.oracle.latest_price() <= MAX_PRICE

    @invariant()
    def the_committee_is_indexed_and_tolerates_its_faults(self):
        count = self.c.oracle.signer_count()
        threshold, faults = self.c.oracle.threshold(), self.c.oracle.max_faulty()
        assert count == len(self.members) and 0 < threshold <= count and 2 * threshold > count
        assert (threshold, faults) == (self.threshold, self.faults) and threshold >= 2 * faults + 1
        assert len(self.rogues & set(self.members)) <= faults
        for position, index in enumerate(self.members):
            assert self.c.oracle.signer_index(KEYS[index].address) == position + 1
        for index in set(range(7)) - set(self.members):
            assert self.c.oracle.signer_index(KEYS[index].address) == 0

    @precondition(lambda self: self.timestamp > 0)
    @invariant()
    def reads_are_never_older_than_max_age(self):
        base, quote = self.pair
        if self.chain.timestamp - self.timestamp > MAX_AGE:
            with pytest.raises(RevertError):
                self.c.oracle.getPrice(base, quote)
        else:
            assert self.c.oracle.getPrice(base, quote) == (self.price, self.timestamp)


DISPUTE = 3_600
BPS = 10_000
GRACE = 3_600  # SOURCE_GRACE
STALL = 4 * 3_600  # STALL_PERIOD (short, so that halted sources reach it)
LAG = 1_800  # the route's max_expiry_lag
SOURCES = ("primary", "backup")


def _hint(round_id: int) -> bytes:
    return round_id.to_bytes(32, "big")


class RouterMachine(ChainMachine):
    """Sources that move, fail, halt and recover; routes that change; expiries recorded by a first recorder at any
    moment after expiry with good or bad hints, disputed by the disputer (honest or rogue: random evidence, twice,
    late) and by outsiders, and finalised. The model keeps every source round, so it knows each source's unique
    answer for any expiry (the round current at expiry: the last one dated at or before it, if its price is > 0).
    A recording's outcome is modelled without the recorder's hints (the router finds a source's evidence itself when
    a hint fails), so any hint that changed it would fail the machine."""

    ACTORS = ("keeper", "disputer")
    types: ClassVar[dict] = {}

    @classmethod
    def deploy(cls, chain, actors):
        d = actors["deployer"]
        base = chain.deploy(cls.contract_type("MockERC20"), "B", "B", 18, sender=d)
        quote = chain.deploy(cls.contract_type("MockERC20"), "Q", "Q", 6, sender=d)
        primary = chain.deploy(cls.contract_type("MockPriceSource"), sender=d)
        backup = chain.deploy(cls.contract_type("MockPriceSource"), sender=d)
        router = chain.deploy(cls.contract_type("OracleRouter"), DISPUTE, GRACE, STALL, actors["disputer"], d, sender=d)
        router.set_route(base, quote, primary, backup, 200, False, LAG, sender=d)
        return {"base": base, "quote": quote, "primary": primary, "backup": backup, "router": router}

    def __init__(self):
        super().__init__()
        self.answers = {"primary": None, "backup": None}  # None: down (or never set)
        self.rounds: dict[str, list[tuple[int, int]]] = {s: [] for s in SOURCES}  # every set(): (price, timestamp)
        self.down = {s: False for s in SOURCES}
        self.bps, self.halt = 200, False
        self.records: dict[int, dict] = {}  # expiry -> {"price", "source", "recorded_at", "disputed"}
        self.finals: dict[int, int] = {}

    # -- the model ------------------------------------------------------------------------------------------------

    def _expected(self):
        """(price, source) the router must answer, or None if it must revert."""
        p, f = self.answers["primary"], self.answers["backup"]
        if p and f:
            if abs(p - f) * BPS <= f * self.bps:
                return p, "primary"
            return None if self.halt else (f, "backup")
        if p:
            return p, "primary"
        if f:
            return f, "backup"
        return None

    def _unique(self, source: str, expiry: int):
        """The source's unique answer for `expiry`: (round id, price, timestamp), or None."""
        for round_id in range(len(self.rounds[source]), 0, -1):
            price, timestamp = self.rounds[source][round_id - 1]
            if timestamp <= expiry:
                return (round_id, price, timestamp) if price > 0 else None
        return None

    def _evidence(self, source: str, expiry: int, hint: bytes):
        """What priceAt(expiry, hint) proves now: (price, timestamp), or None if it reverts."""
        unique = self._unique(source, expiry)
        if self.down[source] or unique is None or hint != _hint(unique[0]):
            return None
        return unique[1], unique[2]

    def _found(self, source: str, expiry: int):
        """The evidence a recording finds for `source`, whatever the recorder's hint (the router tries the source's
        own expiryHint when the hint fails): (price, timestamp), or None."""
        unique = self._unique(source, expiry)
        return self._evidence(source, expiry, _hint(unique[0])) if unique else None

    def _outcome(self, expiry: int, evidence: dict, now: int):
        """(price, source) a recording at `now` must store, or None if it must revert."""
        ok = {s: evidence[s] is not None for s in SOURCES}
        fresh = {s: ok[s] and abs(evidence[s][1] - expiry) <= LAG for s in SOURCES}
        if any(fresh.values()):
            ok = fresh
        elif now < expiry + STALL:
            ok = {s: False for s in SOURCES}
        if all(ok.values()):
            p, f = evidence["primary"][0], evidence["backup"][0]
            if abs(p - f) * BPS <= f * self.bps:
                return p, "primary"
            return None if self.halt and now < expiry + STALL else (f, "backup")  # a halt holds until STALL
        if any(ok.values()):
            if now < expiry + GRACE:
                return None
            source = "primary" if ok["primary"] else "backup"
            return evidence[source][0], source
        return None

    # -- rules ----------------------------------------------------------------------------------------------------

    @initialize(prices=st.tuples(*[st.integers(2_900, 3_100).map(ONE.__mul__)] * 2))
    def both_sources_report(self, prices):
        """Both sources start with a round, so that expiries have evidence to find."""
        for source, price in zip(SOURCES, prices, strict=True):
            self.move(source, price)

    @rule(
        source=st.sampled_from(SOURCES),
        price=st.one_of(st.none(), st.just(0), st.integers(1, 10**24), st.integers(2_900, 3_100).map(ONE.__mul__)),
    )
    def move(self, source, price):
        """A new round (price 0: a round that answers nothing usable), or the source goes down (None)."""
        contract = getattr(self.c, source)
        contract.setDown(price is None, sender=self.who("deployer"))
        self.down[source] = price is None
        if price is not None:
            contract.set(price, self.chain.timestamp, sender=self.who("deployer"))
            self.rounds[source].append((price, self.chain.timestamp))
        self.answers[source] = None if price is None else price

    @rule(bps=st.integers(1, BPS), halt=st.booleans())
    def reroute(self, bps, halt):
        c = self.c
        c.router.set_route(c.base, c.quote, c.primary, c.backup, bps, halt, LAG, sender=self.who("deployer"))
        self.bps, self.halt = bps, halt

    @rule(seconds=st.one_of(st.integers(0, 2 * DISPUTE), st.just(STALL)))
    def wait(self, seconds):
        self.chain.warp(seconds)

    def _draw_hint(self, data, source: str, expiry: int) -> tuple[bytes, bool]:
        """A hint for `source`: the valid one (from expiryHint, as a keeper) or a bad one (random round or bytes)."""
        if data.draw(st.integers(0, 3), label=f"{source} hint kind"):  # mostly the valid one
            unique = self._unique(source, expiry)
            return (_hint(unique[0]) if unique else b""), True
        count = len(self.rounds[source])
        bad = st.one_of(st.integers(0, count + 2).map(_hint), st.binary(max_size=40))
        return data.draw(bad, label=f"{source} hint"), False

    @rule(data=st.data(), back=st.integers(0, 3 * DISPUTE))
    def record(self, data, back):
        """A first recorder at any moment after expiry, with good or bad hints."""
        now = self.chain.timestamp
        expiry = max(1, now - back)
        dated = sorted({t for s in SOURCES for _, t in self.rounds[s]})
        if dated and data.draw(st.integers(0, 2), label="expiry near a round"):  # mostly: an expiry the rounds cover
            expiry = data.draw(st.sampled_from(dated), label="round") + data.draw(st.integers(0, 2 * LAG), label="+")
        hints = {source: self._draw_hint(data, source, expiry)[0] for source in SOURCES}
        evidence = {s: self._found(s, expiry) for s in SOURCES}  # never depends on the hints
        expected = None if now <= expiry or expiry in self.records else self._outcome(expiry, evidence, now)
        c = self.c
        call = (c.base, c.quote, expiry, hints["primary"], hints["backup"])
        event(f"record {'refused' if expected is None else 'by ' + expected[1]}")
        if expected is None:
            with pytest.raises(RevertError):
                c.router.record_expiry_price(*call, sender=self.who("keeper"))
            return
        c.router.record_expiry_price(*call, sender=self.who("keeper"))
        price, source = expected
        self.records[expiry] = {"price": price, "source": source, "recorded_at": now, "disputed": False}
        if not any(self.down.values()):
            # Both sources' final evidence, any hints: no other moment gives another price.
            for later in (expiry + 1, expiry + GRACE, expiry + STALL, expiry + 30 * 86_400):
                assert self._outcome(expiry, evidence, later) in (None, expected)

    @precondition(lambda self: self.records)
    @rule(data=st.data(), disputer=st.integers(0, 3), other=st.integers(0, 3))
    def dispute(self, data, disputer, other):
        """The disputer (mostly) or an outsider brings a source's evidence (mostly the other source's): valid, another
        round's, or bytes; any number of times, early or late."""
        expiry = data.draw(st.sampled_from(sorted(self.records)), label="expiry")
        record = self.records[expiry]
        disputer = disputer > 0
        source = SOURCES[(SOURCES.index(record["source"]) + (1 if other else 0)) % 2]
        hint, _ = self._draw_hint(data, source, expiry)
        evidence = self._evidence(source, expiry, hint)
        accepted = (
            disputer
            and self.chain.timestamp < record["recorded_at"] + DISPUTE
            and not record["disputed"]
            and evidence is not None
            and abs(evidence[1] - expiry) <= LAG
            and evidence[0] != record["price"]
        )
        c = self.c
        who = self.who("disputer" if disputer else "keeper")
        call = (c.base, c.quote, expiry, source == "backup", hint)
        event(f"dispute {'accepted' if accepted else 'refused'}")
        if not accepted:
            with pytest.raises(RevertError):
                c.router.dispute_expiry_price(*call, sender=who)
            return
        c.router.dispute_expiry_price(*call, sender=who)
        record.update(price=evidence[0], source=source, disputed=True)

    # -- invariants -----------------------------------------------------------------------------------------------

    @invariant()
    def the_routed_price_is_the_model(self):
        c = self.c
        expected = self._expected()
        if expected is None:
            with pytest.raises(RevertError):
                c.router.routed_price(c.base, c.quote)
            return
        price, _, source = c.router.routed_price(c.base, c.quote)
        assert (price, source) == (expected[0], getattr(c, expected[1]).address)

    @invariant()
    def a_primary_price_is_within_the_bound_of_a_live_fallback(self):
        p, f = self.answers["primary"], self.answers["backup"]
        expected = self._expected()
        if expected and expected[1] == "primary" and f:
            assert abs(p - f) * BPS <= f * self.bps

    @invariant()
    def an_expiry_price_is_always_a_sources_unique_answer_for_that_expiry(self):
        c = self.c
        for expiry, record in self.records.items():
            unique = self._unique(record["source"], expiry)
            assert unique is not None and unique[1] == record["price"]
            price, _, source, disputed = c.router.expiry_prices(c.base, c.quote, expiry)
            expected = (record["price"], str(getattr(c, record["source"]).address).lower(), record["disputed"])
            assert (price, str(source).lower(), disputed) == expected

    @invariant()
    def expiry_prices_are_final_only_after_the_dispute_period_and_then_never_change(self):
        c = self.c
        for expiry, record in self.records.items():
            final = self.chain.timestamp >= record["recorded_at"] + DISPUTE
            assert c.router.is_expiry_price_final(c.base, c.quote, expiry) == final
            if final:
                price = c.router.expiry_price(c.base, c.quote, expiry)
                assert price == record["price"] == self.finals.setdefault(expiry, price)
            else:
                with pytest.raises(RevertError):
                    c.router.expiry_price(c.base, c.quote, expiry)


TestSignedOracleInvariants = SignedOracleMachine.TestCase
TestRouterInvariants = RouterMachine.TestCase
