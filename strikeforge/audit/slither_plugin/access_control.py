"""Missing access control: an entry point that writes privileged configuration with no check of the sender."""

from __future__ import annotations

import re
from typing import Any

from slither.core.declarations import Function, SolidityVariableComposed
from slither.slithir.operations import Index
from slither.utils.output import Output

from strikeforge.audit.slither_plugin import _ir
from strikeforge.audit.slither_plugin._base import StrikeforgeDetector
from strikeforge.audit.slither_plugin.classification import HIGH, MEDIUM

# Names of configuration only a role may change (matched against state variable names, case-insensitively).
PRIVILEGED = re.compile(
    r"owner|admin|role|oracle|fee|treasury|govern|guardian|keeper|operator|param|config|router|feed|sequencer|signer"
    r"|threshold|paused|buyer|recipient|selector|strategy|manager|implementation|minter|whitelist|allowlist",
    re.IGNORECASE,
)
SENDER = SolidityVariableComposed("msg.sender")
ROLE_CHECKS = frozenset({"_checkOwner", "_checkRole", "_checkCanCall", "_checkAuthorized", "_authorizeUpgrade"})


def privileged_writes(entry: Function) -> list[Any]:
    """The privileged state variables ``entry`` writes, directly or through internal calls."""
    return [v for v in entry.all_state_variables_written() if PRIVILEGED.search(v.name)]


def _sender_values(function: Function) -> set[Any]:
    """msg.sender and the results of ``_msgSender()`` in ``function``."""
    values: set[Any] = {SENDER}
    for _, ir in _ir.irs(function):
        callee = _ir.internal_callees(ir)
        if callee is not None and callee.name == "_msgSender" and ir.lvalue is not None:
            values.add(ir.lvalue)
    return values


def is_sender_checked(entry: Function, scoped: list[Any]) -> bool:
    """True when the entry point checks its sender, or keys every privileged write by the sender (self-service)."""
    if entry.is_constructor or entry.is_protected():
        return True
    reach = _ir.reachable(entry)
    if any(fn.name in ROLE_CHECKS or fn.name.startswith("only") for fn in reach):
        return True

    def compared_or_keyed(ir: Any, tainted: set[Any]) -> bool:
        if _ir.is_compared(ir, tainted):
            return True
        return isinstance(ir, Index) and ir.variable_left in scoped and ir.variable_right in tainted

    return any(_ir.value_reaches(fn, _sender_values(fn), compared_or_keyed, depth=0) for fn in reach)


class MissingAccessControl(StrikeforgeDetector):
    """An external state-changing function writing owner, roles, oracle, fee, treasury or parameters, unguarded."""

    ARGUMENT = "missing-access-control"
    HELP = "Privileged configuration written without a sender check"
    IMPACT, CONFIDENCE = HIGH, MEDIUM
    WIKI_TITLE = "Missing access control on privileged configuration"
    WIKI_DESCRIPTION = "Anyone can call a function that changes who controls the contract or how it prices and pays."
    WIKI_EXPLOIT_SCENARIO = (
        "An attacker points the oracle at a feed they control and settles every series in the money."
    )
    WIKI_RECOMMENDATION = "Guard the function with a role (AccessControl/Ownable) held by the timelock."

    def _detect(self) -> list[Output]:
        results = []
        for _, entry in self.state_changing_entry_points():
            written = privileged_writes(entry)
            if written and not is_sender_checked(entry, written):
                names = ", ".join(sorted(v.name for v in written))
                results.append(self.generate_result([entry, f" writes {names} without checking msg.sender\n"]))
        return results
