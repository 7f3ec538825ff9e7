"""The deployment manifest (`deployments/<ecosystem>-<network>.json`): what was deployed and configured, step by step,
so that a re-run sends only what is missing and an interrupted run resumes.

A step is written as `pending` (with its signed transaction) before it is broadcast and as `done` (with the receipt's
facts) after: on resume a pending step's stored transaction is broadcast again, never re-signed, so a step can never
be sent twice (the same nonce). The file is replaced atomically after every change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strikeforge.paths import write_atomically

VERSION = 1


class ManifestError(RuntimeError):
    """A manifest that does not belong to the connected chain, or that cannot be read; names the field and the fix."""


def connected_genesis() -> str:
    """The connected chain's genesis block hash: with the chain id, what tells one chain from another (a restarted
    local chain keeps its id but not its genesis)."""
    from ape import chain
    from eth_utils import to_hex

    return to_hex(chain.blocks[0].hash)


def chain_mismatch(raw: dict[str, Any], chain_id: int, genesis: str) -> tuple[str, str] | None:
    """Why the manifest document `raw` is not of the chain (`chain_id`, `genesis`): (the field, the problem), or None.
    Every reader of a manifest checks it here (deploy, and the operations commands) and adds its own fix."""
    if raw.get("chain_id") != chain_id:
        return "chain_id", f"chain_id is {raw.get('chain_id')} but the connected chain is {chain_id}"
    if raw.get("genesis") != genesis:
        return "genesis", (
            f"genesis is {raw.get('genesis')}, not this chain's {genesis} (a chain restarted since, or another chain"
            " with the same id)"
        )
    return None


def read_document(path: Path, fix: str) -> dict[str, Any]:
    """The manifest file's JSON; a ManifestError naming the file and `fix` when it is not valid JSON."""
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as error:
        raise ManifestError(f"{path}: not valid JSON ({error}); {fix}") from None


@dataclass
class Manifest:
    path: Path
    network: str
    chain_id: int
    genesis: str
    compilers: dict[str, str] = field(default_factory=dict)
    steps: dict[str, dict[str, Any]] = field(default_factory=dict)

    # -- reading -----------------------------------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, network: str, chain_id: int, genesis: str, compilers: dict[str, str]) -> Manifest:
        """The manifest at `path` for this chain, or a new one. A manifest of another chain stops the run."""
        if not path.exists():
            return cls(path, network, chain_id, genesis, dict(compilers))
        raw = read_document(path, "restore it from version control")
        mismatch = chain_mismatch(raw, chain_id, genesis)
        if mismatch is not None:
            field_name, problem = mismatch
            fix = (
                "connect to the manifest's network, or move the file away to deploy anew"
                if field_name == "chain_id"
                else "pass --fresh to start a new manifest (the old one is kept as .old)"
            )
            raise ManifestError(f"{path}: {problem}; {fix}")
        return cls(path, raw["network"], chain_id, genesis, raw.get("compilers", {}), raw.get("steps", {}))

    def done(self, key: str) -> dict[str, Any] | None:
        step = self.steps.get(key)
        return step if step and step.get("status") == "done" else None

    def pending(self, key: str) -> dict[str, Any] | None:
        step = self.steps.get(key)
        return step if step and step.get("status") == "pending" else None

    def address(self, key: str) -> str | None:
        step = self.done(key)
        return step.get("address") if step else None

    def contracts(self) -> dict[str, str]:
        """Deployed contracts by step key."""
        return {
            key: s["address"]
            for key, s in self.steps.items()
            if s.get("status") == "done" and s.get("address") and s.get("contract")
        }

    # -- writing -----------------------------------------------------------------------------------------------

    def record(self, key: str, **facts: Any) -> None:
        self.steps[key] = {**self.steps.get(key, {}), **facts}
        self.save()

    def save(self) -> None:
        document = {
            "version": VERSION,
            "network": self.network,
            "chain_id": self.chain_id,
            "genesis": self.genesis,
            "compilers": self.compilers,
            "steps": self.steps,
        }
        write_atomically(self.path, json.dumps(document, indent=2, sort_keys=False) + "\n")
