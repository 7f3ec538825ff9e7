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

Handlers (Foundry-style, for throughput). Hypothesis spends ~10-80 microseconds per drawn value, which caps rules with
two uint256 arguments near 3,500 steps/s before any EVM work. Methods decorated with :func:`handler` are instead
driven from one rule that draws :attr:`ChainMachine.BATCH` calls a step, :attr:`ChainMachine.CALLS_PER_DRAW` calls per
drawn integer, one span per drawn integer (the shrinker's first pass empties spans: it deletes calls early). The
integers are drawn uniformly (every byte random, see :func:`call_draws`) and read little-endian, call by call: an op
byte (0 = skip, so the shrinker deletes calls by zeroing them; otherwise which handler), per argument its value bytes
(8, fewer for narrow arguments) and, in the top bytes, per argument a mode byte: 0, 1, max, a small value (< 256), a
64-bit value, a boundary (2**k, 2**k - 1, 10**k, max - small), a value from the contracts' dictionary
(:mod:`strikeforge.fuzz.dictionary`: their constants, compared bounds, deployed storage and addresses, and what this
example's transactions returned) or a full pseudo-random word; signed arguments (a negative width) read them as two's
complement, with the type's minimum among the boundaries. Shrinking lowers the mode bytes first, so a shrunk failure's
arguments are the simplest that still fail (0, 1, max before anything else). Every invariant runs after every
handler call. The failing example still shrinks, and reads as the noted transaction lines.

Sequence length: Hypothesis stops drawing steps once an example's choices pass ~6.5 KB (80% of its 8 KB buffer); a
call of two uint256 arguments takes ~25 bytes, so an example holds up to ~270 such calls whatever the step count.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import sys
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import ClassVar

from ethpm_types import ContractType
from hypothesis import note
from hypothesis import strategies as st
from hypothesis.control import current_build_context, currently_in_test_context
from hypothesis.errors import UnsatisfiedAssumption
from hypothesis.stateful import RuleBasedStateMachine, rule

from strikeforge.fuzz import stats
from strikeforge.fuzz.chain import Actor, Contract, RevmChain, Snapshot
from strikeforge.fuzz.dictionary import ValueDictionary, static_values

DEPLOYER = "deployer"
# Exceptions an example ends with that are not failures: Hypothesis' own control flow (an overrun, a failed assume).
_NOT_FAILURES: tuple[type[BaseException], ...] = (UnsatisfiedAssumption,)
with contextlib.suppress(ImportError):
    from hypothesis.errors import StopTest

    _NOT_FAILURES = (*_NOT_FAILURES, StopTest)

# Argument modes (the mode byte modulo 8), simplest first: a shrunk failure's arguments shrink towards the first ones.
ZERO, ONE, MAX, SMALL, WORD64, BOUNDARY, DICTIONARY, FULL, REPEAT = range(9)
MODE_NAMES = ("0", "1", "max", "small", "64-bit", "boundary", "dictionary", "full word", "repeat")
# Mode profiles: a drawn mode byte's mode is profile[byte], simplest modes at the lowest bytes (shrinking lowers the
# byte). EDGES: the eight modes alike, 0, 1 and max 3 in 8 arguments. SPREAD (the default): 0, 1 and max 3 in 16, most
# arguments full of entropy (64-bit, full word, small), so the remainders and bit fields a handler decodes a choice from
# (`seed % 3`) and sums of bounded steps (time warps) vary; and "repeat", an argument an earlier call of the example
# took (equal values across calls: two bids at one limit). Measured on bench/fuzz_bugs.py's 21 faults, 6 seeds each,
# median handler calls to the first failure: SPREAD beat EDGES on 14 faults and lost on 4 (a duplicated signer 2,305
# calls against 5,168; a withdrawal gate 2,343 against 13,365; a grace boundary 1,407 against 4,122; the auction's pro-
# rata rounding 29,475 against 974, found in 4 of 6 seeds instead of 6); seeds found 115 of 126 both. Drawing EDGES or
# SPREAD per example (MODE_PROFILES = (EDGES, SPREAD)) was no better than either: 12 wins, 8 losses against EDGES.
EDGES: tuple[int, ...] = tuple(b & 7 for b in range(256))
# Slots by simplicity, the full word right after the 64-bit value (a step of one or two for the shrinker's mode byte).
_SPREAD_SLOTS = (ZERO, ONE, MAX, SMALL, SMALL, WORD64, WORD64, WORD64, FULL, FULL, BOUNDARY, BOUNDARY)
_SPREAD_SLOTS += (DICTIONARY, DICTIONARY, REPEAT, REPEAT)
SPREAD: tuple[int, ...] = tuple(_SPREAD_SLOTS[b & 15] for b in range(256))
VALUE_BYTES = 8  # per argument (fewer for arguments narrower than 64 bits)
# A uniform draw: Hypothesis draws integers near 0 far more often (most bytes of a wide one would be 0), except in a
# range whose width is tiny next to its distance from 0, where it draws uniformly. Handler calls are drawn in
# [OFFSET, OFFSET + top] with OFFSET = 2**(bits of top + UNIFORM_MARGIN), then OFFSET is subtracted; shrinking moves
# towards OFFSET, i.e. towards 0.
UNIFORM_MARGIN = 48
CALL_SPAN = 0x5F_CA11  # the span label of one drawn integer of handler calls


def handler(*arg_bits: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Mark a method as a handler taking integer arguments of the given bit widths: unsigned for a positive width
    (``256``: a uint256), signed for a negative one (``-128``: an int128, from its minimum to its maximum)."""
    if any(not (1 <= bits <= 256 or -256 <= bits <= -2) for bits in arg_bits):
        raise ValueError(f"handler argument widths must be 1..256 bits, or -2..-256 for signed (got {arg_bits})")

    def mark(fn: Callable[..., None]) -> Callable[..., None]:
        fn._strikeforge_handler = arg_bits  # type: ignore[attr-defined]
        return fn

    return mark


def _full_word(x: int) -> int:
    """A pseudo-random 256-bit word from 64 value bits."""
    return int.from_bytes(hashlib.blake2b(x.to_bytes(8, "little"), digest_size=32).digest(), "big")


def decode_argument(mode: int, x: int, bits: int, dictionary: ValueDictionary | None = None) -> int:
    """One handler argument of ``bits`` bits from its mode byte and value bits ``x`` (up to 64 bits).

    Modes (``mode % 8``): 0, 1, max, small (``x % 256``), 64-bit (``x``), boundary (by ``x``: ``2**k``, ``2**k - 1``,
    ``10**k``, or max minus a small value), dictionary (``x`` indexes it; a full word when there is none), full word (a
    pseudo-random word derived from ``x``). Every value is masked to the argument's width.
    """
    if mode == REPEAT:  # exactly 8: a mode byte read modulo 8 never is
        if dictionary is not None:
            value = dictionary.repeat(x, (1 << bits) - 1)
            if value is not None:
                return value
        return _full_word(x) & ((1 << bits) - 1)
    kind = mode & 7
    if kind == ZERO:
        return 0
    top = (1 << bits) - 1
    if kind == ONE:
        return 1
    if kind == MAX:
        return top
    if kind == SMALL:
        return x & 0xFF & top
    if kind == WORD64:
        return x & top
    if kind == BOUNDARY:
        variant, k = x & 3, x >> 2
        if variant == 0:
            return (1 << (k % bits)) & top
        if variant == 1:
            return (1 << (k % (bits + 1))) - 1
        if variant == 2:
            return 10 ** (k % 78) & top
        return top - ((k & 0xFF) & top)
    if kind == DICTIONARY and dictionary is not None:
        value = dictionary.pick(x, top)
        if value is not None:
            return value
    return _full_word(x) & top


def decode_signed(mode: int, x: int, bits: int, dictionary: ValueDictionary | None = None) -> int:
    """One signed handler argument of ``bits`` bits (an int<bits>): the unsigned modes read as two's complement, with
    max the type's maximum, small a value in -128..127, and boundaries the type's minimum (alone or plus a small value),
    ``-2**k`` and ``2**k - 1``."""
    kind = FULL if mode == REPEAT else mode & 7  # repeat: read as two's complement below, like the unsigned modes
    half = 1 << (bits - 1)
    if kind == ZERO:
        return 0
    if kind == ONE:
        return 1
    if kind == MAX:
        return half - 1
    if kind == SMALL:
        return max(-half, min(half - 1, ((x & 0xFF) ^ 0x80) - 0x80))
    if kind == BOUNDARY:
        variant, k = x & 3, x >> 2
        if variant == 0:
            return -half
        if variant == 1:
            return -half + (k & 0xFF) % half
        if variant == 2:
            return -(1 << (k % (bits - 1)))
        return (1 << (k % bits)) - 1 if k % bits < bits - 1 else half - 1
    unsigned = decode_argument(mode, x, bits, dictionary)
    return unsigned - (1 << bits) if unsigned >= half else unsigned


def call_layout(handlers: tuple[tuple[str, tuple[int, ...]], ...]) -> tuple[int, tuple[tuple[int, int, int], ...]]:
    """(stride in bytes, per argument position: (value shift, value mask, mode shift)) of one encoded call.

    Little-endian: the op byte, then every argument's value bytes, then every argument's mode byte at the top (so
    shrinking the integer lowers modes first). An argument position takes the value bytes of its widest handler.
    """
    positions = max((len(bits) for _, bits in handlers), default=0)
    sizes = []
    for i in range(positions):
        widest = max(abs(bits[i]) for _, bits in handlers if len(bits) > i)
        sizes.append(min(VALUE_BYTES, -(-widest // 8)))
    stride = 1 + sum(sizes) + positions
    layout, at = [], 1
    for i, size in enumerate(sizes):
        layout.append((8 * at, (1 << (8 * size)) - 1, 8 * (1 + sum(sizes) + i)))
        at += size
    return stride, tuple(layout)


def call_draws(count: int, top: int) -> st.SearchStrategy[list[int]]:
    """``count`` integers drawn uniformly in [0, top]: the encoded handler calls of one step, one choice each.

    Each is drawn in [offset, offset + top] (see UNIFORM_MARGIN: uniform, where [0, top] would be mostly near 0) and
    returned less the offset. Built on Hypothesis' strategy internals (pinned 6.170.15): one ``draw_integer`` choice
    per integer, without the two spans and strategy draw a list adds per element (measured: half the time Hypothesis
    spends per handler call); falls back to the same choices through ``st.lists`` when those internals are missing.
    """
    offset = 1 << (top.bit_length() + UNIFORM_MARGIN)
    high = offset + top
    try:
        from hypothesis.strategies._internal.strategies import SearchStrategy
    except ImportError:  # pragma: no cover - another Hypothesis
        return st.lists(st.integers(offset, high), min_size=count, max_size=count).map(
            lambda drawn: [v - offset for v in drawn]
        )

    class CallDraws(SearchStrategy):
        def do_draw(self, data: object) -> list[int]:
            draw, start, stop = data.draw_integer, data.start_span, data.stop_span  # type: ignore[attr-defined]
            drawn = []
            for _ in range(count):
                start(CALL_SPAN)  # a span per draw: the shrinker tries each with its simplest value (skipped calls)
                drawn.append(draw(offset, high) - offset)
                stop()
            return drawn

        def __repr__(self) -> str:
            return f"call_draws({count}, {top:#x})"

    return CallDraws()


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
    dictionary: ValueDictionary | None  # for handler arguments (machines with handlers)


class ChainMachine(RuleBasedStateMachine):
    """Base class: one in-process chain per class and process, restored from a snapshot for every example."""

    ACTORS: ClassVar[tuple[str, ...]] = ("alice", "bob", "carol")
    ACTOR_BALANCE: ClassVar[int] = 10**24
    BATCH: ClassVar[int] = 16  # handler calls per rule step
    # Handler calls encoded in each drawn integer. 1 shrinks failures to the fewest calls; more draw faster (measured on
    # the benchmark vault, median of 3: 4 is ~12% faster) but a shrunk failure may keep a few calls it does not need.
    CALLS_PER_DRAW: ClassVar[int] = 1
    # The argument-mode profiles (EDGES, SPREAD above); with more than one, each example draws one (st.shared).
    MODE_PROFILES: ClassVar[tuple[tuple[int, ...], ...]] = (SPREAD,)
    # Handler arguments may draw from the contracts' value dictionary (strikeforge.fuzz.dictionary); False makes that
    # mode a full pseudo-random word instead.
    DICTIONARY: ClassVar[bool] = True
    # The dictionary's static part, when given instead of computed from the deployed world: a replay on Ape's provider
    # takes the engine's, so that the same choices decode to the same arguments (its own addresses differ).
    STATIC_DICTIONARY: ClassVar[list[int] | None] = None
    # Once per process, after the first world is deployed: collect, then gc.freeze() what is alive (modules, the
    # world): Python's cyclic collector stops rescanning them in its full passes. Measured on the benchmark campaign:
    # 8-12% more calls/s (Hypothesis allocates steadily; each full pass walked Ape's and Hypothesis' whole heap).
    FREEZE_HEAP: ClassVar[bool] = True
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
            # CALLS_PER_DRAW calls per drawn integer: Hypothesis pays per choice (~10 us), hardly per bit. Shrinking an
            # integer toward 0 zeroes a group's later calls and its modes first, and whole groups to 0 (a zero op byte
            # is a skipped call), so the shrinker deletes calls and simplifies arguments.
            stride, layout = call_layout(cls._handlers)
            per_draw = cls.CALLS_PER_DRAW
            draws = -(-cls.BATCH // per_draw)

            tables = cls.MODE_PROFILES
            if len(tables) == 1:

                @rule(raw=call_draws(draws, (1 << (8 * stride * per_draw)) - 1))
                def handler_calls(self: ChainMachine, raw: list[int]) -> None:
                    self._run_handlers(raw, stride, layout, per_draw, tables[0])

            else:
                key = f"strikeforge.profile.{cls.__module__}.{cls.__qualname__}"

                @rule(
                    raw=call_draws(draws, (1 << (8 * stride * per_draw)) - 1),
                    profile=st.shared(st.integers(0, len(tables) - 1), key=key),  # one draw per example
                )
                def handler_calls(self: ChainMachine, raw: list[int], profile: int) -> None:
                    self._run_handlers(raw, stride, layout, per_draw, tables[profile])

            cls.handler_calls = handler_calls  # type: ignore[attr-defined]

    def _run_handlers(
        self,
        raw: list[int],
        stride: int,
        layout: tuple[tuple[int, int, int], ...],
        per_draw: int,
        mode_of: tuple[int, ...],
    ) -> None:
        plan = self._plan
        if plan is None:  # once per example
            # Per handler: the bound method, its name, and per argument (width, value shift, value mask, mode shift).
            handlers = [
                (getattr(self, name), name, tuple((w, *spec) for w, spec in zip(bits, layout, strict=False)))
                for name, bits in self._handlers
            ]
            # Hypothesis' Invariant records: those without preconditions are called directly.
            checks = [inv.function for inv in self.invariants if not inv.preconditions]
            guarded = [(inv.function, inv.preconditions) for inv in self.invariants if inv.preconditions]
            plan = self._plan = (handlers, checks, guarded)
        handlers, checks, guarded = plan
        count = len(handlers)
        dictionary, trace = self._dictionary, self._trace
        hits = [0] * count
        shift, call_mask = 8 * stride, (1 << (8 * stride)) - 1
        self._checked = False
        try:
            for drawn in raw:
                for _ in range(per_draw):
                    call = drawn & call_mask
                    drawn >>= shift
                    op = call & 0xFF
                    if not op:
                        continue
                    index = (op - 1) % count
                    method, name, specs = handlers[index]
                    args = [
                        decode_argument(mode_of[(call >> at_mode) & 0xFF], (call >> at) & mask, width, dictionary)
                        if width > 0
                        else decode_signed(mode_of[(call >> at_mode) & 0xFF], (call >> at) & mask, -width, dictionary)
                        for width, at, mask, at_mode in specs
                    ]
                    if dictionary is not None:
                        dictionary.note(args)
                    if trace is not None:
                        trace.append(f"handler {name}({', '.join(str(a) for a in args)})")
                    method(*args)
                    hits[index] += 1
                    for check in checks:
                        check(self)
                    for check, preconditions in guarded:
                        if all(pre(self) for pre in preconditions):
                            check(self)
        finally:
            record, rules = self._stats, self._stats.rules
            for (_, name, _), n in zip(handlers, hits, strict=True):
                if n:
                    rules[name] = rules.get(name, 0) + n
                    record.steps += n
        # Every invariant has run after the last call that ran: Hypothesis' own check after this step is a repeat.
        self._checked = any(hits)

    def check_invariants(self, *args: object, **kwargs: object) -> None:
        """Hypothesis' check after each step and at the start; skipped right after a handler step that checked."""
        if self._checked:
            self._checked = False
            return
        super().check_invariants(*args, **kwargs)  # type: ignore[misc]

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
            dictionary = None
            if cls._handlers and cls.DICTIONARY:
                static = cls.STATIC_DICTIONARY
                if static is None:
                    static = static_values(chain, contracts.values(), [a.address for a in actors.values()])
                dictionary = ValueDictionary(chain, list(static))
            cls._world = _World(
                chain=chain, snapshot=chain.snapshot(), actors=actors, contracts=contracts, dictionary=dictionary
            )
            if cls.FREEZE_HEAP:
                _freeze_heap()
        return cls.__dict__["_world"]

    def __init__(self) -> None:
        super().__init__()
        world = self.world()
        world.chain.revert(world.snapshot)
        self.chain = world.chain
        self.actors = world.actors
        self.c = SimpleNamespace(**world.contracts)
        final = _final_run()
        self.chain.on_transaction = type(self).TRANSACTION_SINK or (_note_transaction if final else None)
        # The reported run (and a replay) keeps a Foundry-style trace, attached to its failure as `strikeforge_trace`.
        self._trace: list[str] | None = [] if final or type(self).TRANSACTION_SINK else None
        self.chain.trace = self._trace
        self._started = time.perf_counter()
        self._calls_at_start = self.chain.calls
        self._stats = stats.for_machine(type(self).__name__)
        self._stats.examples += 1
        self._checked = False
        self._plan: tuple | None = None  # the handler calls' decoding plan, built at the first step
        self._dictionary = world.dictionary
        if world.dictionary is not None:
            world.dictionary.start_example()

    def who(self, label: str) -> Actor:
        """The actor with this label."""
        return self.actors[label]

    def teardown(self) -> None:
        self._stats.calls += self.chain.calls - self._calls_at_start
        self._stats.seconds += time.perf_counter() - self._started
        self.chain.on_transaction = None
        self.chain.trace = None
        if self._dictionary is not None:
            self._dictionary.stop_example()
        failure = sys.exc_info()[1]  # Hypothesis tears down in a `finally`: the example's failure, if any
        if failure is not None and not isinstance(failure, _NOT_FAILURES):
            origin = self.failure_origin(failure)
            with contextlib.suppress(AttributeError, TypeError):  # for campaign reports
                failure.strikeforge_origin = origin  # type: ignore[attr-defined]
                if self._trace is not None:
                    failure.strikeforge_trace = list(self._trace)  # type: ignore[attr-defined]
            if stats.FAILURE is not None:
                stats.FAILURE(origin, self._stats)
        if stats.PROGRESS is not None:
            stats.PROGRESS(self._stats)

    def failure_origin(self, failure: BaseException) -> str:
        """What raised ``failure``: ``invariant <name>``, ``rule <name>`` or ``handler <name>`` (the innermost of this
        machine's functions in its traceback), else ``unknown``."""
        cls = type(self)
        origins = cls.__dict__.get("_origins")
        if origins is None:
            origins = {}
            found = [("handler", getattr(cls, name)) for name, _ in cls._handlers]
            found += [("rule", r.function) for r in self.rules] + [("invariant", i.function) for i in self.invariants]
            for kind, fn in found:
                while fn is not None:  # wrapped functions (functools.wraps) count by their own code too
                    code = getattr(fn, "__code__", None)
                    if code is not None:
                        origins.setdefault(code, f"{kind} {fn.__name__}")
                    fn = getattr(fn, "__wrapped__", None)
            cls._origins = origins
        origin = "unknown"
        tb = failure.__traceback__
        while tb is not None:
            origin = origins.get(tb.tb_frame.f_code, origin)
            tb = tb.tb_next
        return origin


_FROZEN = [False]


def _freeze_heap() -> None:
    """gc.freeze() the live objects, once per process (see ChainMachine.FREEZE_HEAP)."""
    if not _FROZEN[0]:
        _FROZEN[0] = True
        gc.collect()
        gc.freeze()


def _final_run() -> bool:
    """True in the run Hypothesis reports (the shrunk failing example), where notes are shown; lines cost time."""
    if not currently_in_test_context():
        return False
    return current_build_context().is_final


def _note_transaction(line: str) -> None:
    if currently_in_test_context():  # a machine driven by hand (outside Hypothesis) has nowhere to note to
        note(line)
