"""Findings in Slither's JSON shape, for both languages, and what the rest of the pipeline asks of them.

A finding is the dict Slither's ``--json`` puts in ``results.detectors``: ``check, impact, confidence, description,
markdown, first_markdown_element, id, elements``. Its stable id (``stable_id``) names the check, the contract and
function, and a short hash of the description with line numbers removed, so moving code does not change it.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# Slither's impact names, most severe first; Optimization is reported as Gas (Code4rena's categories).
IMPACTS = ("High", "Medium", "Low", "Informational", "Optimization")
SEVERITY_NAMES = {
    "High": "High",
    "Medium": "Medium",
    "Low": "Low",
    "Informational": "Informational",
    "Optimization": "Gas",
}
FAIL_LEVELS = {"high": 0, "medium": 1, "low": 2, "none": -1}
_LINES = re.compile(r"#\d+(-\d+)?")
_REFERENCES = re.compile(r" \([^()\s]*#\d+(-\d+)?\)")  # " (file#12-14)" after each element


def rank(impact: str) -> int:
    """0 for High ... 4 for Optimization."""
    return IMPACTS.index(impact) if impact in IMPACTS else len(IMPACTS)


def at_or_above(finding: dict[str, Any], level: str) -> bool:
    """True when the finding's impact is at or above ``level`` (high, medium, low; none matches nothing)."""
    threshold = FAIL_LEVELS[level]
    return threshold >= 0 and rank(finding["impact"]) <= threshold


def _qualified(element: dict[str, Any]) -> str:
    parent = element.get("type_specific_fields", {}).get("parent")
    name = element.get("name", "")
    if element.get("type") == "node" and parent:
        return _qualified(parent)
    if parent and parent.get("type") in ("contract", "function"):
        return f"{_qualified(parent)}.{name}"
    return name


def stable_id(finding: dict[str, Any]) -> str:
    """``check/Contract.function/hash8``: independent of line numbers, file paths and the order of findings."""
    assigned = finding.get("strikeforge", {}).get("stable_id")
    if assigned:
        return assigned
    elements = finding.get("elements") or []
    where = _qualified(elements[0]) if elements else "-"
    text = _LINES.sub("", _REFERENCES.sub("", finding.get("description", "")))
    digest = hashlib.sha256(f"{finding['check']}|{text}".encode()).hexdigest()[:8]
    return f"{finding['check']}/{where}/{digest}"


def location(finding: dict[str, Any]) -> tuple[str, int]:
    """(file, first line) of the finding's first element that has a source mapping."""
    for element in finding.get("elements") or []:
        mapping = element.get("source_mapping") or {}
        if mapping.get("filename_relative"):
            lines = mapping.get("lines") or [1]
            return mapping["filename_relative"], int(lines[0])
    return "", 1


def source_mapping(path: Path, display: str, start: int, length: int, text: str) -> dict[str, Any]:
    """Slither's ``source_mapping`` for ``length`` bytes of ``text`` from byte offset ``start``."""
    encoded = text.encode()
    first_line = encoded[:start].count(b"\n") + 1
    last_line = encoded[: start + max(length, 1) - 1].count(b"\n") + 1
    line_start = encoded.rfind(b"\n", 0, start) + 1
    end = start + length
    end_line_start = encoded.rfind(b"\n", 0, end) + 1
    return {
        "start": start,
        "length": length,
        "filename_relative": display,
        "filename_absolute": str(path.resolve()),
        "filename_short": display,
        "is_dependency": False,
        "lines": list(range(first_line, last_line + 1)),
        "starting_column": start - line_start + 1,
        "ending_column": end - end_line_start + 1,
    }


def element(kind: str, name: str, mapping: dict[str, Any], parent: dict[str, Any] | None = None) -> dict[str, Any]:
    """One Slither result element (``contract``, ``function``, ``node`` or ``variable``)."""
    out: dict[str, Any] = {"type": kind, "name": name, "source_mapping": mapping}
    if parent is not None:
        out["type_specific_fields"] = {"parent": parent}
    return out


def _reference(item: dict[str, Any]) -> str:
    mapping = item["source_mapping"]
    lines = mapping["lines"]
    span = f"#{lines[0]}" if len(lines) == 1 else f"#{lines[0]}-{lines[-1]}"
    return f"{mapping['filename_relative']}{span}"


def anchor(lines: list[int]) -> str:
    """GitHub's line anchor: ``#L39`` for one line, ``#L39-L52`` for a span."""
    return f"#L{lines[0]}" if len(lines) == 1 or lines[0] == lines[-1] else f"#L{lines[0]}-L{lines[-1]}"


def _link_target(item: dict[str, Any]) -> str:
    mapping = item["source_mapping"]
    return f"{mapping['filename_relative']}{anchor(mapping['lines'])}"


# A source reference Slither (and make_finding) writes: " (path#12-14)" in text, "](path#L12-L14)" in Markdown.
_TEXT_REF = re.compile(r"\((?P<path>[^()\s]+)#(?P<lines>\d+(?:-\d+)?)\)")
_MD_REF = re.compile(r"\]\((?P<path>[^()\s#]+)#L(?P<first>\d+)(?:-L?(?P<last>\d+))?\)")


def _outside(path: str, base: Path) -> str:
    """A path Slither printed relative to ``base`` (its working folder): as is when under it, else absolute."""
    if path.startswith("../") or path == "..":
        return Path(os.path.normpath(base / path)).as_posix()
    return path


def rename_paths(finding: dict[str, Any], rename: Any) -> None:
    """Apply ``rename(path) -> path`` to every file name of a finding: its elements' source mappings (parents too),
    the references in its description and Markdown, and its first Markdown element."""

    def mappings(node: Any) -> None:
        if isinstance(node, dict):
            mapping = node.get("source_mapping")
            if isinstance(mapping, dict) and mapping.get("filename_relative"):
                for key in ("filename_relative", "filename_short"):
                    if mapping.get(key):
                        mapping[key] = rename(mapping[key])
            for value in node.values():
                mappings(value)
        elif isinstance(node, list):
            for value in node:
                mappings(value)

    mappings(finding.get("elements"))
    finding["description"] = _TEXT_REF.sub(
        lambda m: f"({rename(m['path'])}#{m['lines']})", finding.get("description", "")
    )
    finding["markdown"] = retarget(finding.get("markdown", ""), rename)
    first = finding.get("first_markdown_element") or ""
    if "#" in first:
        path, lines = first.split("#", 1)
        finding["first_markdown_element"] = f"{rename(path)}#{lines}"


def relocate(finding: dict[str, Any], base: Path) -> None:
    """Name every file of a Slither finding the way the audit names it: relative to the audited root ``base`` when
    under it, else absolute (Slither, run from the root, writes ``../..`` for a file outside it)."""
    rename_paths(finding, lambda path: _outside(path, base))


def retarget(markdown: str, target: Any) -> str:
    """``markdown`` with each source link's path replaced by ``target(path)`` and its anchor in GitHub's form
    (``#L39-L52``, ``#L39``); web links are left alone."""

    def one(match: re.Match[str]) -> str:
        path = match["path"]
        if "://" in path:
            return match.group(0)
        first, last = int(match["first"]), int(match["last"] or match["first"])
        return f"]({target(path)}{anchor([first, last])})"

    return _MD_REF.sub(one, markdown)


def link_from(folder: Path, root: Path) -> Any:
    """A ``retarget`` function: a root-relative (or absolute) source path as seen from ``folder``."""

    def target(path: str) -> str:
        return Path(os.path.relpath(root / path, folder)).as_posix()

    return target


def make_finding(check: str, impact: str, confidence: str, parts: Iterable[str | dict[str, Any]]) -> dict[str, Any]:
    """A finding from text and elements in order, worded the way Slither words its own."""
    description, markdown, elements = "", "", []
    for part in parts:
        if isinstance(part, str):
            description += part
            markdown += part
            continue
        elements.append(part)
        ref = _reference(part)
        label = _qualified(part) if part["type"] != "node" else part["name"]
        description += f"{label} ({ref})"
        markdown += f"[{label}]({_link_target(part)})"
    first = ""
    if elements:
        first = _link_target(elements[0])
    finding = {
        "elements": elements,
        "description": description,
        "markdown": markdown,
        "first_markdown_element": first,
        "check": check,
        "impact": impact,
        "confidence": confidence,
    }
    finding["id"] = hashlib.sha3_256(f"{check}|{_LINES.sub('', description)}".encode()).hexdigest()
    return finding


def sort_key(finding: dict[str, Any]) -> tuple[int, str, str]:
    return rank(finding["impact"]), finding["check"], stable_id(finding)
