"""Negating a signed integer that can be its type's minimum: ``-x`` of ``type(intN).min`` panics (checked) or wraps
to itself (unchecked), so a proof, liquidation or settlement that negates an unbounded value can be blocked or fooled.
"""

from __future__ import annotations

from typing import Any

from slither.core.declarations import Function
from slither.core.solidity_types import ElementaryType
from slither.core.variables.state_variable import StateVariable
from slither.slithir.operations import Binary, BinaryType, Index, InternalCall, LibraryCall, Member, TypeConversion
from slither.slithir.variables import Constant
from slither.utils.output import Output

from strikeforge.audit.slither_plugin import _ir
from strikeforge.audit.slither_plugin._base import StrikeforgeDetector
from strikeforge.audit.slither_plugin.classification import MEDIUM

ORDERINGS = frozenset({BinaryType.GREATER, BinaryType.GREATER_EQUAL, BinaryType.LESS, BinaryType.LESS_EQUAL})
CHECKS = ORDERINGS | {BinaryType.EQUAL, BinaryType.NOT_EQUAL}


def signed_bits(t: Any) -> int | None:
    """The width of a signed integer type, or None."""
    if isinstance(t, ElementaryType) and t.name.startswith("int"):
        return int(t.name[3:] or 256)
    return None


def unsigned_bits(t: Any) -> int | None:
    if isinstance(t, ElementaryType) and t.name.startswith("uint"):
        return int(t.name[4:] or 256)
    return None


def negations(function: Function) -> list[tuple[Any, Binary]]:
    """(node, operation) for every ``-x`` (Slither's ``0 - x``) of a signed, non-constant ``x`` in ``function``."""
    found = []
    for node, ir in _ir.irs(function):
        if not isinstance(ir, Binary):
            continue
        if ir.type == BinaryType.SUBTRACTION and _ir.is_zero(ir.variable_left):
            operand = ir.variable_right
        elif ir.type in (BinaryType.MULTIPLICATION, BinaryType.DIVISION) and _minus_one(ir.variable_right):
            operand = ir.variable_left  # x * -1 and x / -1 negate too
        elif ir.type == BinaryType.MULTIPLICATION and _minus_one(ir.variable_left):
            operand = ir.variable_right
        else:
            continue
        if isinstance(operand, Constant) or getattr(operand, "is_constant", False):
            continue
        if signed_bits(getattr(operand, "type", None)) is not None:
            found.append((node, ir))
    return found


def _minus_one(value: Any) -> bool:
    return isinstance(value, Constant) and str(value.value) == "-1"


def _lower_bound(ir: Binary, mine: Any) -> bool:
    """The comparison keeps ``mine`` above something (x > c, x >= c, c < x, c <= x) or away from a value (x != c,
    x == c): only those exclude the minimum. ``x < c`` does not."""
    if ir.type in (BinaryType.EQUAL, BinaryType.NOT_EQUAL):
        return True
    if ir.variable_left is mine:
        return ir.type in (BinaryType.GREATER, BinaryType.GREATER_EQUAL)
    return ir.type in (BinaryType.LESS, BinaryType.LESS_EQUAL)


def _key(function: Function, value: Any) -> Any:
    """What a value names, so two reads of the same thing compare equal: a variable, or (base, field) of a member."""
    value = _ir.root_value(function, value)
    ir = _ir.definition(function, value)
    if isinstance(ir, Member):
        return (_key(function, ir.variable_left), str(ir.variable_right))
    return value


def _narrowed(function: Function, operand: Any) -> bool:
    """True when the operand is a narrower integer widened (int128 -> int256): its minimum cannot be reached."""
    width = signed_bits(operand.type) or 256
    value = operand
    seen: set[int] = set()
    while id(value) not in seen:
        seen.add(id(value))
        ir = _ir.definition(function, value)
        source = getattr(value, "type", None)
        narrower = signed_bits(source)
        if (narrower is not None and narrower < width) or unsigned_bits(source) is not None:
            return True
        if isinstance(ir, TypeConversion):
            value = ir.variable
        elif ir is not None and type(ir).__name__ == "Assignment":
            value = ir.rvalue
        else:
            return False
    return False


def value_slice(function: Function, value: Any) -> set[Any]:
    """The values ``value`` is computed from by assignment, conversion and arithmetic (not the indexes or bases of
    the locations it is read from: those say where, not what)."""
    found = {value}
    frontier = [value]
    while frontier:
        ir = _ir.definition(function, frontier.pop())
        if type(ir).__name__ == "Assignment":
            sources = [ir.rvalue]
        elif isinstance(ir, TypeConversion):
            sources = [ir.variable]
        elif isinstance(ir, Binary) and ir.type not in CHECKS:
            sources = [ir.variable_left, ir.variable_right]
        else:
            sources = []
        for source in sources:
            if source not in found:
                found.add(source)
                frontier.append(source)
    return found


def _offset(function: Function, operand: Any) -> bool:
    """``x + c`` with a positive constant c: it cannot be the minimum (reaching it would have overflowed first)."""
    ir = _ir.definition(function, _ir.root_value(function, operand))
    if isinstance(ir, Binary) and ir.type == BinaryType.ADDITION:
        return any(isinstance(v, Constant) and int(str(v.value)) > 0 for v in (ir.variable_left, ir.variable_right))
    return False


def _stored_narrow(function: Function, operand: Any) -> bool:
    """The operand is read from a storage slot that every write fills with a narrower integer."""
    location = _ir.storage_location(function, _ir.root_value(function, operand))
    if location is None:
        return False
    variable, field_name = location
    writes = []
    for other in variable.contract.functions_and_modifiers:
        for _, ir in _ir.irs(other):
            if type(ir).__name__ != "Assignment" or _ir.storage_location(other, ir.lvalue) is None:
                continue
            target = _ir.storage_location(other, ir.lvalue)
            made = _ir.definition(other, ir.rvalue)
            if target[0] != variable:
                continue
            if type(made).__name__ == "NewStructure" and target[1] is None and field_name is not None:
                names = [e.name for e in made.structure.elems_ordered]
                if field_name in names:
                    writes.append((other, made.arguments[names.index(field_name)]))
            elif target[1] == field_name:
                writes.append((other, ir.rvalue))
    return bool(writes) and all(bounded(fn, v, depth=0) for fn, v in writes if hasattr(v, "type"))


def _callers_bound(function: Function, operand: Any) -> bool:
    """The operand is a parameter of an internal helper and every call passes a bounded value."""
    value = _ir.root_value(function, operand)
    if value not in function.parameters or function.visibility in ("public", "external"):
        return False
    position = function.parameters.index(value)
    calls = _ir.internal_call_sites(function)
    return bool(calls) and all(
        position < len(ir.arguments) and bounded(caller, ir.arguments[position], depth=0) for caller, ir in calls
    )


def narrow_sum(function: Function, value: Any, depth: int = 2) -> bool:
    """A sum or difference of narrower integers (int128 - int128 fits in int129), following helper parameters to
    what every caller passes."""
    if isinstance(value, Constant) or _narrowed(function, value):
        return True
    root = _ir.root_value(function, value)
    ir = _ir.definition(function, root)
    if isinstance(ir, Binary) and ir.type in (BinaryType.ADDITION, BinaryType.SUBTRACTION):
        return narrow_sum(function, ir.variable_left, depth) and narrow_sum(function, ir.variable_right, depth)
    if depth > 0 and root in function.parameters and function.visibility not in ("public", "external"):
        position = function.parameters.index(root)
        calls = _ir.internal_call_sites(function)
        return bool(calls) and all(
            position < len(c.arguments) and narrow_sum(caller, c.arguments[position], depth - 1) for caller, c in calls
        )
    return False


def bounded(function: Function, operand: Any, depth: int = 1) -> bool:
    """True when the operand, or a value it is computed from, is checked against something other than zero, cast
    through SafeCast, is a narrower integer widened (here or where it was stored), or is x + c."""
    if isinstance(operand, Constant):
        return True
    if _narrowed(function, operand) or _offset(function, operand) or _stored_narrow(function, operand):
        return True
    if narrow_sum(function, operand):
        return True
    if depth > 0 and _callers_bound(function, operand):
        return True
    slice_ = value_slice(function, operand)
    keys = {_key(function, v) for v in slice_}
    scanned = [function, *(m for m in getattr(function, "modifiers", []) if isinstance(m, Function))]
    for holder in scanned:
        for _, ir in _ir.irs(holder):
            if isinstance(ir, Binary) and ir.type in CHECKS:
                left, right = ir.variable_left, ir.variable_right
                for mine, other in ((left, right), (right, left)):
                    if _key(holder, mine) in keys and not _ir.is_zero(other) and _lower_bound(ir, mine):
                        return True
        if isinstance(ir, InternalCall | LibraryCall) and isinstance(ir.function, Function):
            name = ir.function.name.lower()
            if name.startswith("toint") and any(a in slice_ for a in ir.arguments):
                return True
    return False


def describe(function: Function, value: Any, depth: int = 4) -> str:
    """A readable name for a value: ``leaf.cash``, ``priors[].leaf.cash``, ``parameter x``."""
    value = _ir.root_value(function, value)
    ir = _ir.definition(function, value)
    if depth > 0 and isinstance(ir, Member):
        return f"{describe(function, ir.variable_left, depth - 1)}.{ir.variable_right}"
    if depth > 0 and isinstance(ir, Index):
        return f"{describe(function, ir.variable_left, depth - 1)}[]"
    name = getattr(value, "name", None)
    return name if name and not name.startswith(("TMP_", "REF_")) else "a computed value"


def origin_text(function: Function, operand: Any) -> str:
    value = _ir.root_value(function, operand)
    if isinstance(value, StateVariable):
        return f"state variable {value.name}"
    if value in function.parameters:
        return f"parameter {value.name}"
    return describe(function, operand)


class SignedMinNegation(StrikeforgeDetector):
    """``-x`` of a signed integer that nothing bounds away from its type's minimum."""

    ARGUMENT = "signed-min-negation"
    HELP = "Negation of a signed integer that can be type(intN).min"
    IMPACT, CONFIDENCE = MEDIUM, MEDIUM
    WIKI_TITLE = "Negation of a signed integer that can be its type's minimum"
    WIKI_DESCRIPTION = (
        "-type(int256).min is not representable: checked code panics, unchecked code gets the minimum back. A fraud "
        "proof, liquidation or settlement that negates an unbounded value (|x|, a debit) fails or misreads it."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "A leaf with cash = type(int256).min balances its tree with two large credits; the proof that would show the "
        "debit unpayable negates it and panics, so the batch becomes final and the credits are withdrawn."
    )
    WIKI_RECOMMENDATION = (
        "Bound the value where it enters (int128 range, or x > type(int256).min), store a narrower type, or compute "
        "the magnitude without negation (unchecked uint256(0) - uint256(x))."
    )

    def _detect(self) -> list[Output]:
        results = []
        for _, function in self.declared_functions():
            for node, ir in negations(function):
                operand = ir.variable_right
                if bounded(function, operand):
                    continue
                width = signed_bits(operand.type)
                effect = "wraps to itself" if "(u)" in str(ir) else "panics"
                text = (
                    f" negates {origin_text(function, operand)} (int{width}), which nothing bounds above "
                    f"type(int{width}).min; there -x {effect}: "
                )
                results.append(self.generate_result([function, text, node, "\n"]))
        return results
