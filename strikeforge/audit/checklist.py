"""The Markdown checklist: contents, a summary by severity, each finding as a box to tick grouped by check (with
Slither's element lines: call stacks, external calls, state written), and what the run did not check.

Source links are relative to the folder the checklist is written to, so they open from where the file lies, and use
GitHub's line anchors (``#L39-L52``, ``#L39``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from strikeforge.audit.findings import IMPACTS, SEVERITY_NAMES, link_from, retarget, stable_id
from strikeforge.audit.triage import accepted


def body_lines(markdown: str) -> list[tuple[int, str]]:
    """The lines after a finding's first, as (depth, text): Slither indents them with tabs ("\\tExternal calls:",
    "\\t- call", "\\t\\tCaller(...)"), and a line starting "- " sits one level below the line before it."""
    out = []
    for line in markdown.strip("\n").splitlines()[1:]:
        if not line.strip():
            continue
        tabs = len(line) - len(line.lstrip("\t"))
        text = line.strip()
        depth = max(tabs, 1)
        if text.startswith("- "):
            text, depth = text[2:], depth + 1
        out.append((depth, text))
    return out


def finding_lines(finding: dict[str, Any], target: Callable[[str], str] | None = None) -> list[str]:
    """A finding as a Markdown task item: its first line, then every further line as a nested bullet."""
    markdown = retarget(finding["markdown"], target) if target else finding["markdown"]
    first = markdown.strip().splitlines()[0] if markdown.strip() else finding["check"]
    mark = "x" if accepted(finding) else " "
    lines = [f"- [{mark}] `{stable_id(finding)}`: {first.strip()}"]
    lines += [f"{'  ' * depth}- {text}" for depth, text in body_lines(markdown)]
    meta = finding.get("strikeforge", {})
    if meta.get("triage"):
        lines.append(f"  - triage: **{meta['triage']}**: {meta.get('justification') or ''}")
    return lines


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation other than - and _ dropped, spaces as -."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _sections(findings: list[dict[str, Any]]) -> list[tuple[str, str, list[dict[str, Any]]]]:
    """(heading, impact, findings) per check and impact, most severe first; a check that refinement re-rated for some
    findings (divide-before-multiply at Low) gets one section per impact, its heading naming the impact."""
    pairs = sorted({(f["impact"], f["check"]) for f in findings}, key=lambda p: (IMPACTS.index(p[0]), p[1]))
    split = {check for _, check in pairs if sum(1 for _, c in pairs if c == check) > 1}
    return [
        (
            f"{check} ({SEVERITY_NAMES[impact]})" if check in split else check,
            impact,
            [f for f in findings if f["check"] == check and f["impact"] == impact],
        )
        for impact, check in pairs
    ]


def triaged_count(findings: list[dict[str, Any]]) -> int:
    """Findings that matched an accepted entry of the triage file (nothing else counts as triaged)."""
    return sum(1 for f in findings if accepted(f))


def to_markdown(
    findings: list[dict[str, Any]],
    rules: dict[str, dict[str, str]],
    title: str,
    *,
    root: Path | None = None,
    folder: Path | None = None,
    limitations: list[str] | None = None,
) -> str:
    """The checklist; with ``root`` (the audited root) and ``folder`` (where the file is written), source links are
    relative to ``folder``."""
    target = link_from(folder.resolve(), root.resolve()) if root is not None and folder is not None else None
    sections = _sections(findings)
    lines = [f"# {title}", ""]
    if target is not None and root is not None:
        lines += [f"Audited root: `{root.resolve()}` (`{target('.')}` from here); paths are relative to it.", ""]
    lines += ["## Contents", "", "- [Summary](#summary)", "- [Findings](#findings)"]
    for heading, impact, group in sections:
        open_ = sum(1 for f in group if not accepted(f))
        lines.append(
            f"  - [{heading}](#{github_slug(heading)}): {SEVERITY_NAMES[impact]}, {len(group)} ({open_} untriaged)"
        )
    lines += ["- [Limitations](#limitations)", "", "## Summary", ""]
    lines += ["| Severity | Findings | Untriaged |", "| --- | ---: | ---: |"]
    for impact in IMPACTS:
        group = [f for f in findings if f["impact"] == impact]
        untriaged = [f for f in group if not accepted(f)]
        lines.append(f"| {SEVERITY_NAMES[impact]} | {len(group)} | {len(untriaged)} |")
    triaged = triaged_count(findings)
    lines += [
        "",
        f"{len(findings)} findings: {triaged} triaged (an accepted entry in the triage file), "
        f"{len(findings) - triaged} untriaged.",
        "",
        "## Findings",
        "",
    ]
    if not findings:
        lines += ["No findings.", ""]
    for heading, impact, group in sections:
        rule = rules.get(group[0]["check"], {})
        lines += [f"### {heading}", "", f"{SEVERITY_NAMES[impact]}, confidence {group[0]['confidence']}."]
        if rule.get("help"):
            lines[-1] += f" {rule['help'].rstrip('.')}."
        lines.append("")
        if rule.get("recommendation"):
            lines += [f"Recommendation: {rule['recommendation']}", ""]
        for finding in group:
            lines += finding_lines(finding, target)
        lines.append("")
    lines += ["## Limitations", ""]
    lines += [f"- {item}" for item in limitations or ["Not stated: this checklist was written without the run."]]
    return "\n".join(lines).rstrip() + "\n"
