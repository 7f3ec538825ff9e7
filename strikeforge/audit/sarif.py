"""SARIF 2.1.0 for GitHub code scanning: one run, one rule per check, one result per finding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from strikeforge.audit.findings import location, stable_id
from strikeforge.audit.triage import accepted

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
LEVELS = {"High": "error", "Medium": "warning", "Low": "note", "Informational": "note", "Optimization": "note"}
SECURITY_SEVERITY = {"High": "8.0", "Medium": "5.0", "Low": "3.0", "Informational": "0.0", "Optimization": "0.0"}
PRECISION = {"High": "very-high", "Medium": "high", "Low": "medium", "Informational": "low"}


def _region(finding: dict[str, Any]) -> dict[str, int]:
    for element in finding.get("elements") or []:
        mapping = element.get("source_mapping") or {}
        lines = mapping.get("lines")
        if lines:
            region = {"startLine": int(lines[0]), "endLine": int(lines[-1])}
            if mapping.get("starting_column"):
                region["startColumn"] = int(mapping["starting_column"])
            return region
    return {"startLine": 1}


def to_sarif(
    findings: list[dict[str, Any]], rules: dict[str, dict[str, str]], version: str, base: Path | None = None
) -> dict[str, Any]:
    """The SARIF log of ``findings``; ``rules`` maps each check to its help, wiki and recommendation.

    Locations are relative to ``%SRCROOT%``, which is ``base`` (the audited root) when given.
    """
    checks = sorted({f["check"] for f in findings})
    index = {check: i for i, check in enumerate(checks)}
    driver_rules = []
    for check in checks:
        rule = rules.get(check, {})
        impact = next(f["impact"] for f in findings if f["check"] == check)
        confidence = next(f["confidence"] for f in findings if f["check"] == check)
        driver_rules.append(
            {
                "id": check,
                "name": check,
                "shortDescription": {"text": rule.get("help") or check},
                "fullDescription": {"text": rule.get("description") or rule.get("help") or check},
                "help": {"text": rule.get("recommendation") or "", "markdown": rule.get("recommendation") or ""},
                "helpUri": rule.get("wiki") or "",
                "defaultConfiguration": {"level": LEVELS.get(impact, "note")},
                "properties": {
                    "precision": PRECISION.get(confidence, "medium"),
                    "security-severity": SECURITY_SEVERITY.get(impact, "0.0"),
                    "problem.severity": LEVELS.get(impact, "note"),
                    "tags": ["security", impact.lower()],
                },
            }
        )
    results = []
    for finding in findings:
        file, _ = location(finding)
        # Under the audited root: relative to %SRCROOT%; outside it (an import's file): its absolute file URI.
        artifact = {"uri": Path(file).as_uri()} if file.startswith("/") else {"uri": file, "uriBaseId": "%SRCROOT%"}
        result: dict[str, Any] = {
            "ruleId": finding["check"],
            "ruleIndex": index[finding["check"]],
            "level": LEVELS.get(finding["impact"], "note"),
            "message": {"text": finding["description"].strip()},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": artifact,
                        "region": _region(finding),
                    }
                }
            ],
            "partialFingerprints": {"strikeforgeStableId/v1": stable_id(finding)},
            "properties": {"impact": finding["impact"], "confidence": finding["confidence"]},
        }
        if accepted(finding):
            result["suppressions"] = [{"kind": "external", "justification": finding["strikeforge"]["justification"]}]
        results.append(result)
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "strikeforge-audit",
                        "fullName": "Strikeforge audit (Slither and the Strikeforge Vyper analyzer)",
                        "informationUri": "https://github.com/crytic/slither",
                        "version": version,
                        "rules": driver_rules,
                    }
                },
                **({"originalUriBaseIds": {"%SRCROOT%": {"uri": base.resolve().as_uri() + "/"}}} if base else {}),
                "results": results,
            }
        ],
    }
