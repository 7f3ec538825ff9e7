"""Replaying a sequence from the world's base snapshot, with or without the per-step property checks."""

from __future__ import annotations

from dataclasses import dataclass, field

from strikeforge.audit.abifuzz.properties import Accounting, Violation, over_block, panic
from strikeforge.audit.abifuzz.steps import BLOCK_GAS, Outcome, Step, execute, execute_with_gas
from strikeforge.audit.abifuzz.world import World
from strikeforge.fuzz.chain import RevmChain, Snapshot


@dataclass
class Played:
    """A sequence as it ran: each step's outcome, the violations P1/P4 saw, the steps that used over a block."""

    steps: list[Step]
    outcomes: list[Outcome] = field(default_factory=list)
    violations: list[Violation] = field(default_factory=list)
    heavy: list[int] = field(default_factory=list)


def release(chain: RevmChain, snap: Snapshot) -> None:
    """Return to ``snap`` for the last time. :meth:`RevmChain.revert` takes the snapshot again after reverting (so it
    can be reused), which leaves one pyrevm journal checkpoint open; revm counts open checkpoints in the call depth,
    and a campaign leaking one per episode ends in ``CallTooDeep`` after about a thousand. Nested snapshots are
    therefore released here instead: reverted without being taken again."""
    chain.evm.revert(snap.checkpoint)
    chain.deployed = dict(snap.deployed)
    chain.set_time(snap.timestamp, snap.number)


class Player:
    """Runs steps on a world, checking P1 and P4 after each (P3's candidates are noted)."""

    def __init__(self, world: World) -> None:
        assert world.base is not None, "take the world's base snapshot first"
        self.world = world
        world.chain.revert(world.base)
        self.initial = Accounting.start(world).initial

    def begin(self, checks: bool = True) -> Played:
        self.world.chain.revert(self.world.base)  # type: ignore[arg-type]
        self.books = Accounting(self.world, self.initial, last=dict(self.initial)) if checks else None
        return Played([])

    def play(self, played: Played, step: Step) -> Outcome:
        index = len(played.steps)
        outcome = execute(self.world, step)
        played.steps.append(step)
        played.outcomes.append(outcome)
        if self.books is not None and not step.arm:  # arming the re-entering actor is not a call of a target
            played.violations += self.books.after(index, step, outcome)
            if (found := panic(index, step, outcome)) is not None:
                played.violations.append(found)
            if over_block(outcome):
                played.heavy.append(index)
        return outcome

    def replay(self, steps: list[Step], checks: bool = True) -> Played:
        played = self.begin(checks)
        for step in steps:
            self.play(played, step)
        return played

    def gas_check(self, steps: list[Step], index: int) -> tuple[Outcome, Outcome] | None:
        """P3: step ``index`` after its prefix, with the chain's gas and with a block's gas; None unless it used more
        than a block and behaves differently within one."""
        played = self.replay(steps[:index], checks=False)
        del played
        chain = self.world.chain
        before = chain.snapshot()
        full = execute(self.world, steps[index])
        if steps[index].arm or full.gas <= BLOCK_GAS:
            release(chain, before)
            return None
        release(chain, before)
        bounded = execute_with_gas(self.world, steps[index], BLOCK_GAS)
        return None if full.same_as(bounded) else (full, bounded)
