"""Campaign statistics: calls executed and time spent per state machine, summed over a test session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class MachineStats:
    """Totals for one state machine class."""

    examples: int = 0
    steps: int = 0
    calls: int = 0
    seconds: float = 0.0  # wall time; a measurement, never money
    rules: dict[str, int] = field(default_factory=dict)

    @property
    def calls_per_second(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0


REGISTRY: dict[str, MachineStats] = {}
PROGRESS: Callable[[MachineStats], None] | None = None  # called after every example (campaign workers report)
# Called when an example fails, with what failed ("invariant solvent", "rule deposit", "handler mint") and the
# machine's statistics at that moment (campaign workers time each invariant's first break).
FAILURE: Callable[[str, MachineStats], None] | None = None


def for_machine(name: str) -> MachineStats:
    """The (shared) statistics record of a machine class."""
    return REGISTRY.setdefault(name, MachineStats())
