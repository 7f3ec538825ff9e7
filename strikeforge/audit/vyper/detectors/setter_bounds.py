"""A privileged setter that stores a caller-chosen number with no bound (Vyper)."""

from __future__ import annotations

from typing import Any

import vyper.ast.nodes as vy

from strikeforge.audit.vyper import model
from strikeforge.audit.vyper.detectors._base import VyperDetector
from strikeforge.audit.vyper.detectors.access_control import role_guarded

ORDERINGS = (vy.Lt, vy.LtE, vy.Gt, vy.GtE)


def numeric_args(fn: vy.FunctionDef) -> list[str]:
    """The names of ``fn``'s integer parameters (the compiler's function type)."""
    return [a.name for a in model.func_type(fn).arguments if hasattr(a.typ, "bits") and hasattr(a.typ, "is_signed")]


def _tainted(fn: vy.FunctionDef, name: str) -> set[str]:
    return model.tainted_names(fn, {name})


def _bounded(fn: vy.FunctionDef, names: set[str]) -> bool:
    for compare in fn.get_descendants(vy.Compare):
        sides = (compare.left, compare.right)
        if not any(model.names_in(s) & names for s in sides):
            continue
        other = compare.right if model.names_in(compare.left) & names else compare.left
        if isinstance(compare.op, (*ORDERINGS, vy.Eq, vy.NotEq)) and not model.is_zero(other):
            return True  # `> 0` only says "set", not "bounded"
    for call in fn.get_descendants(vy.Call):
        if model.builtin_name(call) in ("min", "max") and any(model.names_in(a) & names for a in call.args):
            return True
    return False


def _stores(fn: vy.FunctionDef, names: set[str]) -> list[tuple[str, vy.VyperNode]]:
    """Writes of a tainted value that change a configuration slot or an existing record's field (not the creation
    of a whole new record, ``self.items[id] = Item(...)``, which a role fills in once)."""
    found = []
    for stmt in fn.get_descendants((vy.Assign, vy.AugAssign)):
        if stmt.value is None or not model.names_in(stmt.value) & names:
            continue
        if isinstance(stmt.value, vy.Call) and stmt.value.keywords and isinstance(stmt.target, vy.Subscript):
            continue
        found += model.writes(stmt)
    return found


class VyperUnboundedPrivilegedSetter(VyperDetector):
    """A sender-checked function storing a number its caller chooses, checked against nothing but zero."""

    ARGUMENT = "vyper-unbounded-privileged-setter"
    HELP = "Privileged setter stores a caller-chosen number with no bound"
    IMPACT, CONFIDENCE = "Medium", "Medium"
    WIKI_TITLE = "Privileged setter of a number with no bound (Vyper)"
    WIKI_DESCRIPTION = (
        "A role can store any value of a number the contract prices or pays with (a settlement price, a fee, a "
        "ratio): one rogue key sets it to anything, with no delay or evidence."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "The disputer 'corrects' an expiry price to any number; calls settle deep in the money for its accomplice."
    )
    WIKI_RECOMMENDATION = (
        "Bound it: a constant maximum, a band around independent evidence, or a timelock users can outrun."
    )

    def detect(self) -> list[dict[str, Any]]:
        results = []
        for fn in self.module.functions():
            if not model.is_entry(fn):
                continue
            reach = model.reachable(fn)
            if not role_guarded(reach):
                continue
            for arg in numeric_args(fn):
                names = _tainted(fn, arg)
                stores = _stores(fn, names)
                for callee_call in fn.get_descendants(vy.Call):
                    t = model.callee(callee_call)
                    if t is None:
                        continue
                    params = [
                        a.arg
                        for a, v in zip(t.decl_node.args.args, callee_call.args, strict=False)
                        if model.names_in(v) & names
                    ]
                    for param in params:
                        inner = _tainted(t.decl_node, param)
                        if _bounded(t.decl_node, inner):
                            names = set()
                        stores += _stores(t.decl_node, inner)
                if not names or not stores or _bounded(fn, names):
                    continue
                variable, target = stores[0]
                text = (
                    f" stores its parameter {arg} in {variable} with no bound (only its caller's role stands "
                    "between any value and what the contract pays with it): "
                )
                results.append(self.at(fn, text, target))
        return results
