"""Fixtures for the Black-Scholes pricer: the wrapper on Ape's provider (named errors, one call each) and on the
in-process engine, where quoteBatch evaluates thousands of inputs a second without a transaction each."""

from __future__ import annotations

import pytest

from strikeforge.fuzz.artifacts import from_project
from strikeforge.fuzz.chain import RevmChain

BATCH = 256  # inputs per quoteBatch call


@pytest.fixture(scope="session")
def pricer_types(project):
    return from_project(project, "BlackScholesPricer")


@pytest.fixture(scope="session")
def engine_pricer(pricer_types):
    """BlackScholesPricer on a revm chain of its own; pure, so one deployment serves the session."""
    chain = RevmChain()
    return chain.deploy(pricer_types["BlackScholesPricer"], sender=chain.actor("deployer"))


@pytest.fixture(scope="session")
def quote_many(engine_pricer):
    """(call, put, call delta, put delta) for each (spot, strike, seconds, vol, rate), in quoteBatch calls."""

    def quote(cases: list[tuple[int, int, int, int, int]]) -> list[tuple[int, int, int, int]]:
        out: list[tuple[int, int, int, int]] = []
        for i in range(0, len(cases), BATCH):
            out.extend(engine_pricer.quoteBatch(list(cases[i : i + BATCH])))
        return out

    return quote


@pytest.fixture
def pricer(project, deployer):
    """BlackScholesPricer on Ape's provider."""
    return project.BlackScholesPricer.deploy(sender=deployer)
