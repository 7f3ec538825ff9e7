"""Fixtures for the fuzz engine: contract types from Ape's project, and a fresh in-process chain per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from strikeforge.fuzz.artifacts import compile_unlinked, from_project
from strikeforge.fuzz.chain import RevmChain

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "solidity"


@pytest.fixture(scope="session")
def types(project):
    return from_project(project, "MockERC20", "MockVault", "InteropDepositor")


@pytest.fixture(scope="session")
def linked_types():
    return compile_unlinked(FIXTURES / "MockLinkedMath.sol")


@pytest.fixture
def chain():
    return RevmChain()


@pytest.fixture
def deployer(chain):
    return chain.actor("deployer")


@pytest.fixture
def alice(chain):
    return chain.actor("alice")


@pytest.fixture
def token(chain, types, deployer):
    return chain.deploy(types["MockERC20"], "Mock USD", "mUSD", 18, sender=deployer)


@pytest.fixture
def vault(chain, types, deployer, token):
    return chain.deploy(types["MockVault"], token, 0, sender=deployer)
