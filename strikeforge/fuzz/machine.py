"""A Hypothesis state-machine base for invariant tests over the in-process chain.

Subclass :class:`ChainMachine`, deploy the world once in :meth:`ChainMachine.deploy`, and write rules and invariants
as in any ``RuleBasedStateMachine``::

    class VaultMachine(ChainMachine):
        ACTORS = ("alice", "bob")

        @classmethod
        def deploy(cls, chain, actors):
            token = chain.deploy(types["MockERC20"], "T", "T", 18, sender=actors["deployer"])
            return {"token": token, "vault": chain.deploy(types["MockVault"], token, 0, sender=actors["deployer"])}

        @rule(who=actor(*ACTORS), assets=amount(10**24))
        def deposit(self, who, assets): ...

        @invariant()
        def solvent(self): ...

The world is deployed once per class and process, and every example starts from a snapshot of it, so an example
costs only its own calls. Each transaction is noted into Hypothesis' report of the failing example as a readable
line (``alice -> MockVault.deposit(100, bob) = 100``), next to the rule sequence Hypothesis prints.
"""

from __future__ import annotations

import time
from types import SimpleNamespace
from typing import ClassVar

from hypothesis import note
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from hypothesis.stateful import RuleBasedStateMachine

from strikeforge.fuzz import stats
from strikeforge.fuzz.chain import Actor, Contract, RevmChain, Snapshot

DEPLOYER = "deployer"


def actor(*labels: str) -> st.SearchStrategy[str]:
    """One of the given actor labels (pass the machine's ACTORS)."""
    if not labels:
        raise ValueError("actor() needs the labels to choose from, e.g. actor(*ACTORS)")
    return st.sampled_from(labels)


def amount(max_value: int, min_value: int = 0) -> st.SearchStrategy[int]:
    """A bounded token amount that often hits the edges (min, min+1, max-1, max) and otherwise spans the range."""
    edges = sorted({min_value, min(min_value + 1, max_value), max(max_value - 1, min_value), max_value})
    return st.one_of(st.sampled_from(edges), st.integers(min_value=min_value, max_value=max_value))


class _World(SimpleNamespace):
    chain: RevmChain
    snapshot: Snapshot
    actors: dict[str, Actor]
    contracts: dict[str, Contract]


class ChainMachine(RuleBasedStateMachine):
    """Base class: one in-process chain per class and process, restored from a snapshot for every example."""

    ACTORS: ClassVar[tuple[str, ...]] = ("alice", "bob", "carol")
    ACTOR_BALANCE: ClassVar[int] = 10**24
    _world: ClassVar[_World | None] = None

    @classmethod
    def deploy(cls, chain: RevmChain, actors: dict[str, Actor]) -> dict[str, Contract]:
        """Deploy and fund the world; return the contracts by name. Runs once per class and process."""
        raise NotImplementedError(f"{cls.__name__} must implement deploy(chain, actors)")

    @classmethod
    def world(cls) -> _World:
        """The deployed world of this class (built on first use)."""
        if cls.__dict__.get("_world") is None:
            chain = RevmChain()
            actors = {label: chain.actor(label, cls.ACTOR_BALANCE) for label in (DEPLOYER, *cls.ACTORS)}
            contracts = cls.deploy(chain, actors)
            for name, contract in contracts.items():
                chain.labels[contract.address.lower()] = name
            for label, who in actors.items():
                chain.labels[who.address.lower()] = label
            cls._world = _World(chain=chain, snapshot=chain.snapshot(), actors=actors, contracts=contracts)
        return cls.__dict__["_world"]

    def __init__(self) -> None:
        super().__init__()
        world = self.world()
        world.chain.revert(world.snapshot)
        self.chain = world.chain
        self.actors = world.actors
        self.c = SimpleNamespace(**world.contracts)
        self.chain.on_transaction = _note_transaction
        self._started = time.perf_counter()
        self._calls_at_start = self.chain.calls
        self._stats = stats.for_machine(type(self).__name__)
        self._stats.examples += 1

    def who(self, label: str) -> Actor:
        """The actor with this label."""
        return self.actors[label]

    def teardown(self) -> None:
        self._stats.calls += self.chain.calls - self._calls_at_start
        self._stats.seconds += time.perf_counter() - self._started
        self.chain.on_transaction = None


def _note_transaction(line: str) -> None:
    if currently_in_test_context():  # a machine driven by hand (outside Hypothesis) has nowhere to note to
        note(line)
