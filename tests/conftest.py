"""Shared fixtures and the Hypothesis profiles.

Profiles (select with HYPOTHESIS_PROFILE; `make test` uses `ci`):
- dev: quick local iteration, random seeds, the example database on disk.
- ci: bounded and deterministic (derandomized, no database) so a CI run is reproducible and within its budget.
- campaign: deep runs for hunting (many examples, long sequences), with statistics.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from strikeforge.toolchain import ape_fixes

# Fixture modules shared across test folders (pytest reads this only in the root conftest).
pytest_plugins = ["tests.options.fixtures"]

# Under pytest, Ape's modules are imported by pytest's assertion rewriter, not through the venv's start-up hook: apply
# the eth-ape source-walk fix here (see strikeforge/toolchain/ape_fixes.py).
ape_fixes.apply_now()

PROFILES = ("dev", "ci", "campaign")

# Every profile names its parent and the fields that matter: with CI set in the environment Hypothesis makes its own
# "ci" settings the default, and a profile registered without a parent would silently inherit derandomize=True and
# no database from it.
_BASE = settings.get_profile("default")
_DATABASE = DirectoryBasedExampleDatabase(".hypothesis/examples")

settings.register_profile(
    "dev",
    parent=_BASE,
    max_examples=50,
    stateful_step_count=25,
    deadline=None,
    derandomize=False,
    database=_DATABASE,
)
settings.register_profile(
    "ci",
    parent=_BASE,
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
    parent=_BASE,
    max_examples=20_000,
    derandomize=False,
    database=_DATABASE,
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


@pytest.fixture(scope="session")
def deployer(accounts):
    return accounts[0]


@pytest.fixture
def weth(project, deployer):
    return project.MockERC20.deploy("Wrapped Ether", "WETH", 18, sender=deployer)


@pytest.fixture
def usdc(project, deployer):
    return project.MockERC20.deploy("USD Coin", "USDC", 6, sender=deployer)


@pytest.fixture(scope="session")
def alice(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def bob(accounts):
    return accounts[2]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Fuzz campaign statistics: examples, calls executed and calls/s per state machine of this session."""
    from strikeforge.fuzz import stats

    if not stats.REGISTRY:
        return
    terminalreporter.section("fuzz campaigns (in-process engine)")
    for name, record in sorted(stats.REGISTRY.items()):
        hits = f"; handlers hit: {record.rules}" if record.rules else ""
        terminalreporter.write_line(
            f"{name}: {record.examples:,} examples, {record.calls:,} calls in {record.seconds:.1f} s "
            f"({record.calls_per_second:,.0f} calls/s){hits}"
        )
