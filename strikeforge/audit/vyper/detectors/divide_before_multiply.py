"""Integer division whose result is then multiplied (precision lost before it is scaled back)."""

from __future__ import annotations

from typing import Any

import vyper.ast.nodes as vy
from vyper.semantics.types import IntegerT

from strikeforge.audit.vyper.detectors._base import VyperDetector

DIVISIONS = (vy.FloorDiv, vy.Div)


def _is_division(node: vy.VyperNode) -> bool:
    return isinstance(node, vy.BinOp) and isinstance(node.op, DIVISIONS)


def _divided_names(fn: vy.FunctionDef) -> dict[str, vy.VyperNode]:
    """Locals assigned straight from a division."""
    out: dict[str, vy.VyperNode] = {}
    for stmt in fn.get_descendants((vy.Assign, vy.AnnAssign)):
        if isinstance(stmt.target, vy.Name) and stmt.value is not None and _is_division(stmt.value):
            out[stmt.target.id] = stmt.value
    return out


class VyperDivideBeforeMultiply(VyperDetector):
    """``(a // b) * c``, directly or through a local."""

    ARGUMENT = "vyper-divide-before-multiply"
    HELP = "Integer division before multiplication"
    IMPACT, CONFIDENCE = "Medium", "Medium"
    WIKI_TITLE = "Divide before multiply (Vyper)"
    WIKI_DESCRIPTION = "Dividing first truncates; the multiplication then scales the rounding error up."
    WIKI_EXPLOIT_SCENARIO = "fee = amount // 10000 * bps charges 0 on every amount under 10000."
    WIKI_RECOMMENDATION = "Multiply first, or use a mul-div with explicit rounding."

    def detect(self) -> list[dict[str, Any]]:
        results = []
        for fn in self.module.functions():
            divided = _divided_names(fn)
            for node in fn.get_descendants(vy.BinOp):
                if not isinstance(node.op, vy.Mult) or not isinstance(node._metadata.get("type"), IntegerT):
                    continue
                for operand in (node.left, node.right):
                    if _is_division(operand) or (isinstance(operand, vy.Name) and operand.id in divided):
                        results.append(
                            self.finding(
                                [
                                    self.module.function_element(fn),
                                    " multiplies the result of a division ",
                                    self.module.node_element(node, fn),
                                    "\n",
                                ]
                            )
                        )
                        break
        return results
