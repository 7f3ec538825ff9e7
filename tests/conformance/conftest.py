"""Subjects for the conformance suites: our contracts, deployed on Ape's test chain, each bound through the same path a
user's address takes (`strikeforge.conformance.abi.bind`), with the hooks a stateful property needs."""

from __future__ import annotations

import os

import pytest

from strikeforge.conformance import Subject
from strikeforge.conformance.abi import bind
from tests.oracles.conftest import deploy_oracle, deploy_signed_oracle, feed, signers, timelock  # noqa: F401 (fixtures)
from tests.vaults.conftest import auction, bare_vault, guardian, keeper, selector  # noqa: F401 (fixtures)

# Examples per Hypothesis property: modest in CI (the suites' budget is about a minute), deep in campaigns.
EXAMPLES = {"ci": 5, "dev": 5, "campaign": 200}[os.environ.get("HYPOTHESIS_PROFILE", "dev")]


def abi_of(contract) -> list[dict]:
    return contract.contract_type.model_dump(mode="json", by_alias=True)["abi"]


def subject(suite, contract, chain, actors, **kwargs) -> Subject:
    bound = bind(suite, contract.address, abi_of(contract))
    return Subject(bound, chain, actors, examples=EXAMPLES, **kwargs)


@pytest.fixture
def actors(accounts):
    return list(accounts[1:5])
