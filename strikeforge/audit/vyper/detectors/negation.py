"""Negating a signed integer that can be its type's minimum (``-x`` of ``min_value(int256)`` reverts)."""

from __future__ import annotations

from typing import Any

import vyper.ast.nodes as vy

from strikeforge.audit.vyper import model
from strikeforge.audit.vyper.detectors._base import VyperDetector

CHECKS = (vy.Lt, vy.LtE, vy.Gt, vy.GtE, vy.Eq, vy.NotEq)


def value_sources(fn: vy.FunctionDef, node: vy.VyperNode) -> set[str]:
    """The source text of ``node`` and of every expression it is computed from through locals."""
    found = {node.node_source_code}
    assigned = model.local_assignments(fn)
    frontier = [node]
    seen: set[str] = set()
    while frontier:
        current = frontier.pop()
        names = model.names_in(current)
        for name in names - seen:
            seen.add(name)
            for value in assigned.get(name, []):
                found.add(value.node_source_code)
                found.add(model.strip_convert(value).node_source_code)
                frontier.append(value)
    return found | seen


def narrowed(fn: vy.FunctionDef, operand: vy.VyperNode) -> bool:
    """The operand is a narrower integer converted up (``convert(x128, int256)``), directly or through a local."""
    width = model.signed_bits(operand) or 256
    candidates = [operand]
    if isinstance(operand, vy.Name):
        candidates += model.local_assignments(fn).get(operand.id, [])
    for node in candidates:
        inner = model.strip_convert(node)
        if inner is node:
            t = model.expr_type(node)
            bits = getattr(t, "bits", None)
            if node is not operand and bits is not None and (not getattr(t, "is_signed", True) or bits < width):
                return True
            continue
        t = model.expr_type(inner)
        bits = getattr(t, "bits", None)
        if bits is not None and (not getattr(t, "is_signed", True) or bits < width):
            return True
    return False


def _minus_one(node: vy.VyperNode) -> bool:
    return (isinstance(node, vy.Int) and node.value == -1) or (
        isinstance(node, vy.UnaryOp)
        and isinstance(node.op, vy.USub)
        and isinstance(node.operand, vy.Int)
        and node.operand.value == 1
    )


def _offset(operand: vy.VyperNode) -> bool:
    """``x + c`` with a positive literal c."""
    return (
        isinstance(operand, vy.BinOp)
        and isinstance(operand.op, vy.Add)
        and any(isinstance(v, vy.Int) and v.value > 0 for v in (operand.left, operand.right))
    )


def stored_narrow(module: Any, fn: vy.FunctionDef, operand: vy.VyperNode) -> bool:
    """The operand reads a storage slot that every write fills with a narrower integer."""
    slot = model.slot_of(fn, operand)
    if slot is None:
        return False
    values = []
    for other in module.functions():
        for stmt in other.get_descendants((vy.Assign, vy.AnnAssign)):
            if stmt.value is None:
                continue
            for name, target in model.writes(stmt):
                if name != slot[0]:
                    continue
                value = model.strip_convert(stmt.value) if slot[1] is None else stmt.value
                if isinstance(stmt.value, vy.Call) and stmt.value.keywords and slot[1] is not None:
                    values += [(other, k.value) for k in stmt.value.keywords if k.arg == slot[1]]
                elif isinstance(target, vy.Attribute) and target.attr == slot[1]:
                    values.append((other, stmt.value))
                elif slot[1] is None:
                    values.append((other, value))
    return bool(values) and all(bounded(f, v) for f, v in values)


def bounded(fn: vy.FunctionDef, operand: vy.VyperNode, module: Any = None) -> bool:
    if narrowed(fn, operand) or _offset(operand):
        return True
    if module is not None and stored_narrow(module, fn, operand):
        return True
    sources = value_sources(fn, operand)
    for compare in fn.get_descendants(vy.Compare):
        if not isinstance(compare.op, CHECKS):
            continue
        for mine, other in ((compare.left, compare.right), (compare.right, compare.left)):
            text = model.strip_convert(mine).node_source_code
            if (text in sources or mine.node_source_code in sources) and not model.is_zero(other):
                if isinstance(compare.op, vy.Eq | vy.NotEq):
                    return True
                above = (vy.Gt, vy.GtE) if mine is compare.left else (vy.Lt, vy.LtE)
                if isinstance(compare.op, above):
                    return True  # x > c keeps x above the minimum; x < c does not
    for call in fn.get_descendants(vy.Call):
        if model.builtin_name(call) in ("min", "max") and any(a.node_source_code in sources for a in call.args):
            return True
    return False


class VyperSignedMinNegation(VyperDetector):
    """``-x`` of a signed integer nothing bounds away from its type's minimum."""

    ARGUMENT = "vyper-signed-min-negation"
    HELP = "Negation of a signed integer that can be min_value(intN)"
    IMPACT, CONFIDENCE = "Medium", "Medium"
    WIKI_TITLE = "Negation of a signed integer that can be its type's minimum (Vyper)"
    WIKI_DESCRIPTION = (
        "-min_value(int256) is not representable and Vyper reverts: a proof, liquidation or settlement that negates "
        "an unbounded value fails for exactly the value an attacker picks."
    )
    WIKI_EXPLOIT_SCENARIO = "A position of min_value(int256) cannot be liquidated: computing its size reverts."
    WIKI_RECOMMENDATION = "Bound the value where it enters (e.g. int128 range) or store a narrower type."

    def detect(self) -> list[dict[str, Any]]:
        results = []
        for fn in self.module.functions():
            negations = [(n, n.operand) for n in fn.get_descendants(vy.UnaryOp) if isinstance(n.op, vy.USub)]
            negations += [
                (n, n.args[0]) for n in fn.get_descendants(vy.Call) if model.builtin_name(n) == "abs" and n.args
            ]
            for n in fn.get_descendants(vy.BinOp):
                if isinstance(n.op, vy.Sub) and model.is_zero(n.left):
                    negations.append((n, n.right))  # 0 - x
                elif isinstance(n.op, vy.Mult | vy.FloorDiv) and _minus_one(n.right):
                    negations.append((n, n.left))  # x * -1
                elif isinstance(n.op, vy.Mult) and _minus_one(n.left):
                    negations.append((n, n.right))
            for node, operand in negations:
                bits = model.signed_bits(operand)
                if bits is None or model.is_constant(operand) or bounded(fn, operand, self.module):
                    continue
                text = (
                    f" negates {operand.node_source_code} (int{bits}), which nothing bounds above "
                    f"min_value(int{bits}); there the negation reverts: "
                )
                results.append(self.at(fn, text, node))
        return results
