"""``strikeforge prove``: symbolic checks of the contracts with halmos (tests/symbolic/).

halmos runs in its own virtual environment (halmos_env: its rich pin conflicts with the project's), each check in its
own process with a wall-clock budget (runner), over Solidity tests that deploy the real contracts; the Vyper contracts
are deployed from their bytecode, which vyper_artifacts writes as Solidity constants first.
"""

from __future__ import annotations


class ProveError(RuntimeError):
    """A problem the user must fix before checks can run; the message is one line naming it and the fix."""
