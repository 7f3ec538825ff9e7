"""What an audit reads: the Solidity and Vyper files under the given paths, the audited root, and how Solidity imports
resolve.

The audited root is the folder every path in the output is relative to, and whose remappings (``foundry.toml`` and
``remappings.txt``) Solidity imports follow. It is ``--root`` when given, else the nearest folder at or above the
given paths that holds ``foundry.toml``, ``remappings.txt``, ``ape-config.yaml`` or ``.git``, else the paths' own
folder. With no paths the scope is the root's production code: ``contracts/`` (else foundry.toml's ``src``) without
``mocks/`` and tests.

A Solidity import resolves relative to the importing file when it starts with ``.``; otherwise through the remappings
of the nearest Foundry-style folder at or above the importing file (a library's own), then the root's (forge's order:
auto-detected ``lib/`` folders, then ``foundry.toml``'s ``remappings``, then ``remappings.txt``; the longest prefix
wins), then the nearest ``node_modules`` above the file, then Strikeforge's own ``node_modules``, then a path from the
root. The standard-JSON input names every source by its path relative to the root (absolute outside it), and maps each
import to its file with an exact remapping, so solc resolves exactly what this module resolved.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

SKIPPED_DIRS = frozenset({"node_modules", ".build", ".cache", ".venv", "__pycache__", "lib", "out", "cache"})
DEFAULT_EXCLUDED = frozenset({"mocks", "test", "tests", "script", "scripts"})
ROOT_MARKERS = ("foundry.toml", "remappings.txt", "ape-config.yaml", ".git")
IMPORT = re.compile(r"""^\s*import\s+(?:[^;]*?\s+from\s+)?["']([^"']+)["']\s*;""", re.MULTILINE)


def import_closure(units: Iterable[str], read: Callable[[str], str]) -> dict[str, str]:
    """The given Solidity units and every unit they import, transitively, with their texts: a relative import resolves
    against its importer's folder, any other is a unit name as written (a project path or an ``@package/...`` path, no
    remappings). ``read(unit)`` gives a unit's text, so a caller can hand in patched copies. For compiling copies of
    project files in memory (bench/faults/build.py, tests/settlement/mutants.py); an audit resolves with remappings
    (:func:`resolve_imports`)."""
    out: dict[str, str] = {}
    pending = list(units)
    while pending:
        unit = pending.pop()
        if unit in out:
            continue
        text = out[unit] = read(unit)
        for path in IMPORT.findall(text):
            pending.append(
                posixpath.normpath(posixpath.join(posixpath.dirname(unit), path)) if path[0] == "." else path
            )
    return out


class AuditInputError(ValueError):
    """A path or import an audit cannot use; the message names it and the fix."""


@dataclass(frozen=True)
class Scope:
    """The files an audit covers; ``base`` is the audited root, which every path in the output is relative to."""

    base: Path
    solidity: list[Path] = field(default_factory=list)
    vyper: list[Path] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        return sorted(self.solidity + self.vyper)

    def display(self, path: Path) -> str:
        """``path`` relative to the root when under it, else absolute: the name solc and Slither give it too."""
        return unit_name(path, self.base)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def unit_name(path: Path, base: Path) -> str:
    """``path`` relative to ``base`` when under it, else absolute (a solc source unit name)."""
    try:
        return path.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def _under(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _walk(folder: Path, excluded: frozenset[str]) -> list[Path]:
    found = []
    for path in sorted(folder.rglob("*")):
        parts = set(path.relative_to(folder).parts[:-1])
        if parts & (SKIPPED_DIRS | excluded) or not path.is_file():
            continue
        if path.suffix in (".sol", ".vy"):
            found.append(path.resolve())
    return found


def default_root(paths: list[Path]) -> Path:
    """The audited root for ``paths``: the nearest folder at or above them (their common folder) that holds
    foundry.toml, remappings.txt, ape-config.yaml or .git, else that common folder itself."""
    folders = [p.resolve() if p.is_dir() else p.resolve().parent for p in paths]
    common = Path(os.path.commonpath(folders))
    for folder in (common, *common.parents):
        if any((folder / marker).exists() for marker in ROOT_MARKERS):
            return folder
    return common


def _foundry_profile(folder: Path) -> dict:
    """``[profile.default]`` of ``folder/foundry.toml`` (empty when there is none)."""
    path = folder / "foundry.toml"
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise AuditInputError(f"{path}: not valid TOML ({exc}); fix it or pass a --root without it") from exc
    return (data.get("profile") or {}).get("default") or {}


def default_folder(root: Path) -> tuple[Path, frozenset[str]]:
    """What an audit with no PATH covers: the root's ``contracts/``, else foundry.toml's ``src`` (default ``src/``),
    else the root itself; mocks, tests and scripts left out."""
    for candidate in (root / "contracts", root / str(_foundry_profile(root).get("src") or "src")):
        if candidate.is_dir():
            return candidate, DEFAULT_EXCLUDED
    return root, DEFAULT_EXCLUDED


def collect(paths: list[Path], root: Path, base: Path | None = None) -> Scope:
    """The scope for ``paths`` (default: the root's production contracts), audited from ``base`` (default: --root's
    rule, see the module); ``root`` is Strikeforge's own checkout (its node_modules). Raises AuditInputError for a
    bad path, or for a relative import that leaves an explicitly given root."""
    explicit = base is not None
    if base is None:
        base = default_root(paths) if paths else root
    base = base.resolve()
    if not base.is_dir():
        raise AuditInputError(f"--root {base}: no such folder; pass the folder the audited contracts live in")
    if not paths:
        folder, excluded = default_folder(base)
        files = _walk(folder, excluded)
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
        where = ", ".join(str(p) for p in paths) or str(default_folder(base)[0])
        raise AuditInputError(f"PATH {where}: no .sol or .vy files found; pass the folder that holds the contracts")
    solidity = [f for f in files if f.suffix == ".sol"]
    if solidity:
        base = _fit_root(solidity, root, base, explicit)
    return Scope(base=base, solidity=solidity, vyper=[f for f in files if f.suffix == ".vy"])


# Remappings -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Remapping:
    """``context:prefix=target`` of one project folder, with the context and target made absolute."""

    context: str  # absolute posix prefix of the importing file's path; "" for every file
    prefix: str
    target: str  # absolute posix; ends with "/" when the prefix does


def _remapping(line: str, folder: Path) -> Remapping | None:
    line = line.strip()
    if not line or line.startswith("#") or "=" not in line:
        return None
    left, target = line.split("=", 1)
    context, _, prefix = left.rpartition(":")
    target = target.strip()
    if not prefix.strip() or not target:
        return None
    absolute = posixpath.normpath((folder / target).as_posix())
    if target.endswith("/") or prefix.endswith("/"):
        absolute += "/"
    where = posixpath.normpath((folder / context.strip()).as_posix()) if context.strip() else ""
    return Remapping(context=where, prefix=prefix.strip(), target=absolute)


def remappings_of(folder: Path) -> list[Remapping]:
    """A Foundry-style folder's remappings, as forge reads them (a later one replaces an earlier one with the same
    context and prefix): each folder under its ``libs`` (default ``lib/``) as ``name/`` (its ``src/`` when it has
    one), then foundry.toml's ``remappings``, then remappings.txt."""
    profile = _foundry_profile(folder)
    table: dict[tuple[str, str], Remapping] = {}
    for lib in profile.get("libs") or ["lib"]:
        lib_folder = folder / str(lib)
        if not lib_folder.is_dir():
            continue
        for child in sorted(lib_folder.iterdir()):
            if child.is_dir() and not child.name.startswith((".", "@")):
                target = child / "src" if (child / "src").is_dir() else child
                table[("", f"{child.name}/")] = Remapping("", f"{child.name}/", target.as_posix() + "/")
    lines = [str(r) for r in profile.get("remappings") or []]
    txt = folder / "remappings.txt"
    if txt.is_file():
        lines += txt.read_text(encoding="utf-8").splitlines()
    for line in lines:
        remapping = _remapping(line, folder)
        if remapping is not None:
            table[(remapping.context, remapping.prefix)] = remapping
    return list(table.values())


def _project_folder(start: Path, stop: Path | None = None) -> Path | None:
    """The nearest folder at or above ``start`` with foundry.toml or remappings.txt (not above ``stop``)."""
    for folder in (start, *start.parents):
        if (folder / "foundry.toml").is_file() or (folder / "remappings.txt").is_file():
            return folder
        if stop is not None and folder == stop:
            return None
    return None


def _node_modules(start: Path, root: Path) -> list[Path]:
    found = [p / "node_modules" for p in (start, *start.parents) if (p / "node_modules").is_dir()]
    if (root / "node_modules").is_dir() and root / "node_modules" not in found:
        found.append(root / "node_modules")
    return found


def _package(import_path: str) -> str:
    parts = import_path.split("/")
    return "/".join(parts[:2]) if import_path.startswith("@") else parts[0]


# Resolution -----------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edge:
    """One import: the importing file, the path it wrote, the file it resolved to."""

    importer: Path
    imported: str
    target: Path

    @property
    def relative(self) -> bool:
        return self.imported.startswith(".")


@dataclass
class SoliditySources:
    """Every source a compilation needs, keyed by solc source unit name, and the remappings that name them."""

    units: dict[str, Path] = field(default_factory=dict)
    remappings: list[str] = field(default_factory=list)  # context:import=unit, one per non-relative import
    dependencies: set[Path] = field(default_factory=set)  # folders imports resolved into: not the audited code


class _Resolver:
    def __init__(self, files: list[Path], root: Path, base: Path) -> None:
        self.files = [f.resolve() for f in files]
        self.root = root
        self.base = base.resolve()
        self.dependencies: set[Path] = set()
        self._configs: dict[Path, list[Remapping]] = {}

    def remappings(self, folder: Path) -> list[Remapping]:
        if folder not in self._configs:
            self._configs[folder] = remappings_of(folder)
        return self._configs[folder]

    def _dependency(self, folder: Path) -> None:
        """Findings in ``folder`` are not reported, unless the audited files are in it (a remapping to the code)."""
        folder = folder.resolve()
        if not any(_under(f, folder) for f in self.files):
            self.dependencies.add(folder)

    def graph(self) -> tuple[list[Path], list[Edge]]:
        seen: set[Path] = set()
        order: list[Path] = []
        edges: list[Edge] = []
        pending = list(self.files)
        while pending:
            path = pending.pop()
            if path in seen:
                continue
            seen.add(path)
            order.append(path)
            for imported in IMPORT.findall(path.read_text(encoding="utf-8")):
                target = self.resolve(imported, path)
                edges.append(Edge(path, imported, target))
                pending.append(target)
        return order, edges

    def resolve(self, imported: str, importer: Path) -> Path:
        if imported.startswith("."):
            target = (importer.parent / imported).resolve()
            if target.is_file():
                return target
            raise AuditInputError(f"{importer}: import {imported!r} not found at {target}")
        folders = []
        own = _project_folder(importer.parent)
        if own is not None:
            folders.append(own)
        if self.base not in folders:
            folders.append(self.base)
        for folder in folders:
            matches = [
                r
                for r in self.remappings(folder)
                if imported.startswith(r.prefix) and (not r.context or importer.as_posix().startswith(r.context))
            ]
            for r in sorted(matches, key=lambda r: (len(r.context), len(r.prefix)), reverse=True):
                candidate = Path(r.target + imported[len(r.prefix) :])
                if candidate.is_file():
                    self._dependency(Path(r.target.rstrip("/")) if r.target.endswith("/") else candidate.parent)
                    return candidate.resolve()
        package = _package(imported)
        for modules in _node_modules(importer.parent, self.root):
            if (modules / imported).is_file():
                self._dependency(modules / package)
                return (modules / imported).resolve()
        if (self.base / imported).is_file():  # a path from the root (forge's base path), also its unit name
            return (self.base / imported).resolve()
        raise AuditInputError(
            f"{importer}: import {imported!r} resolves nowhere (not relative, not in the remappings of "
            f"{' or '.join(str(f) for f in folders)} (foundry.toml, remappings.txt, lib/), not in a node_modules above "
            f"the file or in {self.root / 'node_modules'}, not under the root): add a remapping or pass the --root "
            "that has them"
        )


def _solc_relative(importer_unit: str, imported: str) -> str | None:
    """The unit name solc gives a relative import, or None when it climbs above a relative importer's root."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(importer_unit), imported))
    if not importer_unit.startswith("/") and (joined == ".." or joined.startswith("../")):
        return None
    return joined


def _escapes(edges: list[Edge], base: Path) -> list[Edge]:
    """Relative imports whose solc name (from the importer's name) is not the target's own name under ``base``."""
    return [
        e
        for e in edges
        if e.relative and _solc_relative(unit_name(e.importer, base), e.imported) != unit_name(e.target, base)
    ]


def _fit_root(files: list[Path], root: Path, base: Path, explicit: bool) -> Path:
    """``base``, widened (when it was not given) until no relative import crosses it: solc names a file reached by
    ``../`` from its importer's name, so importer and target must both be named from the same folder."""
    _, edges = _Resolver(files, root, base).graph()
    for _ in range(64):
        crossing = _escapes(edges, base)
        if not crossing:
            return base
        edge = crossing[0]
        if explicit:
            raise AuditInputError(
                f"{unit_name(edge.importer, base)}: import {edge.imported!r} reaches {edge.target}, outside --root "
                f"{base}: pass a --root that holds both"
            )
        base = Path(os.path.commonpath([base, edge.target.parent, edge.importer.parent]))
    return base


def resolve_imports(files: list[Path], root: Path, base: Path) -> SoliditySources:
    """Every source ``files`` need, named from the audited root ``base``; ``root`` is Strikeforge's checkout (its
    node_modules). Raises AuditInputError naming an import that resolves nowhere."""
    resolver = _Resolver(files, root, base)
    order, edges = resolver.graph()
    crossing = _escapes(edges, resolver.base)
    if crossing:
        edge = crossing[0]
        raise AuditInputError(
            f"{edge.importer}: import {edge.imported!r} reaches {edge.target}, outside the root {base}: pass a --root "
            "that holds both"
        )
    sources = SoliditySources(dependencies=resolver.dependencies)
    for path in order:
        sources.units[unit_name(path, resolver.base)] = path
    remappings = set()
    for edge in edges:
        target = unit_name(edge.target, resolver.base)
        if not edge.relative and edge.imported != target:
            remappings.add(f"{unit_name(edge.importer, resolver.base)}:{edge.imported}={target}")
    sources.remappings = sorted(remappings)
    return sources
