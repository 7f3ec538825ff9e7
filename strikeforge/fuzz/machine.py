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

Handlers (Foundry-style, for throughput). Hypothesis spends ~80 microseconds per drawn value, which caps rules with
two uint256 arguments near 3,500 steps/s before any EVM work. Methods decorated with :func:`handler` are instead
driven from one rule that draws integers, each read as the bytes of :attr:`ChainMachine.CALLS_PER_DRAW` calls
(:attr:`ChainMachine.BATCH` calls a step): per call an op byte (0 = skip, so the shrinker deletes calls by zeroing
them; otherwise which handler) and per argument a mode byte (0, 1, max, a small value, or a full 256-bit word) and 32
value bytes. Every invariant runs after every handler call. The failing example still shrinks, and reads as the
noted transaction lines.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import ClassVar

from ethpm_types import ContractType
from hypothesis import note
from hypothesis import strategies as st
from hypothesis.control import current_build_context, currently_in_test_context
from hypothesis.stateful import RuleBasedStateMachine, rule

from strikeforge.fuzz import stats
from strikeforge.fuzz.chain import Actor, Contract, RevmChain, Snapshot

DEPLOYER = "deployer"


WORD = 32
ARG_BYTES = 1 + WORD  # mode byte + value


def handler(*arg_bits: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Mark a method as a handler taking unsigned integer arguments of the given bit widths (e.g. 256, 256)."""
    if any(not 1 <= bits <= 256 for bits in arg_bits):
        raise ValueError(f"handler argument widths must be 1..256 bits (got {arg_bits})")

    def mark(fn: Callable[..., None]) -> Callable[..., None]:
        fn._strikeforge_handler = arg_bits  # type: ignore[attr-defined]
        return fn

    return mark


def decode_word(mode: int, value: bytes, bits: int) -> int:
    """One handler argument from its mode byte and 32 value bytes: 0, 1, max, small (< 256), or a full word."""
    top = (1 << bits) - 1
    kind = mode % 5
    if kind == 0:
        return 0
    if kind == 1:
        return 1
    if kind == 2:
        return top
    if kind == 3:
        return value[-1] & top
    return int.from_bytes(value, "big") & top


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
    BATCH: ClassVar[int] = 16  # handler calls per rule step
    # Handler calls encoded in each drawn integer. 1 shrinks failures to the fewest calls; more draw faster (measured on
    # the benchmark vault, median of 3: 4 is ~12% faster) but a shrunk failure may keep a few calls it does not need.
    CALLS_PER_DRAW: ClassVar[int] = 1
    CHAIN_FACTORY: ClassVar[Callable[[], RevmChain]] = RevmChain  # ApeChain when replaying on Ape's provider
    TRANSACTION_SINK: ClassVar[Callable[[str], None] | None] = (
        None  # receives the transaction lines (replay); else note()
    )
    types: ClassVar[dict[str, ContractType]] = {}  # bound by a test fixture, else read from the build manifest
    _world: ClassVar[_World | None] = None
    _handlers: ClassVar[tuple[tuple[str, tuple[int, ...]], ...]] = ()

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        found = []
        for name in sorted(dir(cls)):
            bits = getattr(getattr(cls, name, None), "_strikeforge_handler", None)
            if bits is not None:
                found.append((name, bits))
        cls._handlers = tuple(found)
        if found and "handler_calls" not in cls.__dict__:
            stride = 1 + ARG_BYTES * max(len(bits) for _, bits in found)

            # CALLS_PER_DRAW calls per drawn integer: Hypothesis pays per choice (~50 us), hardly per bit, and a
            # binary is drawn byte by byte (~5 us a byte). Read little-endian, call by call: the small values
            # Hypothesis favours are real calls with zero arguments; shrinking toward 0 zeroes the later calls of a
            # group first (a zero op byte is a skipped call) and whole groups to 0, so the shrinker deletes calls.
            group = stride * cls.CALLS_PER_DRAW
            draw = st.integers(min_value=0, max_value=(1 << (8 * group)) - 1)
            draws = -(-cls.BATCH // cls.CALLS_PER_DRAW)

            @rule(raw=st.lists(draw, min_size=draws, max_size=draws))
            def handler_calls(self: ChainMachine, raw: list[int]) -> None:
                self._run_handlers(b"".join(v.to_bytes(group, "little") for v in raw), stride)

            cls.handler_calls = handler_calls  # type: ignore[attr-defined]

    def _run_handlers(self, raw: bytes, stride: int) -> None:
        handlers = [(getattr(self, name), name, bits) for name, bits in self._handlers]
        # Hypothesis' Invariant records: (function, preconditions), looked up once per step, not per call.
        invariants = [(inv.function, inv.preconditions) for inv in self.invariants]
        record, rules = self._stats, self._stats.rules
        for start in range(0, len(raw) - stride + 1, stride):
            op = raw[start]
            if op == 0:
                continue
            method, name, bits = handlers[(op - 1) % len(handlers)]
            args = []
            for i, width in enumerate(bits):
                at = start + 1 + i * ARG_BYTES
                args.append(decode_word(raw[at], raw[at + 1 : at + ARG_BYTES], width))
            method(*args)
            record.steps += 1
            rules[name] = rules.get(name, 0) + 1
            for check, preconditions in invariants:
                if not preconditions or all(pre(self) for pre in preconditions):
                    check(self)

    @classmethod
    def contract_type(cls, name: str) -> ContractType:
        """A compiled contract type: from ``types`` when bound, else from the project's build manifest."""
        if name not in cls.types:
            from strikeforge.fuzz.artifacts import from_manifest
            from strikeforge.paths import find_project_root

            cls.types = {**cls.types, **from_manifest(find_project_root(), name)}
        return cls.types[name]

    @classmethod
    def deploy(cls, chain: RevmChain, actors: dict[str, Actor]) -> dict[str, Contract]:
        """Deploy and fund the world; return the contracts by name. Runs once per class and process."""
        raise NotImplementedError(f"{cls.__name__} must implement deploy(chain, actors)")

    @classmethod
    def world(cls) -> _World:
        """The deployed world of this class (built on first use)."""
        if cls.__dict__.get("_world") is None:
            chain = cls.CHAIN_FACTORY()
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
        self.chain.on_transaction = type(self).TRANSACTION_SINK or (_note_transaction if _final_run() else None)
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
        if stats.PROGRESS is not None:
            stats.PROGRESS(self._stats)


def _final_run() -> bool:
    """True in the run Hypothesis reports (the shrunk failing example), where notes are shown; lines cost time."""
    if not currently_in_test_context():
        return False
    return current_build_context().is_final


def _note_transaction(line: str) -> None:
    if currently_in_test_context():  # a machine driven by hand (outside Hypothesis) has nowhere to note to
        note(line)
