"""Run at the start of every Python process of the project's virtual environment (``strikeforge_toolchain.pth``).

- ``SOLCX_BINARY_PATH`` defaults to the venv's own py-solc-x folder (``<venv>/solcx``), where ``make install``
  registered the pinned solc (native or the solc-js shim), so ape-solidity and py-solc-x find it without touching
  ``~/.solcx``. An explicit ``SOLCX_BINARY_PATH`` in the environment wins.
- The venv's ``bin`` joins PATH when it is not there (``.venv/bin/ape test`` without activating the venv): ape-foundry
  finds ``anvil`` on PATH, and the project's anvil is the launcher in ``.venv/bin``.
- ape-vyper 0.8.12's config model trips a harmless pydantic-settings warning on every Ape start
  (``IncompleteFieldDefinitionWarning`` about ``import_remapping``); it is filtered here as the Makefile does.
- The eth-ape source-walk fix (``ape_fixes``) is registered as an import hook; it costs nothing until Ape is imported.

Nothing here may stop Python from starting: failures are reported on stderr and ignored.
"""

from __future__ import annotations

import os
import sys

# os.path, not pathlib: this runs at the start of every Python process in the venv.
os.environ.setdefault("SOLCX_BINARY_PATH", os.path.join(sys.prefix, "solcx"))  # noqa: PTH118
_bin = os.path.join(sys.prefix, "bin")  # noqa: PTH118
if sys.prefix != sys.base_prefix and _bin not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bin + os.pathsep + os.environ.get("PATH", "")

import warnings  # noqa: E402 (after the environment setup above, which must run first)

warnings.filterwarnings("ignore", message="Field 'import_remapping' has an incomplete definition")

try:
    from strikeforge.toolchain import ape_fixes

    ape_fixes.install()
except Exception as exc:
    print(f"strikeforge: the eth-ape source-walk fix was not installed: {exc}", file=sys.stderr)
