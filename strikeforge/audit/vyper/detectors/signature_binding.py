"""A signed digest that omits a parameter the function then acts on (Vyper)."""

from __future__ import annotations

from typing import Any

import vyper.ast.nodes as vy

from strikeforge.audit.vyper import model
from strikeforge.audit.vyper.detectors._base import VyperDetector


def digest_names(fn: vy.FunctionDef, node: vy.VyperNode) -> set[str]:
    """Every name ``node`` is computed from, following local assignments back."""
    assigned = model.local_assignments(fn)
    found: set[str] = set()
    frontier = list(model.names_in(node))
    while frontier:
        name = frontier.pop()
        if name in found:
            continue
        found.add(name)
        for value in assigned.get(name, []):
            frontier.extend(model.names_in(value))
    return found


def _effects(fn: vy.FunctionDef, name: str) -> vy.VyperNode | None:
    """Where a parameter (or a local computed from it) is written to storage, as key or value, or pays."""
    tainted = model.tainted_names(fn, {name})
    for stmt in fn.get_descendants((vy.Assign, vy.AugAssign)):
        if model.writes(stmt) and (
            model.names_in(stmt.target) & tainted or (stmt.value is not None and model.names_in(stmt.value) & tainted)
        ):
            return stmt
    for call in fn.get_descendants(vy.Call):
        name_ = model.builtin_name(call)
        paying = name_ in ("send", "raw_call") or (
            isinstance(call.func, vy.Attribute) and call.func.attr in ("transfer", "transferFrom", "mint")
        )
        target = call.func.value if isinstance(call.func, vy.Attribute) else None
        if paying and (
            any(model.names_in(a) & tainted for a in call.args)
            or (target is not None and model.names_in(target) & tainted)
        ):
            return call
    return None


def _pinned(fn: vy.FunctionDef, name: str) -> bool:
    """Compared for equality with something that is not a literal (stored or signed data)."""
    for compare in fn.get_descendants(vy.Compare):
        if not isinstance(compare.op, vy.Eq | vy.NotEq):
            continue
        for mine, other in ((compare.left, compare.right), (compare.right, compare.left)):
            literal = isinstance(other, vy.Int | vy.Hex | vy.NameConstant) or (
                isinstance(other, vy.Call) and model.builtin_name(other) == "empty"
            )
            if name in model.names_in(mine) and not literal:
                return True
    return False


class VyperSignatureUnboundValue(VyperDetector):
    """ecrecover over a digest that omits a parameter the function stores or pays with."""

    ARGUMENT = "vyper-signature-unbound-value"
    HELP = "A value the submitter chooses is outside the signed digest"
    IMPACT, CONFIDENCE = "High", "Medium"
    WIKI_TITLE = "Signed message does not bind a value the submitter chooses (Vyper)"
    WIKI_DESCRIPTION = (
        "ecrecover checks a digest that does not include one of the function's parameters, which the function then "
        "stores or pays with: whoever submits the signature chooses that value (a token, a recipient, a nonce)."
    )
    WIKI_EXPLOIT_SCENARIO = "A release signed for a cheap asset is submitted naming the escrow's most valuable token."
    WIKI_RECOMMENDATION = "Hash every parameter that gives the message its meaning into the signed digest."

    def detect(self) -> list[dict[str, Any]]:
        results = []
        for fn in self.module.functions():
            for call in fn.get_descendants(vy.Call):
                if model.builtin_name(call) != "ecrecover" or not call.args:
                    continue
                covered = digest_names(fn, call.args[0])
                signature = set().union(*(digest_names(fn, a) for a in call.args[1:]))
                for arg in fn.args.args:
                    name = arg.arg
                    if name in covered or name in signature or _pinned(fn, name):
                        continue
                    t = model.expr_type(arg.annotation) if arg.annotation is not None else None
                    if t is not None and str(t).startswith(("Bytes", "String")):
                        continue
                    where = _effects(fn, name)
                    if where is not None:
                        text = f" checks a signature over a digest that omits its parameter {name}, then acts on it: "
                        results.append(self.at(fn, text, where))
        return results
