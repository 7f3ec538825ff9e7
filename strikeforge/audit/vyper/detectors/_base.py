"""The base class of the Vyper detectors: Slither's detector attributes, findings in Slither's shape."""

from __future__ import annotations

from typing import Any

import vyper.ast.nodes as vy

from strikeforge.audit.docs import anchor
from strikeforge.audit.findings import make_finding
from strikeforge.audit.vyper.model import VyperModule


class VyperDetector:
    """One concern over one module; subclasses set the attributes and implement ``detect``."""

    ARGUMENT = ""
    HELP = ""
    WIKI = ""
    IMPACT = ""  # High, Medium, Low, Informational, Optimization (Slither's names)
    CONFIDENCE = ""
    WIKI_TITLE = ""
    WIKI_DESCRIPTION = ""
    WIKI_EXPLOIT_SCENARIO = ""
    WIKI_RECOMMENDATION = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.ARGUMENT:
            cls.WIKI = anchor(cls.ARGUMENT)

    def __init__(self, module: VyperModule) -> None:
        self.module = module

    def detect(self) -> list[dict[str, Any]]:
        raise NotImplementedError

    def finding(self, parts: list[Any]) -> dict[str, Any]:
        return make_finding(self.ARGUMENT, self.IMPACT, self.CONFIDENCE, parts)

    def at(self, fn: vy.FunctionDef, text: str, node: vy.VyperNode) -> dict[str, Any]:
        """A finding naming ``fn``, then ``text``, then the statement or expression ``node``."""
        return self.finding([self.module.function_element(fn), text, self.module.node_element(node, fn), "\n"])
