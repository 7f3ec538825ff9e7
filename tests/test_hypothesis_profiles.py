"""The Hypothesis profiles registered in conftest.py, selected with HYPOTHESIS_PROFILE."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from hypothesis import Phase, settings

ROOT = Path(__file__).resolve().parents[1]


def test_active_profile_follows_the_environment():
    assert settings._current_profile == os.environ.get("HYPOTHESIS_PROFILE", "dev")


def test_ci_profile_is_deterministic_and_bounded():
    ci = settings.get_profile("ci")
    assert ci.derandomize is True
    assert ci.database is None
    assert ci.deadline is None
    assert 0 < ci.max_examples <= 200
    assert ci.stateful_step_count <= 50


def test_campaign_profile_searches_deeper_than_ci():
    campaign, ci = settings.get_profile("campaign"), settings.get_profile("ci")
    assert campaign.max_examples >= 100 * ci.max_examples
    assert campaign.stateful_step_count > ci.stateful_step_count
    assert campaign.derandomize is False
    assert Phase.shrink in campaign.phases


def test_dev_profile_keeps_its_example_database():
    assert settings.get_profile("dev").database is not None


def _run_profile_tests(env: dict[str, str], *pytest_args: str) -> subprocess.CompletedProcess:
    """This file's tests in a fresh pytest process with ``env``."""
    this_file = str(ROOT / "tests" / "test_hypothesis_profiles.py")
    return subprocess.run(
        [sys.executable, "-m", "pytest", this_file, "-q", "-p", "no:cacheprovider", *pytest_args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
        env=env,
    )


def test_unknown_profile_stops_the_run_with_the_choices():
    result = _run_profile_tests({**os.environ, "HYPOTHESIS_PROFILE": "deep"})
    assert result.returncode != 0
    assert "HYPOTHESIS_PROFILE='deep' is not a profile: use one of dev, ci, campaign" in result.stdout + result.stderr


def test_profiles_are_the_same_when_ci_is_set():
    """Hypothesis makes its own `ci` settings the default under CI=true; our profiles must not inherit from it."""
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"CI": "true", "HYPOTHESIS_PROFILE": "dev"}
    result = _run_profile_tests(env, "-k", "not unknown_profile and not when_ci_is_set")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
