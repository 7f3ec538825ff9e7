"""Two parties' timestamps ordered against each other, with no notice period (Vyper)."""

from __future__ import annotations

from typing import Any

import vyper.ast.nodes as vy

from strikeforge.audit.vyper import model
from strikeforge.audit.vyper.detectors._base import VyperDetector
from strikeforge.audit.vyper.detectors.access_control import role_guarded

ORDERINGS = (vy.LtE, vy.GtE)  # non-strict: the same second (or block) lands on the user's side
Slot = tuple[str, str | None]


def _is_clock(node: vy.VyperNode) -> bool:
    """The block's time itself (possibly converted), not a deadline computed from it."""
    node = model.strip_convert(node)
    if isinstance(node, vy.Call) and node.keywords:
        return any(_is_clock(k.value) for k in node.keywords)
    return model.is_attr(node, "block", "timestamp") or model.is_attr(node, "block", "number")


def clock_writes(fn: vy.FunctionDef) -> list[Slot]:
    """The storage slots ``fn`` stamps with the block's time (directly, or as a field of a struct it stores)."""
    slots: list[Slot] = []
    for stmt in fn.get_descendants((vy.Assign, vy.AnnAssign)):
        if stmt.value is None or not _is_clock(stmt.value):
            continue
        for name, target in model.writes(stmt):
            value = model.strip_convert(stmt.value)
            if isinstance(value, vy.Call) and value.keywords:
                for keyword in value.keywords:
                    if _is_clock(keyword.value) and not (isinstance(keyword.value, vy.Call) and keyword.value.keywords):
                        slots.append((name, keyword.arg))
                continue
            field = (
                target.attr
                if isinstance(target, vy.Attribute) and not model.is_attr(target, "self", target.attr)
                else None
            )
            slots.append((name, field))
    return slots


class VyperTimestampRace(VyperDetector):
    """An ordering of a user-stamped time against another party's stamped time."""

    ARGUMENT = "vyper-same-timestamp-race"
    HELP = "User timestamp ordered against another party's timestamp"
    IMPACT, CONFIDENCE = "Medium", "Medium"
    WIKI_TITLE = "Same-timestamp race between two parties' actions (Vyper)"
    WIKI_DESCRIPTION = (
        "A time stamped by one party's action is compared with one stamped by another's using <, <=, > or >=; "
        "actions in one block share a timestamp and a front-runner picks the order."
    )
    WIKI_EXPLOIT_SCENARIO = "A withdrawal requested in the same second as a snapshot both counts and escapes it."
    WIKI_RECOMMENDATION = "Use a notice period (requested_at + NOTICE <= posted_at) or a sequence number."

    def detect(self) -> list[dict[str, Any]]:
        stamped: dict[Slot, list[tuple[str, bool]]] = {}
        for fn in self.module.functions():
            if not model.is_entry(fn):
                continue
            reach = model.reachable(fn)
            guarded = role_guarded(reach)
            for inner in reach:
                for slot in clock_writes(inner):
                    stamped.setdefault(slot, []).append((fn.name, guarded))
        results = []
        if len(stamped) < 2:
            return results
        for fn in self.module.functions():
            for compare in fn.get_descendants(vy.Compare):
                if not isinstance(compare.op, ORDERINGS):
                    continue
                left, right = model.slot_of(fn, compare.left), model.slot_of(fn, compare.right)
                if left is None or right is None or left == right or left not in stamped or right not in stamped:
                    continue
                race = None
                for a, b in ((stamped[left], stamped[right]), (stamped[right], stamped[left])):
                    for user, guarded in a:
                        if not guarded and any(other != user for other, _ in b):
                            race = user
                if race is None:
                    continue
                text = (
                    f" orders {self._name(left)} against {self._name(right)}, one stamped by anyone in {race}, with "
                    "no notice period; one action in the same block or a front-run decides it: "
                )
                results.append(self.at(fn, text, compare))
        return results

    @staticmethod
    def _name(slot: Slot) -> str:
        return f"{slot[0]}.{slot[1]}" if slot[1] else slot[0]
