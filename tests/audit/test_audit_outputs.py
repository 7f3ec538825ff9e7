"""What the audit writes, for an auditor's folder audited from elsewhere: Solidity and Vyper paths alike (relative to
the audited root), Markdown links that open from the checklist's own folder with GitHub's line anchors, a summary
that counts only what a triage entry matched, a checklist with contents and limitations, and Slither's element lines
(call stacks) that tell similar findings apart, in the checklist and in the release report."""

from __future__ import annotations

import contextlib
import json
import os
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from strikeforge.audit import checklist
from strikeforge.audit.report.blocks import to_html, to_markdown
from strikeforge.audit.report.build import _findings
from strikeforge.audit.run import run
from strikeforge.cli import main
from strikeforge.toolchain.config import read_pins

from .conftest import FIXTURES, copy_project

LINK = re.compile(r"\]\(([^()\s]+)\)")


@pytest.fixture(scope="module")
def audited(root, tmp_path_factory):
    """foundry_txt (Solidity and Vyper) audited from an unrelated folder; outputs written two folders down elsewhere."""
    base = tmp_path_factory.mktemp("outputs")
    project = copy_project("foundry_txt", base)
    (base / "elsewhere").mkdir()
    out = base / "reports" / "deep"
    args = ["audit", str(project), "--fail-on", "none"]
    args += ["--json", str(out / "f.json"), "--sarif", str(out / "f.sarif"), "--md", str(out / "checklist.md")]
    with contextlib.chdir(base / "elsewhere"):
        result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return project, out


def source_paths(node) -> set[str]:
    """Every filename_relative and filename_short in a finding's elements, parents included."""
    found = set()
    if isinstance(node, dict):
        mapping = node.get("source_mapping")
        if isinstance(mapping, dict):
            found |= {mapping[k] for k in ("filename_relative", "filename_short") if mapping.get(k)}
        for value in node.values():
            found |= source_paths(value)
    elif isinstance(node, list):
        for value in node:
            found |= source_paths(value)
    return found


def test_json_names_solidity_and_vyper_files_alike_from_the_root(audited):
    _, out = audited
    findings = json.loads((out / "f.json").read_text())["results"]["detectors"]
    assert set().union(*(source_paths(f["elements"]) for f in findings)) == {"src/Fees.sol", "src/Vault.vy"}
    firsts = {f["first_markdown_element"].split("#")[0] for f in findings}
    assert firsts == {"src/Fees.sol", "src/Vault.vy"}
    for finding in findings:
        for path in re.findall(r"\(([^()\s]+)#\d+(?:-\d+)?\)", finding["description"]):
            assert path in ("src/Fees.sol", "src/Vault.vy"), finding["description"]


def test_sarif_locations_are_relative_to_the_root(audited):
    project, out = audited
    (the_run,) = json.loads((out / "f.sarif").read_text())["runs"]
    assert the_run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == project.resolve().as_uri() + "/"
    artifacts = [r["locations"][0]["physicalLocation"]["artifactLocation"] for r in the_run["results"]]
    assert {a["uri"] for a in artifacts} == {"src/Fees.sol", "src/Vault.vy"}
    assert {a["uriBaseId"] for a in artifacts} == {"%SRCROOT%"}


def test_checklist_links_open_from_the_checklists_own_folder(audited):
    project, out = audited
    text = (out / "checklist.md").read_text()
    sources = [t for t in LINK.findall(text) if not t.startswith(("#", "http"))]
    assert sources
    for target in sources:
        path, lines = target.split("#")
        assert (out / path).resolve().parent.parent == project.resolve(), target  # from out/, into the project
        assert re.fullmatch(r"L(\d+)(-L(\d+))?", lines), target
        last = int(lines.split("-L")[-1].removeprefix("L"))
        assert last <= len((out / path).read_text().splitlines()), target


def test_line_anchors_are_githubs(audited):
    _, out = audited
    text = (out / "checklist.md").read_text()
    assert not re.search(r"#L\d+-\d", text)  # never the half form #L13-16
    assert re.search(r"Vault\.vy#L\d+-L\d+\)", text)  # a span: the function
    assert re.search(r"Vault\.vy#L\d+\)", text)  # one line: the call
    assert re.search(r"Fees\.sol#L\d+-L\d+\)", text)


def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation but - and _ dropped, spaces to -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def test_checklist_contents_link_to_its_sections(audited):
    _, out = audited
    text = (out / "checklist.md").read_text()
    slugs = {github_slug(h) for h in re.findall(r"^#{2,3} (.+)$", text, re.MULTILINE)}
    contents = text.split("## Contents")[1].split("\n## ")[0]
    anchors = re.findall(r"\]\(#([^)]+)\)", contents)
    assert {"summary", "findings", "limitations", "missing-access-control", "vyper-reentrancy"} <= set(anchors)
    assert set(anchors) <= slugs


def test_checklist_states_its_limitations(root, audited):
    _, out = audited
    limits = " ".join((out / "checklist.md").read_text().split("\n## Limitations\n")[1].split())
    pins = read_pins(root)
    assert f"solc {pins.solidity} only" in limits and f"vyper {pins.vyper} only" in limits
    assert "Vyper does not go through Slither" in limits
    assert "findings are not reported" in limits  # dependencies


def test_the_summary_counts_as_triaged_only_what_a_triage_entry_matched(root, monkeypatch, tmp_path):
    monkeypatch.chdir(root)
    divide = FIXTURES / "vyper" / "divide_before_multiply_bad.vy"
    result = CliRunner().invoke(main, ["audit", str(divide), "--fail-on", "high"])
    assert result.exit_code == 0, result.output
    summary = " ".join(result.output.split())
    assert "2 findings: 0 triaged, 0 untriaged at or above high, 2 untriaged below it" in summary
    assert "2 triaged" not in summary


@pytest.fixture(scope="module")
def loop_result(root, tmp_path_factory):
    """One internal function's external call in a loop, reached from two entry points: two calls-loop findings
    whose first lines are identical; only Slither's call-stack lines tell them apart."""
    folder = copy_project("calls_loop", tmp_path_factory.mktemp("loop"))
    result = run([folder], root, None)
    loops = [f for f in result.findings if f["check"] == "calls-loop"]
    assert len(loops) == 2 and loops[0]["markdown"].splitlines()[0] == loops[1]["markdown"].splitlines()[0]
    return folder, result


def test_checklist_keeps_the_call_stack_of_each_finding_as_nested_bullets(loop_result, tmp_path):
    folder, result = loop_result
    text = checklist.to_markdown(result.findings, result.rules, "Checklist", root=folder, folder=tmp_path)
    items = [block for block in text.split("\n- [") if block.startswith(" ] `calls-loop/")]
    assert len(items) == 2
    stacks = sorted(item.split("\n", 1)[1] for item in items)
    assert stacks[0].startswith("  - Calls stack containing the loop:\n    - Looper.viaA(uint256)")
    assert stacks[1].startswith("  - Calls stack containing the loop:\n    - Looper.viaB(uint256)")


def test_release_report_findings_keep_every_line_and_link_their_place(loop_result, tmp_path):
    folder, result = loop_result
    report = tmp_path / "audits" / "v0.1.0"
    blocks = _findings(result, report)
    markdown = to_markdown(blocks)
    rows = [line for line in markdown.splitlines() if "| calls-loop |" in line]
    assert len(rows) == 2
    assert any("Looper.viaA(uint256)" in r for r in rows) and any("Looper.viaB(uint256)" in r for r in rows)
    relative = Path(os.path.relpath(folder / "Looper.sol", report)).as_posix()
    assert all(f"[`Looper.sol#L16-L20`]({relative}#L16-L20)" in r for r in rows)
    assert (report / relative).resolve() == (folder / "Looper.sol").resolve()
    page = to_html(blocks, "report")
    assert f'<a href="{relative}#L16-L20"><code>Looper.sol#L16-L20</code></a>' in page
    assert "Calls stack containing the loop:<br>Looper.viaA(uint256)" in page


def test_a_check_at_two_impacts_lists_each_finding_once_under_its_own_heading():
    """Refinement re-rates some divide-before-multiply findings to Low: one section per impact, each finding once."""

    def finding(ident: str, impact: str) -> dict:
        markdown = f"[A.{ident}()](src/A.sol#L1-L2) divides, then multiplies\n"
        meta = {"stable_id": f"divide-before-multiply/A.{ident}/0", "triage": None}
        return {"check": "divide-before-multiply", "impact": impact, "confidence": "Medium", "markdown": markdown,
                "description": markdown, "elements": [], "strikeforge": meta}  # fmt: skip

    text = checklist.to_markdown([finding("f", "Medium"), finding("g", "Low")], {}, "Checklist")
    assert text.count("`divide-before-multiply/A.f/0`") == 1 and text.count("`divide-before-multiply/A.g/0`") == 1
    headings = re.findall(r"^### (.+)$", text, re.MULTILINE)
    assert len(headings) == len({github_slug(h) for h in headings}) == 2
    contents = text.split("## Contents")[1].split("\n## ")[0]
    assert {github_slug(h) for h in headings} <= set(re.findall(r"\]\(#([^)]+)\)", contents))
    medium = text.split(f"### {headings[0]}")[1].split("\n### ")[0]
    assert "A.f/0" in medium and "A.g/0" not in medium
