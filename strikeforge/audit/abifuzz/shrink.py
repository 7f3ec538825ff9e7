"""Shrinking a failing sequence: drop chunks of steps (delta debugging), then the time warps that are not needed, then
steps whose only use was their time warp (left as a pause)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from strikeforge.audit.abifuzz.steps import Step

Check = Callable[[list[Step]], int | None]  # the index where the property breaks again, or None


def shrink(steps: list[Step], check: Check, budget: int = 120) -> list[Step]:
    """A shorter sequence on which ``check`` still fails (cut after the failing step); at most ``budget`` checks."""
    calls = 0

    def holds(candidate: list[Step]) -> int | None:
        nonlocal calls
        calls += 1
        return check(candidate)

    index = holds(steps)
    if index is None:
        return steps
    steps = steps[: index + 1]
    parts = 2
    while len(steps) > 1 and calls < budget:
        size = max(1, -(-len(steps) // parts))
        removed = False
        for start in range(0, len(steps), size):
            candidate = steps[:start] + steps[start + size :]
            if not candidate or calls >= budget:
                continue
            found = holds(candidate)
            if found is not None:
                steps, removed = candidate[: found + 1], True
                break
        if removed:
            parts = max(parts - 1, 2)
        elif size == 1:
            break
        else:
            parts = min(len(steps), parts * 2)
    for i in range(len(steps)):
        if calls >= budget:
            break
        if steps[i].warp is None or not steps[i].signature:
            continue
        without_warp = [*steps[:i], replace(steps[i], warp=None), *steps[i + 1 :]]
        only_warp = [*steps[:i], Step.pause(steps[i].warp), *steps[i + 1 :]]
        if holds(without_warp) is not None:
            steps = without_warp
        elif i < len(steps) - 1 and holds(only_warp) is not None:
            steps = only_warp
    return steps
