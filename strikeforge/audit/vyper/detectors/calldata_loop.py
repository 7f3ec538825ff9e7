"""A loop over a caller's array with no cap below the type's bound (Vyper)."""

from __future__ import annotations

from typing import Any

import vyper.ast.nodes as vy

from strikeforge.audit.vyper import model
from strikeforge.audit.vyper.detectors._base import VyperDetector

SMALL_BOUND = 256  # a DynArray bound at or below this is a cap the type itself enforces


def _bound(fn: vy.FunctionDef, name: str) -> int | None:
    """The length bound of a DynArray parameter (the compiler's type), or None."""
    for arg in model.func_type(fn).arguments:
        if arg.name == name and type(arg.typ).__name__ == "DArrayT":
            return int(arg.typ.length)
    return None


def _capped(fn: vy.FunctionDef, name: str) -> bool:
    for compare in fn.get_descendants(vy.Compare):
        if not isinstance(compare.op, vy.Lt | vy.LtE | vy.Gt | vy.GtE | vy.Eq):
            continue
        for side, other in ((compare.left, compare.right), (compare.right, compare.left)):
            is_len = isinstance(side, vy.Call) and model.builtin_name(side) == "len" and name in model.names_in(side)
            if is_len and not model.is_zero(other):
                return True
    return False


class VyperUncappedCalldataLoop(VyperDetector):
    """A loop over a DynArray parameter whose only cap is a large type bound."""

    ARGUMENT = "vyper-uncapped-calldata-loop"
    HELP = "Loop over caller-supplied data with no cap on its length"
    IMPACT, CONFIDENCE = "Low", "Medium"
    WIKI_TITLE = "Loop over caller-supplied data with no cap (Vyper)"
    WIKI_DESCRIPTION = (
        "A function loops over a DynArray argument whose only bound is the type's (thousands of elements): a "
        "relayer, keeper or batch that must include the call can be made to spend more gas than a block holds."
    )
    WIKI_EXPLOIT_SCENARIO = "A beneficiary signs a release over 8,000 ids; the sponsoring relayer's call never fits."
    WIKI_RECOMMENDATION = "Assert len(xs) <= MAX with a small MAX, or give the DynArray a small bound."

    def detect(self) -> list[dict[str, Any]]:
        results = []
        for fn in self.module.functions():
            if not model.func_type(fn).is_external:
                continue
            for loop in fn.get_descendants(vy.For):
                names = model.names_in(loop.iter)
                for name in names:
                    bound = _bound(fn, name)
                    if bound is not None and bound > SMALL_BOUND and not _capped(fn, name):
                        results.append(
                            self.at(fn, f" loops over {name} (up to {bound} elements) with no smaller cap: ", loop)
                        )
                        break
        return results
