"""Mutation checks for the vault machine: it fails on ThetaVault with each fix reverted (tests/vaults/mutants.py: fees
pushed at the roll (M-3); unsold options not burned at an auction's finish; a roll that does not finish the auction
nobody finished; no bid floor against the bid cap; the reserve rounded down), and passes on the contract as it is
(tests/vaults/test_vault_invariants.py). The missing bid floor is hunted twice: by the machine, which expects a floor
under the cap's share to be refused, and by a machine that does not, so that the harm itself (a griefer filling the
bid cap without demanding the whole supply) is shown to be found. Mechanism: tests/mutation.py.
"""

from __future__ import annotations

import pytest

from strikeforge.fuzz.artifacts import from_project
from tests.mutation import hunt, report
from tests.vaults.mutants import NO_BID_FLOOR, VAULT_MUTATIONS
from tests.vaults.test_vault_invariants import TYPES, VaultMachine

# Examples of 25 steps each (every example opens with an auction): each mutant fails within a few hundred examples
# (printed with each check); short examples keep the shrinking cheap.
BUDGET = 3_000
STEPS = 25


class HarmOnlyVaultMachine(VaultMachine):
    """The vault machine without the expectation that set_parameters refuses a bid floor under the cap's share."""

    EXPECTS_LOW_BID_FLOOR_REFUSED = False


CASES = [(m, VaultMachine) for m in VAULT_MUTATIONS] + [(NO_BID_FLOOR, HarmOnlyVaultMachine)]


@pytest.fixture(scope="module")
def types(project):
    return from_project(project, *TYPES)


@pytest.mark.parametrize(
    ("mutation", "machine"), CASES, ids=[f"{m.finding}-{machine.__name__}" for m, machine in CASES]
)
def test_the_vault_machine_finds_the_reverted_fix(mutation, machine, types):
    found = hunt(machine, mutation, types, BUDGET, STEPS)
    assert found is not None, f"{machine.__name__} passed {BUDGET} examples on the {mutation.finding} mutant"
    print(report(machine, mutation, found))
