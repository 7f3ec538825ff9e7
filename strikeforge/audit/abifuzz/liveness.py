"""P2, liveness: a call that worked for an honest actor and is later blocked for ever by a hostile actor.

At the end of a sequence, every distinct call an honest party (an EOA or the deployer) made successfully (same actor,
function, arguments and value) is tried again: now, a day later, and past the horizon (past every timestamp-like
value in the dictionary and every duration from now, at least +365 days). A call that reverts at all three is
"permanently unreachable" for that actor. That alone is often the actor's own doing (it withdrew everything) or
ordinary competition; so the sequence is replayed with each hostile contract's successful calls sent by its plain-EOA
twin (same funds, approvals and roles; the hostile address replaced by the twin's in every argument; the hostile
contract's failed calls and its re-entry arming dropped, their time warps kept), and the retry made again. Only a
call that comes back to life there is reported: the same actions by a well-behaved account would not have blocked
it, so what blocks it is that a contract rejecting ETH, re-entering or burning gas took part.

Calls whose arguments name a hostile actor are not retried (paying a rejecting address fails by design).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from strikeforge.audit.abifuzz.properties import CHECK_LIVENESS, Violation
from strikeforge.audit.abifuzz.replay import Played, Player, release
from strikeforge.audit.abifuzz.steps import Outcome, Step, execute, mentions, retarget
from strikeforge.audit.abifuzz.world import World

DAY = 86_400
MAX_RETRIES = 24


@dataclass(frozen=True)
class Blocked:
    """One call that stayed reverted at every retry time."""

    first: int  # index of its first success
    step: Step
    outcome: Outcome


def _keys(world: World, played: Played) -> dict[tuple, int]:
    honest = {p.label for p in world.honest}
    hostile = {p.address.lower() for p in world.parties.values() if p.hostile}
    keys: dict[tuple, int] = {}
    for index, (step, outcome) in enumerate(zip(played.steps, played.outcomes, strict=True)):
        if outcome.ok and not step.arm and step.actor in honest and not mentions(step.args, hostile):
            keys.setdefault(_key(step), index)
    return keys


def _key(step: Step) -> tuple:
    return step.actor, step.target, step.signature, step.args, step.value


def retry_times(world: World, horizon: int) -> list[int | None]:
    """Absolute timestamps to retry at: now (None), a day later, the horizon."""
    now = world.chain.timestamp
    return [None, now + DAY, max(horizon, now + DAY + 1)]


def retry(world: World, steps: list[Step], horizon: int) -> list[tuple[Step, Outcome]]:
    """From the current state: each step that fails at every retry time, with its last failure."""
    chain = world.chain
    end = chain.snapshot()
    times = retry_times(world, horizon)
    blocked = []
    for step in steps:
        last = None
        for when in times:
            chain.revert(end)
            if when is not None:
                chain.set_time(when, chain.block_number + 1)
            last = execute(world, replace(step, warp=None))
            if last.ok:
                break
        if last is not None and not last.ok:
            blocked.append((step, last))
    release(chain, end)
    return blocked


def counterfactual(world: World, played: Played) -> list[Step]:
    """The sequence with every successful call of a hostile contract sent by its twin EOA instead; its failed calls
    (they changed nothing) and its arming are dropped, their time warps kept."""
    mapping = {world.parties[h].address.lower(): world.parties[t].address for h, t in world.twins.items()}
    out = []
    for step, outcome in zip(played.steps, played.outcomes, strict=True):
        hostile = step.actor in world.twins
        if step.arm or (hostile and not outcome.ok):
            if step.warp is not None:
                out.append(Step.pause(step.warp))
            continue
        out.append(retarget(step, world.twins.get(step.actor, step.actor), mapping))
    return out


def check(
    world: World,
    player: Player,
    played: Played,
    horizon: Callable[[], int],
    only: tuple | None = None,
) -> list[Violation]:
    """P2 over a sequence just played (the chain is at its end). Replays the counterfactual when needed."""
    keys = _keys(world, played)
    if only is not None:
        keys = {k: v for k, v in keys.items() if k[:3] == only}
    hostile = {p.label for p in world.parties.values() if p.hostile}
    hostile_steps = any(s.actor in hostile for s in played.steps)
    if not keys or not hostile_steps:
        return []
    chosen = sorted(keys.items(), key=lambda kv: -kv[1])[:MAX_RETRIES]
    steps = {k: replace(played.steps[i], warp=None) for k, i in chosen}
    blocked = retry(world, list(steps.values()), horizon())
    if not blocked:
        return []
    # Only calls whose first success came before some hostile step can have been blocked by one.
    last_hostile = max(i for i, s in enumerate(played.steps) if s.actor in hostile)
    blocked = [(s, o) for s, o in blocked if keys[_key(s)] < last_hostile]
    if not blocked:
        return []
    player.replay(counterfactual(world, played), checks=False)
    revived_blocked = retry(world, [s for s, _ in blocked], horizon())
    still = {_key(s) for s, _ in revived_blocked}
    found = []
    for step, outcome in blocked:
        if _key(step) in still:
            continue
        found.append(
            Violation(
                CHECK_LIVENESS,
                step.target,
                step.signature,
                keys[_key(step)],
                f"{step.actor}'s call succeeded at step {keys[_key(step)] + 1} and, after the sequence, reverts "
                f"({outcome.reason}) now, a day later and past the horizon; with the hostile actors' calls made by "
                f"plain EOAs instead it succeeds",
                actor=step.actor,
            )
        )
    return found
