"""PythOracle: pull updates paid exactly, normalization by exponent, and every check.

The `test_l1_*` tests are finding L-1's regressions (issue 17): the updater cannot make the adapter answer an older
signed price than MAX_UPDATE_LAG, and an expiry's price is the unique first one published at or after it.
"""

from __future__ import annotations

from typing import ClassVar

import ape
import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from strikeforge.fuzz.errors import RevertError
from strikeforge.fuzz.machine import ChainMachine

FEED_ID = bytes.fromhex("ff61491a931112ddf1bd8147cd1b641375f79f5825126d665480874634fd0ace")  # ETH/USD on Pyth
FEE = 7
STALENESS = 60
AHEAD = 10
CONF_BPS = 100  # 1%
UPDATE_LAG = 5
EXPIRY_LAG = 60


@pytest.fixture
def pyth(project, deployer):
    return project.MockPythFeeds.deploy(STALENESS, FEE, sender=deployer)


@pytest.fixture
def pyth_oracle(project, deployer, pyth, weth, usdc):
    return project.PythOracle.deploy(
        pyth, FEED_ID, weth, usdc, STALENESS, AHEAD, CONF_BPS, UPDATE_LAG, EXPIRY_LAG, sender=deployer
    )


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
    published = chain.pending_timestamp
    _update(pyth, pyth_oracle, alice, 3_000 * 10**8, publish_time=published, chain=chain)
    chain.mine(1, timestamp=published + STALENESS + 5)
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
        ({"update_lag": 0}, "maxUpdateLag"),
        ({"update_lag": STALENESS + 1}, "maxUpdateLag"),
        ({"expiry_lag": 0}, "maxExpiryLag"),
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
            args.get("update_lag", UPDATE_LAG),
            args.get("expiry_lag", EXPIRY_LAG),
            sender=deployer,
        )


PRICE = 3_000 * 10**8


def _payload(pyth, price: int, publish: int, prev: int, conf: int = 0) -> bytes:
    """A signed Pyth update (MockPythFeeds' format): `prev` is the feed's previous publish time (uniqueness)."""
    return pyth.createPriceFeedUpdateData(FEED_ID, price, conf, -8, price, conf, publish, prev)


def test_no_price_before_the_first_update(pyth_oracle, weth, usdc):
    with ape.reverts(pyth_oracle.NoPrice):
        pyth_oracle.getPrice(weth, usdc)


def test_l1_updater_cannot_push_an_older_price(pyth, pyth_oracle, alice, bob, weth, usdc, chain):
    """Before: any signed price inside MAX_STALENESS could be pushed (the updater chose); now at most UPDATE_LAG old."""
    _update(pyth, pyth_oracle, alice, PRICE, chain=chain)
    now = chain.blocks.head.timestamp
    chain.mine(1, timestamp=now + 30)
    older = now + 30 - UPDATE_LAG - 10  # newer than the stored price, well inside MAX_STALENESS, older than the lag
    with ape.reverts(pyth_oracle.UpdateTooOld, maxUpdateLag=UPDATE_LAG):
        _update(pyth, pyth_oracle, bob, 2_000 * 10**8, publish_time=older, chain=chain)
    assert pyth_oracle.getPrice(weth, usdc) == (3_000 * 10**18, now)


def test_l1_an_old_price_pushed_straight_to_pyth_is_not_answered(pyth, pyth_oracle, alice, bob, weth, usdc, chain):
    """Pyth is permissionless: an old price pushed to it directly must not become the adapter's answer either."""
    _update(pyth, pyth_oracle, alice, PRICE, chain=chain)
    stored = chain.blocks.head.timestamp
    chain.mine(1, timestamp=stored + 30)
    older = stored + 30 - UPDATE_LAG - 10
    pyth.updatePriceFeeds([_payload(pyth, 2_000 * 10**8, older, stored)], sender=bob, value=FEE)
    assert pyth.getPriceUnsafe(FEED_ID).publishTime == older
    assert pyth_oracle.getPrice(weth, usdc) == (3_000 * 10**18, stored)
    with ape.reverts(pyth_oracle.UpdateTooOld, publishTime=older, maxUpdateLag=UPDATE_LAG):
        pyth_oracle.updatePrice([], sender=bob)


def test_l1_a_price_within_the_lag_is_stored_and_announced(pyth, pyth_oracle, alice, weth, usdc, chain):
    published = chain.pending_timestamp - UPDATE_LAG + 2  # 2 s of slack for the provider's clock
    tx = _update(pyth, pyth_oracle, alice, PRICE, publish_time=published, chain=chain)
    assert tx.timestamp - published <= UPDATE_LAG
    assert [(e.price, e.publishTime) for e in pyth_oracle.PriceStored.from_receipt(tx)] == [(PRICE, published)]
    assert pyth_oracle.getPrice(weth, usdc) == (3_000 * 10**18, published)


def test_a_front_run_newer_price_is_kept(pyth, pyth_oracle, alice, bob, weth, usdc, chain):
    """A front-runner can only push a newer price; the honest (older) update still succeeds and keeps it."""
    honest = chain.pending_timestamp
    newer = honest + 1
    _update(pyth, pyth_oracle, bob, 3_100 * 10**8, publish_time=newer, chain=chain)
    tx = _update(pyth, pyth_oracle, alice, PRICE, publish_time=honest, chain=chain)
    assert list(pyth_oracle.PriceStored.from_receipt(tx)) == []
    assert pyth_oracle.getPrice(weth, usdc) == (3_100 * 10**18, newer)


@pytest.fixture
def expiry(chain):
    """An expiry 100 s ahead; Pyth publishes at expiry - 2, expiry + 1 (the unique one) and expiry + 3."""
    return chain.pending_timestamp + 100


def _after(chain, expiry: int, seconds: int = 10) -> None:
    chain.mine(1, timestamp=expiry + seconds)


def test_l1_expiry_price_is_the_first_published_at_or_after_expiry(pyth, pyth_oracle, alice, weth, usdc, chain, expiry):
    before = _payload(pyth, 2_900 * 10**8, expiry - 2, expiry - 3)
    first = _payload(pyth, PRICE, expiry + 1, expiry - 2)
    later = _payload(pyth, 3_200 * 10**8, expiry + 3, expiry + 1)
    _after(chain, expiry)
    with ape.reverts(pyth_oracle.ExpiryPriceNotRecorded, expiry=expiry):
        pyth_oracle.priceAt(weth, usdc, expiry, b"")
    for refused in (before, later):  # published before the expiry; not the first after it
        with ape.reverts(pyth.PriceFeedNotFoundWithinRange):
            pyth_oracle.recordExpiryPrice([refused], expiry, sender=alice, value=FEE)

    tx = pyth_oracle.recordExpiryPrice([later, first], expiry, sender=alice, value=FEE * 2 + 5)
    assert [
        (e.expiry, e.recorder, e.price, e.publishTime) for e in pyth_oracle.ExpiryPriceRecorded.from_receipt(tx)
    ] == [(expiry, alice.address, 3_000 * 10**18, expiry + 1)]
    assert pyth_oracle.balance == 0
    assert pyth_oracle.priceAt(weth, usdc, expiry, b"") == (3_000 * 10**18, expiry + 1)
    assert pyth_oracle.priceAt(weth, usdc, expiry, b"\x01") == (3_000 * 10**18, expiry + 1)  # the hint is ignored
    assert pyth_oracle.expiryHint(weth, usdc, expiry) == b""


def test_l1_a_recorded_expiry_price_never_changes(pyth, pyth_oracle, alice, bob, weth, usdc, chain, expiry):
    first = _payload(pyth, PRICE, expiry + 1, expiry - 2)
    other = _payload(pyth, 3_200 * 10**8, expiry + 3, expiry + 1)
    _after(chain, expiry)
    pyth_oracle.recordExpiryPrice([first], expiry, sender=alice, value=FEE)
    for payload in (first, other):
        with ape.reverts(pyth_oracle.ExpiryPriceAlreadyRecorded, expiry=expiry, publishTime=expiry + 1):
            pyth_oracle.recordExpiryPrice([payload], expiry, sender=bob, value=FEE)
    chain.mine(1, timestamp=expiry + 3_600)
    assert pyth_oracle.priceAt(weth, usdc, expiry, b"") == (3_000 * 10**18, expiry + 1)


def test_expiry_price_waits_for_the_expiry(pyth, pyth_oracle, alice, weth, usdc, chain, expiry):
    first = _payload(pyth, PRICE, expiry, expiry - 2)
    chain.mine(1, timestamp=expiry - 1)
    with ape.reverts(pyth_oracle.ExpiryNotPassed, expiry=expiry):
        pyth_oracle.priceAt(weth, usdc, expiry, b"")
    # the transaction's block is at `expiry`: not passed yet
    with ape.reverts(pyth_oracle.ExpiryNotPassed, expiry=expiry):
        pyth_oracle.recordExpiryPrice([first], expiry, sender=alice, value=FEE)


def test_expiry_price_must_be_published_within_the_lag(pyth, pyth_oracle, alice, chain, expiry):
    """A halted feed: the first price after the expiry came too late; the expiry cannot be recorded here."""
    late = _payload(pyth, PRICE, expiry + EXPIRY_LAG + 1, expiry - 5)
    _after(chain, expiry, EXPIRY_LAG + 10)
    with ape.reverts(pyth.PriceFeedNotFoundWithinRange):
        pyth_oracle.recordExpiryPrice([late], expiry, sender=alice, value=FEE)


def test_expiry_price_that_fails_the_checks_cannot_be_recorded(pyth, pyth_oracle, alice, chain, expiry):
    wide = _payload(pyth, PRICE, expiry + 1, expiry - 2, conf=31 * 10**8)  # 1.03% > 1%
    _after(chain, expiry)
    with ape.reverts(pyth_oracle.ConfidenceTooWide):
        pyth_oracle.recordExpiryPrice([wide], expiry, sender=alice, value=FEE)


def test_expiry_fee_below_pyth_fee_is_refused(pyth, pyth_oracle, alice, chain, expiry):
    first = _payload(pyth, PRICE, expiry + 1, expiry - 2)
    _after(chain, expiry)
    with ape.reverts(pyth_oracle.InsufficientFee, paid=FEE - 1, fee=FEE):
        pyth_oracle.recordExpiryPrice([first], expiry, sender=alice, value=FEE - 1)


def test_a_recorder_that_rejects_its_refund_blocks_nobody(project, pyth, pyth_oracle, deployer, alice, chain, expiry):
    first = _payload(pyth, PRICE, expiry + 1, expiry - 2)
    rejecting = project.RejectingForwarder.deploy(sender=deployer)
    _after(chain, expiry)
    call = pyth_oracle.recordExpiryPrice.encode_input([first], expiry)
    with ape.reverts(pyth_oracle.RefundFailed):
        rejecting.execute(pyth_oracle, call, sender=deployer, value=FEE + 1)
    pyth_oracle.recordExpiryPrice([first], expiry, sender=alice, value=FEE + 1)  # refunded; nothing was blocked
    assert pyth_oracle.balance == 0
    with ape.reverts(pyth_oracle.ExpiryPriceAlreadyRecorded):
        rejecting.execute(pyth_oracle, call, sender=deployer, value=FEE)


class PythMachine(ChainMachine):
    """Pyth publishes a price every few seconds (the model's history); a hostile updater pushes any published price,
    through the adapter or straight to Pyth, and a recorder records any expiry with any published price. Invariants:
    the adapter's price only moves forward and was at most UPDATE_LAG old when stored; an expiry's recorded price is
    the first published at or after it, and never changes."""

    ACTORS = ("updater", "recorder")
    types: ClassVar[dict] = {}

    @classmethod
    def deploy(cls, chain, actors):
        d = actors["deployer"]
        base = chain.deploy(cls.contract_type("MockERC20"), "B", "B", 18, sender=d)
        quote = chain.deploy(cls.contract_type("MockERC20"), "Q", "Q", 6, sender=d)
        pyth = chain.deploy(cls.contract_type("MockPythFeeds"), STALENESS, 1, sender=d)
        oracle = chain.deploy(
            cls.contract_type("PythOracle"),
            pyth,
            FEED_ID,
            base,
            quote,
            STALENESS,
            AHEAD,
            CONF_BPS,
            UPDATE_LAG,
            EXPIRY_LAG,
            sender=d,
        )
        return {"pyth": pyth, "oracle": oracle}

    def __init__(self):
        super().__init__()
        self.history: list[tuple[int, int]] = []  # (publishTime, price), increasing
        self.stored = 0  # the adapter's publish time
        self.recorded: dict[int, tuple[int, int]] = {}
        self._publish(PRICE)

    def _publish(self, price: int) -> None:
        self.history.append((self.chain.timestamp, price))

    def _payload(self, i: int) -> bytes:
        publish, price = self.history[i]
        prev = self.history[i - 1][0] if i else publish - 1_000  # before the oldest expiry `record` draws
        return self.c.pyth.createPriceFeedUpdateData(FEED_ID, price, 0, -8, price, 0, publish, prev)

    @rule(seconds=st.integers(1, 40), price=st.integers(1, 10**12))
    def pyth_publishes(self, seconds, price):
        self.chain.warp(seconds)
        self._publish(price)

    @rule(data=st.data(), direct=st.booleans())
    def push(self, data, direct):
        i = data.draw(st.integers(0, len(self.history) - 1))
        payload, (publish, _) = self._payload(i), self.history[i]
        if direct:
            self.c.pyth.updatePriceFeeds([payload], sender=self.who("updater"), value=1)
            return
        pyth = self.c.pyth
        pyth_newest = max(publish, pyth.getPriceUnsafe(FEED_ID)[3] if pyth.priceFeedExists(FEED_ID) else 0)
        try:
            self.c.oracle.updatePrice([payload], sender=self.who("updater"), value=1)
        except RevertError as exc:
            assert exc.error.name == "UpdateTooOld"
            assert pyth_newest + UPDATE_LAG < self.chain.timestamp
            event("push: too old")
            return
        event("push: stored" if pyth_newest > self.stored else "push: no newer price")
        assert self.chain.timestamp - pyth_newest <= UPDATE_LAG
        self.stored = max(self.stored, pyth_newest)

    @rule(data=st.data(), back=st.integers(0, 120))
    def record(self, data, back):
        expiry = self.chain.timestamp - 1 - back
        i = data.draw(st.integers(0, len(self.history) - 1))
        first = next((j for j, (t, _) in enumerate(self.history) if t >= expiry), None)
        ok = expiry not in self.recorded and i == first and self.history[i][0] <= expiry + EXPIRY_LAG
        try:
            self.c.oracle.recordExpiryPrice([self._payload(i)], expiry, sender=self.who("recorder"), value=1)
        except RevertError:
            assert not ok, f"the unique price for {expiry} (history[{i}]) was refused"
            event("record: refused")
            return
        event("record: recorded")
        assert ok, f"history[{i}] recorded for {expiry}; the unique one is history[{first}]"
        publish, price = self.history[i]
        self.recorded[expiry] = (price * 10**10, publish)

    @invariant()
    def adapter_price_moves_forward_only(self):
        assert self.c.oracle.latestStoredPrice()[3] == self.stored

    @invariant()
    def recorded_prices_never_change(self):
        for expiry, answer in self.recorded.items():
            assert tuple(self.c.oracle.expiryPrice(expiry)) == answer


TestPythMachine = PythMachine.TestCase
