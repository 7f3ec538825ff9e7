"""Render report.html in headless Chromium: the DOM it builds must hold every section, and a screenshot is kept."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

CANDIDATES = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome")


class BrowserError(RuntimeError):
    """Chromium is missing or the page did not render as expected; the message says which and the fix."""


def find_chromium() -> str:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserError(
        "headless Chromium not found (chromium-headless-shell or chromium on PATH): make install installs it "
        "(apt-get install chromium-headless-shell); or pass --no-check-html"
    )


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"]
    return subprocess.run([find_chromium(), *flags, *args], capture_output=True, text=True, timeout=120, check=False)


def check(page: Path, sections: list[str], screenshot: Path) -> str:
    """The DOM Chromium built from ``page``; raises BrowserError when a section heading is missing."""
    rendered = _run(["--dump-dom", page.resolve().as_uri()])
    dom = rendered.stdout
    if rendered.returncode != 0 or "<body" not in dom:
        raise BrowserError(f"Chromium could not render {page}: {rendered.stderr.strip()[-500:]}")
    missing = [s for s in sections if f">{s}</h2>" not in dom]
    if missing:
        raise BrowserError(f"{page}: sections missing from the rendered page: {', '.join(missing)}")
    screenshot.parent.mkdir(parents=True, exist_ok=True)
    shot = _run([f"--screenshot={screenshot}", "--window-size=1280,2200", page.resolve().as_uri()])
    if shot.returncode != 0 or not screenshot.is_file():
        raise BrowserError(f"Chromium could not screenshot {page}: {shot.stderr.strip()[-500:]}")
    return dom
