"""Our Vyper 0.4 analyzer (Slither cannot parse Vyper 0.4: crytic/slither#2528): detectors over the compiler's AST."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from strikeforge.audit.sources import Scope
from strikeforge.audit.vyper.detectors import DETECTORS
from strikeforge.audit.vyper.model import load


def analyze(scope: Scope, root: Path, detectors: list[type] | None = None) -> list[dict[str, Any]]:
    """Every finding of ``detectors`` (default: all) over the scope's Vyper files."""
    findings: list[dict[str, Any]] = []
    for path in scope.vyper:
        module = load(path, scope.display(path), root)
        for detector in detectors if detectors is not None else DETECTORS:
            findings.extend(detector(module).detect())
    return findings
