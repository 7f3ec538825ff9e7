"""SignedPriceOracle and OracleRouter header invariants, as Hypothesis state machines on the in-process engine."""

from __future__ import annotations

from typing import ClassVar

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from strikeforge.fuzz.errors import RevertError
from strikeforge.fuzz.machine import ChainMachine
from strikeforge.oracle.report import Domain, PriceReport, typed_data

ONE = 10**18
MAX_AGE, DRIFT = 600, 15
MIN_PRICE, MAX_PRICE = ONE, 10**6 * ONE
KEYS = [Account.from_key(keccak(text=f"machine-signer-{i}")) for i in range(7)]  # a pool: members and outsiders


def _onchain_median(prices: list[int]) -> int:
    ordered = sorted(prices)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return ordered[middle - 1] + (ordered[middle] - ordered[middle - 1]) // 2


class SignedOracleMachine(ChainMachine):
    """Rounds from random subsets of a key pool (members, outsiders, repeats) and committee rotations."""

    ACTORS = ("keeper",)
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
            d,
            sender=d,
        )
        return {"oracle": oracle}

    def __init__(self):
        super().__init__()
        self.members = list(range(5))  # indices into KEYS
        self.threshold = 3
        self.price = 0
        self.timestamp = 0
        self.domain = Domain(self.chain.chain_id, str(self.c.oracle.address))
        self.pair = (str(self.c.oracle.BASE()), str(self.c.oracle.QUOTE()))

    def _sign(self, key_index: int, price: int, timestamp: int) -> bytes:
        report = PriceReport(*self.pair, price, timestamp)
        message = encode_typed_data(full_message=typed_data(self.domain, report))
        return bytes(Account.sign_message(message, KEYS[key_index].key).signature)

    @rule(
        data=st.data(),
        honest=st.booleans(),
        prices=st.lists(st.integers(MIN_PRICE // 2, MAX_PRICE + MAX_PRICE // 5), min_size=7, max_size=7),
        offset=st.integers(-MAX_AGE - 30, DRIFT + 30),
    )
    def submit(self, data, honest, prices, offset):
        if honest:  # distinct members, at least the threshold: accepted unless time or bounds say otherwise
            pool = st.sampled_from(self.members)
            signers = data.draw(st.lists(pool, unique=True, min_size=self.threshold, max_size=len(self.members)))
        else:  # anything: outsiders, repeats, too few
            signers = data.draw(st.lists(st.integers(0, 6), max_size=7))
        now = self.chain.timestamp
        timestamp = max(1, now + offset)
        prices = prices[: len(signers)]
        signatures = [self._sign(k, p, timestamp) for k, p in zip(signers, prices, strict=True)]
        accepted = (
            len(signers) >= self.threshold
            and len(set(signers)) == len(signers)
            and all(k in self.members for k in signers)
            and self.timestamp < timestamp <= now + DRIFT
            and timestamp + MAX_AGE >= now
            and MIN_PRICE <= _onchain_median(prices) <= MAX_PRICE
        )
        event(f"round {'accepted' if accepted else 'refused'}")
        if not accepted:
            with pytest.raises(RevertError):
                self.c.oracle.update(timestamp, prices, signatures, sender=self.who("keeper"))
            return
        self.c.oracle.update(timestamp, prices, signatures, sender=self.who("keeper"))
        self.price, self.timestamp = _onchain_median(prices), timestamp

    @rule(seconds=st.integers(0, 2 * MAX_AGE))
    def wait(self, seconds):
        self.chain.warp(seconds)

    @rule(members=st.sets(st.integers(0, 6), min_size=1, max_size=7), extra=st.integers(0, 6))
    def rotate(self, members, extra):
        ordered = sorted(members)
        threshold = min(len(ordered), len(ordered) // 2 + 1 + extra % 2)
        self.c.oracle.set_signers([KEYS[i].address for i in ordered], threshold, sender=self.who("deployer"))
        self.members, self.threshold = ordered, threshold

    @rule(who=st.sampled_from(["keeper"]))
    def outsider_cannot_rotate(self, who):
        with pytest.raises(RevertError):
            self.c.oracle.set_signers([KEYS[6].address], 1, sender=self.who(who))

    @invariant()
    def the_last_accepted_round_is_stored(self):
        assert (self.c.oracle.latest_price(), self.c.oracle.latest_timestamp()) == (self.price, self.timestamp)

    @invariant()
    def the_price_is_in_bounds(self):
        assert self.price == 0 or MIN_PRICE <= self.c.oracle.latest_price() <= MAX_PRICE

    @invariant()
    def the_committee_is_indexed_and_a_strict_majority_is_required(self):
        count = self.c.oracle.signer_count()
        threshold = self.c.oracle.threshold()
        assert count == len(self.members) and 0 < threshold <= count and 2 * threshold > count
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
    answer for any expiry (the round current at expiry: the last one dated at or before it, if its price is > 0)."""

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
            return None if self.halt else (f, "backup")
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
        hints, valid = {}, {}
        for source in SOURCES:
            hints[source], valid[source] = self._draw_hint(data, source, expiry)
        evidence = {s: self._evidence(s, expiry, hints[s]) for s in SOURCES}
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
        if all(valid.values()) and not any(self.down.values()):
            # Both sources' final evidence, honest hints: no other moment gives another price.
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
