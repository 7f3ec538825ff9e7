"""Mutation checks for the Vyper contracts' state machines (issue 17), after the ledger's (tests/settlement/mutants.py):
a mutation reverts one fix as (old, new) replacements of the current source, each of which must match exactly once (a
refactoring that breaks a mutation fails loudly instead of testing the unmutated contract); the mutant is compiled
from the modified copy with the project's Vyper (the venv's vyper, evm cancun, imports from the project root and
site-packages as ape-vyper resolves them: the unmodified source compiles to the build manifest's bytecode), and the
machine runs against it under a fixed, derandomized budget and must fail.

`hunt` reports how many examples the machine needed before its first failure (counted at teardown, where the
failure is still in flight), the failure Hypothesis reports after shrinking, and the time taken.
"""

from __future__ import annotations

import dataclasses
import site
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from ethpm_types import ContractType
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import INVARIANT_MARKER, run_state_machine_as_test

ROOT = Path(__file__).resolve().parents[1]
# What a machine's failure can be: any error, or pytest's own (pytest.raises' DID NOT RAISE is not an Exception).
FAILURES = (Exception, pytest.fail.Exception)


@dataclass(frozen=True)
class Mutation:
    finding: str
    description: str
    unit: str  # the source's path from the project root, e.g. contracts/oracles/OracleRouter.vy
    edits: tuple[tuple[str, str], ...]

    @property
    def contract(self) -> str:
        return Path(self.unit).stem


def mutated_source(mutation: Mutation) -> str:
    source = (ROOT / mutation.unit).read_text()
    for old, new in mutation.edits:
        found = source.count(old)
        if found != 1:
            raise ValueError(f"{mutation.finding}: the text to mutate occurs {found} times, not once: {old[:80]!r}")
        source = source.replace(old, new)
    return source


def compile_vyper(mutation: Mutation) -> ContractType:
    """The mutated contract, compiled in memory from its modified copy (the file on disk is never written)."""
    import vyper
    from vyper.compiler.input_bundle import FilesystemInputBundle
    from vyper.compiler.settings import Settings

    bundle = FilesystemInputBundle([ROOT, *map(Path, site.getsitepackages())])
    original = bundle.load_file(mutation.unit)
    mutant = dataclasses.replace(original, contents=mutated_source(mutation))
    try:
        output = vyper.compile_from_file_input(
            mutant,
            input_bundle=bundle,
            output_formats=["abi", "bytecode", "bytecode_runtime"],
            settings=Settings(evm_version="cancun"),
        )
    except Exception as error:  # vyper's own exception types: name the mutation
        raise RuntimeError(f"{mutation.finding}: the mutant does not compile: {error}") from error
    return ContractType.model_validate(
        {
            "contractName": mutation.contract,
            "sourceId": mutation.unit,
            "abi": output["abi"],
            "deploymentBytecode": {"bytecode": output["bytecode"]},
            "runtimeBytecode": {"bytecode": output["bytecode_runtime"]},
        }
    )


@dataclass
class Found:
    examples: int  # examples run up to and including the first failing one (before shrinking)
    error: BaseException
    seconds: float


def mutant_machine(machine: type, mutation: Mutation, types: dict[str, ContractType]) -> type:
    """A subclass of `machine` on its own world, deploying the mutant for the mutated contract and `types` for the
    others, that counts its examples and remembers the first that failed."""

    class Mutant(machine):
        examples = 0
        first_failure: int | None = None

        def __init__(self):
            type(self).examples += 1
            super().__init__()

        def teardown(self):
            failure = sys.exc_info()[1]
            cls = type(self)
            if isinstance(failure, FAILURES) and cls.first_failure is None:
                cls.first_failure = cls.examples
            super().teardown()

    Mutant.__name__ = Mutant.__qualname__ = f"Mutant{mutation.finding.replace('-', '')}{machine.__name__}"
    Mutant._world = None
    Mutant.types = {**types, mutation.contract: compile_vyper(mutation)}
    return Mutant


def hunt(machine: type, mutation: Mutation, types: dict[str, ContractType], examples: int, steps: int) -> Found | None:
    """Run `machine` against the mutant under a derandomized budget: the failure found, or None if it passed. A
    failure outside the machine's examples (the world's deployment, a missing artifact) is raised, not found."""
    mutant = mutant_machine(machine, mutation, types)
    budget = settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        derandomize=True,
        phases=(Phase.generate, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    started = time.perf_counter()
    try:
        run_state_machine_as_test(mutant, settings=budget)
    except FAILURES as error:  # any invariant, assertion or revert the machine raises in an example
        if mutant.first_failure is None:
            raise
        return Found(mutant.first_failure, error, time.perf_counter() - started)
    return None


def report(machine: type, mutation: Mutation, found: Found) -> str:
    """What the check prints: the mutant, the examples it took, the error and the shrunk failing sequence (its rules
    and transactions; the invariant checks between steps left out)."""
    checks = {f"state.{name}()" for name in dir(machine) if hasattr(getattr(machine, name), INVARIANT_MARKER)}
    notes = "\n".join(line for line in getattr(found.error, "__notes__", ()) if line not in checks)
    return (
        f"{mutation.finding} ({mutation.description}): failed after {found.examples} examples, "
        f"{found.seconds:.1f} s with shrinking\n{type(found.error).__name__}: {found.error}\n{notes}"
    )
