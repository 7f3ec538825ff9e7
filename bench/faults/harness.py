"""The strikeforge side of a fault world: a ChainMachine whose handlers and invariants are counted and timed.

A world's machine (bench/faults/<world>.py) subclasses :class:`BugMachine`, decorates its handlers with
:func:`bug_handler` and its invariants with :func:`bug_invariant`, and mirrors its Solidity twin in bench/forge/bugs/
line for line: the same handlers, the same `bound` (forge-std's formula), the same invariants, every state-changing
call's revert ignored (forge's `fail_on_revert = false`; the Solidity handlers wrap each call in try/catch).

One run (:func:`hunt`) is a wall-clock budget: Hypothesis generates examples until an invariant fails or the budget
is spent. The first failure's time, handler calls and EVM calls are recorded where it happens (before shrinking);
shrinking then gets `shrink_budget` seconds, and the shortest failing example seen is the shrunk length (Hypothesis
replays its minimal example last, so when shrinking finishes it is that example's length).
"""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import hypothesis.core
from _fuzz_mix import bound as forge_bound
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import invariant, run_state_machine_as_test

from strikeforge.fuzz.errors import TransactionError
from strikeforge.fuzz.machine import ChainMachine, handler
from strikeforge.fuzz.machine import _freeze_heap as freeze_heap

START_TIME = 1_767_254_400  # bench/forge/bugs/BugsBase.sol START_TIME (strikeforge.fuzz.chain.DEFAULT_TIMESTAMP)
FUNDS = 10**24


def bound(x: int, lo: int, hi: int) -> int:
    """forge-std's bound() (bench/forge/StrikeforgeTest.sol; the formula is bench/_fuzz_mix.py's)."""
    if hi < lo:
        raise ValueError("bound: max < min")  # the Solidity side reverts the handler call: never reached here
    return forge_bound(x, lo, hi)


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


class Budget(KeyboardInterrupt):
    """The run's wall-clock budget is spent. Hypothesis lets an interrupt through at once: it neither shrinks it nor
    records the cut-short example (recording it can clash with an earlier example that shares its first draws and
    surface as FlakyStrategyDefinition)."""


@dataclass
class Track:
    """One run's counters (module-global: one run at a time per process)."""

    started: float = 0.0
    search_until: float = math.inf
    shrink_budget: float = 10.0
    calls: int = 0  # handler calls, over every example (forge's "calls")
    examples: int = 0
    first: dict[str, Any] | None = None  # at the first failure: seconds, calls, evm_calls, examples, invariant
    first_at: float = 0.0
    shrunk: int | None = None  # handler calls of the shortest failing example
    handler_errors: int = 0  # handler bodies that raised a TransactionError from a view (the world's bug, not a find)

    def check(self) -> None:
        now = time.perf_counter()
        if now > (self.search_until if self.first is None else self.first_at + self.shrink_budget):
            raise Budget

    def failed(self, machine: BugMachine, name: str) -> None:
        if self.first is None:
            self.first_at = time.perf_counter()
            self.first = {
                "seconds": self.first_at - self.started,
                "calls": self.calls,
                "evm_calls": machine.chain.calls,
                "examples": self.examples,
                "invariant": name,
            }
        if self.shrunk is None or machine.example_calls < self.shrunk:
            self.shrunk = machine.example_calls


TRACK = Track()


def bug_handler(*bits: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A counted @handler: checks the budget, counts the call, and ignores a revert of a view it reads."""

    def mark(fn: Callable[..., None]) -> Callable[..., None]:
        @functools.wraps(fn)
        def run(self: BugMachine, *args: int) -> None:
            TRACK.check()
            TRACK.calls += 1
            self.example_calls += 1
            try:
                fn(self, *args)
            except TransactionError:
                TRACK.handler_errors += 1

        return handler(*bits)(run)

    return mark


def bug_invariant(fn: Callable[[Any], None]) -> Callable[[Any], None]:
    """A recorded @invariant: its first failure is timed and counted where it happens."""

    @functools.wraps(fn)
    def check(self: BugMachine) -> None:
        try:
            fn(self)
        except Exception:
            TRACK.failed(self, fn.__name__)
            raise

    return invariant()(check)


class BugMachine(ChainMachine):
    """A fault world's machine: three actors, the deployer, per-example handler counting."""

    ACTORS = ("alice", "bob", "carol")
    ACTOR_BALANCE = FUNDS

    def __init__(self) -> None:
        TRACK.check()
        super().__init__()
        TRACK.examples += 1
        self.example_calls = 0

    @property
    def deployer(self):
        return self.who("deployer")

    def actor(self, index: int):
        return self.who(self.ACTORS[index % 3])

    @staticmethod
    def send(fn: Callable[..., Any], *args: Any, sender: Any, value: int = 0) -> Any:
        """A state-changing call whose revert is ignored (try/catch on the Solidity side): its result, or None."""
        try:
            return fn(*args, sender=sender, value=value) if value else fn(*args, sender=sender)
        except TransactionError:
            return None

    @staticmethod
    def sends(fn: Callable[..., Any], *args: Any, sender: Any, value: int = 0) -> bool:
        """Like send, for calls that return nothing: whether it succeeded."""
        try:
            if value:
                fn(*args, sender=sender, value=value)
            else:
                fn(*args, sender=sender)
        except TransactionError:
            return False
        return True

    def warp_by(self, raw: int, step: int) -> None:
        """BugsBase.warpBy: 0 to 12 steps of `step` seconds."""
        self.chain.warp(bound(raw, 0, 12) * step)


def deploy_time(chain: Any) -> None:
    """Both engines deploy every world at START_TIME."""
    chain.set_time(START_TIME, 1)


def start_with_tokens(chain: Any, types: dict, deployer: Any) -> tuple[Any, Any]:
    """The worlds' common start (as BugsBase's twins): time set to START_TIME, then WETH (18 decimals) and USDC (6)
    mock tokens deployed by `deployer`."""
    deploy_time(chain)
    weth = chain.deploy(types["MockERC20"], "Wrapped Ether", "WETH", 18, sender=deployer)
    usdc = chain.deploy(types["MockERC20"], "USD Coin", "USDC", 6, sender=deployer)
    return weth, usdc


def warm_up() -> None:
    """The once-per-process work of the engine, done before the clock starts, as forge's test duration starts after
    its process has started and compiled: Hypothesis' first-run set-up (its scan of the local modules for constants,
    its PRNG registration) and the collection and freeze of the heap a machine does once per process (~70 ms
    together, measured with cProfile; they are not per campaign). The world's deployment stays on the clock, as
    forge's setUp does."""
    from hypothesis import strategies as st
    from hypothesis.stateful import RuleBasedStateMachine, rule

    class FirstRun(RuleBasedStateMachine):
        @rule(x=st.integers())
        def step(self, x: int) -> None:
            pass

        @invariant()
        def holds(self) -> None:
            pass

    run_state_machine_as_test(
        FirstRun, settings=settings(max_examples=2, database=None, deadline=None, phases=(Phase.generate,))
    )
    freeze_heap()


def hunt(machine: type[BugMachine], seed: int, budget: float, shrink_budget: float, steps: int) -> dict[str, Any]:
    """One run: Hypothesis (seeded) against `machine` until an invariant fails or `budget` seconds pass; shrinking
    then gets `shrink_budget` seconds. Returns the first failure's figures, the shrunk length and the totals. The
    clock starts after :func:`warm_up`."""
    global TRACK
    warm_up()
    TRACK = Track(shrink_budget=shrink_budget)
    hypothesis.core.global_force_seed = seed
    config = settings(
        max_examples=10**9,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        derandomize=False,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        print_blob=False,
    )
    error: BaseException | None = None
    TRACK.started = time.perf_counter()
    TRACK.search_until = TRACK.started + budget
    try:
        run_state_machine_as_test(machine, settings=config)
    except Budget:
        pass
    except Exception as exc:  # the reported (shrunk) failure, or a harness error when no invariant failed
        error = exc
    finally:
        hypothesis.core.global_force_seed = None
    seconds = time.perf_counter() - TRACK.started
    first = TRACK.first
    result: dict[str, Any] = {
        "found": first is not None,
        "seconds_total": seconds,
        "calls_total": TRACK.calls,
        "examples": TRACK.examples,
        "handler_errors": TRACK.handler_errors,
        "shrunk": TRACK.shrunk if first is not None else None,
        "shrink_finished": first is not None and error is not None,
    }
    if first is not None:
        result.update(first)
        result["reason"] = f"{type(error).__name__}: {error}"[:300] if error is not None else first["invariant"]
    elif error is not None:
        raise RuntimeError(f"{machine.__name__}: the machine raised outside its invariants: {error!r}") from error
    return result
