"""MockVault's header invariants, fuzzed on the in-process engine (the reference use of ChainMachine)."""

from __future__ import annotations

from typing import ClassVar

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from strikeforge.fuzz.errors import RevertError
from strikeforge.fuzz.machine import ChainMachine, actor, amount

ONE = 10**18
START = 1_000_000 * ONE
ACTORS = ("alice", "bob", "carol")


class VaultMachine(ChainMachine):
    ACTORS = ACTORS
    types: ClassVar[dict] = {}  # bound by a fixture under pytest; from the build manifest on the command line

    @classmethod
    def deploy(cls, chain, actors):
        token = chain.deploy(cls.contract_type("MockERC20"), "Mock USD", "mUSD", 18, sender=actors["deployer"])
        vault = chain.deploy(cls.contract_type("MockVault"), token, 0, sender=actors["deployer"])
        for label in cls.ACTORS:
            token.mint(actors[label], START, sender=actors["deployer"])
            token.approve(vault, 2**256 - 1, sender=actors[label])
        return {"token": token, "vault": vault}

    def __init__(self):
        super().__init__()
        self.donated = 0  # ghost: assets sent to the vault without shares
        self.net_deposits = 0  # ghost: assets deposited minus assets withdrawn

    @rule(who=actor(*ACTORS), assets=amount(START))
    def deposit(self, who, assets):
        balance = self.c.token.balanceOf(self.who(who))
        expected = self.c.vault.previewDeposit(assets)
        if assets > balance:
            with pytest.raises(RevertError):
                self.c.vault.deposit(assets, self.who(who), sender=self.who(who))
            return
        assert self.c.vault.deposit(assets, self.who(who), sender=self.who(who)) == expected
        self.net_deposits += assets

    @rule(who=actor(*ACTORS), shares=amount(START))
    def mint(self, who, shares):
        cost = self.c.vault.previewMint(shares)
        if cost > self.c.token.balanceOf(self.who(who)):
            with pytest.raises(RevertError):
                self.c.vault.mint(shares, self.who(who), sender=self.who(who))
            return
        assert self.c.vault.mint(shares, self.who(who), sender=self.who(who)) == cost
        self.net_deposits += cost

    @precondition(lambda self: self.c.vault.totalSupply() > 0)
    @rule(who=actor(*ACTORS), fraction=st.integers(min_value=0, max_value=100))
    def redeem(self, who, fraction):
        shares = self.c.vault.balanceOf(self.who(who)) * fraction // 100
        expected = self.c.vault.previewRedeem(shares)
        assert self.c.vault.redeem(shares, self.who(who), self.who(who), sender=self.who(who)) == expected
        self.net_deposits -= expected

    @precondition(lambda self: self.c.vault.totalSupply() > 0)
    @rule(who=actor(*ACTORS), assets=amount(START))
    def withdraw(self, who, assets):
        if assets > self.c.vault.maxWithdraw(self.who(who)):
            with pytest.raises(RevertError):
                self.c.vault.withdraw(assets, self.who(who), self.who(who), sender=self.who(who))
            return
        self.c.vault.withdraw(assets, self.who(who), self.who(who), sender=self.who(who))
        self.net_deposits -= assets

    @rule(who=actor(*ACTORS), assets=amount(1_000 * ONE))
    def donate(self, who, assets):
        if assets > self.c.token.balanceOf(self.who(who)):
            with pytest.raises(RevertError):
                self.c.token.transfer(self.c.vault, assets, sender=self.who(who))
            return
        self.c.token.transfer(self.c.vault, assets, sender=self.who(who))
        self.donated += assets

    @invariant()
    def total_assets_is_the_vault_balance(self):
        assert self.c.vault.totalAssets() == self.c.token.balanceOf(self.c.vault)

    @invariant()
    def total_assets_is_net_deposits_plus_donations(self):
        assert self.c.vault.totalAssets() == self.net_deposits + self.donated

    @invariant()
    def total_supply_is_the_sum_of_share_balances(self):
        assert self.c.vault.totalSupply() == sum(self.c.vault.balanceOf(self.who(a)) for a in ACTORS)

    @invariant()
    def round_trip_never_creates_assets(self):
        for assets in (1, 10**6, ONE, START):
            assert self.c.vault.convertToAssets(self.c.vault.convertToShares(assets)) <= assets


@pytest.fixture(scope="module", autouse=True)
def _bind_types(types):
    VaultMachine.types = types


TestVaultInvariants = VaultMachine.TestCase
