"""``audits/triage.yaml``: every accepted finding by stable id, with a status and a justification.

    findings:
      <stable id>:
        status: false-positive | acknowledged | fixed
        justification: why (one or more sentences)

A finding is triaged when its id has an entry whose status is false-positive or acknowledged. An entry marked fixed
whose finding is still reported does not count (the fix did not land). An entry whose finding is no longer reported
is stale (fixed entries excepted: they are the record of what was fixed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from strikeforge.audit.findings import stable_id

STATUSES = ("false-positive", "acknowledged", "fixed")
ACCEPTED = ("false-positive", "acknowledged")


def accepted(finding: dict[str, Any]) -> bool:
    """True when an audited finding (one ``run`` has annotated) has an accepted triage entry."""
    return finding.get("strikeforge", {}).get("triage") in ACCEPTED


class TriageError(ValueError):
    """triage.yaml is malformed; the message names the entry, the field and the fix."""


@dataclass(frozen=True)
class Entry:
    status: str
    justification: str


@dataclass
class Triage:
    entries: dict[str, Entry] = field(default_factory=dict)
    path: Path | None = None

    def status_of(self, finding: dict[str, Any]) -> str | None:
        """The accepted status of ``finding``, ``"fixed-but-present"`` for a fix that did not land, else None."""
        entry = self.entries.get(stable_id(finding))
        if entry is None:
            return None
        return entry.status if entry.status in ACCEPTED else "fixed-but-present"

    def stale(self, findings: list[dict[str, Any]]) -> list[str]:
        """Ids of accepted entries whose finding is no longer reported."""
        present = {stable_id(f) for f in findings}
        return sorted(i for i, e in self.entries.items() if e.status in ACCEPTED and i not in present)


def load(path: Path) -> Triage:
    """Read and validate ``path``; a missing file is an empty triage."""
    if not path.is_file():
        return Triage(path=path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise TriageError(f"{path}: not valid YAML ({exc}); fix the syntax") from exc
    raw = data.get("findings") or {}
    if not isinstance(raw, dict):
        raise TriageError(f"{path}: 'findings' must be a mapping of stable id to {{status, justification}}")
    entries = {}
    for key, value in raw.items():
        if not isinstance(value, dict):
            raise TriageError(f"{path}: findings.{key} must be a mapping with status and justification")
        status = value.get("status")
        if status not in STATUSES:
            raise TriageError(f"{path}: findings.{key}.status is {status!r}; use one of {', '.join(STATUSES)}")
        justification = str(value.get("justification") or "").strip()
        if not justification:
            raise TriageError(f"{path}: findings.{key}.justification is empty; say why the finding is {status}")
        entries[str(key)] = Entry(status=status, justification=justification)
    return Triage(entries=entries, path=path)
