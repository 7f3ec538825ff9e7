"""SlithIR helpers the Strikeforge detectors share: taint within a function and across internal calls, and call lookup.

Every helper walks a function's IR in node order. "Taint" is forward data flow: a value taints every IR result that
reads it, and an internal call's parameter when passed as an argument (to ``MAX_DEPTH`` calls deep).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from slither.core.declarations import Function, SolidityFunction, SolidityVariableComposed
from slither.core.variables.state_variable import StateVariable
from slither.slithir.operations import (
    Assignment,
    Binary,
    BinaryType,
    HighLevelCall,
    Index,
    InternalCall,
    LibraryCall,
    Member,
    Operation,
    SolidityCall,
    TypeConversion,
    Unpack,
)
from slither.slithir.variables import Constant

MAX_DEPTH = 4
SENDER = SolidityVariableComposed("msg.sender")
SENDER_CHECKS = frozenset({"_checkOwner", "_checkRole", "_checkCanCall", "_checkAuthorized", "_authorizeUpgrade"})
COMPARISONS = frozenset(
    {
        BinaryType.GREATER,
        BinaryType.GREATER_EQUAL,
        BinaryType.LESS,
        BinaryType.LESS_EQUAL,
        BinaryType.EQUAL,
        BinaryType.NOT_EQUAL,
    }
)


def irs(function: Function) -> Iterator[tuple[Any, Operation]]:
    """Every (node, operation) of ``function`` and of its modifiers, in node order."""
    for node in function.nodes:
        for ir in node.irs:
            yield node, ir


def internal_callees(ir: Operation) -> Function | None:
    """The Solidity function an internal or library call enters, or None."""
    if isinstance(ir, InternalCall | LibraryCall) and isinstance(ir.function, Function):
        return ir.function
    return None


def reachable(function: Function, depth: int = MAX_DEPTH) -> list[Function]:
    """``function``, its modifiers and every internal or library function they call, to ``depth`` calls deep."""
    seen: list[Function] = []
    frontier = [function]
    for _ in range(depth + 1):
        nxt: list[Function] = []
        for fn in frontier:
            if fn in seen:
                continue
            seen.append(fn)
            nxt.extend(m for m in getattr(fn, "modifiers", []) if isinstance(m, Function))
            for _, ir in irs(fn):
                callee = internal_callees(ir)
                if callee is not None:
                    nxt.append(callee)
        frontier = nxt
    return seen


def taint(function: Function, sources: Iterable[Any]) -> set[Any]:
    """Every variable of ``function`` that a value in ``sources`` flows into (fixpoint over its IR)."""
    tainted = set(sources)
    changed = True
    while changed:
        changed = False
        for _, ir in irs(function):
            lvalue = getattr(ir, "lvalue", None)
            if lvalue is None or lvalue in tainted:
                continue
            if any(v in tainted for v in ir.read):
                tainted.add(lvalue)
                changed = True
    return tainted


def value_reaches(function: Function, sources: Iterable[Any], predicate: Any, depth: int = MAX_DEPTH) -> bool:
    """True when ``predicate(ir, tainted)`` holds for an operation reading a value from ``sources``.

    Follows the value into internal calls through the parameter it is passed as.
    """
    tainted = taint(function, sources)
    for _, ir in irs(function):
        if not any(v in tainted for v in ir.read):
            continue
        if predicate(ir, tainted):
            return True
        callee = internal_callees(ir)
        if callee is not None and depth > 0:
            params = [p for p, arg in zip(callee.parameters, ir.arguments, strict=False) if arg in tainted]
            if params and value_reaches(callee, params, predicate, depth - 1):
                return True
    return False


def is_compared(ir: Operation, tainted: set[Any]) -> bool:
    """A comparison reading a tainted value."""
    return isinstance(ir, Binary) and ir.type in COMPARISONS


def high_level_calls_named(function: Function, names: Iterable[str]) -> Iterator[tuple[Any, HighLevelCall]]:
    """External calls (not library calls) to a function whose name is in ``names``."""
    wanted = set(names)
    for node, ir in irs(function):
        if isinstance(ir, HighLevelCall) and not isinstance(ir, LibraryCall) and str(ir.function_name) in wanted:
            yield node, ir


def unpacked(function: Function, tuple_value: Any, index: int) -> list[Any]:
    """The variables a tuple result's element ``index`` is unpacked into."""
    return [
        ir.lvalue for _, ir in irs(function) if isinstance(ir, Unpack) and ir.tuple == tuple_value and ir.index == index
    ]


def solidity_call_name(ir: Operation) -> str | None:
    """The builtin a SolidityCall names, e.g. ``keccak256(bytes)``."""
    if isinstance(ir, SolidityCall) and isinstance(ir.function, SolidityFunction):
        return ir.function.name
    return None


def calls_function_named(function: Function, names: Iterable[str]) -> bool:
    """True when ``function`` or what it reaches calls (internally, by library or externally) one of ``names``."""
    wanted = set(names)
    for fn in reachable(function):
        for _, ir in irs(fn):
            callee = internal_callees(ir)
            if callee is not None and callee.name in wanted:
                return True
            if isinstance(ir, HighLevelCall) and str(ir.function_name) in wanted:
                return True
    return False


def definition(function: Function, value: Any) -> Any:
    """The first operation of ``function`` (in node order) that assigns ``value``, or None. A reference's first
    definition is the index or member access that makes it; later ones are writes through it."""
    for _, ir in irs(function):
        if getattr(ir, "lvalue", None) == value:
            return ir
    return None


def origin(function: Function, value: Any) -> Any:
    """The operation that computed ``value``, through plain assignments and conversions (None for a parameter)."""
    return definition(function, root_value(function, value))


def root_value(function: Function, value: Any) -> Any:
    """``value`` followed back through plain assignments and conversions to the variable first holding it."""
    seen: set[int] = set()
    ir = definition(function, value)
    while isinstance(ir, Assignment | TypeConversion) and id(ir) not in seen:
        seen.add(id(ir))
        value = ir.rvalue if isinstance(ir, Assignment) else ir.variable
        ir = definition(function, value)
    return value


def internal_call_sites(function: Function) -> list[tuple[Function, Any]]:
    """(caller, call) for every internal or library call of ``function`` in its contract (where it is declared)."""
    return [
        (caller, ir)
        for caller in function.contract.functions_and_modifiers
        for _, ir in irs(caller)
        if isinstance(ir, InternalCall | LibraryCall) and ir.function is function
    ]


def backward_slice(function: Function, value: Any) -> set[Any]:
    """Every variable of ``function`` that ``value`` is computed from (reverse data flow, to a fixpoint)."""
    defs: dict[Any, list[Operation]] = {}
    for _, ir in irs(function):
        lvalue = getattr(ir, "lvalue", None)
        if lvalue is not None:
            defs.setdefault(lvalue, []).append(ir)
    found = {value}
    frontier = [value]
    while frontier:
        current = frontier.pop()
        if isinstance(current, StateVariable):
            continue  # a read of storage: later writes in the function are not where it came from
        for ir in defs.get(current, []):
            for read in ir.read:
                if read not in found:
                    found.add(read)
                    frontier.append(read)
    return found


def storage_location(function: Function, value: Any) -> tuple[Any, str | None] | None:
    """(state variable, struct field or None) that ``value`` reads or writes, through indexes, members and
    storage pointers; None when it is not storage."""
    seen: set[int] = set()
    field_name: str | None = None
    while id(value) not in seen:
        seen.add(id(value))
        if isinstance(value, StateVariable):
            return value, field_name
        ir = definition(function, value)
        if isinstance(ir, Member):
            if field_name is None:
                field_name = str(ir.variable_right)
            value = ir.variable_left
        elif isinstance(ir, Index):
            value = ir.variable_left
        elif isinstance(ir, Assignment):
            value = ir.rvalue
        elif isinstance(ir, TypeConversion):
            value = ir.variable
        elif isinstance(ir, InternalCall) and isinstance(ir.function, Function) and ir.function.returns:
            # a storage pointer returned by a helper (``Batch storage b = _open(id)``)
            callee = ir.function
            found = storage_location(callee, callee.returns[0])
            if found is None:
                for _, inner in irs(callee):
                    if type(inner).__name__ == "Return" and inner.values:
                        found = storage_location(callee, inner.values[0])
                        if found is not None:
                            break
            if found is None:
                return None
            return found[0], field_name or found[1]
        else:
            return None
    return None


def is_zero(value: Any) -> bool:
    return isinstance(value, Constant) and str(value.value) in ("0", "False", "false")


def sender_checked(entry: Function) -> bool:
    """True when ``entry`` (or what it reaches) guards on its sender: a modifier, a role check or a comparison of
    msg.sender."""
    if entry.is_protected():
        return True
    reach = reachable(entry)
    for fn in reach:
        if fn.name.startswith("only") or fn.name in SENDER_CHECKS:
            return True
        if SENDER in fn.all_conditional_solidity_variables_read(include_loop=False):
            return True
        for _, ir in irs(fn):
            if isinstance(ir, Binary) and ir.type in COMPARISONS and SENDER in ir.read:
                return True
            callee = internal_callees(ir)
            conditional = fn.all_conditional_solidity_variables_read(include_loop=False)
            if callee is not None and callee.name == "_msgSender" and ir.lvalue in conditional:
                return True
    return False


def in_loop(node: Any) -> bool:
    """True when ``node`` lies on a cycle through a loop header (inside a loop body or its condition)."""
    from slither.core.cfg.node import NodeType

    def reaches(start: Any, goal: Any) -> bool:
        seen: set[int] = set()
        frontier = [start]
        while frontier:
            current = frontier.pop()
            if current is goal:
                return True
            if id(current) in seen:
                continue
            seen.add(id(current))
            frontier.extend(current.sons)
        return False

    function = node.function
    for header in function.nodes:
        if (
            header.type == NodeType.IFLOOP
            and header is not node
            and reaches(node, header)
            and any(reaches(s, node) for s in header.sons)
        ):
            return True
    return False


ROLE_LOOKUPS = frozenset({"hasRole", "hasAnyRole", "isAuthorized", "canCall", "isOwner", "isAdmin", "isKeeper"})


def role_guarded(entry: Function) -> bool:
    """True when ``entry`` admits only a role: a guard modifier or role check, or msg.sender compared with a stored
    address (``msg.sender == owner``) or looked up in a stored allow-list. Checks of the caller's own balance or
    record do not count."""
    from slither.core.solidity_types import ElementaryType

    for fn in reachable(entry):
        if fn.name in SENDER_CHECKS:
            return True
        senders = {SENDER}
        for _, ir in irs(fn):
            callee = internal_callees(ir)
            if callee is not None and callee.name == "_msgSender" and ir.lvalue is not None:
                senders.add(ir.lvalue)
        for _, ir in irs(fn):
            name = str(getattr(ir, "function_name", "") or getattr(getattr(ir, "function", None), "name", ""))
            if name in ROLE_LOOKUPS and any(a in senders for a in getattr(ir, "arguments", [])):
                return True
            if isinstance(ir, Binary) and ir.type in (BinaryType.EQUAL, BinaryType.NOT_EQUAL):
                other = None
                if ir.variable_left in senders:
                    other = ir.variable_right
                elif ir.variable_right in senders:
                    other = ir.variable_left
                if other is not None and storage_location(fn, root_value(fn, other)) is not None:
                    return True
            if isinstance(ir, Index) and ir.variable_right in senders:
                value_type = getattr(ir.lvalue, "type", None)
                is_bool = isinstance(value_type, ElementaryType) and value_type.name == "bool"
                if is_bool and (ir.lvalue in fn.all_conditional_state_variables_read() or _in_condition(fn, ir.lvalue)):
                    return True
    return False


def _in_condition(function: Function, value: Any) -> bool:
    tainted = taint(function, [value])
    for _, ir in irs(function):
        if (
            isinstance(ir, SolidityCall)
            and ir.function.name.startswith("require")
            and any(v in tainted for v in ir.read)
        ):
            return True
        if type(ir).__name__ == "Condition" and any(v in tainted for v in ir.read):
            return True
    return False


def written_through(function: Function, reference: Any, tainted: set[Any] | None = None) -> bool:
    """True when ``function`` writes the storage reached through ``reference`` (possibly further indexed or
    member-accessed), from a value in ``tainted`` when that is given."""
    refs = {reference}
    for _, ir in irs(function):
        if isinstance(ir, Index | Member) and ir.variable_left in refs:
            refs.add(ir.lvalue)
    return any(
        getattr(ir, "lvalue", None) in refs
        and not isinstance(ir, Index | Member)
        and (tainted is None or any(v in tainted for v in ir.read))
        for _, ir in irs(function)
    )
