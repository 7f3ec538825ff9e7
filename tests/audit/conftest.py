"""Fixtures for the audit pipeline: the fixture contracts and one Slither run over the Solidity ones."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from strikeforge.audit import solidity
from strikeforge.audit.run import compiler_settings
from strikeforge.audit.sources import collect
from strikeforge.paths import find_project_root

FIXTURES = Path(__file__).parent / "fixtures"
PROJECTS = FIXTURES / "projects"


@pytest.fixture(scope="session")
def root() -> Path:
    return find_project_root(Path(__file__))


@pytest.fixture(scope="session")
def solidity_fixture_findings(root: Path) -> list[dict]:
    """Our Slither detectors over tests/audit/fixtures/solidity, compiled once."""
    scope = collect([FIXTURES / "solidity"], root)
    return solidity.analyze(scope, root, compiler_settings(root), solidity.our_detectors()).findings


def functions_flagged(findings: list[dict], check: str, contract: str) -> set[str]:
    """Names of the functions of ``contract`` that ``check`` reported."""
    out = set()
    for finding in findings:
        if finding["check"] != check:
            continue
        element = finding["elements"][0]
        parent = element.get("type_specific_fields", {}).get("parent", {})
        if parent.get("name") == contract:
            out.add(element["name"])
    return out


def copy_project(name: str, into: Path) -> Path:
    """A copy of tests/audit/fixtures/projects/<name> under ``into``: an auditor's folder outside any checkout."""
    target = into / name
    shutil.copytree(PROJECTS / name, target)
    return target


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working directory of an auditor: outside the project and the audited folder, holding nothing."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder
