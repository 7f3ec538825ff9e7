"""Triage (accepted, fixed-but-present, stale, malformed), the three output formats, and the CLI's exit status."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from strikeforge.audit import checklist, sarif, triage
from strikeforge.audit.findings import stable_id
from strikeforge.audit.run import run
from strikeforge.cli import main

from .conftest import FIXTURES

BAD = FIXTURES / "vyper" / "reentrancy_bad.vy"
DIVIDE = FIXTURES / "vyper" / "divide_before_multiply_bad.vy"


def write_triage(path: Path, entries: dict[str, tuple[str, str]]) -> Path:
    lines = ["findings:"]
    for key, (status, why) in entries.items():
        lines += [f"  {key}:", f"    status: {status}", f"    justification: {why}"]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def reentrancy_id(root) -> str:
    (finding,) = run([BAD], root, None).findings
    return stable_id(finding)


def test_an_accepted_entry_triages_its_finding(root, tmp_path, reentrancy_id):
    path = write_triage(tmp_path / "t.yaml", {reentrancy_id: ("acknowledged", "guarded upstream")})
    result = run([BAD], root, path)
    assert result.findings[0]["strikeforge"]["triage"] == "acknowledged"
    assert result.untriaged("medium") == []


def test_a_fix_that_did_not_land_still_fails(root, tmp_path, reentrancy_id):
    path = write_triage(tmp_path / "t.yaml", {reentrancy_id: ("fixed", "reordered the write")})
    result = run([BAD], root, path)
    assert [stable_id(f) for f in result.untriaged("high")] == [reentrancy_id]
    assert result.findings[0]["strikeforge"]["triage"] == "fixed-but-present"


def test_an_entry_whose_finding_is_gone_is_stale_unless_marked_fixed(root, tmp_path, reentrancy_id):
    path = write_triage(
        tmp_path / "t.yaml",
        {
            reentrancy_id: ("acknowledged", "ok"),
            "vyper-reentrancy/Gone.f/00000000": ("false-positive", "was wrong"),
            "vyper-reentrancy/Fixed.f/11111111": ("fixed", "reordered"),
        },
    )
    assert run([BAD], root, path).stale == ["vyper-reentrancy/Gone.f/00000000"]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("findings:\n  x/y/z:\n    status: wontfix\n    justification: no\n", r"findings\.x/y/z\.status is 'wontfix'"),
        ("findings:\n  x/y/z:\n    status: acknowledged\n", r"findings\.x/y/z\.justification is empty"),
        ("findings: [1, 2]\n", r"'findings' must be a mapping"),
        ("findings: {a: [\n", r"not valid YAML"),
    ],
)
def test_a_malformed_triage_file_names_the_field_and_the_fix(tmp_path, body, message):
    path = tmp_path / "t.yaml"
    path.write_text(body)
    with pytest.raises(triage.TriageError, match=message):
        triage.load(path)


def test_sarif_has_one_rule_per_check_and_marks_accepted_findings_suppressed(root, tmp_path, reentrancy_id):
    path = write_triage(tmp_path / "t.yaml", {reentrancy_id: ("acknowledged", "guarded upstream")})
    result = run([BAD, DIVIDE], root, path)
    log = sarif.to_sarif(result.findings, result.rules, "0.0.0")
    assert log["version"] == "2.1.0" and log["$schema"].endswith("sarif-2.1.0.json")
    (the_run,) = log["runs"]
    rules = [r["id"] for r in the_run["tool"]["driver"]["rules"]]
    assert rules == ["vyper-divide-before-multiply", "vyper-reentrancy"]
    by_rule = {r["ruleId"]: r for r in the_run["results"]}
    reentrancy = by_rule["vyper-reentrancy"]
    assert reentrancy["level"] == "error" and rules[reentrancy["ruleIndex"]] == "vyper-reentrancy"
    region = reentrancy["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == 13  # the function's first line
    assert reentrancy["suppressions"][0]["justification"] == "guarded upstream"
    assert "suppressions" not in by_rule["vyper-divide-before-multiply"]
    assert reentrancy["partialFingerprints"]["strikeforgeStableId/v1"] == reentrancy_id


def test_checklist_counts_by_severity_and_ticks_triaged_findings(root, tmp_path, reentrancy_id):
    path = write_triage(tmp_path / "t.yaml", {reentrancy_id: ("acknowledged", "guarded upstream")})
    result = run([BAD, DIVIDE], root, path)
    text = checklist.to_markdown(result.findings, result.rules, "Checklist")
    assert "| High | 1 | 0 |" in text and "| Medium | 2 | 2 |" in text
    assert f"- [x] `{reentrancy_id}`" in text
    assert "triage: **acknowledged**: guarded upstream" in text
    assert text.count("- [ ] `vyper-divide-before-multiply/") == 2


def test_cli_fails_on_an_untriaged_finding_at_the_threshold_and_writes_every_format(root, tmp_path, monkeypatch):
    monkeypatch.chdir(root)
    out = {k: tmp_path / f"out.{k}" for k in ("json", "sarif", "md")}
    args = ["audit", str(BAD), "--json", str(out["json"]), "--sarif", str(out["sarif"]), "--md", str(out["md"])]
    failed = CliRunner().invoke(main, [*args, "--fail-on", "high"])
    assert failed.exit_code == 1, failed.output
    data = json.loads(out["json"].read_text())
    assert data["success"] is True and [f["check"] for f in data["results"]["detectors"]] == ["vyper-reentrancy"]
    assert json.loads(out["sarif"].read_text())["runs"][0]["results"][0]["ruleId"] == "vyper-reentrancy"
    assert "vyper-reentrancy" in out["md"].read_text()
    passed = CliRunner().invoke(main, [*args, "--fail-on", "none"])
    assert passed.exit_code == 0, passed.output


def test_cli_passes_below_the_threshold(root, monkeypatch):
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["audit", str(DIVIDE), "--fail-on", "high"])
    assert result.exit_code == 0, result.output


def test_cli_names_a_missing_path(root, monkeypatch):
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["audit", "no/such/folder"])
    assert result.exit_code == 1
    assert "PATH no/such/folder: no such file or folder" in result.output


def test_a_folder_outside_the_project_resolves_imports_through_the_projects_node_modules(root, tmp_path, monkeypatch):
    """An auditor's folder: OpenZeppelin imports resolve from the project's node_modules, a relative one locally."""
    folder = tmp_path / "their-protocol"
    (folder / "src").mkdir(parents=True)
    shutil.copy(FIXTURES / "solidity" / "Merkle.sol", folder / "src" / "Merkle.sol")
    (folder / "Claims.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\n"
        'import {IToken, MerkleBad} from "./src/Merkle.sol";\n'
        "contract Claims is MerkleBad {\n    constructor() MerkleBad(bytes32(0), IToken(address(0))) {}\n}\n"
    )
    monkeypatch.chdir(tmp_path)
    result = run([folder], root, None)
    checks = {(f["check"], f["elements"][0]["type_specific_fields"]["parent"]["name"]) for f in result.findings}
    assert ("merkle-second-preimage", "MerkleBad") in checks
    assert ("merkle-claim-not-marked", "MerkleBad") in checks
    assert {Path(p).name for p in result.solidity.contracts.values()} == {"Claims.sol", "Merkle.sol"}


def test_ape_run_audit_passes_its_arguments_to_strikeforge_audit(root, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("ape_script_audit", root / "scripts" / "audit.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    monkeypatch.chdir(root)
    failed = CliRunner().invoke(script.cli, [str(BAD), "--fail-on", "high"])
    assert failed.exit_code == 1 and "untriaged High" in failed.output
    bad_release = CliRunner().invoke(script.cli, ["--release", "1.0"])
    assert bad_release.exit_code == 1 and "--release '1.0': use X.Y.Z" in bad_release.output


def test_identical_findings_get_distinct_stable_ids(root, tmp_path):
    twice = tmp_path / "twice.vy"
    twice.write_text(
        "# pragma version ~=0.4.3\n@external\n@pure\ndef f(a: uint256) -> uint256:\n"
        "    x: uint256 = a // 3 * 2\n    y: uint256 = a // 3 * 2\n    return x + y\n"
    )
    ids = [f["strikeforge"]["stable_id"] for f in run([twice], root, None).findings]
    assert len(ids) == 2 and ids[1] == ids[0] + "-2"


def test_a_foundry_style_folder_resolves_remappings_txt_and_leaves_its_libraries_out(root, tmp_path, monkeypatch):
    """remappings.txt maps `solmate/` into lib/: the import compiles, and findings inside lib/ are not reported."""
    folder = tmp_path / "proto"
    (folder / "lib" / "solmate" / "src" / "auth").mkdir(parents=True)
    (folder / "remappings.txt").write_text("solmate/=lib/solmate/src/\n")
    (folder / "lib" / "solmate" / "src" / "auth" / "Owned.sol").write_text(
        "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\n"
        "contract Owned {\n    address public owner;\n"
        "    function setOwner(address o) external { owner = o; }\n}\n"  # unguarded, but a library's
    )
    (folder / "Fees.sol").write_text(
        '// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\nimport {Owned} from "solmate/auth/Owned.sol";\n'
        "contract Fees is Owned {\n    uint256 public feeBps;\n"
        "    function setFee(uint256 bps) external { feeBps = bps; }\n}\n"
    )
    monkeypatch.chdir(tmp_path)
    result = run([folder], root, None)
    flagged = {
        (f["elements"][0]["type_specific_fields"]["parent"]["name"], f["elements"][0]["name"])
        for f in result.findings
        if f["check"] == "missing-access-control"
    }
    assert flagged == {("Fees", "setFee")}
    assert [p.name for p in result.scope.solidity] == ["Fees.sol"]
