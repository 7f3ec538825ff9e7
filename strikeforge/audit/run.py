"""One audit run: collect the scope, Slither over the Solidity, our analyzer over the Vyper, triage, outputs."""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from strikeforge.audit import checklist, sarif, solidity, sources, triage, vyper
from strikeforge.audit.findings import at_or_above, location, sort_key, stable_id
from strikeforge.audit.solidity import CompilerSettings
from strikeforge.audit.vyper.detectors import DETECTORS as VYPER_DETECTORS
from strikeforge.audit.vyper.model import VyperModule
from strikeforge.audit.vyper.model import unmet_pragma as vyper_pragma
from strikeforge.toolchain.config import read_pins
from strikeforge.toolchain.solc import solcx_folder


@dataclass
class AuditResult:
    scope: sources.Scope
    findings: list[dict[str, Any]]
    rules: dict[str, dict[str, str]]
    stale: list[str]
    settings: CompilerSettings
    timings: dict[str, float] = field(default_factory=dict)
    solidity: solidity.SolidityResult | None = None
    vyper_modules: list[VyperModule] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        """Slither's lines about functions it could not analyse (the Vyper analyzer either analyses or fails)."""
        return self.solidity.warnings if self.solidity else []

    def untriaged(self, level: str) -> list[dict[str, Any]]:
        """Findings at or above ``level`` with no accepted triage entry."""
        return [f for f in self.findings if at_or_above(f, level) and not triage.accepted(f)]

    def slither_json(self) -> dict[str, Any]:
        return {"success": True, "error": None, "results": {"detectors": self.findings}}


def assign_ids(findings: list[dict[str, Any]]) -> None:
    """Give each finding its stable id; identical findings (same check, place and text) get -2, -3 in source order."""
    seen: dict[str, int] = {}
    for finding in sorted(findings, key=lambda f: (stable_id(f), location(f))):
        base = stable_id(finding)
        seen[base] = seen.get(base, 0) + 1
        finding["strikeforge"] = {"stable_id": base if seen[base] == 1 else f"{base}-{seen[base]}"}


def rules_of(detectors: list[type]) -> dict[str, dict[str, str]]:
    """check -> help, wiki, title, description, recommendation, from the detector classes."""
    return {
        d.ARGUMENT: {
            "help": d.HELP,
            "wiki": d.WIKI,
            "title": d.WIKI_TITLE,
            "description": d.WIKI_DESCRIPTION,
            "exploit": d.WIKI_EXPLOIT_SCENARIO,
            "recommendation": d.WIKI_RECOMMENDATION,
        }
        for d in detectors
    }


def compiler_settings(root: Path) -> CompilerSettings:
    """The project's solc (registered in this environment) with ape-config's optimizer and EVM version."""
    pins = read_pins(root)
    config = yaml.safe_load((root / "ape-config.yaml").read_text()) or {}
    sol = config.get("solidity") or {}
    solc = solcx_folder(Path(sys.prefix)) / f"solc-v{pins.solidity}"
    if not solc.exists():
        raise sources.AuditInputError(f"solc {pins.solidity} is not registered at {solc}: run make install")
    return CompilerSettings(
        solc=str(solc),
        version=pins.solidity,
        optimize=bool(sol.get("optimize", True)),
        runs=int(sol.get("optimization_runs", 200)),
        evm_version=str(sol.get("evm_version", "cancun")),
    )


def toolchain_root() -> Path:
    """The Strikeforge checkout this code runs from (its ape-config.yaml pins the compilers, its node_modules holds
    the libraries an audited folder may import without having them), wherever the audit runs from."""
    from strikeforge.paths import ProjectNotFoundError, find_project_root

    for start in (Path(__file__), None):
        try:
            return find_project_root(start)
        except ProjectNotFoundError:
            continue
    raise sources.AuditInputError(
        f"Strikeforge at {Path(__file__).parents[2]} is not a checkout (no ape-config.yaml): the audit needs the "
        "checkout's compiler pins and node_modules; install it with make install in a checkout"
    )


def unmet_pragmas(scope: sources.Scope, root: Path, settings: CompilerSettings) -> list[str]:
    """One line per file (audited or imported) whose version pragma the pinned compilers cannot meet."""
    lines = []
    if scope.solidity:
        units = sources.resolve_imports(scope.solidity, root, scope.base).units
        contents = {name: {"content": path.read_text(encoding="utf-8")} for name, path in sorted(units.items())}
        lines += solidity.unmet_pragmas(contents, settings)
    for path in scope.vyper:
        line = vyper_pragma(scope.display(path), path.read_text(encoding="utf-8"), solidity.available(settings))
        if line:
            lines.append(line)
    return lines


def run(paths: list[Path], root: Path, triage_file: Path | None, audit_root: Path | None = None) -> AuditResult:
    """Audit ``paths`` (default: the audited root's production contracts) from ``audit_root`` (default: see
    :func:`strikeforge.audit.sources.collect`); ``root`` is Strikeforge's checkout (compiler pins, node_modules).
    Raises AuditInputError or TriageError."""
    timings: dict[str, float] = {}
    start = time.perf_counter()
    scope = sources.collect(paths, root, audit_root)
    settings = compiler_settings(root)
    unmet = unmet_pragmas(scope, root, settings)
    if unmet:
        raise sources.AuditInputError("\n".join(unmet))
    accepted = triage.load(triage_file) if triage_file else triage.Triage()
    sol = solidity.analyze(scope, root, settings)
    timings["solidity"] = time.perf_counter() - start
    mark = time.perf_counter()
    vyper_modules = vyper.load_all(scope)
    findings = list(sol.findings) + vyper.detect(vyper_modules)
    timings["vyper"] = time.perf_counter() - mark
    assign_ids(findings)
    for finding in findings:
        entry = accepted.entries.get(stable_id(finding))
        finding["strikeforge"] |= {
            "language": "vyper" if finding["check"].startswith("vyper-") else "solidity",
            "triage": accepted.status_of(finding),
            "justification": entry.justification if entry else None,
        }
    findings.sort(key=sort_key)
    rules = rules_of(solidity.stock_detectors() + solidity.our_detectors() + VYPER_DETECTORS)
    timings["total"] = time.perf_counter() - start
    return AuditResult(
        scope=scope,
        findings=findings,
        rules=rules,
        stale=accepted.stale(findings),
        settings=settings,
        timings=timings,
        solidity=sol,
        vyper_modules=vyper_modules,
    )


def solc_kind(settings: CompilerSettings) -> str:
    """How the pinned solc is provided: a native build, or solc-js behind the Strikeforge shim."""
    path = Path(settings.solc)
    if path.is_symlink():
        return "native"
    try:
        return "solc-js behind the Strikeforge shim" if "solc_shim" in path.read_text(errors="replace") else "native"
    except OSError:
        return "native"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def limitations(result: AuditResult) -> list[str]:
    """What this run did not check, for the checklist's Limitations section."""
    import vyper as vyper_compiler

    stock = len(solidity.stock_detectors())
    items = [
        f"Compilers: solc {result.settings.version} only ({solc_kind(result.settings)}) and vyper "
        f"{vyper_compiler.__version__} only. A file whose version pragma these cannot meet is refused with its "
        "pragma, not audited.",
        "Vyper does not go through Slither (it cannot parse Vyper 0.4, crytic/slither#2528): "
        f"{_count(len(result.scope.vyper), 'Vyper file')} went through the Strikeforge analyzer's "
        f"{len(VYPER_DETECTORS)} detectors only, not Slither's {stock} stock detectors.",
        "Imported code outside the audited files (node_modules, remapped libraries such as lib/, mocks) is compiled "
        "but its findings are not reported.",
        "Static analysis only: "
        + ("a generic ABI fuzz campaign ran (--fuzz); " if "fuzz" in result.timings else "no fuzzing (--fuzz), ")
        + "no symbolic checks and no manual review. Each detector's reach is what audits/detectors.md describes "
        "and bench/audit_power.py measures; a silent check is not a proof that the bug class is absent.",
    ]
    if result.warnings:
        items.append(
            "Slither could not build IR for these functions, so its detectors skipped them: "
            + "; ".join(f"`{w.rstrip(':').strip()}`" for w in result.warnings)
        )
    refined = result.solidity.refined if result.solidity else []
    if refined:
        reasons = sorted({f"{f['check']}: {f['strikeforge_refined']}" for f in refined})
        items.append(
            f"{len(refined)} stock Slither findings were set aside because the code shows them wrong ("
            + "; ".join(reasons)
            + ")."
        )
    return items


def write_outputs(result: AuditResult, json_path: Path | None, sarif_path: Path | None, md_path: Path | None) -> None:
    from importlib.metadata import version

    for path in (json_path, sarif_path, md_path):
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
    if json_path:
        json_path.write_text(json.dumps(result.slither_json(), indent=2) + "\n")
    if sarif_path:
        log = sarif.to_sarif(result.findings, result.rules, version("strikeforge"), result.scope.base)
        sarif_path.write_text(json.dumps(log, indent=2) + "\n")
    if md_path:
        text = checklist.to_markdown(
            result.findings,
            result.rules,
            "Strikeforge audit checklist",
            root=result.scope.base,
            folder=md_path.resolve().parent,
            limitations=limitations(result),
        )
        md_path.write_text(text)
