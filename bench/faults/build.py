"""Compiling the worlds: the project's solc (py-solc-x, standard JSON, every source inlined) as the project compiles
(0.8.28, optimizer 200 runs, cancun), and for a Vyper target the project's vyper (0.4.3, cancun, imports from the
project and site-packages as ape-vyper resolves them), into a cache keyed by the sources' contents.

A variant is a set of contracts compiled together from the project's files with some files replaced (a fault's
patched copy). Every variant's project files are given under its own prefix (`v/<label>/contracts/...`: relative
imports resolve inside the prefix), node_modules packages (`@openzeppelin/...`) once for all, so any number of
variants compile in one solc run. The same bytecode goes to both engines: strikeforge deploys it as a ContractType,
forge reads it from code/<Name>.hex.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from ethpm_types import ContractType

from strikeforge.audit.sources import import_closure

from . import ROOT, Fault, world

CACHE = ROOT / ".cache" / "bench" / "fuzz-bugs" / "build"
SOLC = "0.8.28"
SETTINGS = {"evmVersion": "cancun", "optimizer": {"enabled": True, "runs": 200}}
_CHUNK = 6  # variants per solc run (solc-js holds every one in memory)


@dataclass
class Variant:
    label: str
    contracts: tuple[tuple[str, str], ...]  # (unit, contract name)
    patches: dict[str, str] = field(default_factory=dict)  # unit -> replaced content

    @property
    def vyper(self) -> bool:
        return any(unit.endswith(".vy") for unit, _ in self.contracts)

    def sources(self) -> dict[str, str]:
        """Every source the contracts need, by the variant's own unit names (project files under its prefix). A
        Vyper variant: its contracts and every interface file of the project (what its imports can name)."""
        if self.vyper:
            units = [u for u, _ in self.contracts] + [
                str(p.relative_to(ROOT)) for p in sorted((ROOT / "contracts" / "interfaces").glob("*.vyi"))
            ]
            return {u: self.patches.get(u) or (ROOT / u).read_text() for u in units}
        return import_closure([unit for unit, _ in self.contracts], self._read)

    def _read(self, unit: str) -> str:
        """A unit's text: the variant's patched copy, else the project's file (node_modules for @-packages)."""
        text = self.patches.get(unit)
        if text is None:
            text = ((ROOT / "node_modules" if unit.startswith("@") else ROOT) / unit).read_text()
        return text

    def key(self) -> str:
        compiler = f"vyper {_vyper_version()}" if self.vyper else f"solc {SOLC}"
        payload = json.dumps(
            {"compiler": compiler, "settings": SETTINGS, "contracts": self.contracts, "sources": self.sources()},
            sort_keys=True,
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:24]

    def prefixed(self, unit: str) -> str:
        return unit if unit.startswith("@") else f"v/{self.label}/{unit}"


def scaffold_variant(worlds: list[str]) -> Variant:
    contracts = sorted({c for w in worlds for c in world(w).SCAFFOLD})
    return Variant("scaffold", tuple(contracts))


def clean_variant(world_name: str) -> Variant:
    return Variant(f"clean-{world_name}", (world(world_name).TARGET,))


def fault_variant(fault: Fault) -> Variant:
    return Variant(fault.name, (world(fault.world).TARGET,), {fault.unit: fault.source()})


def compile_variants(variants: list[Variant]) -> dict[str, dict[str, dict]]:
    """Each variant's contracts as {name: {abi, bytecode, runtime}} (hex with 0x), from the cache or compiled."""
    CACHE.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, dict]] = {}
    missing: dict[str, Variant] = {}  # by key: variants with the same sources compile once
    keys = {v.label: v.key() for v in variants}
    for v in variants:
        path = CACHE / f"{keys[v.label]}.json"
        if path.exists():
            results[v.label] = json.loads(path.read_text())
        else:
            missing.setdefault(keys[v.label], v)
    for key, v in [(k, v) for k, v in missing.items() if v.vyper]:
        (CACHE / f"{key}.json").write_text(json.dumps(_vyper(v)))
    todo = [(k, v) for k, v in missing.items() if not v.vyper]
    for start in range(0, len(todo), _CHUNK):
        chunk = todo[start : start + _CHUNK]
        for (key, _), built in zip(chunk, _solc([v for _, v in chunk]), strict=True):
            (CACHE / f"{key}.json").write_text(json.dumps(built))
    for v in variants:
        if v.label not in results:
            results[v.label] = json.loads((CACHE / f"{keys[v.label]}.json").read_text())
    return results


def _vyper_version() -> str:
    import vyper

    return vyper.__version__


def _vyper(variant: Variant) -> dict[str, dict]:
    """A Vyper variant's contracts, compiled in memory from the (patched) text (as tests/mutation.py does)."""
    import dataclasses
    import site

    import vyper
    from vyper.compiler.input_bundle import FilesystemInputBundle
    from vyper.compiler.settings import Settings

    bundle = FilesystemInputBundle([ROOT, *map(Path, site.getsitepackages())])
    out = {}
    for unit, name in variant.contracts:
        original = bundle.load_file(unit)
        text = variant.patches.get(unit, original.contents)
        output = vyper.compile_from_file_input(
            dataclasses.replace(original, contents=text),
            input_bundle=bundle,
            output_formats=["abi", "bytecode", "bytecode_runtime"],
            settings=Settings(evm_version="cancun"),
        )
        out[name] = {"abi": output["abi"], "bytecode": output["bytecode"], "runtime": output["bytecode_runtime"]}
    return out


def _solc(variants: list[Variant]) -> list[dict[str, dict]]:
    import solcx

    sources: dict[str, dict[str, str]] = {}
    selection: dict[str, dict[str, list[str]]] = {}
    for v in variants:
        for unit, text in v.sources().items():
            sources[v.prefixed(unit)] = {"content": text}
        for unit, name in v.contracts:
            selection.setdefault(v.prefixed(unit), {})[name] = [
                "abi",
                "evm.bytecode.object",
                "evm.deployedBytecode.object",
            ]
    output = solcx.compile_standard(
        {"language": "Solidity", "sources": sources, "settings": {**SETTINGS, "outputSelection": selection}},
        solc_version=SOLC,
    )
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise RuntimeError("compile failed:\n" + "\n".join(e["formattedMessage"] for e in errors[:3]))
    built = []
    for v in variants:
        out = {}
        for unit, name in v.contracts:
            data = output["contracts"][v.prefixed(unit)][name]
            out[name] = {
                "abi": data["abi"],
                "bytecode": "0x" + data["evm"]["bytecode"]["object"],
                "runtime": "0x" + data["evm"]["deployedBytecode"]["object"],
            }
        built.append(out)
    return built


def contract_types(*built: dict[str, dict]) -> dict[str, ContractType]:
    """strikeforge's view of compiled contracts (later dicts win)."""
    types = {}
    for group in built:
        for name, data in group.items():
            types[name] = ContractType.model_validate(
                {
                    "contractName": name,
                    "abi": data["abi"],
                    "deploymentBytecode": {"bytecode": data["bytecode"]},
                    "runtimeBytecode": {"bytecode": data["runtime"]},
                }
            )
    return types


def write_code(folder: Path, *built: dict[str, dict]) -> None:
    """forge's view: code/<Name>.hex, the creation bytecode (later dicts win)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.hex"):
        old.unlink()
    for group in built:
        for name, data in group.items():
            (folder / f"{name}.hex").write_text(data["bytecode"])


def check_variants(variants: list[Variant]) -> list[str]:
    """Type-check every Solidity variant's sources in one solc run (analysis only, no code generation; a Vyper variant
    is compiled): the errors."""
    import solcx

    sources: dict[str, dict[str, str]] = {}
    for v in variants:
        if v.vyper:
            _vyper(v)  # compiling is the check
            continue
        for unit, text in v.sources().items():
            sources[v.prefixed(unit)] = {"content": text}
    output = solcx.compile_standard(
        {
            "language": "Solidity",
            "sources": sources,
            "settings": {**SETTINGS, "outputSelection": {"*": {"": ["ast"]}}},
        },
        solc_version=SOLC,
    )
    return [e["formattedMessage"] for e in output.get("errors", []) if e.get("severity") == "error"]
