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
        for fn in self.module.functions():
            if not model.is_entry(fn):
                continue
            written = privileged_writes(fn)
            if not written:
                continue
            reach = model.reachable(fn)
            exposed = written - _self_service(reach, written)
            if exposed and not sender_checked(reach):
                names = ", ".join(sorted(exposed))
                results.append(
                    self.finding([self.module.function_element(fn), f" writes {names} without checking msg.sender\n"])
                )
        return results
