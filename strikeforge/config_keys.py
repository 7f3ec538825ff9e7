"""One rule for every configuration file: a key the section does not have is an error naming its path and the closest
known key (a typo must never leave a setting at its default)."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any


def unknown_key_message(raw: dict[str, Any], where: str, known: Iterable[str]) -> str | None:
    """The error for the first key of `raw` not in `known` (sorted, so the message is stable), or None."""
    allowed = sorted(set(known))
    for key in sorted(raw, key=str):
        if key in allowed:
            continue
        path = f"{where}.{key}" if where else str(key)
        close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.6)
        hint = f"did you mean {close[0]}? " if close else ""
        return f"{path}: unknown key; {hint}use only {', '.join(allowed)}"
    return None
