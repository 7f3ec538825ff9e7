"""What the project pins: read from ape-config.yaml and package.json, validated once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml


class ToolchainConfigError(ValueError):
    """A pinned version is missing or inconsistent; the message names the field and the fix."""


@dataclass(frozen=True)
class Pins:
    """Compiler versions the project builds with."""

    solidity: str
    vyper: str


def read_pins(root: Path) -> Pins:
    """Read the Solidity and Vyper versions from ape-config.yaml and check solc-js in package.json matches."""
    config = yaml.safe_load((root / "ape-config.yaml").read_text()) or {}
    solidity = str((config.get("solidity") or {}).get("version") or "")
    if not solidity or not all(part.isdigit() for part in solidity.split(".")) or solidity.count(".") != 2:
        raise ToolchainConfigError(
            f"ape-config.yaml: solidity.version must be an exact version such as 0.8.28 (found {solidity!r})"
        )
    vyper = str((config.get("vyper") or {}).get("version") or "").removeprefix("==")
    if not vyper:
        raise ToolchainConfigError("ape-config.yaml: vyper.version must pin an exact version such as ==0.4.3")
    package = json.loads((root / "package.json").read_text())
    solcjs = (package.get("dependencies") or {}).get("solc")
    if solcjs != solidity:
        raise ToolchainConfigError(
            f"package.json: dependencies.solc is {solcjs!r} but ape-config.yaml pins Solidity {solidity}: "
            f"run npm install --save-exact solc@{solidity}"
        )
    return Pins(solidity=solidity, vyper=vyper)
