"""Contract artifacts for deployment: the project's compiled contracts and Safe v1.4.1 from the artifacts shipped in
@safe-global/safe-contracts (node_modules), and the comparison of on-chain code with an artifact's runtime code."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SAFE_ARTIFACTS = Path("node_modules/@safe-global/safe-contracts/build/artifacts/contracts")
SAFE_CONTRACTS = {
    "Safe": "Safe.sol/Safe.json",
    "SafeProxyFactory": "proxies/SafeProxyFactory.sol/SafeProxyFactory.json",
    "SafeProxy": "proxies/SafeProxy.sol/SafeProxy.json",
    "CompatibilityFallbackHandler": "handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json",
}
PUSH1, PUSH32 = 0x60, 0x7F


class ArtifactError(RuntimeError):
    """An artifact is missing; the message names it and the fix."""


def safe_container(name: str, root: Path) -> Any:
    """An Ape ContractContainer for one of Safe's shipped (Hardhat) artifacts."""
    from ape.contracts import ContractContainer
    from ethpm_types import ContractType

    path = root / SAFE_ARTIFACTS / SAFE_CONTRACTS[name]
    if not path.is_file():
        raise ArtifactError(f"{path}: missing; run `make install` (npm ci installs @safe-global/safe-contracts)")
    artifact = json.loads(path.read_text())
    contract_type = ContractType(
        contractName=name,
        abi=artifact["abi"],
        deploymentBytecode={"bytecode": artifact["bytecode"]},
        runtimeBytecode={"bytecode": artifact["deployedBytecode"]},
    )
    return ContractContainer(contract_type)


def container(name: str, root: Path) -> Any:
    """The container of a project contract or a Safe artifact."""
    if name in SAFE_CONTRACTS:
        return safe_container(name, root)
    from ape import project

    return getattr(project, name)


def runtime_code(container_: Any) -> bytes:
    """An artifact's runtime bytecode."""
    code = container_.contract_type.runtime_bytecode.bytecode or "0x"
    return bytes.fromhex(code.removeprefix("0x"))


def creation_code(container_: Any) -> bytes:
    code = container_.contract_type.deployment_bytecode.bytecode or "0x"
    return bytes.fromhex(code.removeprefix("0x"))


def _immutable_slots(runtime: bytes) -> list[tuple[int, int]]:
    """Spans of the artifact where solc left an immutable's placeholder: the immediate of a PUSH32 of 32 zero
    bytes (solc never pushes a zero literal with PUSH32; the optimizer uses PUSH0). Walking the opcodes keeps data
    that merely looks like 0x7f out of the count."""
    spans, pc = [], 0
    while pc < len(runtime):
        op = runtime[pc]
        if PUSH1 <= op <= PUSH32:
            width = op - PUSH1 + 1
            if op == PUSH32 and runtime[pc + 1 : pc + 33] == bytes(32):
                spans.append((pc + 1, pc + 33))
            pc += width
        pc += 1
    return spans


def code_matches(artifact_runtime: bytes, onchain: bytes) -> bool:
    """True when on-chain code is the artifact's runtime code with its immutables filled in.

    Solidity: same length, identical outside immutable placeholders (PUSH32 of zeros in the artifact).
    Vyper: the artifact's runtime code, then the immutables section (whole words) the constructor appended.
    The metadata hash at the end of Solidity code is compared too, so a changed source is a mismatch."""
    if not artifact_runtime or not onchain:
        return False
    if onchain.startswith(artifact_runtime) and (len(onchain) - len(artifact_runtime)) % 32 == 0:
        return True
    if len(onchain) != len(artifact_runtime):
        return False
    expected, actual = bytearray(artifact_runtime), bytearray(onchain)
    for start, end in _immutable_slots(artifact_runtime):
        actual[start:end] = expected[start:end]
    return expected == actual
