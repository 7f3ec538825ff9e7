"""Build ``audits/vX.Y.Z/``: report.md, report.html (checked in headless Chromium), findings.json, findings.sarif,
and report.json (the data the next release compares against)."""

from __future__ import annotations

import json
import re
import subprocess
import time
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import vyper

from strikeforge.audit import sarif
from strikeforge.audit.findings import IMPACTS, SEVERITY_NAMES, anchor, link_from, stable_id
from strikeforge.audit.report import browser, facts, fuzz
from strikeforge.audit.report.blocks import Block, Bullets, Heading, Paragraph, Table, to_html, to_markdown
from strikeforge.audit.run import AuditResult, run
from strikeforge.audit.sources import AuditInputError, sha256
from strikeforge.audit.triage import TriageError, accepted

RELEASE = re.compile(r"^\d+\.\d+\.\d+$")
TESTS_EXPORT = Path(".build/audit/tests.json")
SECTIONS = [
    "Scope",
    "Methodology",
    "Severity definitions",
    "Summary",
    "Findings",
    "Changes since the previous release",
    "Fuzz campaigns",
    "Symbolic checks",
    "Limitations",
    "Test coverage",
    "Gas per external function",
    "Contract sizes",
    "Storage layout",
    "Access control",
]
DEFINITIONS = [
    ["High", "Assets can be stolen, lost or compromised directly, or indirectly through a valid attack path."],
    [
        "Medium",
        "Assets are not at direct risk, but the protocol's function or availability could be impacted, or "
        "value could leak under stated assumptions.",
    ],
    ["Low", "Assets are not at risk: state handling, behaviour that departs from the specification, edge cases."],
    ["Informational", "Code quality, naming, clarity, documentation; no impact on behaviour."],
    ["Gas", "Gas optimisations."],
]
NPM_LIBRARIES = (
    "@openzeppelin/contracts",
    "@chainlink/contracts",
    "@pythnetwork/pyth-sdk-solidity",
    "@uniswap/v3-core",
    "@uniswap/v4-core",
    "solc",
)
PYTHON_TOOLS = ("slither-analyzer", "crytic-compile", "vyper", "snekmate", "eth-ape", "hypothesis")


class ReportError(RuntimeError):
    """The report cannot be built; the message names what is missing and how to get it."""


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(p) for p in name.removeprefix("v").split("."))


def previous_release(audits: Path, release: str) -> str | None:
    """The newest ``audits/vX.Y.Z/`` with a report.json below ``release``."""
    older = [
        p.name.removeprefix("v")
        for p in audits.glob("v*")
        if (p / "report.json").is_file() and RELEASE.match(p.name[1:]) and _version_key(p.name) < _version_key(release)
    ]
    return max(older, key=_version_key) if older else None


def _git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)
    return done.stdout.strip()


def _library_versions(root: Path) -> list[list[str]]:
    rows = []
    for name in NPM_LIBRARIES:
        package = root / "node_modules" / name / "package.json"
        if package.is_file():
            rows.append([name, json.loads(package.read_text())["version"], "npm"])
    for name in PYTHON_TOOLS:
        try:
            rows.append([name, version(name), "PyPI"])
        except PackageNotFoundError:
            continue
    return rows


def build_report(
    root: Path,
    release: str,
    previous: str | None,
    tests_path: Path | None,
    *,
    check_html: bool = True,
    fuzz_examples: int = 200,
    output: Path | None = None,
) -> Path:
    """Audit the project and write ``<output>/v<release>/`` (output: the project's audits/); returns the folder."""
    if not RELEASE.match(release):
        raise ReportError(f"--release {release!r}: use X.Y.Z, e.g. 0.1.0")
    audits = output or root / "audits"
    previous = previous or previous_release(audits, release)
    before: dict[str, Any] = {}
    if previous:
        prior = audits / f"v{previous}" / "report.json"
        if not prior.is_file():
            raise ReportError(f"--previous {previous}: {prior} not found; pass a release that has a report")
        before = json.loads(prior.read_text())
    tests_file = tests_path or root / TESTS_EXPORT
    if not tests_file.is_file():
        raise ReportError(
            f"{tests_file}: no coverage and gas export; run `make audit-tests` (ape test --coverage --gas) first, "
            "or pass --coverage FILE"
        )
    result, data = gather(root, release, json.loads(tests_file.read_text()), fuzz_examples)
    data["previous"] = previous
    folder = audits / f"v{release}"
    write(folder, result, data, before, root)
    if check_html:
        try:
            browser.check(folder / "report.html", SECTIONS, root / ".build" / "audit" / f"report-v{release}.png")
        except browser.BrowserError as exc:
            raise ReportError(str(exc)) from exc
    return folder


def gather(root: Path, release: str, tests: dict[str, Any], fuzz_examples: int) -> tuple[AuditResult, dict[str, Any]]:
    """Everything the report states: the audit, contract facts, fuzz campaigns, and the test export."""
    started = time.perf_counter()
    try:
        result = run([], root, root / "audits" / "triage.yaml")
    except (AuditInputError, TriageError) as exc:
        raise ReportError(str(exc)) from exc
    audit_seconds = time.perf_counter() - started
    contract_facts = facts.collect(result)
    mark = time.perf_counter()
    campaigns = fuzz.run_all(root, fuzz_examples)
    fuzz_seconds = time.perf_counter() - mark
    data = {
        "release": release,
        "previous": None,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "commit": _git(root, "rev-parse", "HEAD"),
        # Uncommitted changes outside audits/ (which holds this report's own output) mean the code is not the commit.
        "dirty": bool(_git(root, "status", "--porcelain", "--untracked-files=no", "--", ".", ":!audits")),
        "scope": [{"file": result.scope.display(p), "sha256": sha256(p)} for p in result.scope.files],
        "compilers": {"solc": result.settings.version, "vyper": vyper.__version__},
        "findings": [
            {"id": stable_id(f), "check": f["check"], "impact": f["impact"], "triage": f["strikeforge"]["triage"]}
            for f in result.findings
        ],
        "contracts": [f.to_dict() for f in contract_facts],
        "gas": tests.get("gas", {}),
        "coverage": tests.get("coverage", {}),
        "exercised": tests.get("exercised", {}),
        "tests": tests.get("tests", {}),
        "test_provider": {"provider": tests.get("provider"), "tracing": tests.get("tracing")},
        "fuzz": [c.to_dict() for c in campaigns],
        "timings": {"audit_seconds": round(audit_seconds, 1), "fuzz_seconds": round(fuzz_seconds, 1)},
        "warnings": [w.rstrip(":") for w in result.warnings],
        "refined": [
            {"check": f["check"], "reason": f["strikeforge_refined"], "where": f["description"].strip()[:160]}
            for f in (result.solidity.refined if result.solidity else [])
        ],
        "prove": _read_json(root / ".build" / "audit" / "prove.json"),
        "audit_power": _read_json(root / ".build" / "audit" / "audit_power.json"),
    }
    return result, data


def _read_json(path: Path) -> Any:
    """A stage's output if it ran (None when it did not: the report says so instead of implying a pass)."""
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def write(folder: Path, result: AuditResult, data: dict[str, Any], before: dict[str, Any], root: Path) -> None:
    """report.md, report.html, findings.json, findings.sarif and report.json in ``folder``."""
    blocks = _blocks(root, result, data, before, folder)
    folder.mkdir(parents=True, exist_ok=True)
    title = f"Strikeforge v{data['release']}: audit report"
    (folder / "report.md").write_text(to_markdown(blocks))
    (folder / "report.html").write_text(to_html(blocks, title))
    # Compact: Slither's shape lists every line of each element's parent contract, which indentation triples.
    (folder / "findings.json").write_text(json.dumps(result.slither_json(), separators=(",", ":")) + "\n")
    log = sarif.to_sarif(result.findings, result.rules, version("strikeforge"))  # relative to the repository root
    (folder / "findings.sarif").write_text(json.dumps(log, indent=2) + "\n")
    (folder / "report.json").write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")


def _blocks(
    root: Path, result: AuditResult, data: dict[str, Any], before: dict[str, Any], folder: Path | None = None
) -> list[Block]:
    blocks: list[Block] = [Heading(1, f"Strikeforge v{data['release']}: audit report")]
    commit = data["commit"][:12] + (" (with uncommitted changes)" if data["dirty"] else "")
    blocks.append(
        Paragraph(
            f"Date {data['date']}; commit `{commit}`; compared against "
            + (f"v{data['previous']}." if data["previous"] else "no earlier release (this is the first report).")
        )
    )
    blocks += _scope(root, result, data)
    blocks += _methodology(data)
    blocks += [Heading(2, "Severity definitions"), Table(["Severity", "Definition (Code4rena)"], DEFINITIONS)]
    blocks += _summary(result)
    blocks += _findings(result, folder)
    blocks += _changes(data, before)
    blocks += _fuzz(data)
    blocks += _symbolic(data)
    blocks += _limitations(data)
    blocks += _coverage(data)
    blocks += _gas(data, before)
    blocks += _sizes(data, before)
    blocks += _storage(data, before)
    blocks += _access(data)
    return blocks


def _scope(root: Path, result: AuditResult, data: dict[str, Any]) -> list[Block]:
    rows = []
    for entry, path in zip(data["scope"], result.scope.files, strict=True):
        lines = len(path.read_text(encoding="utf-8").splitlines())
        rows.append(
            [f"`{entry['file']}`", "Vyper" if path.suffix == ".vy" else "Solidity", str(lines), entry["sha256"]]
        )
    return [
        Heading(2, "Scope"),
        Paragraph(
            f"{len(result.scope.solidity)} Solidity and {len(result.scope.vyper)} Vyper files: the production "
            "contracts under `contracts/` (mocks excluded), with the libraries they import."
        ),
        Table(["File", "Language", "Lines", "SHA-256"], rows, numeric={2}),
        Heading(3, "Compilers and libraries"),
        Table(
            ["Component", "Version", "Source"],
            [
                [
                    "solc",
                    f"{result.settings.version} (optimizer {result.settings.runs} runs, "
                    f"EVM {result.settings.evm_version})",
                    "project pin",
                ],
                ["vyper", data["compilers"]["vyper"], "project pin"],
                *_library_versions(root),
            ],
        ),
    ]


def _methodology(data: dict[str, Any]) -> list[Block]:
    return [
        Heading(2, "Methodology"),
        Bullets(
            [
                "Solidity: Slither with every stock detector plus the Strikeforge plugin detectors (Chainlink "
                "staleness, answer sign, decimals and L2 sequencer; signature replay and values outside the signed "
                "digest; ecrecover zero; Merkle second preimage (library or hand-written) and claim order; missing "
                "access control with privilege inferred from the contract; ERC-4626 share inflation; negation of a "
                "signed minimum; push payments a recipient can block; same-timestamp races; committed data and "
                "loops whose cost the caller sets; unbounded privileged setters), over one standard-JSON "
                "compilation. Stock findings that the code shows to be wrong are set aside with the reason (listed "
                "under Limitations).",
                "Vyper 0.4: the Strikeforge analyzer over the Vyper compiler's annotated AST (Slither cannot parse "
                "Vyper 0.4, crytic/slither#2528): reentrancy, unchecked raw_call, tx.origin, divide before multiply, "
                "missing access control, the Chainlink checks and the review classes above.",
                "Triage: every finding has a stable id; `audits/triage.yaml` records each accepted one with a status "
                "and a justification. CI fails on any untriaged Medium or High finding.",
                f"Stateful fuzzing: each contract's Hypothesis state machine on the in-process EVM "
                f"({data['timings']['fuzz_seconds']} s for the campaigns below).",
                "Tests: `ape test --coverage --gas` over the contract tests (see Test coverage for what was measured).",
                f"Static analysis took {data['timings']['audit_seconds']} s on this machine.",
            ]
        ),
        *(
            [
                Paragraph(
                    "Tool warnings (analysis ran; these functions have no Slither IR, so its detectors skip them):"
                ),
                Bullets([f"`{w}`" for w in data["warnings"]]),
            ]
            if data["warnings"]
            else []
        ),
    ]


def _summary(result: AuditResult) -> list[Block]:
    rows = []
    for impact in IMPACTS:
        group = [f for f in result.findings if f["impact"] == impact]
        status = [f["strikeforge"]["triage"] for f in group]
        rows.append(
            [
                SEVERITY_NAMES[impact],
                str(len(group)),
                str(status.count("false-positive")),
                str(status.count("acknowledged")),
                str(sum(1 for f in group if not accepted(f))),
            ]
        )
    stale = (
        Paragraph(
            "Stale triage entries (their finding is no longer reported): " + ", ".join(f"`{i}`" for i in result.stale)
        )
        if result.stale
        else Paragraph("No stale triage entries: every accepted entry in `audits/triage.yaml` matches a finding.")
    )
    return [
        Heading(2, "Summary"),
        Table(["Severity", "Findings", "False positive", "Acknowledged", "Untriaged"], rows, numeric={1, 2, 3, 4}),
        stale,
    ]


def source_link(finding: dict[str, Any], root: Path, folder: Path | None) -> str:
    """The finding's place as ``file#L39-L52`` (GitHub's anchor), linked relative to ``folder`` (where the report
    is written) when given."""
    for element in finding.get("elements") or []:
        mapping = element.get("source_mapping") or {}
        if mapping.get("filename_relative"):
            text = f"{mapping['filename_relative']}{anchor(mapping.get('lines') or [1])}"
            if folder is None:
                return f"`{text}`"
            path, lines = text.split("#", 1)
            return f"[`{text}`]({link_from(folder.resolve(), root.resolve())(path)}#{lines})"
    return "-"


def _findings(result: AuditResult, folder: Path | None = None) -> list[Block]:
    """Every finding: High and Medium each with its own table, the rest in one; a description keeps all its lines
    (Slither's element lines, such as a call stack, tell similar findings apart)."""
    blocks: list[Block] = [Heading(2, "Findings")]
    counters: dict[str, int] = {}
    minor = []
    for finding in result.findings:
        impact = SEVERITY_NAMES[finding["impact"]]
        counters[impact] = counters.get(impact, 0) + 1
        label = f"{impact[0]}-{counters[impact]:02d}"
        where = source_link(finding, result.scope.base, folder)
        meta = finding["strikeforge"]
        status = meta["triage"] or "untriaged"
        rule = result.rules.get(finding["check"], {})
        if finding["impact"] in ("High", "Medium"):
            blocks += [
                Heading(3, f"[{label}] {rule.get('title') or finding['check']}"),
                Table(
                    ["Field", "Value"],
                    [
                        ["Id", f"`{meta['stable_id']}`"],
                        ["Severity", impact],
                        ["Location", where],
                        ["Description", finding["description"].strip()],
                        ["Recommendation", rule.get("recommendation") or "-"],
                        ["Triage", f"{status}: {meta['justification'] or '-'}"],
                    ],
                ),
            ]
        else:
            minor.append([label, finding["check"], where, finding["description"].strip(), status])
    if minor:
        blocks += [
            Heading(3, "Low, Informational and Gas"),
            Table(["#", "Check", "Location", "Description", "Triage"], minor),
        ]
    return blocks


def _changes(data: dict[str, Any], before: dict[str, Any]) -> list[Block]:
    blocks: list[Block] = [Heading(2, "Changes since the previous release")]
    if not before:
        return [*blocks, Paragraph("First report: every finding above is new.")]
    now = {f["id"]: f for f in data["findings"]}
    old = {f["id"]: f for f in before.get("findings", [])}
    new = [[f"`{i}`", now[i]["impact"], now[i]["triage"] or "untriaged"] for i in sorted(set(now) - set(old))]
    fixed = [[f"`{i}`", old[i]["impact"], "no longer reported"] for i in sorted(set(old) - set(now))]
    blocks.append(Paragraph(f"{len(new)} new and {len(fixed)} fixed findings against v{data['previous']}."))
    if new or fixed:
        blocks.append(Table(["Finding", "Severity", "Status"], new + fixed))
    return blocks


def _fuzz(data: dict[str, Any]) -> list[Block]:
    rows = [
        [
            c["target"].split(":")[1],
            ", ".join(c["invariants"]),
            f"{c['examples']:,}",
            f"{c['evm_calls']:,}",
            f"{c['seconds']}",
            "FAIL: " + "; ".join(c["failures"]) if c["failures"] else "none",
        ]
        for c in data["fuzz"]
    ]
    return [
        Heading(2, "Fuzz campaigns"),
        Table(["Machine", "Invariants", "Examples", "EVM calls", "Seconds", "Failures"], rows, numeric={2, 3, 4}),
    ]


def _symbolic(data: dict[str, Any]) -> list[Block]:
    checks = data.get("prove")
    if not checks:
        return [
            Heading(2, "Symbolic checks"),
            Paragraph(
                "Not run for this report: `.build/audit/prove.json` is missing (run `make prove` first). Nothing "
                "here is proved."
            ),
        ]
    rows = [
        [
            str(c.get("contract", "")),
            str(c.get("check", "")),
            str(c.get("result", "")),
            str(c.get("counterexample") or c.get("paths") or ""),
            str(c.get("seconds", "")),
        ]
        for c in (checks if isinstance(checks, list) else checks.get("checks", []))
    ]
    return [
        Heading(2, "Symbolic checks"),
        Paragraph("halmos over tests/symbolic (`make prove`): proved, a counterexample with its inputs, or a timeout."),
        Table(["Contract", "Check", "Result", "Counterexample / paths", "Seconds"], rows, numeric={4}),
    ]


def _limitations(data: dict[str, Any]) -> list[Block]:
    """What was and was not checked: never a clean bill of health for a stage that did not run."""
    ran = [
        "static analysis (Slither and the Vyper analyzer) over the scope above",
        f"{len(data['fuzz'])} stateful fuzz campaigns (below their example budgets, not exhaustively)",
    ]
    missing = []
    if data.get("prove"):
        ran.append("symbolic checks (halmos) of the properties listed, under their stated input bounds")
    else:
        missing.append("symbolic checks: not run for this report")
    power = data.get("audit_power")
    if power:
        ran.append(
            f"audit power measured: {power.get('review_flagged')}/{power.get('review_total')} outside-review findings "
            f"flagged on the pre-fix code; {power.get('corpus_found')}/{power.get('corpus_bugs')} corpus bugs found "
            f"with {power.get('corpus_medium_up_false_positives')} Medium+ findings on clean files"
        )
    else:
        missing.append("audit power benchmark: not run for this report (python bench/audit_power.py)")
    missing += [
        "`strikeforge audit --fuzz` (generic ABI campaign) is not part of this report: it cannot build the Merkle "
        "proofs and signatures the ledger's interesting paths need, and found none of the review's findings",
        "economic and cross-contract attacks beyond the modelled actors (oracle manipulation across blocks, MEV "
        "bundles, governance capture) are reasoned about in the contract READMEs' threat models, not proven",
        "the deployed bytecode is the compiler's: compiler bugs and the EVM are trusted",
    ]
    blocks: list[Block] = [
        Heading(2, "Limitations"),
        Paragraph("Checked for this release:"),
        Bullets(ran),
        Paragraph("Not checked, or checked only in part:"),
        Bullets(missing),
    ]
    if data.get("refined"):
        blocks += [
            Paragraph("Stock Slither findings set aside because the code shows them wrong (check: reason):"),
            Bullets(sorted({f"{r['check']}: {r['reason']}" for r in data["refined"]})),
        ]
    return blocks


def _coverage(data: dict[str, Any]) -> list[Block]:
    rows = []
    for source, c in sorted(data["coverage"].items()):
        if "/mocks/" in source:
            continue
        statements = f"{c['covered']}/{c['statements']}" if data["test_provider"]["tracing"] else "not traced"
        rows.append([f"`{source}`", statements, f"{c['functions_hit']}/{c['functions']}"])
    outcomes = ", ".join(f"{n} {k}" for k, n in sorted(data["tests"].items()))
    provider = data["test_provider"]
    names = {c["name"] for c in data["contracts"]}
    exercised = [
        [name, f"{e['called']}/{e['functions']}", ", ".join(f"`{f}`" for f in e["uncalled"]) or "-"]
        for name, e in sorted(data.get("exercised", {}).items())
        if name in names
    ]
    untested = sorted(names - set(data.get("exercised", {})))
    blocks: list[Block] = [
        Heading(2, "Test coverage"),
        Paragraph(
            f"From `ape test --coverage --gas` over the contract tests on the {provider['provider']} provider; "
            f"tests: {outcomes}. Statement coverage needs a tracing provider: "
            f"{'measured' if provider['tracing'] else 'not measured here, so Ape reports function coverage'}."
        ),
        Heading(3, "Ape's coverage profile"),
        Table(["Source", "Statements", "Functions hit"], rows, numeric={1, 2}),
        Paragraph(
            "Ape's coverage lists Vyper sources only: ape-solidity 0.8.6 stores no AST in its contract types, so Ape "
            "cannot attribute a Solidity transaction to its source. The table below covers both languages from the "
            "same run's transactions."
        ),
        Heading(3, "State-changing functions the tests call"),
        Table(["Contract", "Called", "Never called by a test transaction"], exercised, numeric={1}),
    ]
    if untested:
        blocks.append(
            Paragraph(
                "Contracts no test transaction reached directly (called only through other contracts or views): "
                + ", ".join(untested)
                + "."
            )
        )
    return blocks


def _gas(data: dict[str, Any], before: dict[str, Any]) -> list[Block]:
    old = before.get("gas", {})
    rows = []
    in_scope = {c["name"] for c in data["contracts"]}
    for contract, methods in sorted(data["gas"].items()):
        if contract not in in_scope:  # mocks and test drivers
            continue
        for method, g in sorted(methods.items()):
            prior = old.get(contract, {}).get(method)
            delta = f"{g['median'] - prior['median']:+,}" if prior else "new"
            rows.append(
                [
                    contract,
                    method,
                    str(g["calls"]),
                    f"{g['median']:,}",
                    f"{g['max']:,}",
                    f"{prior['median']:,}" if prior else "-",
                    delta,
                ]
            )
    return [
        Heading(2, "Gas per external function"),
        Paragraph(
            "Median and maximum gas per call in the test run; previous medians from the previous release's report."
        ),
        Table(
            ["Contract", "Function", "Calls", "Median", "Max", "Previous median", "Change"],
            rows,
            numeric={2, 3, 4, 5, 6},
        ),
    ]


def _sizes(data: dict[str, Any], before: dict[str, Any]) -> list[Block]:
    old = {c["name"]: c for c in before.get("contracts", [])}
    rows = []
    for c in data["contracts"]:
        size = c["runtime_size"]
        prior = old.get(c["name"], {}).get("runtime_size")
        status = "OVER the limit" if size > facts.SIZE_LIMIT else f"{facts.SIZE_LIMIT - size:,} bytes to spare"
        rows.append(
            [
                c["name"],
                c["language"],
                f"{size:,}",
                f"{100 * size / facts.SIZE_LIMIT:.1f}%",
                status,
                f"{size - prior:+,}" if prior is not None else "new",
            ]
        )
    return [
        Heading(2, "Contract sizes"),
        Paragraph(f"Deployed (runtime) bytecode against the EIP-170 limit of {facts.SIZE_LIMIT:,} bytes."),
        Table(["Contract", "Language", "Runtime bytes", "Of limit", "Headroom", "Change"], rows, numeric={2, 3, 5}),
    ]


def _storage(data: dict[str, Any], before: dict[str, Any]) -> list[Block]:
    old = {c["name"]: c for c in before.get("contracts", [])}
    blocks: list[Block] = [Heading(2, "Storage layout")]
    changes = []
    for c in data["contracts"]:
        if c["name"] not in old:
            continue
        now = {s["name"]: (s["slot"], s["offset"], s["type"]) for s in c["storage"]}
        was = {s["name"]: (s["slot"], s["offset"], s["type"]) for s in old[c["name"]]["storage"]}
        for name in sorted(set(now) | set(was)):
            if now.get(name) != was.get(name):
                changes.append([c["name"], name, _slot(was.get(name)), _slot(now.get(name))])
    if before:
        blocks.append(Paragraph(f"{len(changes)} changes against v{data['previous']}."))
        if changes:
            blocks.append(Table(["Contract", "Variable", "Before", "Now"], changes))
    else:
        blocks.append(Paragraph("First report: the layout below is the baseline for the next release."))
    rows = [
        [c["name"], s["name"], str(s["slot"]), str(s["offset"]), s["type"]]
        for c in data["contracts"]
        for s in c["storage"]
    ]
    blocks.append(Table(["Contract", "Variable", "Slot", "Offset", "Type"], rows, numeric={2, 3}))
    return blocks


def _slot(entry: tuple[int, int, str] | None) -> str:
    return "-" if entry is None else f"slot {entry[0]} +{entry[1]} {entry[2]}"


def _access(data: dict[str, Any]) -> list[Block]:
    rows = [[c["name"], f"`{fn}`", who] for c in data["contracts"] for fn, who in c["access"].items()]
    return [
        Heading(2, "Access control"),
        Paragraph(
            "Every state-changing external function and who may call it: the role it checks, or the sender check in "
            "its body (its own position, an operator, the contract itself), or anyone."
        ),
        Table(["Contract", "Function", "Who may call"], rows),
    ]
