"""Fuzz campaigns for the report: every production invariant machine, run on the in-process engine."""

from __future__ import annotations

import inspect
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from hypothesis.stateful import INVARIANT_MARKER

from strikeforge.fuzz.campaign import load_machine, run_campaign

# Each contract's Hypothesis state machine (its header's invariants, as executable checks).
TARGETS = (
    "tests.options.test_engine_invariants:OptionsMachine",
    "tests.vaults.test_vault_invariants:VaultMachine",
    "tests.settlement.test_ledger_invariants:LedgerMachine",
    "tests.settlement.test_ledger_adversarial:AdversarialLedgerMachine",
    "tests.oracles.test_oracle_invariants:SignedOracleMachine",
    "tests.oracles.test_oracle_invariants:RouterMachine",
)


@dataclass
class CampaignSummary:
    target: str
    invariants: list[str]
    examples: int
    evm_calls: int
    seconds: float
    failures: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def invariants_of(machine: type) -> list[str]:
    """The names of a machine's ``@invariant`` methods."""
    return sorted(
        name for name, member in inspect.getmembers(machine) if getattr(member, INVARIANT_MARKER, None) is not None
    )


def run_all(
    root: Path, examples: int, workers: int = 2, seed: int = 0, database: str = ".hypothesis/campaigns"
) -> list[CampaignSummary]:
    """Run every target with ``examples`` examples across ``workers`` processes."""
    from ape import Project

    # The workers read contract types from .build/__local__.json without Ape: compile what is missing or stale.
    Project(root).load_contracts()
    summaries = []
    for target in TARGETS:
        result = run_campaign(target, workers=workers, examples=examples, database=database, seed=seed, progress=False)
        summaries.append(
            CampaignSummary(
                target=target,
                invariants=invariants_of(load_machine(target)),
                examples=sum(w.examples for w in result.workers),
                evm_calls=result.evm_calls,
                seconds=round(result.seconds, 1),
                failures=[w.failure.splitlines()[0] for w in result.workers if w.failure],
            )
        )
    return summaries
