"""The campaign: episodes of random steps from the world's base snapshot, every property after every step, each new
finding shrunk and reported once per (check, contract, function).

Reproducible: the same contract types, recipe, seed and budget give the same steps and the same findings.
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ethpm_types import ContractType

from strikeforge.audit.abifuzz import liveness
from strikeforge.audit.abifuzz.compile import hostile_types, mock_erc20_type
from strikeforge.audit.abifuzz.dictionary import Dictionary
from strikeforge.audit.abifuzz.generate import Generator
from strikeforge.audit.abifuzz.properties import CHECK_GAS, CHECK_LIVENESS, Violation
from strikeforge.audit.abifuzz.recipe import Recipe, fallback_recipe, load, parse
from strikeforge.audit.abifuzz.replay import Played, Player
from strikeforge.audit.abifuzz.report import finding
from strikeforge.audit.abifuzz.shrink import shrink
from strikeforge.audit.abifuzz.steps import BLOCK_GAS, Step, describe
from strikeforge.audit.abifuzz.world import GAS_CEILING, Builder, World

EPISODE = 40
DEFAULT_CALLS = 2_000
REFRESH_EVERY = 4
SHRINK_BUDGET = 120
PREFIX_SHARE = 0.5
MAX_PREFIXES = 64
HEAVY_TRIES = 8  # P3 re-runs of a function whose over-a-block calls behaved the same within a block, then no more


@dataclass
class FunctionStats:
    calls: int = 0
    successes: int = 0
    max_gas: int = 0
    reverts: Counter = field(default_factory=Counter)


@dataclass
class CampaignReport:
    """What a campaign did and found."""

    findings: list[dict[str, Any]]
    seed: int
    calls: int
    episodes: int
    seconds: float
    targets: list[str]
    skipped: dict[str, str]
    stats: dict[str, FunctionStats]
    stopped_early: bool = False

    def never_succeeded(self) -> list[str]:
        return sorted(name for name, s in self.stats.items() if s.successes == 0)

    def summary(self) -> str:
        over = [f"{n} {s.max_gas:,}" for n, s in self.stats.items() if s.max_gas > BLOCK_GAS]
        line = (
            f"{', '.join(self.targets) or 'nothing deployed'}: {self.calls:,} calls in {self.episodes} episodes, "
            f"{self.seconds:.1f} s, {len(self.findings)} finding(s)"
        )
        if self.stopped_early:
            line += " (time limit reached)"
        if self.never_succeeded():
            line += f"; never succeeded: {', '.join(self.never_succeeded())}"
        if over:
            line += f"; used over a block's gas at the {GAS_CEILING:,} ceiling: {', '.join(over)}"
        return line


class Campaign:
    """One world, one seed."""

    def __init__(self, world: World, seed: int) -> None:
        self.world = world
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - reproducible test inputs, not secrets
        world.base = world.chain.snapshot()
        self.player = Player(world)
        self.dictionary = Dictionary(world, self.rng)
        self.generator = Generator(world, self.dictionary, self.rng)
        self.found: dict[tuple, dict[str, Any]] = {}
        self.covered: set[tuple] = set()
        self.heavy_misses: Counter = Counter()
        self.prefixes: list[list[Step]] = []
        self.stats: dict[str, FunctionStats] = {}

    def _cover(self, played: Played, step: Step, outcome: Any) -> None:
        """Outcome coverage: the first time a function succeeds or fails with a given error name, the sequence so far
        is kept as a prefix later episodes may start from (the campaign's only guidance: no code coverage)."""
        error = "success" if outcome.ok else (outcome.error.name if outcome.error else outcome.halt[:24]) or "revert"
        signature = (step.target, step.signature, step.arm, error)
        if signature in self.covered:
            return
        self.covered.add(signature)
        if len(played.steps) > 1 or outcome.ok:
            if len(self.prefixes) >= MAX_PREFIXES:
                self.prefixes[self.rng.randrange(MAX_PREFIXES)] = list(played.steps)
            else:
                self.prefixes.append(list(played.steps))

    def _stats(self, step: Step) -> FunctionStats:
        contract = self.world.deployments[step.target].abi.name
        return self.stats.setdefault(f"{contract}.{step.name}", FunctionStats())

    def episode(self, length: int) -> Played:
        """``length`` steps from the base: half the time the first ones replay a saved prefix (see :meth:`_cover`)."""
        played = self.player.begin()
        self.generator.begin_episode()
        prefix: list[Step] = []
        if self.prefixes and self.rng.random() < PREFIX_SHARE:
            prefix = self.prefixes[self.rng.randrange(len(self.prefixes))][: length // 2]
        for i in range(length):
            step = prefix[i] if i < len(prefix) else self.generator.step()
            outcome = self.player.play(played, step)
            self._cover(played, step, outcome)
            if step.arm:
                continue
            stats = self._stats(step)
            stats.calls += 1
            stats.max_gas = max(stats.max_gas, outcome.gas) if outcome.ok else stats.max_gas
            if outcome.ok:
                stats.successes += 1
                self.generator.record(step, step.function(self.world), outcome.output)
            else:
                stats.reverts[outcome.reason[:80]] += 1
                if outcome.error is not None and len(outcome.error.data) > 4:  # WrongBond(sent, required): required
                    self.dictionary.add_output(outcome.error.data[4:])
                    if step.function(self.world).payable:
                        self.generator.hint(step, outcome.error.data)
            if i % REFRESH_EVERY == REFRESH_EVERY - 1:
                self.dictionary.refresh()
        return played

    def run(self, calls: int, time_limit: float | None = None) -> CampaignReport:
        start = time.perf_counter()
        done = episodes = 0
        stopped = False
        while done < calls:
            if time_limit is not None and time.perf_counter() - start > time_limit:
                stopped = True
                break
            length = min(EPISODE, calls - done)
            played = self.episode(length)
            done += length
            episodes += 1
            self._examine(played)
        findings = sorted(self.found.values(), key=lambda f: f["strikeforge"]["stable_id"])
        return CampaignReport(
            findings=findings,
            seed=self.seed,
            calls=done,
            episodes=episodes,
            seconds=time.perf_counter() - start,
            targets=[f"{n} ({self.world.deployments[n].abi.name})" for n in self.world.targets],
            skipped=dict(self.world.skipped),
            stats=self.stats,
            stopped_early=stopped,
        )

    # -- after an episode ----------------------------------------------------------------------------------------
    def _examine(self, played: Played) -> None:
        pending: list[tuple[Violation, list[Step]]] = []
        for violation in liveness.check(self.world, self.player, played, self.dictionary.horizon):
            if violation.key not in self.found:
                pending.append((violation, list(played.steps)))
        for violation in played.violations:
            if violation.key not in self.found and all(v.key != violation.key for v, _ in pending):
                pending.append((violation, played.steps[: violation.index + 1]))
        for index in played.heavy:
            step = played.steps[index]
            key = (CHECK_GAS, step.target, step.signature, "")
            if key in self.found or any(v.key == key for v, _ in pending) or self.heavy_misses[key] >= HEAVY_TRIES:
                continue
            if self.player.gas_check(played.steps, index) is not None:
                pending.append(
                    (Violation(CHECK_GAS, step.target, step.signature, index, ""), played.steps[: index + 1])
                )
            else:  # used over a block but behaves the same within one (a callee burning what it is given)
                self.heavy_misses[key] += 1
        for violation, steps in pending:
            if violation.key not in self.found:
                self.found[violation.key] = self._report(violation, steps)

    def _report(self, violation: Violation, steps: list[Step]) -> dict[str, Any]:
        explored = len(steps)
        checker = self._checker(violation)
        shrunk = shrink(steps, checker, SHRINK_BUDGET)
        final = self._final(violation, shrunk)
        coda = ""
        if violation.check == CHECK_LIVENESS:
            retry = Step(violation.actor, violation.target, violation.function, final.get("args", ()), final["value"])
            coda = f"Then retried: {describe(self.world, retry)} -> reverts for ever; see above."
        return finding(final["violation"], shrunk, self.world, self.seed, explored, coda)

    def _checker(self, violation: Violation) -> Any:
        key = violation.key

        def check(steps: list[Step]) -> int | None:
            if violation.check == CHECK_LIVENESS:
                played = self.player.replay(steps)
                only = (violation.actor, violation.target, violation.function)
                found = liveness.check(self.world, self.player, played, self.dictionary.horizon, only=only)
                return len(steps) - 1 if found else None
            if violation.check == CHECK_GAS:
                if not steps:
                    return None
                last = steps[-1]
                if (last.target, last.signature) != (violation.target, violation.function):
                    return None
                return len(steps) - 1 if self.player.gas_check(steps, len(steps) - 1) is not None else None
            played = self.player.replay(steps)
            return next((v.index for v in played.violations if v.key == key), None)

        return check

    def _final(self, violation: Violation, steps: list[Step]) -> dict[str, Any]:
        """The violation as the shrunk sequence reproduces it (with its own detail text)."""
        if violation.check == CHECK_GAS:
            measured = self.player.gas_check(steps, len(steps) - 1)
            if measured is None:
                return {"violation": violation, "value": 0}
            full, bounded = measured
            detail = (
                f"used {full.gas:,} gas (more than a block's 30,000,000) and {full.reason}; with a block's gas it "
                f"{'succeeds' if bounded.ok else 'fails: ' + bounded.reason}. Gas is measured by pyrevm across one "
                f"journal (slots stay warm between transactions), so figures are approximate and low, not high"
            )
            return {"violation": _with(violation, detail, len(steps) - 1), "value": 0}
        if violation.check == CHECK_LIVENESS:
            played = self.player.replay(steps)
            only = (violation.actor, violation.target, violation.function)
            found = liveness.check(self.world, self.player, played, self.dictionary.horizon, only=only)
            chosen = found[0] if found else violation
            first = steps[chosen.index] if chosen.index < len(steps) else None
            return {
                "violation": chosen,
                "args": first.args if first else (),
                "value": first.value if first else 0,
            }
        played = self.player.replay(steps)
        again = next((v for v in played.violations if v.key == violation.key), violation)
        return {"violation": again, "value": 0}


def _with(violation: Violation, detail: str, index: int) -> Violation:
    return Violation(violation.check, violation.target, violation.function, index, detail, violation.key_extra)


def build_world(
    contract_types: dict[str, ContractType],
    recipe: Recipe,
    root: Path,
    sources: dict[str, Path] | None = None,
) -> World:
    """Deploy the recipe (or the fallback) with the hostile actors and the mocks on a fresh chain."""
    return Builder(contract_types, recipe, hostile_types(root), mock_erc20_type(root), sources).build()


def campaign(
    contract_types: dict[str, ContractType],
    recipe: Recipe | dict | Path | str | None = None,
    seed: int = 0,
    calls: int = DEFAULT_CALLS,
    *,
    sources: dict[str, Path] | None = None,
    root: Path | None = None,
    time_limit: float | None = None,
) -> CampaignReport:
    """Run one campaign and return its report (findings, statistics, what could not be deployed)."""
    from strikeforge.paths import find_project_root

    root = root or find_project_root(Path(__file__))  # the project's mocks and this package's actors
    if recipe is None:
        plan = fallback_recipe(sorted(contract_types))
    elif isinstance(recipe, Recipe):
        plan = recipe
    elif isinstance(recipe, dict):
        plan = parse(recipe)
    else:
        plan = load(Path(recipe))
    world = build_world(contract_types, plan, root, sources)
    for name in list(world.targets):
        if not any(t == name for t, _ in world.target_functions()):
            world.skipped[name] = "no state-changing function to call"
            world.targets.remove(name)
    if not world.targets:
        return CampaignReport([], seed, 0, 0, 0.0, [], dict(world.skipped), {})
    return Campaign(world, seed).run(calls, time_limit)


def run_campaign(
    contract_types: dict[str, ContractType],
    recipe: Recipe | dict | Path | str | None,
    seed: int,
    calls: int,
) -> list[dict[str, Any]]:
    """The benchmark hook: the findings of one campaign (see :func:`campaign` for the full report)."""
    return campaign(contract_types, recipe, seed, calls).findings
