"""Push payments a recipient can block, in an action that is someone else's (Vyper)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import vyper.ast.nodes as vy

from strikeforge.audit.vyper import model
from strikeforge.audit.vyper.detectors._base import VyperDetector

TOKEN_PUSHES = {"transfer": 0}


def _keyword(call: vy.Call, name: str) -> vy.VyperNode | None:
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    return None


def payments(fn: vy.FunctionDef) -> Iterator[tuple[vy.VyperNode, vy.VyperNode, str]]:
    """(call node, recipient, kind) for each required ETH send or token push in ``fn``."""
    for call in fn.get_descendants(vy.Call):
        name = model.builtin_name(call)
        if name == "send" and call.args:
            yield call, call.args[0], "ETH"
        elif name == "raw_call" and call.args:
            value = _keyword(call, "value")
            soft = _keyword(call, "revert_on_failure")
            if value is None or model.is_zero(value):
                continue
            if isinstance(soft, vy.NameConstant) and soft.value is False and not _asserted(fn, call):
                continue
            yield call, call.args[0], "ETH"
        elif (
            isinstance(call.func, vy.Attribute)
            and call.func.attr in TOKEN_PUSHES
            and isinstance(call.get_ancestor(), vy.ExtCall)
            and call.args
        ):
            yield call, call.args[TOKEN_PUSHES[call.func.attr]], "tokens"


def _asserted(fn: vy.FunctionDef, call: vy.Call) -> bool:
    """A soft raw_call whose success flag is then asserted (or branches to a revert)."""
    stmt = model.within(call, (vy.Assign, vy.AnnAssign))
    if stmt is None:
        return False
    targets = stmt.target.elements if isinstance(stmt.target, vy.Tuple) else [stmt.target]
    names = {t.id for t in targets if isinstance(t, vy.Name)}
    for node in fn.get_descendants(vy.Assert):
        if model.names_in(node.test) & names:
            return True
    for node in fn.get_descendants(vy.If):
        if model.names_in(node.test) & names and any(isinstance(s, vy.Raise) for s in node.get_descendants(vy.Raise)):
            return True
    return False


def recorded_party(fn: vy.FunctionDef, recipient: vy.VyperNode) -> str | None:
    """Why the recipient is a party other than the caller: read from storage, or a parameter that keys storage."""
    if any(model.is_attr(a, "msg", "sender") or model.is_attr(a, "tx", "origin") for a in _attrs(recipient)):
        return None
    slot = model.slot_of(fn, recipient)
    if slot is not None and not model.is_constant(model.strip_convert(recipient)):
        return f"read from {slot[0]}"
    if isinstance(recipient, vy.Name):
        for loop in fn.get_descendants(vy.For):
            target = loop.target.target if isinstance(loop.target, vy.AnnAssign) else loop.target
            if isinstance(target, vy.Name) and target.id == recipient.id and model.slot_of(fn, loop.iter):
                return f"each of {model.slot_of(fn, loop.iter)[0]}"
    params = {a.arg for a in fn.args.args}
    used = model.names_in(recipient) & params
    for subscript in fn.get_descendants(vy.Subscript):
        if model.names_in(subscript.slice) & used and model.slot_of(fn, subscript.value) is not None:
            return f"the parameter {sorted(used)[0]}, which keys the contract's records"
    return None


def _is_caller(fn: vy.FunctionDef, recipient: vy.VyperNode) -> bool:
    """The recipient is asserted equal to msg.sender somewhere in ``fn``."""
    mine = model.slot_of(fn, recipient) or recipient.node_source_code
    for compare in fn.get_descendants(vy.Compare):
        if not isinstance(compare.op, vy.Eq | vy.NotEq):
            continue
        sides = (compare.left, compare.right)
        for side, other in (sides, sides[::-1]):
            if model.is_attr(side, "msg", "sender") and (model.slot_of(fn, other) or other.node_source_code) == mine:
                return True
    return False


def caller_has_stake(reach: list[vy.FunctionDef]) -> bool:
    """msg.sender is recorded (a key or value of a storage write) or paid; checking it does not count."""
    for fn in reach:
        for stmt in fn.get_descendants((vy.Assign, vy.AugAssign)):
            if not model.writes(stmt):
                continue
            parts = [stmt.target] + ([stmt.value] if stmt.value is not None else [])
            if any(model.is_attr(a, "msg", "sender") for p in parts for a in _attrs(p)):
                return True
        for _, recipient, _ in payments(fn):
            if any(model.is_attr(a, "msg", "sender") for a in _attrs(recipient)) or _is_caller(fn, recipient):
                return True
    return False


def _attrs(node: vy.VyperNode) -> list[vy.VyperNode]:
    return [node, *node.get_descendants(vy.Attribute)]


class VyperPushPaymentDos(VyperDetector):
    """A required push payment to a recorded party inside an action its caller or others depend on."""

    ARGUMENT = "vyper-push-payment-dos"
    HELP = "Push payment to a recorded party can block the whole action"
    IMPACT, CONFIDENCE = "Medium", "Medium"
    WIKI_TITLE = "Push payment to a recorded party whose failure reverts the action (Vyper)"
    WIKI_DESCRIPTION = (
        "send(), raw_call(value=...) or a token transfer to a stored or record-keyed address reverts the whole call "
        "when the recipient rejects it, so that recipient can block a bid, a challenge or a payout to others."
    )
    WIKI_EXPLOIT_SCENARIO = "The highest bidder is a contract that rejects ETH: no higher bid can refund it."
    WIKI_RECOMMENDATION = "Credit the recipient and let it withdraw (pull payment)."

    def detect(self) -> list[dict[str, Any]]:
        results = []
        seen: set[int] = set()
        for entry in self.module.functions():
            if not model.is_entry(entry):
                continue
            reach = model.reachable(entry)
            stake = caller_has_stake(reach)
            candidates = [
                (fn, call, recipient, kind)
                for fn in reach
                for call, recipient, kind in payments(fn)
                if recorded_party(fn, recipient) is not None and not _is_caller(fn, recipient)
            ]
            several = len({recipient.node_source_code for _, _, recipient, _ in candidates}) > 1
            for fn, call, recipient, kind in candidates:
                why = recorded_party(fn, recipient)
                looped = model.within(call, (vy.For,)) is not None
                if not (stake or looped or several) or id(call) in seen:
                    continue
                seen.add(id(call))
                place = " in a loop over recipients" if looped else ""
                text = (
                    f" pushes {kind} to a recorded party ({why}){place} and reverts if it fails, so that party "
                    f"can block {entry.name}: "
                )
                results.append(self.at(fn, text, call))
        return results
