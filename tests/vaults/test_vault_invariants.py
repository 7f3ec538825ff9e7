"""ThetaVault header invariants as a Hypothesis state machine on the in-process engine: requests, claims, rolls over
in- and out-of-the-money expiries, donations."""

from __future__ import annotations

from typing import ClassVar

import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from strikeforge.fuzz.errors import RevertError
from strikeforge.fuzz.machine import ChainMachine, actor
from tests.options.fixtures import DISPUTE, ONE, engine_options_stack

USERS = ("alice", "bob", "carol")
OFFSET = 10**6
PREMIUM = ONE // 100


class VaultMachine(ChainMachine):
    ACTORS = (*USERS, "buyer", "keeper")
    types: ClassVar[dict] = {}

    @classmethod
    def deploy(cls, chain, actors):
        d = actors["deployer"]
        t = cls.contract_type
        stack = engine_options_stack(chain, t, d)
        weth, usdc, router, engine = stack["weth"], stack["usdc"], stack["router"], stack["engine"]
        selector = chain.deploy(t("PercentOtmStrikeSelector"), router, 1_000, 100 * ONE, sender=d)
        vault = chain.deploy(
            t("ThetaVault"),
            weth,
            engine,
            weth,
            usdc,
            False,
            10**30,
            selector,
            d,
            "Strikeforge ETH Theta",
            "sfETH",
            sender=d,
        )
        engine.grantRole(engine.SERIES_CREATOR_ROLE(), vault, sender=d)
        vault.grantRole(vault.KEEPER_ROLE(), actors["keeper"], sender=d)
        # No management fee: the share price may then fall only through option payouts.
        vault.set_parameters(0, 1_000, d, actors["buyer"], PREMIUM, selector, sender=d)
        for who in (*USERS, "buyer"):
            weth.mint(actors[who], 10**9 * ONE, sender=d)
            weth.approve(vault, 2**256 - 1, sender=actors[who])
        return {**stack, "vault": vault}

    def __init__(self):
        super().__init__()
        self.last_price = None  # (assets + 1, supply + offset) at the last roll

    @rule(who=actor(*USERS), assets=st.one_of(st.integers(1, 10**6), st.integers(1, 1_000 * ONE)))
    def request_deposit(self, who, assets):
        self.c.vault.requestDeposit(assets, self.who(who), self.who(who), sender=self.who(who))

    @rule(who=actor(*USERS), fraction=st.integers(1, 100))
    def request_redeem(self, who, fraction):
        shares = self.c.vault.balanceOf(self.who(who)) * fraction // 100
        if shares == 0:
            with pytest.raises(RevertError):
                self.c.vault.requestRedeem(shares, self.who(who), self.who(who), sender=self.who(who))
            return
        self.c.vault.requestRedeem(shares, self.who(who), self.who(who), sender=self.who(who))

    @rule(who=actor(*USERS), fraction=st.integers(1, 100))
    def claim_shares(self, who, fraction):
        v = self.c.vault
        claimable = v.maxMint(self.who(who))
        shares = claimable * fraction // 100
        if shares == 0:
            return
        before = v.balanceOf(self.who(who))
        getattr(v, "mint(uint256,address,address)")(shares, self.who(who), self.who(who), sender=self.who(who))
        assert v.balanceOf(self.who(who)) - before == shares

    @rule(who=actor(*USERS), fraction=st.integers(1, 100))
    def claim_assets(self, who, fraction):
        v = self.c.vault
        claimable_shares, claimable_assets = v.maxRedeem(self.who(who)), v.maxWithdraw(self.who(who))
        shares = claimable_shares * fraction // 100
        if shares == 0:
            return
        before = self.c.weth.balanceOf(self.who(who))
        v.redeem(shares, self.who(who), self.who(who), sender=self.who(who))
        received = self.c.weth.balanceOf(self.who(who)) - before
        # Never more than the claimable assets' pro-rata share (their roll price, rounded down).
        assert received <= claimable_assets * shares // claimable_shares

    @rule(who=actor(*USERS), assets=st.integers(1, 100 * ONE))
    def donate(self, who, assets):
        self.c.weth.transfer(self.c.vault, assets, sender=self.who(who))

    @rule(price=st.one_of(st.integers(2_000 * ONE, 3_300 * ONE), st.integers(3_301 * ONE, 6_000 * ONE)))
    def roll(self, price):
        c = self.c
        series = c.vault.current_series()
        payout = False
        if series:
            expiry = c.vault.current_expiry()
            self.chain.set_time(expiry + 60)
            c.spot.set(price, self.chain.timestamp, sender=self.who("deployer"))
            c.router.record_expiry_price(c.weth, c.usdc, expiry, sender=self.who("deployer"))
            self.chain.warp(DISPUTE)
            payout = price > c.engine.series(series)[7]  # above the call's strike
        c.vault.roll(sender=self.who("keeper"))
        event("roll with an in-the-money payout" if payout else "roll without payout")
        # Roll to roll, only a payout may lower the share price (no management fee here; performance fee on gains
        # only). Requests settled at a roll move it by rounding only, always in the vault's favour.
        assets, supply = c.vault.roll_price(c.vault.epoch() - 1)
        price = (assets + 1, supply + OFFSET)
        if self.last_price is not None and not payout:
            previous = self.last_price
            assert price[0] * previous[1] >= previous[0] * price[1] - price[1] - previous[1]
        self.last_price = price

    @invariant()
    def assets_are_idle_plus_locked_minus_pending_minus_reserved(self):
        c = self.c
        v = c.vault
        locked = c.engine.collateralOf(v.current_series(), v) if v.current_series() else 0
        held = c.weth.balanceOf(v) + locked
        assert held == v.totalAssets() + v.total_pending_deposits() + v.reserved_for_redemptions()

    @invariant()
    def claimable_and_pending_sum_to_what_the_vault_holds_for_them(self):
        v = self.c.vault
        epoch = v.epoch()
        assert sum(v.pendingDepositRequest(epoch, self.who(u)) for u in USERS) == v.total_pending_deposits()
        assert sum(v.pendingRedeemRequest(epoch, self.who(u)) for u in USERS) == v.total_pending_redeem_shares()
        assert sum(v.maxMint(self.who(u)) for u in USERS) <= v.unclaimed_deposit_shares()
        assert sum(v.maxWithdraw(self.who(u)) for u in USERS) <= v.reserved_for_redemptions()

    @invariant()
    def locked_collateral_covers_the_open_options(self):
        c = self.c
        series = c.vault.current_series()
        if series:
            from strikeforge.fuzz.abi import ContractABI
            from strikeforge.fuzz.chain import Contract

            token = Contract(
                self.chain, c.engine.tokenOf(series), ContractABI.from_contract_type(self.contract_type("OptionToken"))
            )
            assert c.engine.seriesCollateral(series) >= c.engine.collateralFor(series, token.totalSupply())


@pytest.fixture(scope="module", autouse=True)
def _types(project):
    from strikeforge.fuzz.artifacts import from_project

    VaultMachine.types = from_project(
        project,
        "MockERC20",
        "MockPriceSource",
        "OracleRouter",
        "OptionsEngine",
        "OptionToken",
        "ThetaVault",
        "PercentOtmStrikeSelector",
    )


TestVaultInvariants = VaultMachine.TestCase
