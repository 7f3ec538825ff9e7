"""Work whose cost the caller's data chooses: loops over a caller's array with no cap, and ABI decoding of a caller's
bytes into nested dynamic types (whose head offsets may alias, so the work is not bounded by the byte length).

Medium when the data was committed earlier by someone else (its hash is checked against storage): a proof or claim
that must replay it can be made to need more gas than a block has. Low otherwise.
"""

from __future__ import annotations

from typing import Any

from slither.core.cfg.node import NodeType
from slither.core.declarations import Function, SolidityVariable, Structure
from slither.core.solidity_types import ArrayType, ElementaryType, UserDefinedType
from slither.slithir.operations import Binary, HighLevelCall, Length, SolidityCall
from slither.utils.output import Output

from strikeforge.audit.slither_plugin import _ir
from strikeforge.audit.slither_plugin._base import StrikeforgeDetector
from strikeforge.audit.slither_plugin.classification import LOW, MEDIUM

KECCAK = "keccak256(bytes)"
THIS = SolidityVariable("this")


def dynamic(t: Any, depth: int = 4) -> bool:
    """True for an ABI-dynamic type (bytes, string, T[], a struct holding one)."""
    if depth < 0:
        return False
    if isinstance(t, ElementaryType):
        return t.name in ("bytes", "string")
    if isinstance(t, ArrayType):
        return t.is_dynamic or dynamic(t.type, depth - 1)
    if isinstance(t, UserDefinedType) and isinstance(t.type, Structure):
        return any(dynamic(e.type, depth - 1) for e in t.type.elems_ordered)
    return False


def aliasable(t: Any) -> bool:
    """A dynamic array whose elements are themselves dynamic: their offsets can point at one shared element."""
    if isinstance(t, list):
        return any(aliasable(x) for x in t)
    return isinstance(t, ArrayType) and t.is_dynamic and dynamic(t.type)


def _decoded_aliasable(function: Function, value: Any) -> bool:
    """The decoded value (or the array Slither builds from it, ``InitArray``) is an aliasable type."""
    if aliasable(getattr(value, "type", None)):
        return True
    return any(
        type(ir).__name__ == "InitArray" and value in ir.read and aliasable(getattr(ir.lvalue, "type", None))
        for _, ir in _ir.irs(function)
    )


def committed(function: Function, parameter: Any) -> bool:
    """True when keccak256 of ``parameter`` is compared with something read from storage (data someone committed)."""
    hashes = {
        ir.lvalue
        for _, ir in _ir.irs(function)
        if _ir.solidity_call_name(ir) == KECCAK and _ir.root_value(function, ir.arguments[0]) is parameter
    }
    if not hashes:
        return False
    hashed = _ir.taint(function, hashes)
    for _, ir in _ir.irs(function):
        if isinstance(ir, Binary) and ir.type in _ir.COMPARISONS and any(v in hashed for v in ir.read):
            other = ir.variable_right if ir.variable_left in hashed else ir.variable_left
            if any(_ir.storage_location(function, v) for v in _ir.backward_slice(function, other)):
                return True
    return False


def _self_calls(function: Function, parameter: Any) -> list[tuple[Function, Any]]:
    """(callee, its parameter) for each ``this.f(parameter)`` call passing the data on."""
    found = []
    for _, ir in _ir.irs(function):
        if isinstance(ir, HighLevelCall) and ir.destination == THIS and isinstance(ir.function, Function):
            for p, a in zip(ir.function.parameters, ir.arguments, strict=False):
                if _ir.root_value(function, a) is parameter:
                    found.append((ir.function, p))
        callee = _ir.internal_callees(ir)
        if callee is not None:
            for p, a in zip(callee.parameters, ir.arguments, strict=False):
                if _ir.root_value(function, a) is parameter:
                    found.append((callee, p))
    return found


def costs(function: Function, parameter: Any, depth: int = 2) -> list[tuple[Function, Any, str]]:
    """(function, node, what) for each decode into an aliasable type, and each uncapped loop over the data."""
    found = []
    tainted = _ir.taint(function, [parameter])
    lengths = {ir.lvalue for _, ir in _ir.irs(function) if isinstance(ir, Length) and ir.value in tainted}
    for node, ir in _ir.irs(function):
        decode = isinstance(ir, SolidityCall) and ir.function.name.startswith("abi.decode") and ir.arguments
        if decode and ir.arguments[0] in tainted and _decoded_aliasable(function, ir.lvalue):
            found.append((function, node, "decodes it into nested dynamic arrays (offsets can alias)"))
    if lengths:
        counted = _ir.taint(function, lengths)
        loops = [n for n in function.nodes if n.type == NodeType.IFLOOP and any(v in counted for v in _reads(n))]
        capped = any(
            isinstance(ir, Binary)
            and ir.type in _ir.COMPARISONS
            and any(v in counted for v in ir.read)
            and not any(_ir.is_zero(v) for v in ir.read)
            for node in function.nodes
            if node.type != NodeType.IFLOOP
            for ir in node.irs
        )
        if loops and not capped:
            found.append((function, loops[0], "loops over it with no cap on its length"))
    if depth > 0:
        for callee, inner in _self_calls(function, parameter):
            found += costs(callee, inner, depth - 1)
    return found


def _reads(node: Any) -> list[Any]:
    return [v for ir in node.irs for v in ir.read]


def _findings(detector: StrikeforgeDetector, want_committed: bool) -> list[Output]:
    results = []
    seen: set[Any] = set()
    for _, entry in detector.state_changing_entry_points():
        for parameter in entry.parameters:
            if not dynamic(parameter.type) or committed(entry, parameter) != want_committed:
                continue
            for function, node, what in costs(entry, parameter):
                if node in seen:
                    continue
                seen.add(node)
                if want_committed:
                    text = (
                        f"'s {parameter.name} is data someone committed earlier (its hash is checked against "
                        f"storage); {function.name} {what}, so the committer sets the gas this needs: "
                    )
                else:
                    text = f" takes {parameter.name} from its caller; {function.name} {what}: "
                results.append(detector.generate_result([entry, text, node, "\n"]))
    return results


class UnboundedCommittedData(StrikeforgeDetector):
    """Data someone committed (hash in storage) that a proof or claim replays at a cost the committer chose."""

    ARGUMENT = "unbounded-committed-data"
    HELP = "Committed data replayed with no cap on its cost (proof can exceed a block)"
    IMPACT, CONFIDENCE = MEDIUM, MEDIUM
    WIKI_TITLE = "Committed data whose replay cost the committer chooses"
    WIKI_DESCRIPTION = (
        "A function takes bytes or an array whose hash another party committed to storage, then loops over it with "
        "no cap or ABI-decodes it into nested dynamic arrays (whose head offsets may overlap, so thousands of "
        "elements can share the bytes of one). The committer sets the gas the replay needs: beyond a block, the "
        "proof or claim that depends on it is impossible."
    )
    WIKI_EXPLOIT_SCENARIO = (
        "A sequencer posts batch data whose 8,000 leaf offsets all point at one leaf; the data challenge that "
        "rebuilds the root runs out of gas, so the fraudulent root becomes final."
    )
    WIKI_RECOMMENDATION = (
        "Cap the element count when the data is committed, and parse a fixed-stride or canonical encoding (strictly "
        "increasing, non-overlapping offsets) instead of abi.decode of nested dynamic types."
    )

    def _detect(self) -> list[Output]:
        return _findings(self, want_committed=True)


class UncappedCalldataLoop(StrikeforgeDetector):
    """A loop over (or aliasable decode of) the caller's own data with no cap."""

    ARGUMENT = "uncapped-calldata-loop"
    HELP = "Loop over caller-supplied data with no cap on its length"
    IMPACT, CONFIDENCE = LOW, MEDIUM
    WIKI_TITLE = "Loop over caller-supplied data with no cap"
    WIKI_DESCRIPTION = (
        "A function loops over an array its caller supplies, or decodes caller bytes into nested dynamic arrays, "
        "with no cap on the length. Harmless when only the caller pays; a denial of service when a keeper, a "
        "relayer or a batch of other users' actions depends on the call fitting in a block."
    )
    WIKI_EXPLOIT_SCENARIO = "A relayer's batched claim includes one request with 50,000 ids and the batch never fits."
    WIKI_RECOMMENDATION = "Cap the length (require(ids.length <= MAX)) or take a fixed-size array."

    def _detect(self) -> list[Output]:
        return _findings(self, want_committed=False)
