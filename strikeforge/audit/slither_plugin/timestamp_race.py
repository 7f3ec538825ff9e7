"""Two parties' timestamps ordered against each other: a user who acts in the same second as (or front-runs) the
other party's action decides which side of the comparison it lands on."""

from __future__ import annotations

from typing import Any

from slither.core.declarations import Function, SolidityVariableComposed
from slither.slithir.operations import Assignment, Binary, BinaryType, NewStructure
from slither.utils.output import Output

from strikeforge.audit.slither_plugin import _ir
from strikeforge.audit.slither_plugin._base import StrikeforgeDetector
from strikeforge.audit.slither_plugin.classification import MEDIUM

NOW = SolidityVariableComposed("block.timestamp")
NUMBER = SolidityVariableComposed("block.number")
# Non-strict only: `user < operator` (strictly before) is the delayed-order guard; `<=` lets the same second count.
ORDERINGS = frozenset({BinaryType.GREATER_EQUAL, BinaryType.LESS_EQUAL})

Slot = tuple[Any, str | None]  # (state variable, struct field or None)


def clock_writes(function: Function) -> list[Slot]:
    """The storage slots ``function`` sets to the block's timestamp or number (directly or as a struct field)."""
    clocks = (NOW, NUMBER)
    # Only the moment itself: ``now + duration`` is a deadline, not the time an action happened.
    clock = {
        ir.lvalue
        for _, ir in _ir.irs(function)
        if getattr(ir, "lvalue", None) is not None and _is_now(function, ir.lvalue)
    } | set(clocks)
    slots: list[Slot] = []
    for _, ir in _ir.irs(function):
        made = _ir.definition(function, ir.rvalue) if isinstance(ir, Assignment) else None
        struct_stamp = isinstance(made, NewStructure) and any(a in clock for a in made.arguments)
        if isinstance(ir, Assignment) and (ir.rvalue in clock or struct_stamp):
            location = _ir.storage_location(function, ir.lvalue)
            if location is None:
                continue
            made = _ir.definition(function, ir.rvalue)
            if isinstance(made, NewStructure) and location[1] is None:
                fields = [f.name for f in made.structure.elems_ordered]
                for name, argument in zip(fields, made.arguments, strict=False):
                    if argument in clock:
                        slots.append((location[0], name))
            else:
                slots.append(location)
    return slots


def _is_now(function: Function, value: Any) -> bool:
    return _ir.root_value(function, value) in (NOW, NUMBER)


def writers(contract: Any) -> dict[Slot, list[tuple[Function, bool]]]:
    """slot -> [(entry point, sender-checked)] for every entry point that stamps it."""
    found: dict[Slot, list[tuple[Function, bool]]] = {}
    for entry in contract.functions_entry_points:
        if entry.view or entry.pure or entry.is_constructor:
            continue
        guarded = _ir.role_guarded(entry)
        for function in _ir.reachable(entry):
            for slot in clock_writes(function):
                if (entry, guarded) not in found.setdefault(slot, []):
                    found[slot].append((entry, guarded))
    return found


def compared_slot(function: Function, value: Any) -> Slot | None:
    """The stamped slot an operand is, read as is (no offset added), or None."""
    value = _ir.root_value(function, value)
    return _ir.storage_location(function, value)


class TimestampRace(StrikeforgeDetector):
    """An ordering of a user-stamped time against another party's stamped time, with no notice period."""

    ARGUMENT = "same-timestamp-race"
    HELP = "User timestamp ordered against another party's timestamp"
    IMPACT, CONFIDENCE = MEDIUM, MEDIUM
    WIKI_TITLE = "Same-timestamp race between two parties' actions"
    WIKI_DESCRIPTION = (
        "The contract compares a time stamped by one party's action (a withdrawal request) with a time stamped by "
        "another's (a batch posting) using <, <=, > or >=. Actions in the same block share a timestamp, and a "
        "front-runner chooses the order, so the comparison says what the user wants, not what happened first."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "A trader requests a withdrawal in the same second as the sequencer posts; the fraud proof counts the "
        "withdrawal against the batch, calls its honest debit unpayable and slashes the sequencer's bond."
    )
    WIKI_RECOMMENDATION = (
        "Order the two by a notice period (requestedAt + NOTICE <= postedAt, and act only after every earlier "
        "posting), or by a nonce or sequence number both sides commit to, not by raw timestamps."
    )

    def _detect(self) -> list[Output]:
        results = []
        for contract in self.derived_contracts():
            stamped = writers(contract)
            if len(stamped) < 2:
                continue
            for function in contract.functions_and_modifiers:
                if not function.is_implemented or self._is_dependency(function):
                    continue
                for node, ir in _ir.irs(function):
                    if not (isinstance(ir, Binary) and ir.type in ORDERINGS):
                        continue
                    left = compared_slot(function, ir.variable_left)
                    right = compared_slot(function, ir.variable_right)
                    if left is None or right is None or left == right or left not in stamped or right not in stamped:
                        continue
                    pair = self._race(stamped[left], stamped[right])
                    if pair is None:
                        continue
                    user, other = pair
                    text = (
                        f" orders {self._name(left)} (stamped by anyone in {user.name}) against {self._name(right)} "
                        f"(stamped in {other.name}) with no notice period; one action in the same block or a "
                        "front-run decides it: "
                    )
                    if user in [w for w, _ in stamped[right]]:
                        text = text.replace(f"(stamped in {other.name})", "(stamped by another action)")
                    results.append(self.generate_result([function, text, node, "\n"]))
        return results

    @staticmethod
    def _race(
        left: list[tuple[Function, bool]], right: list[tuple[Function, bool]]
    ) -> tuple[Function, Function] | None:
        """(an unguarded stamper of one side, a different stamper of the other), or None."""
        for a, b in ((left, right), (right, left)):
            for user, guarded in a:
                if guarded:
                    continue
                for other, _ in b:
                    if other is not user:
                        return user, other
        return None

    @staticmethod
    def _name(slot: Slot) -> str:
        variable, field = slot
        return f"{variable.name}.{field}" if field else variable.name
