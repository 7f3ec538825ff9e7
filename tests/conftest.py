"""Shared fixtures and the Hypothesis profiles.

Profiles (select with HYPOTHESIS_PROFILE; `make test` uses `ci`):
- dev: quick local iteration, random seeds, the example database on disk.
- ci: bounded and deterministic (derandomized, no database) so a CI run is reproducible and within its budget.
- campaign: deep runs for hunting (many examples, long sequences), with statistics.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, settings

PROFILES = ("dev", "ci", "campaign")

settings.register_profile("dev", max_examples=50, stateful_step_count=25, deadline=None)
settings.register_profile(
    "ci",
    max_examples=100,
    stateful_step_count=30,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "campaign",
    max_examples=20_000,
    stateful_step_count=100,
    deadline=None,
    print_blob=True,
    phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink, Phase.explain),
    suppress_health_check=[HealthCheck.too_slow],
)

_profile = os.environ.get("HYPOTHESIS_PROFILE", "dev")
if _profile not in PROFILES:
    raise pytest.UsageError(f"HYPOTHESIS_PROFILE={_profile!r} is not a profile: use one of {', '.join(PROFILES)}")
settings.load_profile(_profile)


ROOT = Path(__file__).resolve().parents[1]


def pytest_sessionstart(session: pytest.Session) -> None:
    # ape-solidity unpacks dependency sources into <contracts>/.cache when it compiles outside an isolated copy (for
    # example `compilers.solidity.compile_code(..., project=project)`); while that folder exists Ape lists no project
    # sources at all, and every `project.<Contract>` lookup fails.
    stray = ROOT / "contracts" / ".cache"
    if stray.exists():
        raise pytest.UsageError(
            f"{stray} exists (left by a non-isolated compile) and hides every contract from Ape: remove it with "
            "rm -rf contracts/.cache and run again"
        )


@pytest.fixture(scope="session")
def deployer(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def alice(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def bob(accounts):
    return accounts[2]
