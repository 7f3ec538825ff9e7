"""Reentrancy: a state write after an external call, in a function without ``@nonreentrant``."""

from __future__ import annotations

from typing import Any

from strikeforge.audit.vyper import model
from strikeforge.audit.vyper.detectors._base import VyperDetector


class VyperReentrancy(VyperDetector):
    """``extcall``, ``raw_call`` or ``send`` followed by a storage write, with no reentrancy lock."""

    ARGUMENT = "vyper-reentrancy"
    HELP = "State written after an external call without @nonreentrant"
    IMPACT, CONFIDENCE = "High", "Medium"
    WIKI_TITLE = "Reentrancy (Vyper)"
    WIKI_DESCRIPTION = "A storage write follows an external call, and nothing stops the callee from re-entering."
    WIKI_EXPLOIT_SCENARIO = "The recipient's fallback calls withdraw() again before the balance is zeroed."
    WIKI_RECOMMENDATION = "Write state before the call (checks-effects-interactions) and add @nonreentrant."

    def detect(self) -> list[dict[str, Any]]:
        results = []
        for fn in self.module.functions():
            ft = model.func_type(fn)
            if not ft.is_external or ft.nonreentrant or not ft.is_mutable:
                continue
            call = None
            for kind, variable, node in model.events(fn.body):
                if kind == "call" and call is None:
                    call = node
                elif kind == "write" and call is not None:
                    results.append(
                        self.finding(
                            [
                                self.module.function_element(fn),
                                " makes an external call ",
                                self.module.node_element(call, fn),
                                f" and then writes {variable} ",
                                self.module.node_element(node, fn),
                                "\n",
                            ]
                        )
                    )
                    break
        return results
