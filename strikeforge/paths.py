"""Locating the Strikeforge project on disk."""

from __future__ import annotations

from pathlib import Path

PROJECT_MARKER = "ape-config.yaml"


class ProjectNotFoundError(RuntimeError):
    """Raised when no Strikeforge project (a folder with ape-config.yaml) encloses a path."""


def find_project_root(start: Path | None = None) -> Path:
    """Return the nearest folder at or above ``start`` (default: the working directory) holding ape-config.yaml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / PROJECT_MARKER).is_file():
            return folder
    raise ProjectNotFoundError(
        f"no {PROJECT_MARKER} found at or above {here}: run this from a Strikeforge checkout or pass --root"
    )
