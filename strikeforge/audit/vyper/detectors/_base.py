"""The base class of the Vyper detectors: Slither's detector attributes, findings in Slither's shape."""

from __future__ import annotations

from typing import Any

import vyper.ast.nodes as vy

from strikeforge.audit.docs import Documented
from strikeforge.audit.findings import make_finding
from strikeforge.audit.vyper.model import VyperModule


class VyperDetector(Documented):
    """One concern over one module; subclasses set the attributes and implement ``detect``."""

    IMPACT = ""  # High, Medium, Low, Informational, Optimization (Slither's names)
    CONFIDENCE = ""

    def __init__(self, module: VyperModule) -> None:
        self.module = module

    def detect(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def finding(self, parts: list[Any]) -> dict[str, Any]:
        return make_finding(self.ARGUMENT, self.IMPACT, self.CONFIDENCE, parts)

    def at(self, fn: vy.FunctionDef, text: str, node: vy.VyperNode) -> dict[str, Any]:
        """A finding naming ``fn``, then ``text``, then the statement or expression ``node``."""
        return self.finding([self.module.function_element(fn), text, self.module.node_element(node, fn), "\n"])
