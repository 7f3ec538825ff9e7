"""Merkle proofs: a 64-byte single-hashed leaf (second preimage), and a claim paid before it is marked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slither.core.declarations import Function
from slither.core.solidity_types import ElementaryType
from slither.slithir.operations import (
    Assignment,
    HighLevelCall,
    LowLevelCall,
    Send,
    Transfer,
    TypeConversion,
)
from slither.utils.output import Output

from strikeforge.audit.slither_plugin import _ir
from strikeforge.audit.slither_plugin._base import StrikeforgeDetector
from strikeforge.audit.slither_plugin.classification import HIGH, MEDIUM

# MerkleProof function -> position of the leaf argument.
VERIFIERS = {"verify": 2, "verifyCalldata": 2, "processProof": 1, "processProofCalldata": 1}
KECCAK = "keccak256(bytes)"
ENCODERS = {"abi.encode()": False, "abi.encodePacked()": True}
TRANSFERS = frozenset({"transfer", "transferFrom", "safeTransfer", "safeTransferFrom", "mint", "safeMint", "sendValue"})


def _definition(function: Function, value: Any) -> Any:
    for _, ir in _ir.irs(function):
        if getattr(ir, "lvalue", None) == value:
            return ir
    return None


def _origin(function: Function, value: Any) -> Any:
    """The operation that computed ``value``, through plain assignments and conversions."""
    ir = _definition(function, value)
    while isinstance(ir, Assignment | TypeConversion):
        source = ir.rvalue if isinstance(ir, Assignment) else ir.variable
        ir = _definition(function, source)
    return ir


def _encoded_size(arguments: list[Any], packed: bool) -> int | None:
    size = 0
    for arg in arguments:
        t = getattr(arg, "type", None)
        if not isinstance(t, ElementaryType) or t.is_dynamic:
            return None
        size += (t.size // 8) if packed else 32
    return size


def leaf_preimage_size(function: Function, leaf: Any, depth: int = 2) -> int | None:
    """The byte length hashed once to make ``leaf`` when it is ``keccak256(abi.encode[Packed](static args))``,
    directly or returned by a helper."""
    if sum(1 for _, ir in _ir.irs(function) if getattr(ir, "lvalue", None) == leaf) > 1:
        return None  # reassigned (leaf = keccak256(leaf) re-hashes it): not one hash of its preimage
    keccak = _origin(function, leaf)
    callee = _ir.internal_callees(keccak) if keccak is not None else None
    if callee is not None and depth > 0:
        for _, ir in _ir.irs(callee):
            if type(ir).__name__ == "Return" and ir.values:
                return leaf_preimage_size(callee, ir.values[0], depth - 1)
        if callee.returns:
            return leaf_preimage_size(callee, callee.returns[0], depth - 1)
        return None
    if _ir.solidity_call_name(keccak) != KECCAK:
        return None
    encode = _origin(function, keccak.arguments[0])
    name = _ir.solidity_call_name(encode)
    if name not in ENCODERS:
        return None
    return _encoded_size(encode.arguments, ENCODERS[name])


def _keccak_reads(function: Function, value: Any) -> set[Any]:
    """The values hashed (through abi.encode/encodePacked/bytes.concat) into ``value``, if it is a keccak256."""
    keccak = _origin(function, value)
    if _ir.solidity_call_name(keccak) != KECCAK:
        return set()
    encoded = _origin(function, keccak.arguments[0])
    arguments = getattr(encoded, "arguments", None) or [keccak.arguments[0]]
    return set(arguments) | {_ir.root_value(function, a) for a in arguments}


def handrolled_leaves(function: Function) -> list[tuple[Any, Any]]:
    """(node, leaf) for each Merkle verification written by hand in ``function``: a variable that a loop replaces
    with the hash of itself and a proof element, starting from the leaf."""
    found = []
    accumulators = set()
    for node, ir in _ir.irs(function):
        if type(ir).__name__ != "Assignment" or not _ir.in_loop(node):
            continue
        variable = ir.lvalue
        if variable in _keccak_reads(function, ir.rvalue):
            accumulators.add(variable)
    for variable in accumulators:
        if variable in function.parameters:
            found.append((function.nodes[0] if function.nodes else None, variable))
            continue
        for node, ir in _ir.irs(function):
            if type(ir).__name__ == "Assignment" and ir.lvalue == variable and not _ir.in_loop(node):
                found.append((node, ir.rvalue))
                break
    return found


def verifications(function: Function) -> Iterator[tuple[Any, Any, Any]]:
    """(node, call, leaf) for every Merkle verification in ``function``: OpenZeppelin's MerkleProof, a hand-written
    loop here, or a call passing the leaf to a helper that verifies by hand."""
    for node, ir in _ir.irs(function):
        callee = _ir.internal_callees(ir)
        if callee is not None and callee.name in VERIFIERS and "merkle" in str(callee.contract.name).lower():
            position = VERIFIERS[callee.name]
            if position < len(ir.arguments):
                yield node, ir, ir.arguments[position]
        elif callee is not None and callee.is_implemented:
            for _, leaf in handrolled_leaves(callee):
                if leaf in callee.parameters:
                    position = callee.parameters.index(leaf)
                    if position < len(ir.arguments):
                        yield node, ir, ir.arguments[position]
    for node, leaf in handrolled_leaves(function):
        if leaf not in function.parameters and node is not None:
            yield node, None, leaf


class MerkleSecondPreimage(StrikeforgeDetector):
    """A Merkle leaf that is one keccak256 of exactly 64 bytes, the size of an inner node."""

    ARGUMENT = "merkle-second-preimage"
    HELP = "Merkle leaf is a single hash of 64 bytes (second-preimage)"
    IMPACT, CONFIDENCE = HIGH, HIGH
    WIKI_TITLE = "Merkle leaf open to a second preimage"
    WIKI_DESCRIPTION = "A 64-byte leaf preimage hashes like an inner node, so an inner node passes as a leaf."
    WIKI_EXPLOIT_SCENARIO = "An attacker proves the pair of child hashes of an inner node as a claimable leaf."
    WIKI_RECOMMENDATION = "Hash leaves twice: keccak256(bytes.concat(keccak256(abi.encode(...)))) (OZ merkle-tree)."

    def _detect(self) -> list[Output]:
        results = []
        for _, function in self.declared_functions():
            for node, _ir_call, leaf in verifications(function):
                if leaf_preimage_size(function, leaf) == 64:
                    results.append(
                        self.generate_result([function, " verifies a single-hashed 64-byte leaf: ", node, "\n"])
                    )
        return results


def _is_payout(ir: Any) -> bool:
    if isinstance(ir, Transfer | Send):
        return True
    if isinstance(ir, LowLevelCall):
        return ir.call_value is not None
    return isinstance(ir, HighLevelCall) and str(ir.function_name) in TRANSFERS


def _events(function: Function, depth: int = _ir.MAX_DEPTH) -> Iterator[tuple[str, Any, Any]]:
    """("write", variable, node) and ("payout", None, node), in execution order through internal calls."""
    for node in function.nodes:
        for variable in node.state_variables_written:
            yield "write", variable, node
        for ir in node.irs:
            if _is_payout(ir):
                yield "payout", None, node
            callee = _ir.internal_callees(ir)
            if callee is not None and depth > 0:
                yield from _events(callee, depth - 1)


def _keyed_by_leaf(entry: Function, reach: list[Function]) -> set[Any]:
    """State written under a key that is part of the proven leaf (``taken[account] = cumulative``): a per-claim
    record, even when it guards by arithmetic (the next claim pays cumulative - taken) instead of a condition."""
    from slither.slithir.operations import Index

    leaf_values: set[Any] = set()
    for fn in reach:
        for _, _call, leaf in verifications(fn):
            leaf_values |= {
                v
                for v in _ir.backward_slice(fn, leaf)
                if v in entry.parameters or v in fn.parameters or v == _ir.SENDER
            }
    found: set[Any] = set()
    for fn in reach:
        for _, ir in _ir.irs(fn):
            if isinstance(ir, Index) and _ir.root_value(fn, ir.variable_right) in leaf_values:
                location = _ir.storage_location(fn, ir.variable_left)
                if location is not None and _ir.written_through(fn, ir.lvalue):
                    found.add(location[0])
    return found


class MerkleClaimNotMarked(StrikeforgeDetector):
    """A Merkle-proven claim that pays out before (or without) recording the claim."""

    ARGUMENT = "merkle-claim-not-marked"
    HELP = "Merkle claim paid before it is marked as claimed"
    IMPACT, CONFIDENCE = HIGH, MEDIUM
    WIKI_TITLE = "Merkle claim not marked before the transfer"
    WIKI_DESCRIPTION = "The claimed flag is written after the payout, or never, so the proof can be used again."
    WIKI_EXPLOIT_SCENARIO = "A token with a transfer hook re-enters claim() and is paid again for the same leaf."
    WIKI_RECOMMENDATION = "Check and set the claimed bit before any transfer (checks-effects-interactions)."

    def _detect(self) -> list[Output]:
        results = []
        for _, entry in self.state_changing_entry_points():
            reach = _ir.reachable(entry)
            if not any(True for fn in reach for _ in verifications(fn)):
                continue
            checked = {v for fn in reach for v in fn.all_conditional_state_variables_read(include_loop=False)}
            checked |= _keyed_by_leaf(entry, reach)
            marked, payout = False, None
            for kind, variable, node in _events(entry):
                if kind == "write" and variable in checked:
                    marked = True
                elif kind == "payout" and not marked:
                    payout = node
                    break
            if payout is not None:
                results.append(self.generate_result([entry, " pays a Merkle claim before marking it: ", payout, "\n"]))
        return results
