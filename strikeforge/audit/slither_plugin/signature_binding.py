"""Values outside the signature: a submitter chooses something a signed message's effect depends on.

Two shapes, one concern:

- same call: a function verifies a signature over a digest that omits one of its own parameters, and writes that
  parameter to storage or pays with it (amount signed, recipient not);
- across calls: a signed struct is applied under a storage key (a series id, a market) that another entry point
  stored from its caller's parameters without any signature covering it (the sequencer picks the series at posting;
  the account signed only its deltas).
"""

from __future__ import annotations

from typing import Any

from slither.core.declarations import Function, Structure
from slither.core.solidity_types import ElementaryType, UserDefinedType
from slither.core.variables.state_variable import StateVariable
from slither.slithir.operations import (
    Assignment,
    HighLevelCall,
    Index,
    InternalCall,
    LowLevelCall,
    Member,
    NewStructure,
    Operation,
    Transfer,
)
from slither.utils.output import Output

from strikeforge.audit.slither_plugin import _ir
from strikeforge.audit.slither_plugin._base import StrikeforgeDetector
from strikeforge.audit.slither_plugin.classification import HIGH, MEDIUM
from strikeforge.audit.slither_plugin.signatures import ECRECOVER, RECOVERERS

Covered = set[tuple[Any, str | None]]  # (parameter, struct field or None for the whole value)


def recoveries(function: Function) -> list[tuple[Any, Operation, Any, list[Any]]]:
    """(node, operation, digest, signature arguments) for each signature recovery or check in ``function``."""
    found = []
    for node, ir in _ir.irs(function):
        if _ir.solidity_call_name(ir) == ECRECOVER:
            found.append((node, ir, ir.arguments[0], ir.arguments[1:]))
            continue
        callee = _ir.internal_callees(ir)
        name = callee.name if callee is not None else str(getattr(ir, "function_name", ""))
        if (callee is not None or isinstance(ir, HighLevelCall)) and name in RECOVERERS:
            args = list(ir.arguments)
            if name.startswith("isValidSignatureNow") or name == "isValidERC1271SignatureNow":
                args = args[1:]  # (signer, hash, signature)
            if args:
                found.append((node, ir, args[0], args[1:]))
    return found


def _struct(t: Any) -> Structure | None:
    if isinstance(t, UserDefinedType) and isinstance(t.type, Structure):
        return t.type
    return None


def covered(function: Function, value: Any, depth: int = _ir.MAX_DEPTH) -> Covered:
    """The parameters of ``function`` (whole, or by struct field) that ``value`` is computed from, following values
    into the internal functions that compute it."""
    found: Covered = set()
    for source in _ir.backward_slice(function, value):
        if source in function.parameters:
            found.add((source, None))
    slice_ = _ir.backward_slice(function, value)
    for _, ir in _ir.irs(function):
        if getattr(ir, "lvalue", None) is None or ir.lvalue not in slice_:
            continue
        if isinstance(ir, Member):
            base = _ir.root_value(function, ir.variable_left)
            if base in function.parameters:
                found.add((base, str(ir.variable_right)))
        if isinstance(ir, InternalCall) and isinstance(ir.function, Function) and depth > 0:
            callee = ir.function
            inner: Covered = set()
            for ret in _returns(callee):
                inner |= covered(callee, ret, depth - 1)
            for param, arg in zip(callee.parameters, ir.arguments, strict=False):
                base = _ir.root_value(function, arg)
                if base not in function.parameters:
                    continue
                fields = {f for p, f in inner if p == param}
                if fields and None not in fields:
                    found.discard((base, None))
                    found |= {(base, f) for f in fields}
    # A struct parameter read field by field is covered only in those fields.
    by_field = {p for p, f in found if f is not None}
    return {(p, f) for p, f in found if f is not None or p not in by_field or _whole_use(function, value, p)}


def _whole_use(function: Function, value: Any, parameter: Any) -> bool:
    """True when ``parameter`` itself (not a field of it) flows into ``value``."""
    slice_ = _ir.backward_slice(function, value)
    for _, ir in _ir.irs(function):
        if isinstance(ir, Member) or getattr(ir, "lvalue", None) is None:
            continue
        if parameter in ir.read and ir.lvalue in slice_ and not isinstance(ir, InternalCall):
            return True
    return False


def _returns(function: Function) -> list[Any]:
    values = list(function.returns)
    for _, ir in _ir.irs(function):
        if type(ir).__name__ == "Return":
            values += list(ir.values)
    return values


PAYMENTS = frozenset({"transfer", "transferFrom", "safeTransfer", "safeTransferFrom", "mint", "safeMint", "burn"})


def _used_for_effect(function: Function, tainted: set[Any]) -> Any:
    """The node where a tainted value is written to storage (as value or key) or pays (amount or recipient)."""
    for fn in _ir.reachable(function):
        local = tainted if fn is function else set(fn.parameters)
        if fn is not function and not _passes(function, fn, tainted):
            continue
        for node, ir in _ir.irs(fn):
            reads = [v for v in ir.read if v in local]
            if not reads:
                continue
            if isinstance(ir, Transfer) or (isinstance(ir, LowLevelCall) and ir.call_value is not None):
                return node
            if isinstance(ir, HighLevelCall) and str(ir.function_name) in PAYMENTS:
                return node
            callee = _ir.internal_callees(ir)
            if callee is not None and callee.name.lstrip("_") in PAYMENTS | {"update", "safeTransferETH"}:
                return node  # an internal mint or transfer (ERC-20/721's _mint, _transfer, _update)
            lvalue = getattr(ir, "lvalue", None)
            if isinstance(ir, Assignment) and (
                isinstance(lvalue, StateVariable) or (_is_ref(lvalue) and _ir.storage_location(fn, lvalue))
            ):
                return node
            if isinstance(ir, Index) and ir.variable_right in local and _ir.written_through(fn, ir.lvalue):
                return node
    return None


def _passes(caller: Function, callee: Function, tainted: set[Any]) -> bool:
    for _, ir in _ir.irs(caller):
        if _ir.internal_callees(ir) is callee and any(a in tainted for a in ir.arguments):
            return True
    return False


def _pinned(function: Function, tainted: set[Any]) -> bool:
    """True when a tainted value is compared with something that is not a literal (stored or signed data)."""
    from slither.slithir.operations import Binary, BinaryType
    from slither.slithir.variables import Constant

    for fn in _ir.reachable(function):
        local = tainted if fn is function else set()
        if fn is not function:
            for _, ir in _ir.irs(function):
                if _ir.internal_callees(ir) is fn:
                    local |= {p for p, a in zip(fn.parameters, ir.arguments, strict=False) if a in tainted}
            local = _ir.taint(fn, local)
        for _, ir in _ir.irs(fn):
            if isinstance(ir, Binary) and ir.type in (BinaryType.EQUAL, BinaryType.NOT_EQUAL):
                sides = (ir.variable_left, ir.variable_right)
                for mine, other in (sides, sides[::-1]):
                    literal = isinstance(_ir.root_value(fn, other), Constant)
                    if mine in local and not literal and other not in local:
                        return True
    return False


def _is_ref(value: Any) -> bool:
    return type(value).__name__ == "ReferenceVariable"


def _slots_of(function: Function, value: Any) -> set[str]:
    """Storage slots (``Struct.field`` or a variable's name) a value is computed from."""
    slots = set()
    for source in _ir.backward_slice(function, value):
        if isinstance(source, StateVariable) and not (source.is_constant or source.is_immutable):
            slots.add(source.name)
        ir = _ir.definition(function, source)
        if isinstance(ir, Member):
            struct = _struct(getattr(ir.variable_left, "type", None))
            if struct is not None:
                slots.add(f"{struct.name}.{ir.variable_right}")
    return slots


def _param_writes(entry: Function, sources: list[Any]) -> dict[str, Any]:
    """slot -> parameter for every storage slot ``entry`` writes from one of ``sources`` (through internal calls)."""
    found: dict[str, Any] = {}
    for function in _ir.reachable(entry):
        params = sources if function is entry else list(function.parameters)
        for parameter in params:
            tainted = _ir.taint(function, [parameter])
            for _, ir in _ir.irs(function):
                if not isinstance(ir, Assignment) or ir.rvalue not in tainted:
                    continue
                lvalue_def = _ir.definition(function, ir.lvalue)
                made = _ir.definition(function, ir.rvalue)
                if isinstance(made, NewStructure):
                    for f, arg in zip(made.structure.elems_ordered, made.arguments, strict=False):
                        if arg in tainted:
                            found.setdefault(f"{made.structure.name}.{f.name}", parameter)
                elif isinstance(lvalue_def, Member):
                    struct = _struct(getattr(lvalue_def.variable_left, "type", None))
                    if struct is not None:
                        found.setdefault(f"{struct.name}.{lvalue_def.variable_right}", parameter)
                elif isinstance(ir.lvalue, StateVariable):
                    found.setdefault(ir.lvalue.name, parameter)
    return found


def _signature_params(function: Function, signature_args: list[Any]) -> set[Any]:
    return {s for a in signature_args for s in _ir.backward_slice(function, a) if s in function.parameters}


class SignatureUnboundValue(StrikeforgeDetector):
    """A value the submitter chooses that changes what a signed message does, outside the signed digest."""

    ARGUMENT = "signature-unbound-value"
    HELP = "A value the submitter chooses is outside the signed digest"
    IMPACT, CONFIDENCE = HIGH, MEDIUM
    WIKI_TITLE = "Signed message does not bind a value the submitter chooses"
    WIKI_DESCRIPTION = (
        "A signature is checked over a digest, but the function (or the entry point that stored the context the "
        "signed message is applied in) takes another value from its caller and acts on it: a recipient, a fee, a "
        "series id, a market. Whoever submits the signature chooses that value, not the signer."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "A sequencer records an account's co-signed '+1 option for 100' under a worthless series id it picks at "
        "posting; the signature is valid and the account is charged 100 for nothing."
    )
    WIKI_RECOMMENDATION = (
        "Put every value that gives the message its meaning in the signed struct (EIP-712), and read it from "
        "there; check stored context against the signed copy."
    )

    def _detect(self) -> list[Output]:
        results = []
        signed_types: dict[str, set[str]] = {}
        for _, function in self.declared_functions():
            for _node, _ir_op, digest, signature_args in recoveries(function):
                cover = covered(function, digest)
                for param, field_name in cover:
                    struct = _struct(param.type)
                    if struct is not None and field_name is not None:
                        signed_types.setdefault(struct.name, set()).add(field_name)
                excluded = _signature_params(function, signature_args) | {p for p, _ in cover}
                results += self._unbound(function, excluded)
                # a helper that verifies: what its callers pass it is what is signed
                for caller, call in self._callers(function):
                    mapped = set()
                    for param, arg in zip(function.parameters, call.arguments, strict=False):
                        if param in excluded:
                            mapped |= {v for v in _ir.backward_slice(caller, arg) if v in caller.parameters}
                    results += self._unbound(caller, mapped)
        results += self._applied_under_chosen_keys(signed_types)
        return results

    def _callers(self, function: Function) -> list[tuple[Function, Any]]:
        if function.visibility in ("public", "external"):
            return []
        return [
            (caller, ir)
            for _, caller in self.declared_functions()
            for _, ir in _ir.irs(caller)
            if _ir.internal_callees(ir) is function
        ]

    def _unbound(self, function: Function, excluded: set[Any]) -> list[Output]:
        results = []
        for param in function.parameters:
            if param in excluded or not isinstance(param.type, ElementaryType | UserDefinedType):
                continue
            if isinstance(param.type, ElementaryType) and param.type.name in ("bytes", "string"):
                continue
            tainted = _ir.taint(function, [param])
            if _pinned(function, tainted):
                continue
            where = _used_for_effect(function, tainted)
            if where is not None:
                text = (
                    f" verifies a signature over a digest that omits its parameter {param.name}, which it then "
                    "acts on (stores or pays with): "
                )
                results.append(self.generate_result([function, text, where, "\n"]))
        return results

    def _applied_under_chosen_keys(self, signed_types: dict[str, set[str]]) -> list[Output]:
        """Writes of a signed struct's fields under keys taken from slots an entry point fills from its caller."""
        if not signed_types:
            return []
        chosen: dict[str, tuple[Function, Any]] = {}
        for _, entry in self.state_changing_entry_points():
            if any(recoveries(fn) for fn in _ir.reachable(entry)):
                continue
            for slot, parameter in _param_writes(entry, list(entry.parameters)).items():
                chosen.setdefault(slot, (entry, parameter))
        results = []
        for _, function in self.declared_functions():
            for param in function.parameters:
                struct = _struct(param.type)
                if struct is None or struct.name not in signed_types:
                    continue
                tainted = _ir.taint(function, [param])
                for node, ir in _ir.irs(function):
                    if not isinstance(ir, Index) or ir.variable_right in tainted:
                        continue
                    if _ir.storage_location(function, ir.variable_left) is None:
                        continue
                    if not _ir.written_through(function, ir.lvalue, tainted):
                        continue
                    for slot in sorted(_slots_of(function, ir.variable_right)):
                        if slot in chosen:
                            entry, parameter = chosen[slot]
                            text = (
                                f" applies the signed {struct.name} under a key read from {slot}, which "
                                f"{entry.name} stores from its caller's {parameter.name} outside any signature: "
                            )
                            results.append(self.generate_result([function, text, node, "\n"]))
                            break
        return results
