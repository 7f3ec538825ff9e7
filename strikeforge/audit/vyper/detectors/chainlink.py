"""Chainlink reads in Vyper: staleness, answer sign, feed decimals and the L2 sequencer, one detector per concern.

A read is ``staticcall feed.latestRoundData()`` unpacked into a tuple of names; a feed whose expression names a
"sequencer" is the L2 sequencer-uptime feed and is exempt from the price checks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import vyper.ast.nodes as vy

from strikeforge.audit.vyper import model
from strikeforge.audit.vyper.detectors._base import VyperDetector

ANSWER, UPDATED_AT = 1, 3


def calls_of(node: vy.VyperNode, method: str) -> Iterator[vy.StaticCall | vy.ExtCall]:
    """Every ``staticcall``/``extcall`` of ``something.method(...)`` under ``node``."""
    for found in node.get_descendants((vy.StaticCall, vy.ExtCall)):
        call = found.value
        if isinstance(call, vy.Call) and isinstance(call.func, vy.Attribute) and call.func.attr == method:
            yield found


def round_data_calls(fn: vy.FunctionDef) -> Iterator[vy.StaticCall | vy.ExtCall]:
    return calls_of(fn, "latestRoundData")


def is_sequencer(node: vy.StaticCall) -> bool:
    return "sequencer" in node.value.func.value.node_source_code.lower()


def unpacked_name(node: vy.StaticCall, index: int) -> str | None:
    parent = node.get_ancestor()
    if isinstance(parent, vy.Assign) and isinstance(parent.target, vy.Tuple) and index < len(parent.target.elements):
        target = parent.target.elements[index]
        return target.id if isinstance(target, vy.Name) else None
    return None


def compared(fn: vy.FunctionDef, name: str, depth: int = model.MAX_DEPTH) -> bool:
    """True when ``name`` (or a local derived from it) is compared, here or in an internal function it is passed to."""
    tainted = model.tainted_names(fn, {name})
    for cmp in fn.get_descendants(vy.Compare):
        if model.names_in(cmp) & tainted:
            return True
    if depth == 0:
        return False
    for call in fn.get_descendants(vy.Call):
        target = model.callee(call)
        if target is None:
            continue
        for arg, param in zip(call.args, target.decl_node.args.args, strict=False):
            if model.names_in(arg) & tainted and compared(target.decl_node, param.arg, depth - 1):
                return True
    return False


class _ChainlinkDetector(VyperDetector):
    def price_reads(self) -> Iterator[tuple[vy.FunctionDef, vy.StaticCall]]:
        for fn in self.module.functions():
            for node in round_data_calls(fn):
                if not is_sequencer(node):
                    yield fn, node

    def report(self, fn: vy.FunctionDef, node: vy.VyperNode, text: str) -> dict[str, Any]:
        return self.at(fn, text, node)


class VyperChainlinkStalePrice(_ChainlinkDetector):
    ARGUMENT = "vyper-chainlink-stale-price"
    HELP = "Chainlink updatedAt is never compared against a maximum age"
    IMPACT, CONFIDENCE = "Medium", "High"
    WIKI_TITLE = "Chainlink price without a staleness check (Vyper)"
    WIKI_DESCRIPTION = "The price from latestRoundData() is used without comparing updatedAt to a maximum age."
    WIKI_EXPLOIT_SCENARIO = "The feed stops updating during a crash; options settle at the last, hours-old price."
    WIKI_RECOMMENDATION = "assert block.timestamp - updatedAt <= a per-feed maximum staleness."

    def detect(self) -> list[dict[str, Any]]:
        results = []
        for fn, node in self.price_reads():
            name = unpacked_name(node, UPDATED_AT)
            if name is None or not compared(fn, name):
                results.append(self.report(fn, node, " uses a Chainlink price without checking its age: "))
        return results


class VyperChainlinkUncheckedAnswer(_ChainlinkDetector):
    ARGUMENT = "vyper-chainlink-unchecked-answer"
    HELP = "Chainlink answer is never checked to be positive"
    IMPACT, CONFIDENCE = "Medium", "High"
    WIKI_TITLE = "Chainlink answer not checked positive (Vyper)"
    WIKI_DESCRIPTION = "The int256 answer of latestRoundData() is used without checking that it is above zero."
    WIKI_EXPLOIT_SCENARIO = "A feed reports 0; convert(answer, uint256) yields a price of zero."
    WIKI_RECOMMENDATION = "assert answer > 0 before converting it."

    def detect(self) -> list[dict[str, Any]]:
        results = []
        for fn in self.module.functions():
            for node in round_data_calls(fn):
                name = unpacked_name(node, ANSWER)
                if name is None or not compared(fn, name):
                    results.append(self.report(fn, node, " uses a Chainlink answer without checking it: "))
        return results


def _reads_decimals(module: model.VyperModule) -> bool:
    return any(True for _ in calls_of(module.ast, "decimals"))


class VyperChainlinkHardcodedDecimals(_ChainlinkDetector):
    ARGUMENT = "vyper-chainlink-hardcoded-decimals"
    HELP = "Chainlink answer scaled with hard-coded decimals (feed.decimals() never read)"
    IMPACT, CONFIDENCE = "Medium", "Medium"
    WIKI_TITLE = "Chainlink feed decimals ignored (Vyper)"
    WIKI_DESCRIPTION = "The answer is rescaled by a constant although feeds differ (8 for USD pairs, 18 for ETH pairs)."
    WIKI_EXPLOIT_SCENARIO = "A deployment points the oracle at an 18-decimal feed; every price is off by 10^10."
    WIKI_RECOMMENDATION = "Read feed.decimals() once into an immutable and scale by it."

    def detect(self) -> list[dict[str, Any]]:
        if _reads_decimals(self.module):
            return []
        results = []
        for fn, node in self.price_reads():
            name = unpacked_name(node, ANSWER)
            if name is None:
                continue
            tainted = model.tainted_names(fn, {name})
            for binop in fn.get_descendants(vy.BinOp):
                if isinstance(binop.op, vy.Mult | vy.FloorDiv | vy.Div | vy.Pow) and model.names_in(binop) & tainted:
                    results.append(self.report(fn, node, " scales a Chainlink answer without reading decimals: "))
                    break
        return results


class VyperChainlinkMissingSequencerCheck(_ChainlinkDetector):
    ARGUMENT = "vyper-chainlink-missing-sequencer-check"
    HELP = "Chainlink price read on L2 without the configured sequencer-uptime check"
    IMPACT, CONFIDENCE = "Medium", "Medium"
    WIKI_TITLE = "Missing L2 sequencer-uptime check (Vyper)"
    WIKI_DESCRIPTION = "The contract holds a sequencer-uptime feed but a path to the price never consults it."
    WIKI_EXPLOIT_SCENARIO = "The sequencer is down; prices freeze while L1-forced transactions settle at them."
    WIKI_RECOMMENDATION = "Check the sequencer feed's answer (0 = up) and a grace period since startedAt first."

    def detect(self) -> list[dict[str, Any]]:
        sequencer = {
            d.target.id
            for d in self.module.ast.body
            if isinstance(d, vy.VariableDecl) and "sequencer" in d.target.id.lower()
        }
        if not sequencer:
            return []
        readers = {fn for fn, _ in self.price_reads()}
        results = []
        for fn in self.module.functions():
            reach = model.reachable(fn)
            if not model.func_type(fn).is_external or not readers & set(reach):
                continue
            mentioned = set().union(
                *(model.names_in(n) | {a.attr for a in n.get_descendants(vy.Attribute)} for n in reach)
            )
            if not mentioned & sequencer:
                reader = next(r for r in reach if r in readers)
                node = next(n for n in round_data_calls(reader) if not is_sequencer(n))
                results.append(self.report(fn, node, " reads a price without the sequencer-uptime check: "))
        return results
