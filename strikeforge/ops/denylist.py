"""Address screening: a denylist file, reloaded when it changes, consulted where the protocol takes orders off-chain.

Screening is a policy hook of the off-chain services, not a property of the contracts: the sequencer refuses orders
and co-signatures from a listed address, and statements report whether an account is listed. Nothing on-chain freezes
or moves a user's funds; a listed account can still withdraw its ledger cash and claim from the vault directly.

The file holds one address per line; `#` starts a comment; blank lines are ignored. It is re-read whenever its
modification time or size changes (checked on every lookup: one `stat`), so an operator edits it in place (or
replaces it atomically) without restarting anything. A file that no longer parses keeps the last good list in force
and logs the error with the line to fix: a typo must not silently open the gate.
"""

from __future__ import annotations

import logging
import re
import threading
from pathlib import Path

log = logging.getLogger("strikeforge.screening")
ADDRESS = re.compile(r"0x[0-9a-fA-F]{40}")


class DenylistError(ValueError):
    """A denylist file that does not parse; names the line and the fix."""


def parse(text: str, source: str) -> frozenset[str]:
    """The addresses in a denylist's text (lowercase); DenylistError names the first bad line."""
    found = set()
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if not ADDRESS.fullmatch(line):
            raise DenylistError(
                f"{source}:{number}: {line!r} is not an address; write one 0x-prefixed 40-hex-digit address per line"
            )
        found.add(line.lower())
    return frozenset(found)


class Denylist:
    """The addresses listed in `path` (a missing file is an empty list), kept current with the file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._addresses: frozenset[str] = frozenset()
        self.reloads = 0
        self.errors = 0
        self._refresh(strict=True)

    def _refresh(self, strict: bool = False) -> None:
        try:
            stat = self.path.stat()
            stamp: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except FileNotFoundError:
            stamp = None
        if stamp == self._stamp:
            return
        try:
            addresses = parse(self.path.read_text(), str(self.path)) if stamp else frozenset()
        except DenylistError as error:
            if strict:
                raise
            self.errors += 1
            self._stamp = stamp  # do not re-parse the same bad file on every lookup
            log.error("denylist not reloaded, the previous %d addresses stay in force: %s", len(self._addresses), error)
            return
        self._addresses, self._stamp = addresses, stamp
        self.reloads += 1
        log.info("denylist %s: %d addresses", self.path, len(addresses))

    def __contains__(self, address: object) -> bool:
        return isinstance(address, str) and address.lower() in self.addresses

    @property
    def addresses(self) -> frozenset[str]:
        """The current list (re-read first if the file changed)."""
        with self._lock:
            self._refresh()
            return self._addresses
