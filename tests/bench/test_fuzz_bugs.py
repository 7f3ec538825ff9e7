"""The time-to-bug benchmark's faults and worlds (bench/fuzz_bugs.py), quickly: every fault's patch applies exactly
once and type-checks; for a few faults the strikeforge world finds the fault within a small budget and does not fail
on the clean source."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from faults import FAULTS, ROOT, world  # noqa: E402
from faults.build import (  # noqa: E402
    check_variants,
    clean_variant,
    compile_variants,
    contract_types,
    fault_variant,
    scaffold_variant,
)
from faults.harness import hunt  # noqa: E402

# Cheap worlds (small targets to compile), faults each world finds in well under a second.
FOUND = ("oracle-staleness-dropped", "auction-refund-ceil")
BUDGET = 15.0
CLEAN_BUDGET = 3.0


def test_fault_names_are_unique_and_worlds_exist():
    assert len({f.name for f in FAULTS}) == len(FAULTS) >= 12
    for fault in FAULTS:
        module = world(fault.world)
        assert module.FORGE_CONTRACT
        assert (BENCH / "forge" / "bugs" / f"{module.FORGE_CONTRACT}.t.sol").exists()


@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name)
def test_patch_applies_exactly_once(fault):
    original = (ROOT / fault.unit).read_text()
    assert original.count(fault.old) == 1
    patched = fault.source()
    assert patched != original
    assert patched.count(fault.new) >= 1 if fault.new else len(patched) < len(original)


def test_every_fault_type_checks():
    assert check_variants([fault_variant(f) for f in FAULTS]) == []


def _machine(label: str):
    fault = next((f for f in FAULTS if f.name == label), None)
    name = fault.world if fault else label
    variants = [scaffold_variant([name]), clean_variant(name)] + ([fault_variant(fault)] if fault else [])
    built = compile_variants(variants)
    target = built[fault.name] if fault else built[f"clean-{name}"]
    machine = world(name).machine(contract_types(built["scaffold"], target))
    machine.__name__ = f"{machine.__name__}_{label.replace('-', '_')}"
    return machine


@pytest.mark.parametrize("label", FOUND)
def test_strikeforge_finds_the_fault(label):
    result = hunt(_machine(label), seed=1, budget=BUDGET, shrink_budget=5.0, steps=8)
    assert result["found"], result
    assert result["seconds"] < BUDGET
    assert result["shrunk"] is not None and result["shrunk"] >= 1


@pytest.mark.parametrize("name", sorted({next(f for f in FAULTS if f.name == n).world for n in FOUND}))
def test_clean_world_holds(name):
    result = hunt(_machine(name), seed=1, budget=CLEAN_BUDGET, shrink_budget=0.0, steps=8)
    assert not result["found"], result
    assert result["calls_total"] > 100
