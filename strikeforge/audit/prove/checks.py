"""The symbolic checks in a folder: public functions of Solidity test contracts, filtered as halmos filters them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from strikeforge.audit.prove import ProveError

# halmos' default --function prefix: a --match regex not starting with "^" is appended to it.
DEFAULT_PREFIX = "(check|invariant)_"
_CONTRACT = re.compile(r"^\s*(abstract\s+)?(contract|library|interface)\s+(\w+)", re.MULTILINE)
_FUNCTION = re.compile(r"\bfunction\s+(\w+)\s*\(")


@dataclass(frozen=True)
class Check:
    """One check: a test function of a test contract."""

    contract: str
    function: str
    file: Path


def test_regex(match: str | None) -> str:
    """halmos' --match-test semantics: the default prefix is added unless the regex starts with '^'."""
    if not match:
        return f"^{DEFAULT_PREFIX}"
    return match if match.startswith("^") else f"^{DEFAULT_PREFIX}.*{match}"


def _contracts(text: str) -> list[tuple[str, str]]:
    """(name, body) of each concrete contract in a source (bodies split at the next declaration)."""
    found = list(_CONTRACT.finditer(text))
    out = []
    for i, m in enumerate(found):
        end = found[i + 1].start() if i + 1 < len(found) else len(text)
        if m.group(1) is None and m.group(2) == "contract":
            out.append((m.group(3), text[m.end() : end]))
    return out


def discover(folder: Path, match: str | None) -> list[Check]:
    """Every check in ``folder`` (recursively) whose name matches ``match`` (halmos semantics), sorted."""
    if not folder.is_dir():
        raise ProveError(f"no folder {folder}: give --folder a folder of Solidity checks (default tests/symbolic)")
    try:
        regex = re.compile(test_regex(match))
    except re.error as exc:
        raise ProveError(f"--match {match!r} is not a valid regular expression ({exc}): fix the pattern") from exc
    checks = []
    for file in sorted(folder.rglob("*.sol")):
        for contract, body in _contracts(file.read_text()):
            for name in dict.fromkeys(_FUNCTION.findall(body)):
                if regex.search(f"{name}("):
                    checks.append(Check(contract, name, file))
    return checks
