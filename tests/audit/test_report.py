"""The per-release report: what it states, how it compares releases, and that Chromium renders it."""

from __future__ import annotations

import copy
import hashlib
import json
import re
import subprocess

import pytest
from ape import project

from strikeforge.audit.ape_export import _gas
from strikeforge.audit.report import browser
from strikeforge.audit.report.build import SECTIONS, ReportError, build_report, gather, previous_release, write

from .conftest import FIXTURES

EXPORT = FIXTURES / "tests-export.json"


@pytest.fixture(scope="module")
def gathered(root):
    """One audit, contract facts and a short fuzz campaign per machine, shared by the tests below."""
    return gather(root, "0.1.0", json.loads(EXPORT.read_text()), fuzz_examples=20)


@pytest.fixture(scope="module")
def first(gathered, root, tmp_path_factory):
    result, data = gathered
    folder = tmp_path_factory.mktemp("audits") / "v0.1.0"
    write(folder, result, data, {}, root)
    return folder


def test_the_release_folder_holds_the_four_published_files_and_the_data(first):
    names = {p.name for p in first.iterdir()}
    assert names == {"report.md", "report.html", "findings.json", "findings.sarif", "report.json"}
    findings = json.loads((first / "findings.json").read_text())
    assert findings["success"] is True and findings["results"]["detectors"]
    assert json.loads((first / "findings.sarif").read_text())["version"] == "2.1.0"


def test_the_markdown_has_every_section(first):
    text = (first / "report.md").read_text()
    for section in SECTIONS:
        assert f"\n## {section}\n" in text, section


def test_a_stage_that_did_not_run_is_named_as_not_run(gathered, root, tmp_path):
    result, data = gathered
    quiet = {**data, "prove": None, "audit_power": None}
    write(tmp_path / "v0.1.0", result, quiet, {}, root)
    text = (tmp_path / "v0.1.0" / "report.md").read_text()
    symbolic = text.split("## Symbolic checks")[1].split("\n## ")[0]
    assert "Not run for this report" in symbolic and "Nothing here is proved" in symbolic
    limits = text.split("## Limitations")[1].split("\n## ")[0]
    assert "symbolic checks: not run for this report" in limits
    assert "audit power benchmark: not run" in limits


def test_limitations_state_the_measured_audit_power_when_it_ran(gathered, root, tmp_path):
    result, data = gathered
    power = {"review_flagged": 6, "review_total": 6, "corpus_found": 47, "corpus_bugs": 48}
    proved = [{"contract": "OptionsEngine", "check": "check_payout", "result": "proved", "seconds": 0.2}]
    write(tmp_path / "v0.1.0", result, {**data, "audit_power": power, "prove": proved}, {}, root)
    text = (tmp_path / "v0.1.0" / "report.md").read_text()
    assert "6/6 outside-review findings flagged" in text
    assert "check_payout" in text.split("## Symbolic checks")[1].split("\n## ")[0]


def test_scope_lists_every_production_file_with_its_hash(first, root):
    """Exactly the tracked contracts outside mocks/ (not Ape's dependency cache under contracts/.cache)."""
    text = (first / "report.md").read_text()
    tracked = subprocess.run(["git", "ls-files", "contracts"], cwd=root, capture_output=True, text=True, check=True)
    production = [p for p in tracked.stdout.split() if p.endswith((".sol", ".vy")) and "/mocks/" not in p]
    assert production
    for rel in production:
        digest = hashlib.sha256((root / rel).read_bytes()).hexdigest()
        assert f"| `{rel}` | " in text and digest in text, rel
    scope = text.split("## Scope")[1].split("### Compilers")[0]
    assert sorted(re.findall(r"^\| `([^`]+)` \|", scope, re.MULTILINE)) == sorted(production)


def test_the_summary_says_whether_any_triage_entry_is_stale(first):
    assert "No stale triage entries" in (first / "report.md").read_text()


def test_every_medium_or_high_finding_has_location_recommendation_and_triage(first, gathered):
    result, _ = gathered
    text = (first / "report.md").read_text()
    serious = [f for f in result.findings if f["impact"] in ("High", "Medium")]
    assert serious
    for finding in serious:
        assert f"| Id | `{finding['strikeforge']['stable_id']}` |" in text
    assert text.count("| Recommendation |") == len(serious)
    assert text.count("| Triage | false-positive:") + text.count("| Triage | acknowledged:") == len(serious)


def test_fuzz_campaigns_report_invariants_calls_and_no_failure(gathered):
    _, data = gathered
    assert {c["target"].split(":")[1] for c in data["fuzz"]} == {
        "OptionsMachine",
        "VaultMachine",
        "LedgerMachine",
        "AdversarialLedgerMachine",
        "SignedOracleMachine",
        "RouterMachine",
    }
    for campaign in data["fuzz"]:
        assert campaign["invariants"] and campaign["examples"] >= 20 and campaign["evm_calls"] > 0
        assert campaign["failures"] == []


def test_contract_sizes_match_the_compiled_runtime_bytecode(gathered):
    _, data = gathered
    sizes = {c["name"]: c["runtime_size"] for c in data["contracts"]}
    for name in ("SettlementLedger", "OptionsEngine", "ThetaVault", "OracleRouter"):
        runtime = getattr(project, name).contract_type.runtime_bytecode.bytecode
        assert sizes[name] == len(bytes.fromhex(runtime.removeprefix("0x"))), name


def test_access_matrix_names_the_role_each_privileged_function_checks(gathered):
    _, data = gathered
    access = {c["name"]: c["access"] for c in data["contracts"]}
    assert access["ThetaVault"]["roll"] == "role KEEPER_ROLE"
    assert access["ThetaVault"]["set_parameters"] == "role DEFAULT_ADMIN_ROLE"
    assert access["ThetaVault"]["set_paused"] == "role GUARDIAN_ROLE"
    assert access["OracleRouter"]["set_route"] == "role owner"
    assert access["OracleRouter"]["dispute_expiry_price"] == "role disputer"
    post_batch = "postBatch(bytes32,bytes32,uint256[4],bytes,uint256,uint256)"
    assert access["SettlementLedger"][post_batch] == "role SEQUENCER_ROLE"
    assert access["OptionsEngine"]["createSeries(address,address,uint256,uint64,bool)"] == "role SERIES_CREATOR_ROLE"
    assert access["SettlementLedger"]["depositFor(address,uint256,uint256)"] == "anyone"
    assert access["SettlementLedger"]["redeemExpired(uint256)"] == "anyone"
    assert access["SettlementLedger"]["grantRole(bytes32,address)"] == "admin of the role"
    assert access["StrikeforgeTimelock"]["execute(address,uint256,bytes,bytes32,bytes32)"] == "role EXECUTOR_ROLE"


def test_storage_layout_follows_declaration_order(gathered):
    _, data = gathered
    ledger = next(c for c in data["contracts"] if c["name"] == "SettlementLedger")
    assert ledger["storage"][0] == {
        "name": "_roles",
        "type": "mapping(bytes32 => AccessControl.RoleData)",
        "slot": 0,
        "offset": 0,
    }
    router = next(c for c in data["contracts"] if c["name"] == "OracleRouter")
    assert [s["name"] for s in router["storage"]][:2] == ["ownable.owner", "routes"]


def test_the_next_release_reports_what_changed(gathered, first, root, tmp_path):
    result, data = gathered
    before = json.loads((first / "report.json").read_text())
    before["gas"]["SettlementLedger"]["postBatch"]["median"] -= 1_234
    ledger = next(c for c in before["contracts"] if c["name"] == "SettlementLedger")
    ledger["runtime_size"] -= 100
    ledger["storage"][3]["slot"] += 1
    dropped = before["findings"].pop(0)["id"]
    before["findings"].append(
        {"id": "timestamp/Gone.f/00000000", "check": "timestamp", "impact": "Low", "triage": None}
    )
    now = copy.deepcopy(data) | {"release": "0.2.0", "previous": "0.1.0"}
    write(tmp_path, result, now, before, root)
    text = (tmp_path / "report.md").read_text()
    assert "1 new and 1 fixed findings against v0.1.0." in text
    assert f"| `{dropped}` |" in text and "| `timestamp/Gone.f/00000000` | Low | no longer reported |" in text
    assert re.search(r"\| SettlementLedger \| postBatch \| 5 \| 187,000 \| 280,000 \| 185,766 \| \+1,234 \|", text)
    assert re.search(r"\| SettlementLedger \| Solidity \| [\d,]+ \| [\d.]+% \| [\d,]+ bytes to spare \| \+100 \|", text)
    assert "1 changes against v0.1.0." in text


def test_previous_release_is_the_newest_lower_version_with_a_report(tmp_path):
    for name in ("v0.9.0", "v0.10.0", "v0.11.0"):
        (tmp_path / name).mkdir()
    for name in ("v0.9.0", "v0.10.0"):
        (tmp_path / name / "report.json").write_text("{}")
    assert previous_release(tmp_path, "0.12.0") == "0.10.0"
    assert previous_release(tmp_path, "0.10.0") == "0.9.0"
    assert previous_release(tmp_path, "0.9.0") is None


def test_chromium_renders_every_section_of_the_html(first, tmp_path):
    html = (first / "report.html").read_text()
    assert "<script" not in html and "<link" not in html and "src=" not in html  # self-contained
    shot = tmp_path / "report.png"
    dom = browser.check(first / "report.html", SECTIONS, shot)
    assert dom.count("<table>") >= 10
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_bad_input_names_the_field_and_the_fix(root, tmp_path):
    with pytest.raises(ReportError, match=r"--release 'v1': use X\.Y\.Z"):
        build_report(root, "v1", None, EXPORT, output=tmp_path)
    with pytest.raises(ReportError, match=r"no coverage and gas export; run `make audit-tests`"):
        build_report(root, "1.0.0", None, tmp_path / "missing.json", output=tmp_path)
    with pytest.raises(ReportError, match=r"--previous 0\.0\.9: .* not found"):
        build_report(root, "1.0.0", "0.0.9", EXPORT, output=tmp_path)


def test_the_gas_export_summarises_each_method_and_skips_unnamed_contracts():
    report = {"Vault": {"deposit": [100, 300, 200]}, "0xAbC": {"0x1234": [5]}}
    assert _gas(report) == {"Vault": {"deposit": {"calls": 3, "min": 100, "max": 300, "mean": 200, "median": 200}}}


def test_coverage_lists_function_hits_and_what_no_test_transaction_called(first):
    section = (first / "report.md").read_text().split("## Test coverage")[1].split("## Gas")[0]
    assert "| `contracts/oracles/OracleRouter.vy` | not traced | 9/19 |" in section
    assert "| OracleRouter | 2/4 | `dispute_expiry_price`, `set_disputer` |" in section
    assert "| SettlementLedger | 14/15 | `advanceSettled` |" in section
    assert "MockVault" not in section
