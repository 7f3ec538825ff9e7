"""Locating the Strikeforge project on disk, and writing state files so that a kill never leaves half of one."""

from __future__ import annotations

import os
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


def write_atomically(path: Path, text: str) -> None:
    """Replaces `path` with `text`: written to a temporary file beside it and synced first, so a kill or a crash
    leaves the old content or the new one, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    temporary.replace(path)
