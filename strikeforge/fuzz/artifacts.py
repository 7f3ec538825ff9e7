"""Compiled contract types for the engine: from Ape's project, its build manifest, or solc directly.

- :func:`from_project`: an Ape ``project`` (compiles what is stale); what tests run under ``ape test`` use.
- :func:`from_manifest`: ``.build/__local__.json`` read without importing Ape, for worker processes that must start
  fast. Run ``ape compile`` first.
- :func:`compile_unlinked`: one Solidity file compiled with the registered solc. Ape will not build a contract that
  calls an external library until that library is deployed on an Ape chain, so contracts with libraries come from
  here, with their placeholders, and :meth:`RevmChain.deploy` links them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ethpm_types import ContractType

MANIFEST = Path(".build") / "__local__.json"


def from_project(project: Any, *names: str) -> dict[str, ContractType]:
    """Contract types by name from an Ape project (all of them when no names are given)."""
    containers = project.load_contracts()
    wanted = names or tuple(containers)
    missing = [n for n in wanted if n not in containers]
    if missing:
        raise KeyError(f"not in the project: {', '.join(missing)} (known: {', '.join(sorted(containers))})")
    return {n: containers[n].contract_type for n in wanted}


def from_manifest(root: Path | str = ".", *names: str) -> dict[str, ContractType]:
    """Contract types by name from the project's build manifest (run `ape compile` first)."""
    path = Path(root) / MANIFEST
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: run `ape compile` in {Path(root).resolve()} first")
    types = json.loads(path.read_text()).get("contractTypes") or {}
    wanted = names or tuple(types)
    missing = [n for n in wanted if n not in types]
    if missing:
        raise KeyError(f"not in {path}: {', '.join(missing)} (run `ape compile`; known: {', '.join(sorted(types))})")
    return {n: ContractType.model_validate(types[n]) for n in wanted}


def compile_unlinked(source: Path, version: str = "0.8.28", evm_version: str = "cancun") -> dict[str, ContractType]:
    """Compile one self-contained Solidity file with the registered solc; every contract in it, unlinked."""
    import solcx

    source_id = source.name
    output = solcx.compile_standard(
        {
            "language": "Solidity",
            "sources": {source_id: {"content": source.read_text()}},
            "settings": {
                "evmVersion": evm_version,
                "optimizer": {"enabled": True, "runs": 200},
                "outputSelection": {
                    "*": {"*": ["abi", "evm.bytecode.object", "evm.bytecode.linkReferences", "evm.deployedBytecode"]}
                },
            },
        },
        solc_version=version,
    )
    result = {}
    for name, data in output["contracts"][source_id].items():
        result[name] = ContractType.model_validate(
            {
                "contractName": name,
                "sourceId": source_id,
                "abi": data["abi"],
                "deploymentBytecode": _ethpm_bytecode(data["evm"]["bytecode"]),
                "runtimeBytecode": _ethpm_bytecode(data["evm"]["deployedBytecode"]),
            }
        )
    return result


def _ethpm_bytecode(evm: dict) -> dict:
    """solc's bytecode with ``__$...$__`` placeholders -> EthPM form: zeroed bytes plus link references."""
    code = evm["object"]
    refs = []
    for source, libraries in (evm.get("linkReferences") or {}).items():
        for library, spots in libraries.items():
            for spot in spots:
                start, length = spot["start"], spot["length"]
                code = code[: 2 * start] + "00" * length + code[2 * (start + length) :]
            refs.append({"name": f"{source}:{library}", "offsets": [s["start"] for s in spots], "length": 20})
    return {"bytecode": "0x" + code, "linkReferences": refs}
