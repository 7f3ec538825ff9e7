"""ThetaVault header invariants as a Hypothesis state machine on the in-process engine: requests, claims, rolls over
in- and out-of-the-money expiries, donations, and (M-3) a hostile buyer (revokes its approval, spends its balance, is
blacklisted) and a hostile fee recipient (blacklisted) on a token that refuses by revert or by `false`, and (F4) a
hostile guardian pausing and resuming at any moment. Every due roll succeeds and settles every pending request;
options are written exactly when the buyer pays and the vault is not paused; owed fees are pulled; a redemption
requested at any time, paused or not, is settled by the first roll after the open series' expiry."""

from __future__ import annotations

from typing import ClassVar

import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from strikeforge.fuzz.errors import RevertError
from strikeforge.fuzz.machine import ChainMachine, actor
from tests.options.fixtures import DISPUTE, ONE, engine_options_stack, record_expiry

USERS = ("alice", "bob", "carol")
OFFSET = 10**6
PREMIUM = ONE // 100


class VaultMachine(ChainMachine):
    ACTORS = (*USERS, "buyer", "keeper", "treasury", "guardian")
    types: ClassVar[dict] = {}

    @classmethod
    def deploy(cls, chain, actors):
        d = actors["deployer"]

        def t(name):  # the assets blacklist and pause like USDC (MockRestrictedERC20 is a MockERC20)
            return cls.contract_type("MockRestrictedERC20" if name == "MockERC20" else name)

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
        vault.grantRole(vault.GUARDIAN_ROLE(), actors["guardian"], sender=d)
        # No management fee: the share price may then fall only through option payouts.
        vault.set_parameters(0, 1_000, actors["treasury"], actors["buyer"], PREMIUM, selector, sender=d)
        for who in (*USERS, "buyer"):
            weth.mint(actors[who], 10**9 * ONE, sender=d)
            weth.approve(vault, 2**256 - 1, sender=actors[who])
        return {**stack, "vault": vault}

    def __init__(self):
        super().__init__()
        self.last_price = None  # (assets + 1, supply + offset) at the last roll
        self.asked_to_leave: dict[str, int] = {}  # user -> shares requested for redemption since the last roll

    # -- hostile guardian (F4): pauses or resumes at any moment, e.g. in the block a costly change is scheduled ----

    @rule(paused=st.booleans())
    def guardian_pauses(self, paused):
        self.c.vault.set_paused(paused, sender=self.who("guardian"))

    # -- hostile buyer and fee recipient (M-3) ----------------------------------------------------------------------

    @rule(approved=st.booleans())
    def buyer_sets_its_approval(self, approved):
        self.c.weth.approve(self.c.vault, 2**256 - 1 if approved else 0, sender=self.who("buyer"))

    @rule(empty=st.booleans())
    def buyer_spends_or_refills_its_balance(self, empty):
        weth, buyer = self.c.weth, self.who("buyer")
        if weth.blacklisted(buyer):
            return  # its balance cannot move
        if empty:
            weth.burn(buyer, weth.balanceOf(buyer), sender=buyer)
        else:
            weth.mint(buyer, 10**9 * ONE, sender=buyer)

    @rule(who=actor("buyer", "treasury"), listed=st.booleans())
    def token_blacklists(self, who, listed):
        self.c.weth.setBlacklisted(self.who(who), listed, sender=self.who("deployer"))

    @rule(with_false=st.booleans())
    def token_refuses_with_false(self, with_false):
        self.c.weth.setRefuseWithFalse(with_false, sender=self.who("deployer"))

    @rule()
    def treasury_claims_fees(self):
        """The recipient pulls every owed fee: to itself, or to another receiver while the token blacklists it."""
        c, treasury = self.c, self.who("treasury")
        owed = c.vault.fees_owed()
        if owed == 0:
            with pytest.raises(RevertError):
                getattr(c.vault, "claim_fees()")(sender=treasury)
            return
        receiver = self.who("deployer") if c.weth.blacklisted(treasury) else treasury
        before = c.weth.balanceOf(receiver)
        getattr(c.vault, "claim_fees(address)")(receiver, sender=treasury)
        assert c.weth.balanceOf(receiver) - before == owed
        assert c.vault.fees_owed() == 0

    def _buyer_can_pay(self, premium: int) -> bool:
        c, buyer = self.c, self.who("buyer")
        return (
            not c.weth.blacklisted(buyer)
            and c.weth.allowance(buyer, c.vault) >= premium
            and c.weth.balanceOf(buyer) >= premium
        )

    @rule(who=actor(*USERS), assets=st.one_of(st.integers(1, 10**6), st.integers(1, 1_000 * ONE)))
    def request_deposit(self, who, assets):
        if self.c.vault.paused():  # a pause stops new deposits (new risk), nothing else
            with pytest.raises(RevertError):
                self.c.vault.requestDeposit(assets, self.who(who), self.who(who), sender=self.who(who))
            return
        self.c.vault.requestDeposit(assets, self.who(who), self.who(who), sender=self.who(who))

    @rule(who=actor(*USERS), fraction=st.integers(1, 100))
    def request_redeem(self, who, fraction):
        shares = self.c.vault.balanceOf(self.who(who)) * fraction // 100
        if shares == 0:
            with pytest.raises(RevertError):
                self.c.vault.requestRedeem(shares, self.who(who), self.who(who), sender=self.who(who))
            return
        # Never paused (F4): whatever the guardian did, the request goes through.
        self.c.vault.requestRedeem(shares, self.who(who), self.who(who), sender=self.who(who))
        self.asked_to_leave[who] = self.asked_to_leave.get(who, 0) + shares

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

    @rule(
        price=st.one_of(st.integers(2_000 * ONE, 3_300 * ONE), st.integers(3_301 * ONE, 6_000 * ONE)),
        pause=st.sampled_from((None, True, False)),
    )
    def roll(self, price, pause):
        """The first roll after the open series' expiry (at once if none is open); the guardian may pause or resume
        in the same block, just before it (`pause`)."""
        c = self.c
        series = c.vault.current_series()
        payout = False
        if series:
            expiry = c.vault.current_expiry()
            self.chain.set_time(expiry + 60)
            c.spot.set(price, expiry, sender=self.who("deployer"))  # the round current at expiry
            record_expiry(c.router, c.weth, c.usdc, expiry, self.who("deployer"))
            self.chain.warp(DISPUTE)
            payout = price > c.engine.series(series)[7]  # above the call's strike
        if pause is not None:
            c.vault.set_paused(pause, sender=self.who("guardian"))
        paused = c.vault.paused()
        buyer = self.who("buyer")
        buyer_before = c.weth.balanceOf(buyer)
        claimable_before = {u: c.vault.maxRedeem(self.who(u)) for u in self.asked_to_leave}
        # Every due roll succeeds, whatever the buyer, the fee recipient and the guardian do (a revert here fails the
        # machine).
        c.vault.roll(sender=self.who("keeper"))
        # Every redemption asked for since the last roll, paused or not, is now claimable at this roll's price.
        for u, shares in self.asked_to_leave.items():
            assert c.vault.maxRedeem(self.who(u)) == claimable_before[u] + shares
            assert c.vault.pendingRedeemRequest(c.vault.epoch(), self.who(u)) == 0
        if self.asked_to_leave:
            event("roll paid a redemption while paused" if paused else "roll paid a redemption")
        self.asked_to_leave = {}
        event("roll with an in-the-money payout" if payout else "roll without payout")
        # It settled every pending request.
        assert c.vault.total_pending_deposits() == 0 and c.vault.total_pending_redeem_shares() == 0
        # Options were written exactly when the buyer paid their whole premium, before them.
        invested = c.vault.invested_at_roll()
        premium = -(-invested * PREMIUM // ONE)  # amount = invested (calls, 18 decimals), premium rounded up
        paid = buyer_before - c.weth.balanceOf(buyer)
        if invested == 0:
            assert c.vault.current_series() == 0
        elif paused:
            assert (c.vault.current_series(), paid) == (0, 0)
            event("roll wrote nothing: paused")
        elif self._buyer_can_pay(premium) or paid:
            assert (c.vault.current_series() != 0, paid) == (True, premium)
            event("roll sold the options")
        else:
            assert (c.vault.current_series(), paid) == (0, 0)
            event("roll wrote nothing: the buyer could not pay")
        # Roll to roll, only a payout may lower the share price (no management fee here; performance fee on gains
        # only). Requests settled at a roll move it by rounding only, always in the vault's favour.
        assets, supply = c.vault.roll_price(c.vault.epoch() - 1)
        price = (assets + 1, supply + OFFSET)
        if self.last_price is not None and not payout:
            previous = self.last_price
            assert price[0] * previous[1] >= previous[0] * price[1] - price[1] - previous[1]
        self.last_price = price

    @invariant()
    def assets_are_idle_plus_locked_minus_pending_minus_reserved_minus_owed_fees(self):
        c = self.c
        v = c.vault
        locked = c.engine.collateralOf(v.current_series(), v) if v.current_series() else 0
        held = c.weth.balanceOf(v) + locked
        assert held == v.totalAssets() + v.total_pending_deposits() + v.reserved_for_redemptions() + v.fees_owed()

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
        "MockRestrictedERC20",
        "MockPriceSource",
        "OracleRouter",
        "OptionsEngine",
        "OptionToken",
        "ThetaVault",
        "PercentOtmStrikeSelector",
    )


TestVaultInvariants = VaultMachine.TestCase
