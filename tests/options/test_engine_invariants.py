"""OptionsEngine header invariants as a Hypothesis state machine on the in-process engine."""

from __future__ import annotations

from typing import ClassVar

import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from strikeforge.fuzz.abi import ContractABI
from strikeforge.fuzz.chain import Contract
from strikeforge.fuzz.errors import RevertError
from strikeforge.fuzz.machine import ChainMachine, actor
from tests.options.fixtures import DISPUTE, ONE, engine_options_stack, next_expiry, record_expiry

WRITERS = ("alice", "bob")
HOLDERS = ("alice", "bob", "carol")
STRIKE = 3_000 * ONE


class OptionsMachine(ChainMachine):
    ACTORS = HOLDERS
    types: ClassVar[dict] = {}

    @classmethod
    def deploy(cls, chain, actors):
        d = actors["deployer"]
        stack = engine_options_stack(chain, cls.contract_type, d, spot_price=STRIKE)
        weth, usdc, engine = stack["weth"], stack["usdc"], stack["engine"]
        engine.grantRole(engine.SERIES_CREATOR_ROLE(), d, sender=d)
        expiry = next_expiry(chain.timestamp)
        engine.createSeries(weth, usdc, STRIKE, expiry, False, sender=d)  # series 1: call
        engine.createSeries(weth, usdc, STRIKE, expiry, True, sender=d)  # series 2: put
        for who in WRITERS:
            weth.mint(actors[who], 10**6 * ONE, sender=d)
            usdc.mint(actors[who], 10**12 * 10**6, sender=d)
            weth.approve(engine, 2**256 - 1, sender=actors[who])
            usdc.approve(engine, 2**256 - 1, sender=actors[who])
        return stack

    def __init__(self):
        super().__init__()
        self.expiry = self.c.engine.series(1)[2]
        self.settled_price = None
        self.tokens = {sid: self._token(sid) for sid in (1, 2)}

    def _token(self, series_id):
        abi = ContractABI.from_contract_type(self.contract_type("OptionToken"))
        return Contract(self.chain, self.c.engine.tokenOf(series_id), abi)

    def _reserve(self, series_id, written):
        """A writer's reserve for holders, rounded up as the engine must (a Python model, not the engine's code)."""
        price = self.settled_price
        if series_id == 1:  # call on an 18-decimal underlying: written * (S - K) / S
            return -(-written * (price - STRIKE) // price) if price > STRIKE else 0
        return -(-written * (STRIKE - price) * 10**6 // 10**36) if price < STRIKE else 0  # put, USDC

    @initialize(to=actor(*HOLDERS), call=st.integers(1, 50 * ONE), put=st.integers(1, 50 * ONE))
    def open_positions(self, to, call, put):
        """Every run starts with both series written, so settlement paths are reached with options outstanding."""
        self.c.engine.write(1, call, self.who(to), sender=self.who("alice"))
        self.c.engine.write(2, put, self.who(to), sender=self.who("bob"))

    @precondition(lambda self: self.settled_price is None)
    @rule(
        who=actor(*WRITERS),
        to=actor(*HOLDERS),
        series_id=st.sampled_from([1, 2]),
        amount=st.one_of(st.integers(1, 1_000), st.integers(1, 50 * ONE)),
    )
    def write(self, who, to, series_id, amount):
        self.c.engine.write(series_id, amount, self.who(to), sender=self.who(who))

    @precondition(lambda self: self.settled_price is None)
    @rule(who=actor(*WRITERS), series_id=st.sampled_from([1, 2]), fraction=st.integers(1, 100))
    def burn(self, who, series_id, fraction):
        engine = self.c.engine
        amount = engine.written(series_id, self.who(who)) * fraction // 100
        if amount == 0:
            with pytest.raises(RevertError):
                engine.burn(series_id, amount, sender=self.who(who))
            return
        if self.tokens[series_id].balanceOf(self.who(who)) < amount:  # the writer gave its options away
            with pytest.raises(RevertError):
                engine.burn(series_id, amount, sender=self.who(who))
            return
        engine.burn(series_id, amount, sender=self.who(who))

    @precondition(lambda self: self.settled_price is None)
    @rule(
        price=st.one_of(
            st.integers(ONE, 2_999 * ONE),  # calls worthless, puts pay
            st.integers(3_001 * ONE, 10_000 * ONE),  # calls pay, puts worthless
            st.sampled_from([STRIKE, STRIKE + 1, STRIKE - 1]),  # at the money, and one wei either side
        )
    )
    def settle(self, price):
        c = self.c
        self.chain.set_time(self.expiry + 1)
        c.spot.set(price, self.expiry, sender=self.who("deployer"))  # the round current at expiry
        record_expiry(c.router, c.weth, c.usdc, self.expiry, self.who("deployer"))
        self.chain.warp(DISPUTE)
        for series_id in (1, 2):
            c.engine.settle(series_id, sender=self.who("deployer"))
        self.settled_price = price

    @precondition(lambda self: self.settled_price is not None)
    @rule(who=actor(*HOLDERS), series_id=st.sampled_from([1, 2]), fraction=st.integers(1, 100))
    def redeem(self, who, series_id, fraction):
        engine = self.c.engine
        held = self.tokens[series_id].balanceOf(self.who(who))
        amount = max(1, held * fraction // 100)
        if held == 0:
            with pytest.raises(RevertError):
                engine.redeem(series_id, amount, sender=self.who(who))
            return
        payout = engine.payoutFor(series_id, amount)
        event("redeemed for a payout" if payout else "redeemed worthless")
        assert engine.redeem(series_id, amount, sender=self.who(who)) == payout

    @precondition(lambda self: self.settled_price is not None)
    @rule(who=actor(*WRITERS), series_id=st.sampled_from([1, 2]))
    def reclaim(self, who, series_id):
        engine = self.c.engine
        if engine.collateralOf(series_id, self.who(who)) == 0:
            with pytest.raises(RevertError):
                engine.reclaim(series_id, sender=self.who(who))
            return
        event("reclaimed")
        engine.reclaim(series_id, sender=self.who(who))

    @invariant()
    def the_engine_holds_exactly_the_series_collateral(self):
        c = self.c
        assert c.weth.balanceOf(c.engine) == c.engine.seriesCollateral(1)
        assert c.usdc.balanceOf(c.engine) == c.engine.seriesCollateral(2)

    @invariant()
    def collateral_covers_the_maximum_payout_of_open_options(self):
        c = self.c
        for series_id in (1, 2):
            held = c.engine.seriesCollateral(series_id)
            writers = [self.who(w) for w in WRITERS]
            if self.settled_price is None:
                # Before expiry every option can still pay its maximum: collateral covers it for all written.
                supply = sum(c.engine.written(series_id, w) for w in writers)
                assert supply == self.tokens[series_id].totalSupply()
                assert held >= c.engine.collateralFor(series_id, supply)
            else:
                # After settlement: every outstanding option's payout, plus what each writer may still reclaim.
                outstanding = self.tokens[series_id].totalSupply()
                reclaimable = 0
                for w in writers:
                    reserve = self._reserve(series_id, c.engine.written(series_id, w))
                    reclaimable += max(0, c.engine.collateralOf(series_id, w) - reserve)
                assert held >= c.engine.payoutFor(series_id, outstanding) + reclaimable

    @invariant()
    def the_settlement_price_never_changes(self):
        if self.settled_price is not None:
            for series_id in (1, 2):
                assert self.c.engine.series(series_id)[8] == self.settled_price


@pytest.fixture(scope="module", autouse=True)
def _types(project):
    from strikeforge.fuzz.artifacts import from_project

    OptionsMachine.types = from_project(
        project, "MockERC20", "MockPriceSource", "OracleRouter", "OptionsEngine", "OptionToken"
    )


TestOptionsInvariants = OptionsMachine.TestCase
