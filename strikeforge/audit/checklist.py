"""The Markdown checklist: a summary by severity, then each finding as a box to tick, grouped by check."""

from __future__ import annotations

from typing import Any

from strikeforge.audit.findings import IMPACTS, SEVERITY_NAMES, stable_id
from strikeforge.audit.triage import accepted


def to_markdown(findings: list[dict[str, Any]], rules: dict[str, dict[str, str]], title: str) -> str:
    lines = [f"# {title}", "", "| Severity | Findings | Untriaged |", "| --- | ---: | ---: |"]
    for impact in IMPACTS:
        group = [f for f in findings if f["impact"] == impact]
        untriaged = [f for f in group if not accepted(f)]
        lines.append(f"| {SEVERITY_NAMES[impact]} | {len(group)} | {len(untriaged)} |")
    lines.append("")
    for impact in IMPACTS:
        checks = sorted({f["check"] for f in findings if f["impact"] == impact})
        for check in checks:
            group = [f for f in findings if f["check"] == check]
            rule = rules.get(check, {})
            lines += [f"## {check} ({SEVERITY_NAMES[impact]}, confidence {group[0]['confidence']})", ""]
            if rule.get("help"):
                lines += [rule["help"] + ".", ""]
            if rule.get("recommendation"):
                lines += [f"Recommendation: {rule['recommendation']}", ""]
            for finding in group:
                meta = finding.get("strikeforge", {})
                status = meta.get("triage")
                mark = "x" if accepted(finding) else " "
                first = finding["markdown"].strip().splitlines()[0]
                lines.append(f"- [{mark}] `{stable_id(finding)}`: {first}")
                for extra in finding["markdown"].strip().splitlines()[1:]:
                    lines.append(f"  {extra.strip()}")
                if status:
                    lines.append(f"  - triage: **{status}**: {meta.get('justification', '')}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
