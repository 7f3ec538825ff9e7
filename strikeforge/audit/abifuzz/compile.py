"""Contract types for the campaign: audited Solidity and Vyper files, the hostile actors and the ERC-20 mock.

- Solidity: a file without imports goes through :func:`strikeforge.fuzz.artifacts.compile_unlinked`; files with
  imports through the audit's own standard-JSON input (every import resolved, see :mod:`strikeforge.audit.sources`)
  and the same registered solc. Only contracts defined in the given files are returned.
- Vyper: ``vyper -f abi,bytecode,bytecode_runtime`` from the virtual environment, turned into a ``ContractType``.

Compiled types are cached under ``.build/abifuzz/`` keyed by the sources' hash, so repeated campaigns and tests skip
solc-js's start-up (about 2 s a process).
"""

from __future__ import annotations

import functools
import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ethpm_types import ContractType

from strikeforge.audit.sources import IMPORT, AuditInputError, Scope, collect, resolve_imports

ACTORS_SOURCE = Path(__file__).parent / "actors" / "HostileActors.sol"
MOCK_ERC20 = Path("contracts") / "mocks" / "MockERC20.sol"
CACHE = Path(".build") / "abifuzz"


@dataclass
class Compiled:
    """Contract types by name, each one's source file, and the files that did not compile (file -> reason)."""

    types: dict[str, ContractType] = field(default_factory=dict)
    sources: dict[str, Path] = field(default_factory=dict)
    failed: dict[Path, str] = field(default_factory=dict)


def _cache_key(kind: str, files: list[Path], extra: str = "") -> str:
    digest = hashlib.sha256(f"{kind}|{extra}".encode())
    for path in sorted(files):
        digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:24]


def _cached(root: Path, key: str) -> Compiled | None:
    path = root / CACHE / f"{key}.json"
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    return Compiled(
        types={n: ContractType.model_validate(t) for n, t in data["types"].items()},
        sources={n: Path(p) for n, p in data["sources"].items()},
    )


def _store(root: Path, key: str, compiled: Compiled) -> None:
    folder = root / CACHE
    folder.mkdir(parents=True, exist_ok=True)
    data = {
        "types": {n: t.model_dump(mode="json", by_alias=True) for n, t in compiled.types.items()},
        "sources": {n: str(p) for n, p in compiled.sources.items()},
    }
    temporary = folder / f".{key}.{id(data)}.tmp"
    temporary.write_text(json.dumps(data))
    temporary.replace(folder / f"{key}.json")


def compile_solidity(files: list[Path], root: Path) -> Compiled:
    """Every contract defined in ``files`` (with their imports), unlinked; raises AuditInputError if solc fails."""
    from strikeforge.audit.run import compiler_settings

    files = sorted({f.resolve() for f in files})
    if not files:
        return Compiled()
    settings = compiler_settings(root)
    units = resolve_imports(files, root, collect(files, root).base).units  # named from the audited root
    key = _cache_key("solidity", list(units.values()), f"{settings.version}|{settings.evm_version}")
    if (hit := _cached(root, key)) is not None:
        return hit
    if not any(IMPORT.search(f.read_text(encoding="utf-8")) for f in files):
        compiled = _self_contained(files, settings.version, settings.evm_version)
    else:
        compiled = _with_imports(files, root)
    _store(root, key, compiled)
    return compiled


def _self_contained(files: list[Path], version: str, evm_version: str) -> Compiled:
    from strikeforge.fuzz.artifacts import compile_unlinked

    compiled = Compiled()
    for path in files:
        for name, contract_type in compile_unlinked(path, version, evm_version).items():
            compiled.types[name] = contract_type
            compiled.sources[name] = path
    return compiled


def _with_imports(files: list[Path], root: Path) -> Compiled:
    import solcx

    from strikeforge.audit.run import compiler_settings
    from strikeforge.audit.solidity import standard_json
    from strikeforge.fuzz.artifacts import _ethpm_bytecode

    settings = compiler_settings(root)
    scope = Scope(base=collect(files, root).base, solidity=files)  # the audited root, wherever the run is
    solc_input, _ = standard_json(scope, root, settings)
    solc_input["settings"]["outputSelection"] = {
        "*": {"*": ["abi", "evm.bytecode.object", "evm.bytecode.linkReferences", "evm.deployedBytecode"]}
    }
    try:
        output = solcx.compile_standard(solc_input, solc_binary=settings.solc)
    except solcx.exceptions.SolcError as exc:
        raise AuditInputError(f"Solidity does not compile with {settings.solc}: {str(exc)[:2000]}") from exc
    wanted = {scope.display(f): f for f in files}
    compiled = Compiled()
    for unit, contracts in output.get("contracts", {}).items():
        if unit not in wanted:
            continue
        for name, data in contracts.items():
            compiled.types[name] = ContractType.model_validate(
                {
                    "contractName": name,
                    "sourceId": unit,
                    "abi": data["abi"],
                    "deploymentBytecode": _ethpm_bytecode(data["evm"]["bytecode"]),
                    "runtimeBytecode": _ethpm_bytecode(data["evm"]["deployedBytecode"]),
                }
            )
            compiled.sources[name] = wanted[unit]
    return compiled


def vyper_executable() -> str:
    """The virtual environment's vyper (the project's pinned version), else one on PATH."""
    local = Path(sys.executable).parent / "vyper"
    found = str(local) if local.exists() else shutil.which("vyper")
    if not found:
        raise AuditInputError("vyper is not installed in this environment: run make install")
    return found


def compile_vyper(files: list[Path], root: Path) -> Compiled:
    """Each Vyper file as one contract type named after the file; files that fail are listed with vyper's error."""
    compiled = Compiled()
    for path in sorted({f.resolve() for f in files}):
        key = _cache_key("vyper", [path], vyper_executable())
        hit = _cached(root, key)
        if hit is None:
            try:
                hit = _vyper_one(path)
            except AuditInputError as exc:
                compiled.failed[path] = str(exc)
                continue
            _store(root, key, hit)
        compiled.types.update(hit.types)
        compiled.sources.update(hit.sources)
    return compiled


def _vyper_one(path: Path) -> Compiled:
    done = subprocess.run(
        [vyper_executable(), "-f", "abi,bytecode,bytecode_runtime", path.name],
        cwd=path.parent,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise AuditInputError(f"vyper failed on {path}: {done.stderr.strip().splitlines()[-1:]}")
    abi_line, bytecode, runtime = done.stdout.strip().splitlines()[:3]
    name = path.stem
    contract_type = ContractType.model_validate(
        {
            "contractName": name,
            "sourceId": path.name,
            "abi": json.loads(abi_line),
            "deploymentBytecode": {"bytecode": bytecode},
            "runtimeBytecode": {"bytecode": runtime},
        }
    )
    return Compiled(types={name: contract_type}, sources={name: path})


def compile_paths(files: list[Path], root: Path) -> Compiled:
    """Solidity and Vyper files together; Vyper failures are recorded, a Solidity failure raises."""
    solidity = compile_solidity([f for f in files if f.suffix == ".sol"], root)
    vyper = compile_vyper([f for f in files if f.suffix == ".vy"], root)
    return Compiled(
        types=solidity.types | vyper.types,
        sources=solidity.sources | vyper.sources,
        failed=solidity.failed | vyper.failed,
    )


@functools.cache
def compile_at_commit(root: Path, commit: str, files: list[str], folder: Path) -> Compiled:
    """``files`` (paths inside the repository) as they were at ``commit``, with their imports: the commit's
    ``contracts/`` tree is extracted into ``folder`` (read-only git: ``git archive``), imports of packages resolve to
    the project's node_modules. For benchmarks on a past version (``compile_at_commit(root, "7d9216f",
    ["contracts/settlement/SettlementLedger.sol"], tmp)``)."""
    import io
    import tarfile

    archive = subprocess.run(["git", "archive", commit, "contracts"], cwd=root, capture_output=True, check=False)
    if archive.returncode != 0:
        raise AuditInputError(f"git archive {commit} contracts failed: {archive.stderr.decode().strip()}")
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        tar.extractall(folder, filter="data")
    return compile_paths([folder / f for f in files], root)


@functools.cache
def hostile_types(root: Path) -> dict[str, ContractType]:
    """RejectingActor, ReenteringActor and GasBurningActor."""
    return compile_solidity([ACTORS_SOURCE], root).types


@functools.cache
def mock_erc20_type(root: Path) -> ContractType:
    """The project's MockERC20 (contracts/mocks/MockERC20.sol: name, symbol, decimals; anyone mints)."""
    path = root / MOCK_ERC20
    if not path.is_file():
        raise AuditInputError(f"{path} is missing: the campaign's ERC-20 mock comes from the project's mocks")
    return compile_solidity([path], root).types["MockERC20"]
