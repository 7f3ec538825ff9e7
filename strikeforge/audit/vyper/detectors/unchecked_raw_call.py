"""``raw_call(..., revert_on_failure=False)`` whose success flag is never checked."""

from __future__ import annotations

from typing import Any

import vyper.ast.nodes as vy

from strikeforge.audit.vyper import model
from strikeforge.audit.vyper.detectors._base import VyperDetector


def _no_revert(call: vy.Call) -> bool:
    for keyword in call.keywords:
        if keyword.arg == "revert_on_failure":
            return isinstance(keyword.value, vy.NameConstant) and keyword.value.value is False
    return False


def _success_name(call: vy.Call) -> str | None:
    parent = call.get_ancestor()
    if isinstance(parent, vy.Assign | vy.AnnAssign) and parent.value is call:
        target = parent.target.elements[0] if isinstance(parent.target, vy.Tuple) else parent.target
        return target.id if isinstance(target, vy.Name) else None
    return None


def _used(fn: vy.FunctionDef, name: str, after: int) -> bool:
    for node in fn.get_descendants(vy.Name, {"id": name}):
        if model.span(node)[0] <= after:
            continue
        if model.in_condition(node) or model.within(node, (vy.Return, vy.Call)) is not None:
            return True
    return False


class VyperUncheckedRawCall(VyperDetector):
    """A low-level call told not to revert whose result is dropped."""

    ARGUMENT = "vyper-unchecked-raw-call"
    HELP = "raw_call with revert_on_failure=False and an unchecked result"
    IMPACT, CONFIDENCE = "Medium", "High"
    WIKI_TITLE = "Unchecked raw_call"
    WIKI_DESCRIPTION = "raw_call(..., revert_on_failure=False) returns a success flag that nobody reads."
    WIKI_EXPLOIT_SCENARIO = "A payout fails silently; the contract records it as paid."
    WIKI_RECOMMENDATION = "assert the success flag, or handle the failure explicitly."

    def detect(self) -> list[dict[str, Any]]:
        results = []
        for fn in self.module.functions():
            for call in fn.get_descendants(vy.Call):
                if model.builtin_name(call) != "raw_call" or not _no_revert(call):
                    continue
                if model.in_condition(call):
                    continue
                name = _success_name(call)
                if name is not None and _used(fn, name, model.end(call)):
                    continue
                results.append(
                    self.finding(
                        [
                            self.module.function_element(fn),
                            " ignores the result of ",
                            self.module.node_element(call, fn),
                            "\n",
                        ]
                    )
                )
        return results
