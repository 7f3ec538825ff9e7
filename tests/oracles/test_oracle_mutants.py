"""Mutation checks for issue 17's oracle findings: the router machine fails on OracleRouter with each H-5 and M-1 fix
reverted, the signed-oracle machine on SignedPriceOracle with each half of the M-2 fix reverted (tests/oracles/
mutants.py), and both pass on the contracts as they are (tests/oracles/test_oracle_invariants.py).

Each mutant is compiled from a modified copy with the project's Vyper and run under a fixed budget with derandomized
generation (tests/mutation.py), so the check is reproducible; the failure Hypothesis reports (shrunk, with the
transactions noted) is the printed proof, with the number of examples the machine needed.
"""

from __future__ import annotations

import pytest

from strikeforge.fuzz.artifacts import from_project
from tests.mutation import hunt, report
from tests.oracles.mutants import ROUTER_MUTATIONS, SIGNED_MUTATIONS
from tests.oracles.test_oracle_invariants import RouterMachine, SignedOracleMachine

# Examples of 50 steps each. The slowest mutant (a second dispute, H-5-twice) needs a few hundred to about a thousand
# examples across seeds; the others under a hundred.
BUDGET = 3_000
STEPS = 50

CASES = [(RouterMachine, m) for m in ROUTER_MUTATIONS] + [(SignedOracleMachine, m) for m in SIGNED_MUTATIONS]


@pytest.fixture(scope="module")
def types(project):
    return from_project(project, "MockERC20", "MockPriceSource")


@pytest.mark.parametrize(("machine", "mutation"), CASES, ids=[m.finding for _, m in CASES])
def test_the_oracle_machines_find_the_reverted_fix(machine, mutation, types):
    found = hunt(machine, mutation, types, BUDGET, STEPS)
    assert found is not None, f"{machine.__name__} passed {BUDGET} examples on the {mutation.finding} mutant"
    print(report(machine, mutation, found))
