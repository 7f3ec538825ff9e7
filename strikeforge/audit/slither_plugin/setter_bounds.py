"""A privileged setter that stores a caller-chosen number with no bound: one key then chooses any fee, price,
ratio or bonus, and with it everyone's payout."""

from __future__ import annotations

from typing import Any

from slither.core.declarations import Function
from slither.core.solidity_types import ElementaryType
from slither.slithir.operations import Assignment, Binary, BinaryType, Index, InternalCall, LibraryCall, Operation
from slither.utils.output import Output

from strikeforge.audit.slither_plugin import _ir
from strikeforge.audit.slither_plugin._base import StrikeforgeDetector
from strikeforge.audit.slither_plugin.classification import MEDIUM

ORDERINGS = frozenset({BinaryType.GREATER, BinaryType.GREATER_EQUAL, BinaryType.LESS, BinaryType.LESS_EQUAL})
CLAMPS = ("min", "max", "clamp", "bound")
INITIALIZERS = frozenset({"initializer", "reinitializer", "onlyInitializing"})


def is_number(t: Any) -> bool:
    return isinstance(t, ElementaryType) and t.name.startswith(("uint", "int"))


def value_taint(function: Function, sources: list[Any]) -> set[Any]:
    """Like ``_ir.taint``, but a value used only as an index does not taint what the index reads: a key picks
    where to write, not what."""
    tainted = set(sources)
    changed = True
    while changed:
        changed = False
        for _, ir in _ir.irs(function):
            lvalue = getattr(ir, "lvalue", None)
            if lvalue is None or lvalue in tainted:
                continue
            reads = [ir.variable_left] if isinstance(ir, Index) else ir.read
            if any(v in tainted for v in reads):
                tainted.add(lvalue)
                changed = True
    return tainted


def stored(function: Function, tainted: set[Any]) -> list[tuple[Any, Operation]]:
    """(state variable, operation) where a tainted value is written to storage in ``function``."""
    found = []
    for node, ir in _ir.irs(function):
        if not isinstance(ir, Assignment) or ir.rvalue not in tainted:
            continue
        location = _ir.storage_location(function, ir.lvalue)
        if location is not None:
            found.append((location[0], node))
    return found


def is_bounded(function: Function, tainted: set[Any]) -> bool:
    """True when a tainted value is ordered against anything (<, <=, >, >=), pinned to a value other than zero, or
    clamped, in ``function``."""
    for _, ir in _ir.irs(function):
        if isinstance(ir, Binary) and any(v in tainted for v in ir.read):
            other = ir.variable_right if ir.variable_left in tainted else ir.variable_left
            if ir.type in ORDERINGS and not _ir.is_zero(other):
                return True  # `> 0` only says "set", not "bounded"
            if ir.type in (BinaryType.EQUAL, BinaryType.NOT_EQUAL):
                other = ir.variable_right if ir.variable_left in tainted else ir.variable_left
                if not _ir.is_zero(other):
                    return True  # equal to a given value (a nonce, the stored one): pinned, not free
        called = isinstance(ir, InternalCall | LibraryCall) and isinstance(ir.function, Function)
        if called and any(c in ir.function.name.lower() for c in CLAMPS) and any(a in tainted for a in ir.arguments):
            return True
    return False


def unbounded_stores(entry: Function) -> list[tuple[Any, Any, Any]]:
    """(parameter, state variable, node) for each numeric parameter ``entry`` stores unordered, following it into
    internal calls."""
    found = []
    for parameter in entry.parameters:
        if not is_number(parameter.type):
            continue
        frontier: list[tuple[Function, list[Any]]] = [(entry, [parameter])]
        bounded, writes = False, []
        seen: set[Function] = set()
        while frontier and not bounded:
            function, sources = frontier.pop()
            if function in seen:
                continue
            seen.add(function)
            tainted = value_taint(function, sources)
            bounded = is_bounded(function, tainted)
            writes += stored(function, tainted)
            for _, ir in _ir.irs(function):
                callee = _ir.internal_callees(ir)
                if callee is not None and callee.is_implemented:
                    params = [p for p, a in zip(callee.parameters, ir.arguments, strict=False) if a in tainted]
                    if params:
                        frontier.append((callee, params))
        if not bounded:
            found += [(parameter, variable, node) for variable, node in writes]
    return found


class UnboundedPrivilegedSetter(StrikeforgeDetector):
    """A sender-checked function storing a number its caller chooses, checked against nothing but zero."""

    ARGUMENT = "unbounded-privileged-setter"
    HELP = "Privileged setter stores a caller-chosen number with no bound"
    IMPACT, CONFIDENCE = MEDIUM, MEDIUM
    WIKI_TITLE = "Privileged setter of a number with no bound"
    WIKI_DESCRIPTION = (
        "A role can store any value of a number that the contract then prices or pays with (a settlement price, a "
        "fee, a ratio, a bonus): one compromised or rogue key sets it to anything, with no delay or evidence."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "The disputer corrects an expiry price to 1000x the market; every call settles deep in the money and the "
        "vault's collateral goes to the disputer's accomplice."
    )
    WIKI_RECOMMENDATION = (
        "Bound it: a constant maximum, a band around independent evidence (the oracles' prices), or a change "
        "limited per step behind a timelock users can outrun."
    )

    def _detect(self) -> list[Output]:
        results = []
        for _, entry in self.state_changing_entry_points():
            if entry.is_constructor or any(m.name in INITIALIZERS for m in entry.modifiers):
                continue
            if not _ir.role_guarded(entry):
                continue
            reported: set[tuple[str, str]] = set()
            for parameter, variable, node in unbounded_stores(entry):
                if (parameter.name, variable.name) in reported:
                    continue
                reported.add((parameter.name, variable.name))
                text = (
                    f" stores its parameter {parameter.name} in {variable.name} with no bound (only its caller's "
                    "role stands between any value and what the contract pays with it): "
                )
                results.append(self.generate_result([entry, text, node, "\n"]))
        return results
