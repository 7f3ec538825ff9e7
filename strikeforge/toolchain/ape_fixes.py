"""A fix for eth-ape 0.8.51: project sources vanish when ``contracts/.cache`` is large.

Ape lists a project's sources by walking the contracts folder with ``rglob("*.*")`` and stops after 500 files
(``SourceManager._all_files``). ape-solidity unpacks every Solidity dependency into ``contracts/.cache`` (OpenZeppelin
alone is 507 files), and the walk follows the filesystem's directory order, so on some machines it fills its 500
files from ``.cache`` before it reaches the project's own sources: ``project.MockERC20`` then fails with "has no
attribute", and `ape compile` says "Nothing to compile".

The replacement walks the same folder but never descends into the folders Ape excludes by default anyway
(``.cache``, ``.build``, ``.git``), visits folders and files in sorted order, and keeps the 500-file cap for the rest.
Two ways in, because one import hook cannot see every import:
- The virtual environment's ``.pth`` file (``startup.py``) registers an import hook that patches Ape as it is first
  imported: ``ape compile``, ``ape run``, scripts and library use.
- Under pytest, Ape is a pytest plugin, so pytest's assertion-rewriting hook (which sits ahead of ours) imports every
  ``ape.*`` module itself and ours never sees it. ``tests/conftest.py`` calls :func:`apply_now`, which imports Ape's
  project module (through pytest's hook) and patches it at once, dropping any source list a project had cached.
It patches only the pinned eth-ape version; any other version is left alone with a warning.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import warnings
from functools import cached_property
from pathlib import Path
from types import ModuleType

PATCHED_APE_VERSION = "0.8.51"
TARGET_MODULE = "ape.managers.project"
SKIPPED_FOLDERS = frozenset({".cache", ".build", ".git"})
MAX_FILES = 500  # Ape's own cap


def list_source_files(folder: Path, max_files: int = MAX_FILES) -> list[Path]:
    """Files whose name has a dot (Ape's ``*.*``) below ``folder``, sorted, skipping Ape's excluded folders."""
    if folder.is_file():
        return [folder]
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_FOLDERS)
        for name in sorted(filenames):
            if "." in name:
                found.append(Path(dirpath) / name)
                if len(found) >= max_files:
                    return found
    return found


def patch_source_manager(module: ModuleType) -> bool:
    """Replace ``SourceManager._all_files`` in an imported ``ape.managers.project``; True when patched."""
    from importlib.metadata import version

    installed = version("eth-ape")
    if installed != PATCHED_APE_VERSION:
        warnings.warn(
            f"strikeforge: eth-ape {installed} is not {PATCHED_APE_VERSION}; the contracts/.cache source-walk fix "
            "was not applied (re-check strikeforge/toolchain/ape_fixes.py against the new version)",
            stacklevel=2,
        )
        return False
    manager = module.SourceManager
    project_error = module.ProjectError

    def _all_files(self: object) -> list[Path]:
        try:
            contracts_folder = self.get_contracts_path()  # type: ignore[attr-defined]
        except project_error:
            return []
        return list_source_files(contracts_folder)

    prop = cached_property(_all_files)
    prop.__set_name__(manager, "_all_files")
    manager._all_files = prop
    manager._strikeforge_patched = True
    return True


class _PatchAfterImport(importlib.abc.MetaPathFinder):
    """Finds ``ape.managers.project`` through the normal finders and patches it once it has executed."""

    def find_spec(
        self, fullname: str, path: object = None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname != TARGET_MODULE:
            return None
        sys.meta_path.remove(self)  # one-shot: the rest of the import uses the ordinary finders
        spec = importlib.util.find_spec(fullname)
        if spec is None or spec.loader is None:
            return spec
        loader = spec.loader
        original = loader.exec_module

        def exec_module(module: ModuleType) -> None:
            original(module)
            patch_source_manager(module)

        loader.exec_module = exec_module  # type: ignore[method-assign]
        return spec


def apply_now() -> None:
    """Import Ape's project module and patch it immediately (for processes whose imports bypass the hook: pytest)."""
    importlib.import_module(TARGET_MODULE)
    install()


def install() -> None:
    """Patch now if Ape's project module is already imported, else register the import hook (idempotent)."""
    module = sys.modules.get(TARGET_MODULE)
    if module is None:
        if not any(isinstance(f, _PatchAfterImport) for f in sys.meta_path):
            sys.meta_path.insert(0, _PatchAfterImport())
        return
    if getattr(module.SourceManager, "_strikeforge_patched", False) or not patch_source_manager(module):
        return
    # A project read before the patch keeps its cached walk; drop it so the next read uses the fixed one.
    local = getattr(sys.modules.get("ape.utils.basemodel"), "ManagerAccessMixin", None)
    project = getattr(local, "local_project", None) if local else None
    sources = getattr(project, "__dict__", {}).get("sources")
    if sources is not None:
        sources.__dict__.pop("_all_files", None)
