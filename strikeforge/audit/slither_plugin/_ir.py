"""SlithIR helpers the Strikeforge detectors share: taint within a function and across internal calls, and call lookup.

Every helper walks a function's IR in node order. "Taint" is forward data flow: a value taints every IR result that
reads it, and an internal call's parameter when passed as an argument (to ``MAX_DEPTH`` calls deep).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from slither.core.declarations import Function, SolidityFunction
from slither.slithir.operations import (
    Binary,
    BinaryType,
    HighLevelCall,
    InternalCall,
    LibraryCall,
    Operation,
    SolidityCall,
    Unpack,
)

MAX_DEPTH = 4
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
