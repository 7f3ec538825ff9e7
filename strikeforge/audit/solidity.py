"""Solidity through Slither: one standard-JSON compilation of the whole scope, Slither's detectors and ours.

Every source (the scope and everything it imports) goes into the standard-JSON input as content, named from the
audited root, so the compiler never reads the filesystem: folders outside the project compile the same as the project.
Slither runs from the audited root, so every path it prints is relative to that root (absolute outside it).
node_modules, mocks and remapped libraries are filtered out of the results.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strikeforge.audit.sources import AuditInputError, Scope, resolve_imports

FILTERED = ["node_modules", "/mocks/"]
PRAGMA = re.compile(r"^\s*pragma\s+solidity\s+([^;]+);", re.MULTILINE)
OUTPUTS = ["abi", "metadata", "devdoc", "userdoc", "evm.bytecode", "evm.deployedBytecode", "storageLayout"]


@dataclass(frozen=True)
class CompilerSettings:
    """What the audit compiles with: the project's solc and ape-config's optimizer and EVM version."""

    solc: str
    version: str
    optimize: bool = True
    runs: int = 200
    evm_version: str = "cancun"


@dataclass
class SolidityResult:
    """Slither's detector results (its JSON shape) and what the compilation saw."""

    findings: list[dict[str, Any]] = field(default_factory=list)
    refined: list[dict[str, Any]] = field(default_factory=list)  # stock findings set aside, with the reason
    contracts: dict[str, str] = field(default_factory=dict)  # contract name -> file (scope only)
    warnings: list[str] = field(default_factory=list)
    slither: Any = None


def stock_detectors() -> list[type]:
    from slither.detectors import all_detectors
    from slither.detectors.abstract_detector import AbstractDetector

    return [
        d
        for _, d in inspect.getmembers(all_detectors)
        if inspect.isclass(d) and issubclass(d, AbstractDetector) and d is not AbstractDetector
    ]


def our_detectors() -> list[type]:
    from strikeforge.audit.slither_plugin import DETECTORS

    return list(DETECTORS)


def standard_json(scope: Scope, root: Path, settings: CompilerSettings) -> tuple[dict[str, Any], set[Path]]:
    """The standard-JSON input for the scope's Solidity (every source inline, one exact remapping per non-relative
    import), and the dependency folders imports resolved into."""
    sources = resolve_imports(scope.solidity, root, scope.base)
    return {
        "language": "Solidity",
        "sources": {
            name: {"content": path.read_text(encoding="utf-8")} for name, path in sorted(sources.units.items())
        },
        "settings": {
            "remappings": sources.remappings,
            "optimizer": {"enabled": settings.optimize, "runs": settings.runs},
            "evmVersion": settings.evm_version,
            "outputSelection": {
                "*": {
                    "*": OUTPUTS,
                    "": ["ast"],
                }
            },
        },
    }, sources.dependencies


def available(settings: CompilerSettings) -> str:
    """The compilers this audit has, as one phrase for messages."""
    import vyper

    return f"available: solc {settings.version} for Solidity, vyper {vyper.__version__} for Vyper"


def satisfies(pragma: str, version: str) -> bool | None:
    """Whether solc ``version`` meets a ``pragma solidity`` range (npm semver, as solc reads it); None when the
    range does not parse (solc then decides)."""
    try:
        from semantic_version import NpmSpec, Version  # ape-vyper's dependency, pinned in requirements.lock

        return NpmSpec(" ".join(pragma.split())).match(Version(version))
    except (ImportError, ValueError):
        return None


def unmet_pragmas(sources: dict[str, dict[str, str]], settings: CompilerSettings) -> list[str]:
    """One line per source whose ``pragma solidity`` the pinned solc does not meet: the file, its pragma and the
    compilers there are."""
    lines = []
    for name, source in sources.items():
        for pragma in PRAGMA.findall(source["content"]):
            if satisfies(pragma, settings.version) is False:
                lines.append(
                    f"{name}: pragma solidity {pragma.strip()}; needs a compiler this audit does not have "
                    f"({available(settings)})"
                )
    return lines


def analyze(
    scope: Scope, root: Path, settings: CompilerSettings, detectors: list[type] | None = None
) -> SolidityResult:
    """Compile the scope's Solidity once and run ``detectors`` (default: Slither's and ours) over it."""
    if not scope.solidity:
        return SolidityResult()
    from crytic_compile import CryticCompile
    from crytic_compile.platform.exceptions import InvalidCompilation
    from crytic_compile.platform.solc_standard_json import SolcStandardJson
    from slither import Slither

    solc_input, dependencies = standard_json(scope, root, settings)
    unmet = unmet_pragmas(solc_input["sources"], settings)
    if unmet:
        raise AuditInputError("\n".join(unmet))
    platform = SolcStandardJson(solc_input)
    # Findings only in dependencies (node_modules, mocks, remappings.txt targets such as a Foundry lib/) are dropped.
    # The generic patterns yield to the audited files: an auditor's folder may itself lie in a node_modules or mocks/.
    generic = [p for p in FILTERED if not any(re.search(p, f.as_posix()) for f in scope.solidity)]
    filtered = generic + [re.escape(d.as_posix()) for d in sorted(dependencies)]
    log = io.StringIO()
    handler = logging.StreamHandler(log)
    loggers = [logging.getLogger(n) for n in ("CryticCompile", "Slither", "SlitherSolcParsing", "ContractSolcParsing")]
    for logger in loggers:
        logger.addHandler(handler)
        logger.propagate = False
    # From the root: crytic-compile finds each source by its unit name, and names it relative to the working folder.
    with contextlib.chdir(scope.base):
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                compilation = CryticCompile(platform, solc=settings.solc, solc_disable_warnings=True)
                slither = Slither(compilation, filter_paths=filtered, exclude_dependencies=True)
        except InvalidCompilation as exc:
            raise AuditInputError(
                f"Solidity does not compile with solc {settings.version} ({settings.solc}): {exc}"
            ) from exc
        finally:
            for logger in loggers:
                logger.removeHandler(handler)
                logger.propagate = True
        for detector in detectors if detectors is not None else stock_detectors() + our_detectors():
            slither.register_detector(detector)
        with contextlib.redirect_stdout(io.StringIO()):
            findings = [f for batch in slither.run_detectors() for f in batch]
    from strikeforge.audit.findings import relocate
    from strikeforge.audit.refine import refine

    findings, refined = refine(findings, slither)
    for finding in findings + refined:
        relocate(finding, scope.base)
    in_scope = {str(p) for p in scope.solidity}
    contracts = {
        c.name: c.source_mapping.filename.absolute
        for unit in slither.compilation_units
        for c in unit.contracts
        if c.source_mapping and c.source_mapping.filename.absolute in in_scope
    }
    warnings = [line for line in log.getvalue().splitlines() if "ERROR" in line or "Impossible" in line]
    return SolidityResult(findings=findings, refined=refined, contracts=contracts, warnings=warnings, slither=slither)
