"""Mutation checks for issue 17's M-3: the vault machine fails on ThetaVault with each half of the fix reverted (the
premium pulled after writing with a reverting transferFrom; fees pushed to the recipient; tests/vaults/mutants.py),
and passes on the contract as it is (tests/vaults/test_vault_invariants.py). Mechanism: tests/mutation.py.
"""

from __future__ import annotations

import pytest

from strikeforge.fuzz.artifacts import from_project
from tests.mutation import hunt, report
from tests.vaults.mutants import VAULT_MUTATIONS
from tests.vaults.test_vault_invariants import VaultMachine

# Examples of 50 steps each; both mutants fail within a few dozen.
BUDGET = 3_000
STEPS = 50


@pytest.fixture(scope="module")
def types(project):
    return from_project(
        project,
        "MockERC20",
        "MockRestrictedERC20",
        "MockPriceSource",
        "OracleRouter",
        "OptionsEngine",
        "OptionToken",
        "PercentOtmStrikeSelector",
    )


@pytest.mark.parametrize("mutation", VAULT_MUTATIONS, ids=[m.finding for m in VAULT_MUTATIONS])
def test_the_vault_machine_finds_the_reverted_fix(mutation, types):
    found = hunt(VaultMachine, mutation, types, BUDGET, STEPS)
    assert found is not None, f"VaultMachine passed {BUDGET} examples on the {mutation.finding} mutant"
    print(report(VaultMachine, mutation, found))
