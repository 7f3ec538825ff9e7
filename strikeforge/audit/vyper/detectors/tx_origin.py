"""``tx.origin`` used for authentication."""

from __future__ import annotations

from typing import Any

import vyper.ast.nodes as vy

from strikeforge.audit.vyper import model
from strikeforge.audit.vyper.detectors._base import VyperDetector


class VyperTxOrigin(VyperDetector):
    """``tx.origin`` compared inside an ``assert`` or ``if``."""

    ARGUMENT = "vyper-tx-origin"
    HELP = "tx.origin used for authorization"
    IMPACT, CONFIDENCE = "Medium", "Medium"
    WIKI_TITLE = "tx.origin authentication"
    WIKI_DESCRIPTION = "Checking tx.origin trusts whoever started the transaction, through any contract in between."
    WIKI_EXPLOIT_SCENARIO = "The owner calls a malicious contract, which calls setOwner(); tx.origin is the owner."
    WIKI_RECOMMENDATION = "Check msg.sender against a role."

    def detect(self) -> list[dict[str, Any]]:
        results = []
        for fn in self.module.functions():
            for node in fn.get_descendants(vy.Attribute):
                if (
                    model.is_attr(node, "tx", "origin")
                    and model.within(node, (vy.Compare,))
                    and model.in_condition(node)
                ):
                    results.append(
                        self.finding(
                            [
                                self.module.function_element(fn),
                                " authenticates with tx.origin ",
                                self.module.node_element(node, fn),
                                "\n",
                            ]
                        )
                    )
        return results
