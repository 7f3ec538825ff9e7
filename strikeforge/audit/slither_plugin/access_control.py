"""Missing access control: an entry point that writes privileged configuration with no check of the sender."""

from __future__ import annotations

import re
from typing import Any

from slither.core.declarations import Function, SolidityVariableComposed
from slither.core.variables.state_variable import StateVariable
from slither.slithir.operations import HighLevelCall, Index, LibraryCall, LowLevelCall
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


def accumulates(function: Function, variable: Any) -> bool:
    """True when every write of ``variable`` in ``function`` is computed from its own old value (x += y): the
    function keeps accounts, it does not configure."""
    writes = [ir for _, ir in _ir.irs(function) if _written(function, ir) is variable]
    if not writes:
        return False
    return all(
        variable in _ir.backward_slice(function, getattr(ir, "rvalue", ir.lvalue))
        or any(_ir.storage_location(function, v) == _ir.storage_location(function, ir.lvalue) for v in ir.read)
        for ir in writes
    )


def _written(function: Function, ir: Any) -> Any:
    lvalue = getattr(ir, "lvalue", None)
    if lvalue is None or isinstance(ir, Index) or type(ir).__name__ == "Member":
        return None
    location = _ir.storage_location(function, lvalue)
    return location[0] if location is not None else None


def _caller_chosen(entry: Function, variable: Any) -> bool:
    """True when ``entry`` writes ``variable`` from one of its parameters or with a literal (a toggle)."""
    for fn in _ir.reachable(entry):
        sources = list(fn.parameters)
        tainted = _ir.taint(fn, sources)
        for _, ir in _ir.irs(fn):
            if _written(fn, ir) is not variable:
                continue
            value = getattr(ir, "rvalue", None)
            if value is None or value in tainted or any(v in tainted for v in ir.read):
                return True
            from slither.slithir.variables import Constant

            kind = str(getattr(variable, "type", ""))
            if isinstance(_ir.root_value(fn, value), Constant) and kind in ("bool", "address"):
                return True  # a toggle (paused = true) or a reset of a role (owner = address(0))
    return False


def inferred_privileged(contract: Any) -> dict[Any, str]:
    """State the contract itself treats as privileged: written by a role-guarded entry point, or (in a contract that
    guards anything) used as a call target, a payment recipient or amount."""
    entries = [e for e in contract.functions_entry_points if not (e.view or e.pure or e.is_constructor)]
    guarded = [e for e in entries if _ir.role_guarded(e)]
    if not guarded:
        return {}
    found: dict[Any, str] = {}
    from slither.core.solidity_types import ElementaryType, UserDefinedType

    def scalar(variable: Any) -> bool:  # a configuration slot, not a table of records
        return isinstance(variable.type, ElementaryType | UserDefinedType) and not (
            isinstance(variable.type, UserDefinedType) and type(variable.type.type).__name__ == "Structure"
        )

    for entry in guarded:
        for variable in entry.all_state_variables_written():
            if scalar(variable):
                found.setdefault(variable, f"{entry.name} writes it only for a role")
    from strikeforge.audit.slither_plugin.push_payment import payments

    for function in contract.functions_and_modifiers:
        targets = [recipient for _, _, recipient, _ in payments(function)]
        for _, ir in _ir.irs(function):
            # an address msg.sender is checked against is an identity the contract authorizes
            if type(ir).__name__ == "Binary" and _ir.SENDER in ir.read:
                for value in ir.read:
                    location = _ir.storage_location(function, _ir.root_value(function, value))
                    if location is not None and scalar(location[0]):
                        found.setdefault(location[0], f"{function.name} authorizes msg.sender against it")
            if isinstance(ir, HighLevelCall | LowLevelCall) and not isinstance(ir, LibraryCall):
                targets.append(ir.destination)
            if isinstance(ir, LowLevelCall) and ir.call_value is not None:
                targets.append(ir.call_value)
        for target in targets:
            for source in _ir.backward_slice(function, target):
                fixed = isinstance(source, StateVariable) and (source.is_constant or source.is_immutable)
                if isinstance(source, StateVariable) and not fixed and scalar(source):
                    found.setdefault(source, f"{function.name} calls or pays it")
    return found


class MissingAccessControl(StrikeforgeDetector):
    """An external state-changing function writing owner, roles, oracle, fee, treasury or parameters, unguarded."""

    ARGUMENT = "missing-access-control"
    HELP = "Privileged configuration written without a sender check"
    IMPACT, CONFIDENCE = HIGH, MEDIUM
    WIKI_TITLE = "Missing access control on privileged configuration"
    WIKI_DESCRIPTION = (
        "Anyone can call a function that changes who controls the contract or how it prices and pays. Privileged "
        "state is what the contract itself guards elsewhere (another entry point writes it only for a role) or uses "
        "as a call target, payment recipient or amount, as well as owner, role, oracle, fee and treasury variables."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "An attacker points the oracle at a feed they control and settles every series in the money."
    )
    WIKI_RECOMMENDATION = "Guard the function with a role (AccessControl/Ownable) held by the timelock."

    def _detect(self) -> list[Output]:
        results = []
        for contract in self.derived_contracts():
            inferred = inferred_privileged(contract)
            for entry in contract.functions_entry_points:
                if entry.view or entry.pure or entry.is_constructor:
                    continue
                named = [
                    v
                    for v in privileged_writes(entry)
                    if not accumulates_anywhere(entry, v) and _caller_chosen(entry, v)
                ]
                guessed = [
                    v
                    for v in entry.all_state_variables_written()
                    if v in inferred
                    and v not in named
                    and _caller_chosen(entry, v)
                    and not accumulates_anywhere(entry, v)
                ]
                written = named + guessed
                if not written or _ir.role_guarded(entry) or is_sender_checked(entry, written):
                    continue
                parts = [
                    v.name if v in named else f"{v.name} ({inferred[v]})" for v in sorted(written, key=lambda v: v.name)
                ]
                results.append(
                    self.generate_result([entry, f" writes {', '.join(parts)} without checking msg.sender\n"])
                )
        return results


def accumulates_anywhere(entry: Function, variable: Any) -> bool:
    """True when every function ``entry`` reaches that writes ``variable`` accumulates it."""
    writers = [fn for fn in _ir.reachable(entry) if any(_written(fn, ir) is variable for _, ir in _ir.irs(fn))]
    return bool(writers) and all(accumulates(fn, variable) for fn in writers)
