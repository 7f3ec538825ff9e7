"""Push payments a recipient can block: ETH or tokens sent to a recorded party inside an action that is someone
else's, whose failure reverts the action (a challenge, a bid, a liquidation, a batch payout)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slither.core.cfg.node import NodeType
from slither.core.declarations import Function, SolidityVariableComposed
from slither.core.variables.state_variable import StateVariable
from slither.slithir.operations import (
    BinaryType,
    Condition,
    HighLevelCall,
    Index,
    LibraryCall,
    LowLevelCall,
    Send,
    SolidityCall,
    Transfer,
    Unpack,
)
from slither.utils.output import Output

from strikeforge.audit.slither_plugin import _ir
from strikeforge.audit.slither_plugin._base import StrikeforgeDetector
from strikeforge.audit.slither_plugin.classification import MEDIUM

SENDER = SolidityVariableComposed("msg.sender")
ORIGIN = SolidityVariableComposed("tx.origin")
# token function -> index of the recipient among its arguments (library calls take the token first).
TOKEN_PUSHES = {"transfer": 0, "safeTransfer": 0, "sendValue": 0}
REQUIRES = ("require(", "assert(")
_EQUALITY = (BinaryType.EQUAL, BinaryType.NOT_EQUAL)


def _reverts_on_failure(function: Function, ir: Any) -> bool:
    """True when a failed send/call makes the function revert (its success flag is required or branches to a
    revert)."""
    if isinstance(ir, Transfer):
        return True
    if isinstance(ir, HighLevelCall):
        return True  # a token push reverts on a blacklisted or hooked recipient, checked or not
    flags = {ir.lvalue}
    for _, other in _ir.irs(function):
        if isinstance(other, Unpack) and other.tuple == ir.lvalue and other.index == 0:
            flags.add(other.lvalue)
    tainted = _ir.taint(function, flags)
    for node, other in _ir.irs(function):
        if not any(v in tainted for v in other.read):
            continue
        if isinstance(other, SolidityCall) and other.function.name.startswith(REQUIRES):
            return True
        if isinstance(other, Condition):
            for branch in node.sons:
                if (
                    any(isinstance(i, SolidityCall) and i.function.name.startswith("revert") for i in branch.irs)
                    or branch.type == NodeType.THROW
                ):
                    return True
    return False


def payments(function: Function) -> Iterator[tuple[Any, Any, Any, str]]:
    """(node, operation, recipient, kind) for every ETH send and token push in ``function``."""
    for node, ir in _ir.irs(function):
        valued = isinstance(ir, LowLevelCall) and ir.call_value is not None and not _ir.is_zero(ir.call_value)
        if isinstance(ir, Transfer | Send) or valued:
            yield node, ir, ir.destination, "ETH"
        elif isinstance(ir, HighLevelCall) and str(ir.function_name) in TOKEN_PUSHES:
            name = str(ir.function_name)
            # A library call takes the bound value first: the token for SafeERC20, the recipient for Address.
            position = TOKEN_PUSHES[name] + (1 if isinstance(ir, LibraryCall) and name != "sendValue" else 0)
            if position < len(ir.arguments):
                yield node, ir, ir.arguments[position], "tokens"


def _keys_state(function: Function, parameter: Any) -> bool:
    """True when ``parameter`` is used as a key into contract state (it names a party with a record)."""
    tainted = _ir.taint(function, [parameter])
    for fn in [function]:
        for _, ir in _ir.irs(fn):
            if isinstance(ir, Index) and ir.variable_right in tainted and _ir.storage_location(fn, ir.variable_left):
                return True
    return False


def recorded_party(entry: Function, function: Function, recipient: Any, depth: int = 2) -> str | None:
    """Why ``recipient`` is a party other than the caller, or None: it is read from storage, or it is a parameter
    that keys the contract's records."""
    sources = _ir.backward_slice(function, recipient)
    if SENDER in sources or ORIGIN in sources:
        return None
    from strikeforge.audit.slither_plugin.negation import describe

    for value in sources:
        if isinstance(value, StateVariable) and not (value.is_constant or value.is_immutable):
            shown = describe(function, recipient)
            return f"read from {value.name}" + (f" ({shown})" if shown != "a computed value" else "")
    for value in sources:
        if value in function.parameters and _keys_state(function, value):
            return f"the parameter {value.name}, which keys the contract's records"
    if function is not entry and depth > 0:
        # a helper's parameter: what its callers (within this entry point) pass
        for caller in _ir.reachable(entry):
            for _, ir in _ir.irs(caller):
                if _ir.internal_callees(ir) is not function:
                    continue
                for param, arg in zip(function.parameters, ir.arguments, strict=False):
                    if param in sources and not _is_caller(caller, arg):
                        why = recorded_party(entry, caller, arg, depth - 1)
                        if why is not None:
                            return why
    return None


def _caller_has_stake(entry: Function) -> bool:
    """True when the entry point acts for its caller: it records msg.sender (as a value or a key of a write) or pays
    it. Reading msg.sender only to check it does not count."""
    for fn in _ir.reachable(entry):
        senders = _ir.taint(fn, [SENDER])
        for _, ir in _ir.irs(fn):
            if not any(v in senders for v in ir.read):
                continue
            if isinstance(ir, Index) and ir.variable_right in senders:
                if _ir.written_through(fn, ir.lvalue):
                    return True
            elif type(ir).__name__ == "NewStructure" or (
                type(ir).__name__ == "Assignment" and _ir.storage_location(fn, ir.lvalue) is not None
            ):
                return True
        for _, _op, recipient, _kind in payments(fn):
            if recipient in senders or _is_caller(fn, recipient):
                return True
    return False


def _call_sites(entry: Function, function: Function) -> int:
    """How many calls to ``function`` the entry point makes (directly or through helpers)."""
    return sum(1 for fn in _ir.reachable(entry) for _, ir in _ir.irs(fn) if _ir.internal_callees(ir) is function)


def _is_caller(function: Function, recipient: Any) -> bool:
    """The recipient is checked equal to msg.sender (so it is the caller)."""
    from strikeforge.audit.slither_plugin.negation import _key

    mine = _key(function, recipient)
    for _, ir in _ir.irs(function):
        if type(ir).__name__ == "Binary" and ir.type in _EQUALITY and SENDER in ir.read:
            other = ir.variable_right if ir.variable_left == SENDER else ir.variable_left
            if _key(function, other) == mine:
                return True
    return False


class PushPaymentDos(StrikeforgeDetector):
    """A required push payment to a recorded party inside an action its caller or others depend on."""

    ARGUMENT = "push-payment-dos"
    HELP = "Push payment to a recorded party can block the whole action"
    IMPACT, CONFIDENCE = MEDIUM, MEDIUM
    WIKI_TITLE = "Push payment to a recorded party whose failure reverts the action"
    WIKI_DESCRIPTION = (
        "The function sends ETH or tokens to an address it did not get from its caller (a stored sequencer, the "
        "previous bidder, a borrower, a fee recipient) and reverts if that transfer fails. The recipient (a "
        "contract that rejects ETH, an EIP-7702 account, a blacklisted USDC holder) can then block the action for "
        "everyone: a challenge of its own fraud, a higher bid, a liquidation, every other payee of a batch."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "A sequencer posts a fraudulent batch from a contract whose receive() reverts; every challenge that would "
        "return its later bonds reverts, so the fraud becomes final."
    )
    WIKI_RECOMMENDATION = (
        "Pull payments: credit the recipient and let it withdraw, or ignore a failed push and credit the amount."
    )

    def _detect(self) -> list[Output]:
        results = []
        by_node: dict[Any, tuple[Function, str, str, bool, list[str]]] = {}
        for _, entry in self.state_changing_entry_points():
            stake = _caller_has_stake(entry)
            candidates = []
            for function in _ir.reachable(entry):
                for node, ir, recipient, kind in payments(function):
                    why = recorded_party(entry, function, recipient)
                    if why is None or not _reverts_on_failure(function, ir) or _is_caller(function, recipient):
                        continue
                    candidates.append((function, node, why, kind))
            # Two recorded parties paid in one call: each can block the other's payment.
            several = len({why for _, _, why, _ in candidates}) > 1 or len({n for _, n, _, _ in candidates}) > 1
            helpers = {fn for fn, _, _, _ in candidates if fn is not entry}
            several = several or any(_call_sites(entry, fn) > 1 for fn in helpers)
            for function, node, why, kind in candidates:
                looped = _ir.in_loop(node)
                if stake or looped or several:
                    entries = by_node.setdefault(node, (function, why, kind, looped, []))[4]
                    if entry.name not in entries:
                        entries.append(entry.name)
        for node, (function, why, kind, looped, entries) in by_node.items():
            place = " in a loop over recipients" if looped else ""
            text = (
                f" pushes {kind} to a recorded party ({why}){place} and reverts if it fails, so that party can "
                f"block {', '.join(sorted(entries))}: "
            )
            results.append(self.generate_result([function, text, node, "\n"]))
        return results
