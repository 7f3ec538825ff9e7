"""The loop every long-running service shares: tick, report what happened, sleep, repeat."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

T = TypeVar("T")


def run_ticks(
    tick: Callable[[], Iterable[T]],
    iterations: int | None,
    interval: float,
    sleep: Callable[[float], None],
    report: Callable[[T], None] | None = None,
) -> list[T]:
    """Call `tick` `iterations` times (forever if None), `interval` seconds apart (no sleep after the last),
    reporting each result as it happens; returns them all."""
    results: list[T] = []
    done = 0
    while iterations is None or done < iterations:
        for result in tick():
            results.append(result)
            if report is not None:
                report(result)
        done += 1
        if iterations is None or done < iterations:
            sleep(interval)
    return results
