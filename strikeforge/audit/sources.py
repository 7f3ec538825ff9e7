"""What an audit reads: the Solidity and Vyper files under the given paths, and how Solidity imports resolve.

Default scope is the project's production code: ``contracts/`` without ``mocks/``. Given paths may lie outside the
project (an auditor's folder): a Solidity import resolves relative to the importing file, then through remappings to
the nearest ``node_modules`` (searched upward from the file, then the project's), then ``remappings.txt`` if the
folder has one.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

SKIPPED_DIRS = frozenset({"node_modules", ".build", ".cache", ".venv", "__pycache__", "lib", "out", "cache"})
DEFAULT_EXCLUDED = frozenset({"mocks", "test", "tests"})
IMPORT = re.compile(r"""^\s*import\s+(?:[^;]*?\s+from\s+)?["']([^"']+)["']\s*;""", re.MULTILINE)


class AuditInputError(ValueError):
    """A path or import an audit cannot use; the message names it and the fix."""


@dataclass(frozen=True)
class Scope:
    """The files an audit covers, relative to ``base`` where they lie under it."""

    base: Path
    solidity: list[Path] = field(default_factory=list)
    vyper: list[Path] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        return sorted(self.solidity + self.vyper)

    def display(self, path: Path) -> str:
        """``path`` relative to the base when under it, else absolute: the name solc and Slither give it too."""
        return unit_name(path, self.base)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _walk(folder: Path, excluded: frozenset[str]) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        parts = set(path.relative_to(folder).parts[:-1])
        if parts & (SKIPPED_DIRS | excluded) or not path.is_file():
            continue
        if path.suffix in (".sol", ".vy"):
            found.append(path.resolve())
    return found


def collect(paths: list[Path], root: Path) -> Scope:
    """The scope for ``paths`` (default: ``root/contracts`` without mocks); raises AuditInputError for a bad path."""
    base = Path.cwd().resolve()
    if not paths:
        files = _walk(root / "contracts", DEFAULT_EXCLUDED)
    else:
        files = []
        for path in paths:
            if not path.exists():
                raise AuditInputError(f"PATH {path}: no such file or folder; pass a .sol/.vy file or a folder of them")
            if path.is_dir():
                files.extend(_walk(path, frozenset()))
            elif path.suffix in (".sol", ".vy"):
                files.append(path.resolve())
            else:
                raise AuditInputError(f"PATH {path}: not a Solidity (.sol) or Vyper (.vy) file")
    files = sorted(set(files))
    if not files:
        where = ", ".join(str(p) for p in paths) or str(root / "contracts")
        raise AuditInputError(f"PATH {where}: no .sol or .vy files found; pass the folder that holds the contracts")
    return Scope(
        base=base,
        solidity=[f for f in files if f.suffix == ".sol"],
        vyper=[f for f in files if f.suffix == ".vy"],
    )


def _node_modules(start: Path, root: Path) -> list[Path]:
    found = [p / "node_modules" for p in (start, *start.parents) if (p / "node_modules").is_dir()]
    if (root / "node_modules").is_dir() and root / "node_modules" not in found:
        found.append(root / "node_modules")
    return found


def _remappings_txt(start: Path) -> dict[str, Path]:
    for folder in (start, *start.parents):
        txt = folder / "remappings.txt"
        if txt.is_file():
            pairs = {}
            for line in txt.read_text().splitlines():
                if "=" in line and not line.lstrip().startswith("#"):
                    prefix, target = line.split("=", 1)
                    pairs[prefix.split(":")[-1].strip()] = (folder / target.strip()).resolve()
            return pairs
    return {}


def _package(import_path: str) -> str:
    parts = import_path.split("/")
    return "/".join(parts[:2]) if import_path.startswith("@") else parts[0]


@dataclass
class SoliditySources:
    """Every source a compilation needs, keyed by solc source unit name, and the remappings that name them."""

    units: dict[str, Path] = field(default_factory=dict)
    remappings: dict[str, str] = field(default_factory=dict)
    dependencies: set[Path] = field(default_factory=set)  # folders imports resolved into: not the audited code


def unit_name(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` when under it, else absolute (a solc source unit name)."""
    try:
        return path.resolve().relative_to(base).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def resolve_imports(files: list[Path], root: Path, base: Path) -> SoliditySources:
    """Follow every import from ``files``; raises AuditInputError naming an import that resolves nowhere."""
    sources = SoliditySources()
    pending = [f.resolve() for f in files]
    while pending:
        path = pending.pop()
        name = unit_name(path, base)
        if name in sources.units:
            continue
        sources.units[name] = path
        for imported in IMPORT.findall(path.read_text(encoding="utf-8")):
            pending.append(_resolve(imported, path, root, base, sources))
    return sources


def _resolve(imported: str, importer: Path, root: Path, base: Path, sources: SoliditySources) -> Path:
    if imported.startswith("."):
        target = (importer.parent / imported).resolve()
        if target.is_file():
            return target
        raise AuditInputError(f"{importer}: import {imported!r} not found at {target}")
    for prefix, target_prefix in sources.remappings.items():
        if imported.startswith(prefix):
            candidate = Path(target_prefix + imported[len(prefix) :])
            if candidate.is_file():
                return candidate.resolve()
    package = _package(imported)
    for prefix, folder in _remappings_txt(importer.parent).items():
        if imported.startswith(prefix) and (folder / imported[len(prefix) :]).is_file():
            sources.remappings[prefix] = unit_name(folder, base) + "/"
            sources.dependencies.add(folder.resolve())
            return (folder / imported[len(prefix) :]).resolve()
    for modules in _node_modules(importer.parent, root):
        if (modules / imported).is_file():
            sources.remappings[package + "/"] = unit_name(modules / package, base) + "/"
            sources.dependencies.add((modules / package).resolve())
            return (modules / imported).resolve()
    if (base / imported).is_file():  # a path from the working directory, which is also its source unit name
        return (base / imported).resolve()
    raise AuditInputError(
        f"{importer}: import {imported!r} resolves nowhere (not relative, not in a node_modules above the file or in "
        f"{root / 'node_modules'}, not in remappings.txt): npm install the package or add a remappings.txt line"
    )
