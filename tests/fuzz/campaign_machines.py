"""State machines for the campaign tests (importable by worker processes: not a test module)."""

from __future__ import annotations

import os

from hypothesis.stateful import invariant

from strikeforge.fuzz.machine import ChainMachine, handler


class CappedSupplyMachine(ChainMachine):
    """Claims the supply stays under 200,000 while anyone may mint up to 65,535 a call: a bug to find and share."""

    ACTORS = ("alice",)

    @classmethod
    def deploy(cls, chain, actors):
        return {"token": chain.deploy(cls.contract_type("MockERC20"), "C", "C", 18, sender=actors["deployer"])}

    @handler(16)
    def mint(self, value):
        self.c.token.mint(self.who("alice"), value, sender=self.who("alice"))

    @invariant()
    def capped(self):
        assert self.c.token.totalSupply() < 200_000


class SoundTokenMachine(ChainMachine):
    """A true invariant (supply equals what was minted), for a campaign that must pass."""

    ACTORS = ("alice", "bob")

    @classmethod
    def deploy(cls, chain, actors):
        return {"token": chain.deploy(cls.contract_type("MockERC20"), "S", "S", 18, sender=actors["deployer"])}

    def __init__(self):
        super().__init__()
        self.minted = 0

    @handler(1, 64)
    def mint(self, who, value):
        self.c.token.mint(self.who(self.ACTORS[who]), value, sender=self.who("alice"))
        self.minted += value

    @invariant()
    def supply_is_what_was_minted(self):
        assert self.c.token.totalSupply() == self.minted


class CrashingMachine(SoundTokenMachine):
    """A worker that dies mid-campaign without reporting (as on a segfault or the OOM killer)."""

    def __init__(self):
        super().__init__()
        os._exit(3)


class UndeployableMachine(SoundTokenMachine):
    """A world that cannot be deployed (a contract the build does not have): a setup error, not a finding."""

    @classmethod
    def deploy(cls, chain, actors):
        return {"token": chain.deploy(cls.contract_type("NoSuchContract"), sender=actors["deployer"])}
