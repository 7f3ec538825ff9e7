"""The fuzz benchmark's call mix as one Hypothesis state machine, for any engine (no strikeforge imports).

Four handlers (deposit, withdraw, redeem, donate) with forge-std's `bound` on raw uint256 draws, and one invariant
(totalAssets == the vault's asset balance, totalSupply == the sum of the actors' shares) checked after every call:
the same as bench/forge/VaultInvariants.t.sol. An engine supplies the deployed token and vault, the actors, how to
snapshot and restore (a snapshot is taken again after every restore), and which exceptions mean "reverted"
(forge's fail_on_revert = false: reverts are fine).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

UINT = st.integers(min_value=0, max_value=2**256 - 1)
MAX = 2**256 - 1


def bound(x: int, lo: int, hi: int) -> int:
    """forge-std's bound()."""
    if lo <= x <= hi:
        return x
    size = hi - lo + 1
    if x <= 3 and size > x:
        return lo + x
    if x >= MAX - 3 and size > MAX - x:
        return hi - (MAX - x)
    if x > hi:
        rem = (x - hi) % size
        return hi if rem == 0 else lo + rem - 1
    rem = (lo - x) % size
    return lo if rem == 0 else hi - rem + 1


def make_machine(
    token: Any,
    vault: Any,
    actors: list[Any],
    snapshot: Callable[[], Any],
    restore: Callable[[Any], Any],
    reverted: tuple[type[BaseException], ...],
    counter: list[int],
    vault_address: Any = None,
) -> type[RuleBasedStateMachine]:
    base = [snapshot()]
    target = vault if vault_address is None else vault_address  # how the vault is passed as an address argument

    class Mix(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            restore(base[0])
            base[0] = snapshot()  # engines whose snapshots are single-use (Ape, py-evm) need a fresh one

        def _send(self, fn: Callable[..., Any], *args: Any, sender: Any) -> None:
            counter[0] += 1
            with contextlib.suppress(*reverted):
                fn(*args, sender=sender)

        @rule(seed=UINT, raw=UINT)
        def deposit(self, seed: int, raw: int) -> None:
            a = actors[seed % 3]
            self._send(vault.deposit, bound(raw, 0, token.balanceOf(a)), a, sender=a)

        @rule(seed=UINT, raw=UINT)
        def withdraw(self, seed: int, raw: int) -> None:
            a = actors[seed % 3]
            self._send(vault.withdraw, bound(raw, 0, vault.maxWithdraw(a)), a, a, sender=a)

        @rule(seed=UINT, raw=UINT)
        def redeem(self, seed: int, raw: int) -> None:
            a = actors[seed % 3]
            self._send(vault.redeem, vault.balanceOf(a) * bound(raw, 0, 100) // 100, a, a, sender=a)

        @rule(seed=UINT, raw=UINT)
        def donate(self, seed: int, raw: int) -> None:
            a = actors[seed % 3]
            self._send(token.transfer, target, bound(raw, 0, token.balanceOf(a)), sender=a)

        @invariant()
        def vault_accounting(self) -> None:
            assert vault.totalAssets() == token.balanceOf(target)
            assert vault.totalSupply() == sum(vault.balanceOf(a) for a in actors)

    return Mix


def campaign_settings(examples: int, depth: int) -> settings:
    """The benchmark's Hypothesis settings: generation only, derandomized, no database, no deadline."""
    return settings(
        max_examples=examples,
        stateful_step_count=depth,
        deadline=None,
        database=None,
        derandomize=True,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
    )


def run(machine: type[RuleBasedStateMachine], examples: int, depth: int, counter: list[int]) -> dict[str, float]:
    """Run the campaign; handler calls, wall seconds and calls/s."""
    counter[0] = 0
    start = time.perf_counter()
    run_state_machine_as_test(machine, settings=campaign_settings(examples, depth))
    seconds = time.perf_counter() - start
    return {"calls": counter[0], "seconds": seconds, "calls_per_s": counter[0] / seconds}
