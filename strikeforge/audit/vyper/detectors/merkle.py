"""Merkle proofs verified by hand over a leaf that is one keccak256 of exactly 64 bytes (Vyper)."""

from __future__ import annotations

from typing import Any

import vyper.ast.nodes as vy

from strikeforge.audit.vyper import model
from strikeforge.audit.vyper.detectors._base import VyperDetector

ENCODERS = ("abi_encode", "_abi_encode")


def _static_size(node: vy.VyperNode, packed: bool) -> int | None:
    """Bytes a static value takes in concat (packed) or abi_encode (a 32-byte word each)."""
    t = model.expr_type(node)
    if t is None:
        return None
    if not packed:
        return 32 if getattr(t, "_is_prim_word", False) or hasattr(t, "bits") or str(t).startswith("bytes") else None
    name = str(t)
    if name.startswith("bytes") and name[5:].isdigit():
        return int(name[5:])
    return None


def preimage_size(fn: vy.FunctionDef, node: vy.VyperNode, depth: int = 3) -> int | None:
    """The byte length hashed once to make ``node`` when it is keccak256(concat(...)) or keccak256(abi_encode(...))
    of static values, following locals."""
    if isinstance(node, vy.Name) and depth > 0:
        values = model.local_assignments(fn).get(node.id, [])
        return preimage_size(fn, values[0], depth - 1) if len(values) == 1 else None
    if not (isinstance(node, vy.Call) and model.builtin_name(node) == "keccak256" and node.args):
        return None
    inner = node.args[0]
    name = model.builtin_name(inner) if isinstance(inner, vy.Call) else None
    if name == "concat":
        sizes = [_static_size(a, packed=True) for a in inner.args]
    elif name in ENCODERS:
        sizes = [_static_size(a, packed=False) for a in inner.args]
    else:
        return None
    return None if any(s is None for s in sizes) else sum(sizes)


def _hashes_itself(stmt: vy.VyperNode, name: str) -> bool:
    value = stmt.value
    return isinstance(value, vy.Call) and model.builtin_name(value) == "keccak256" and name in model.names_in(value)


def handrolled_leaves(fn: vy.FunctionDef) -> list[tuple[vy.VyperNode, vy.VyperNode | str]]:
    """(node, leaf expression or parameter name) for each loop that rehashes an accumulator with proof elements."""
    found = []
    params = {a.arg for a in fn.args.args}
    seen: set[str] = set()
    for loop in fn.get_descendants(vy.For):
        for stmt in loop.get_descendants(vy.Assign):
            if (
                not isinstance(stmt.target, vy.Name)
                or stmt.target.id in seen
                or not _hashes_itself(stmt, stmt.target.id)
            ):
                continue
            name = stmt.target.id
            seen.add(name)
            if name in params:
                found.append((stmt, name))
                continue
            for start in fn.get_descendants((vy.AnnAssign, vy.Assign)):
                if (
                    isinstance(start.target, vy.Name)
                    and start.target.id == name
                    and model.within(start, (vy.For,)) is None
                    and start.value is not None
                ):
                    found.append((start, start.value))
                    break
    return found


class VyperMerkleSecondPreimage(VyperDetector):
    """A hand-verified Merkle leaf that is one keccak256 of 64 bytes, the size of an inner node."""

    ARGUMENT = "vyper-merkle-second-preimage"
    HELP = "Merkle leaf is a single hash of 64 bytes (second preimage)"
    IMPACT, CONFIDENCE = "High", "High"
    WIKI_TITLE = "Merkle leaf open to a second preimage (Vyper)"
    WIKI_DESCRIPTION = "A 64-byte leaf preimage hashes like an inner node, so an inner node passes as a leaf."
    WIKI_EXPLOIT_SCENARIO = "An attacker proves the pair of child hashes of an inner node as a claimable leaf."
    WIKI_RECOMMENDATION = "Hash leaves twice (keccak256(keccak256(abi_encode(...)))) or give leaves another length."

    def detect(self) -> list[dict[str, Any]]:
        results = []
        functions = self.module.functions()
        for fn in functions:
            for node, leaf in handrolled_leaves(fn):
                if isinstance(leaf, str):
                    position = [a.arg for a in fn.args.args].index(leaf)
                    for caller in functions:
                        for call in caller.get_descendants(vy.Call):
                            t = model.callee(call)
                            ours = t is not None and t.decl_node is fn and position < len(call.args)
                            if ours and preimage_size(caller, call.args[position]) == 64:
                                results.append(self.at(caller, " verifies a single-hashed 64-byte Merkle leaf: ", call))
                elif preimage_size(fn, leaf) == 64:
                    results.append(self.at(fn, " verifies a single-hashed 64-byte Merkle leaf: ", node))
        return results
