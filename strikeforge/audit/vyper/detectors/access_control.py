"""Missing access control: an external function that writes privileged configuration with no check of the sender."""

from __future__ import annotations

from typing import Any

import vyper.ast.nodes as vy

from strikeforge.audit.slither_plugin.access_control import PRIVILEGED
from strikeforge.audit.vyper import model
from strikeforge.audit.vyper.detectors._base import VyperDetector


def privileged_writes(fn: vy.FunctionDef) -> set[str]:
    """Privileged state variables written by ``fn`` or anything it reaches (the compiler's write sets)."""
    names = set()
    for node in model.reachable(fn):
        for access in model.func_type(node).get_variable_writes():
            variable = access.variable
            if variable.location not in model.STATE or variable.decl_node is None:
                continue
            name = variable.decl_node.target.id
            if PRIVILEGED.search(name):
                names.add(name)
    return names


def _self_service(reach: list[vy.FunctionDef], privileged: set[str]) -> set[str]:
    """Privileged variables written only under the sender's own key (``self.x[msg.sender]``)."""
    keyed = set()
    for fn in reach:
        for stmt in fn.get_descendants((vy.Assign, vy.AugAssign)):
            for name, target in model.writes(stmt):
                subscripts = [target] if isinstance(target, vy.Subscript) else []
                subscripts += target.get_descendants(vy.Subscript)
                if name in privileged and any(model.is_attr(s.slice, "msg", "sender") for s in subscripts):
                    keyed.add(name)
    return keyed


def sender_checked(reach: list[vy.FunctionDef]) -> bool:
    """``msg.sender`` in an assert or if test, or handed to a check, anywhere ``fn`` reaches."""
    for fn in reach:
        for sender in model.sender_values(fn):
            if model.in_condition(sender):
                return True
            call = model.within(sender, (vy.Call,))
            if call is not None and model.callee(call) is not None:
                return True
    return False


class VyperMissingAccessControl(VyperDetector):
    """An external state-changing function writing owner, roles, oracle, fee, treasury or parameters, unguarded."""

    ARGUMENT = "vyper-missing-access-control"
    HELP = "Privileged configuration written without a sender check"
    IMPACT, CONFIDENCE = "High", "Medium"
    WIKI_TITLE = "Missing access control (Vyper)"
    WIKI_DESCRIPTION = "Anyone can call a function that changes who controls the contract or how it prices and pays."
    WIKI_EXPLOIT_SCENARIO = "An attacker sets the fee recipient to themselves and collects every fee."
    WIKI_RECOMMENDATION = "Check msg.sender against a role (snekmate ownable or access_control) held by the timelock."

    def detect(self) -> list[dict[str, Any]]:
        results = []
        inferred = inferred_privileged(self.module)
        for fn in self.module.functions():
            if not model.is_entry(fn):
                continue
            reach = model.reachable(fn)
            chosen = _caller_chosen_writes(fn, reach)
            written = {v for v in privileged_writes(fn) if not _accumulates(reach, v) and v in chosen}
            signed = any(model.builtin_name(c) == "ecrecover" for f in reach for c in f.get_descendants(vy.Call))
            if not role_guarded(reach) and not signed:
                written |= {v for v in chosen if v in inferred}
            if not written:
                continue
            exposed = written - _self_service(reach, written)
            if exposed and not role_guarded(reach) and not (exposed <= privileged_writes(fn) and sender_checked(reach)):
                names = ", ".join(sorted(exposed))
                results.append(
                    self.finding([self.module.function_element(fn), f" writes {names} without checking msg.sender\n"])
                )
        return results


GUARD_CALLS = ("_check_owner", "check_owner", "_check_role", "check_role", "_only_", "only_", "has_role")


def role_guarded(reach: list[vy.FunctionDef]) -> bool:
    """msg.sender compared with a stored address (``msg.sender == self.owner``), looked up in a stored allow-list
    inside a test, or a role-check call (snekmate's ``ownable._check_owner()``). The caller's own balance does not
    count."""
    for fn in reach:
        for call in fn.get_descendants(vy.Call):
            name = call.func.attr if isinstance(call.func, vy.Attribute) else model.builtin_name(call) or ""
            guard = name.lower().startswith(GUARD_CALLS) or name.lower() in ("_check_owner", "_check_role")
            if guard and not isinstance(call.get_ancestor(), vy.ExtCall):
                return True
        for sender in model.sender_values(fn):
            compare = sender.get_ancestor()
            if isinstance(compare, vy.Compare) and isinstance(compare.op, vy.Eq | vy.NotEq):
                other = compare.right if compare.left is sender else compare.left
                literal = isinstance(other, vy.Int | vy.Hex | vy.NameConstant) or (
                    isinstance(other, vy.Call) and model.builtin_name(other) == "empty"
                )
                if not literal and (model.slot_of(fn, other) is not None or model.is_constant(other)):
                    return True  # msg.sender == a stored or immutable admin
            subscript = model.within(sender, (vy.Subscript,))
            if subscript is not None and model.in_condition(sender):
                t = model.expr_type(subscript)
                if t is not None and str(t) == "bool":
                    return True
    return False


def _scalar(module: Any, name: str) -> bool:
    for node in module.ast.body:
        if isinstance(node, vy.VariableDecl) and node.target.id == name:
            t = node.target._metadata.get("type") or model.expr_type(node.annotation)
            text = node.annotation.node_source_code
            return (not text.startswith(("HashMap", "DynArray")) and "[" not in text and t is not None) or (
                t is None and not text.startswith(("HashMap", "DynArray"))
            )
    return False


def inferred_privileged(module: Any) -> set[str]:
    """Storage the module itself treats as privileged: written by a role-guarded entry point, checked against
    msg.sender, or used as a call target or payment recipient (only in a module that guards anything)."""
    entries = [fn for fn in module.functions() if model.is_entry(fn)]
    guarded = [fn for fn in entries if role_guarded(model.reachable(fn))]
    if not guarded:
        return set()
    found: set[str] = set()
    for fn in guarded:
        for inner in model.reachable(fn):
            for stmt in inner.get_descendants((vy.Assign, vy.AnnAssign, vy.AugAssign)):
                found |= {name for name, _ in model.writes(stmt)}
    for fn in module.functions():
        for sender in model.sender_values(fn):
            compare = model.within(sender, (vy.Compare,))
            if compare is not None:
                for side in (compare.left, compare.right):
                    slot = model.slot_of(fn, side)
                    if slot is not None:
                        found.add(slot[0])
        moves_value = (
            bool(fn.get_descendants(vy.AugAssign))
            or any(model.builtin_name(c) in ("send", "raw_call") for c in fn.get_descendants(vy.Call))
            or bool(fn.get_descendants(vy.ExtCall))
        )
        if moves_value:  # a rate or fee that scales what the function pays or credits
            for binop in fn.get_descendants(vy.BinOp):
                if isinstance(binop.op, vy.Mult | vy.FloorDiv | vy.Div):
                    for side in (binop.left, binop.right):
                        slot = model.slot_of(fn, side)
                        if slot is not None and slot[1] is None and not model.is_constant(side):
                            found.add(slot[0])
        for call in fn.get_descendants((vy.ExtCall, vy.StaticCall)):
            inner = call.value
            if isinstance(inner, vy.Call) and isinstance(inner.func, vy.Attribute):
                slot = model.slot_of(fn, inner.func.value)
                if slot is not None:
                    found.add(slot[0])
                if inner.func.attr in ("transfer",) and inner.args:
                    slot = model.slot_of(fn, inner.args[0])
                    if slot is not None:
                        found.add(slot[0])
        for call in fn.get_descendants(vy.Call):
            if model.builtin_name(call) in ("send", "raw_call") and call.args:
                slot = model.slot_of(fn, call.args[0])
                if slot is not None:
                    found.add(slot[0])
    return {name for name in found if _scalar(module, name)}


def _accumulates(reach: list[vy.FunctionDef], name: str) -> bool:
    """Every write of ``name`` reads its old value (x += y): accounting, not configuration."""
    writes = [
        stmt
        for fn in reach
        for stmt in fn.get_descendants((vy.Assign, vy.AugAssign))
        if any(n == name for n, _ in model.writes(stmt))
    ]
    return bool(writes) and all(
        isinstance(stmt, vy.AugAssign) or name in model.attributes_in(stmt.value) for stmt in writes
    )


def _caller_chosen_writes(
    fn: vy.FunctionDef, reach: list[vy.FunctionDef], params: set[str] | None = None, depth: int = 2
) -> set[str]:
    """Storage ``fn`` writes from its parameters (through internal calls), or with a bool/address literal."""
    params = {a.arg for a in fn.args.args} if params is None else params
    tainted = model.tainted_names(fn, params)
    found: set[str] = set()
    if depth > 0:
        for call in fn.get_descendants(vy.Call):
            t = model.callee(call)
            if t is None:
                continue
            inner = {
                a.arg for a, v in zip(t.decl_node.args.args, call.args, strict=False) if model.names_in(v) & tainted
            }
            if inner:
                found |= _caller_chosen_writes(t.decl_node, reach, inner, depth - 1)
    for stmt in fn.get_descendants((vy.Assign, vy.AnnAssign)):
        if stmt.value is None:
            continue
        chosen = bool(model.names_in(stmt.value) & tainted) or isinstance(stmt.value, vy.NameConstant)
        chosen = chosen or (isinstance(stmt.value, vy.Call) and model.builtin_name(stmt.value) == "empty")
        if chosen:
            found |= {name for name, _ in model.writes(stmt)}
    return found
