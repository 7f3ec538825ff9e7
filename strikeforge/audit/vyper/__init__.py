"""Our Vyper 0.4 analyzer (Slither cannot parse Vyper 0.4: crytic/slither#2528): detectors over the compiler's AST."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from strikeforge.audit.sources import Scope
from strikeforge.audit.vyper.detectors import DETECTORS
from strikeforge.audit.vyper.model import VyperModule, load


def load_all(scope: Scope, root: Path | None = None) -> list[VyperModule]:
    """Every Vyper file of the scope, parsed and type-checked once, imports searched from the audited root."""
    return [load(path, scope.display(path), scope.base) for path in scope.vyper]


def detect(modules: list[VyperModule], detectors: list[type] | None = None) -> list[dict[str, Any]]:
    """Every finding of ``detectors`` (default: all) over ``modules``."""
    return [
        finding
        for module in modules
        for detector in (detectors if detectors is not None else DETECTORS)
        for finding in detector(module).detect()
    ]


def analyze(scope: Scope, root: Path, detectors: list[type] | None = None) -> list[dict[str, Any]]:
    """Every finding of ``detectors`` (default: all) over the scope's Vyper files."""
    return detect(load_all(scope, root), detectors)
