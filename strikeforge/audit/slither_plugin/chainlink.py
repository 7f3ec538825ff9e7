"""Chainlink price reads: staleness, answer sign, feed decimals and the L2 sequencer, one detector per concern.

A read is a call to ``latestRoundData()``; a feed held in a variable whose name contains "sequencer" is the L2
sequencer-uptime feed and is exempt from the price checks (its answer is a status and its age is the uptime).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from slither.core.declarations import Contract, Function
from slither.slithir.operations import Binary, BinaryType, HighLevelCall
from slither.utils.output import Output

from strikeforge.audit.slither_plugin import _ir
from strikeforge.audit.slither_plugin._base import StrikeforgeDetector
from strikeforge.audit.slither_plugin.classification import HIGH, MEDIUM

ROUND_DATA = ("latestRoundData",)
ANSWER, UPDATED_AT = 1, 3


def _is_sequencer_feed(ir: HighLevelCall) -> bool:
    return "sequencer" in str(getattr(ir.destination, "name", ir.destination)).lower()


def price_reads(function: Function) -> Iterator[tuple[Any, HighLevelCall]]:
    """The ``latestRoundData()`` calls of ``function`` on a price feed (not on a sequencer-uptime feed)."""
    for node, ir in _ir.high_level_calls_named(function, ROUND_DATA):
        if not _is_sequencer_feed(ir):
            yield node, ir


class ChainlinkStalePrice(StrikeforgeDetector):
    """``updatedAt`` from ``latestRoundData()`` never compared (no maximum age)."""

    ARGUMENT = "chainlink-stale-price"
    HELP = "Chainlink updatedAt is never compared against a maximum age"
    IMPACT, CONFIDENCE = MEDIUM, HIGH
    WIKI_TITLE = "Chainlink price without a staleness check"
    WIKI_DESCRIPTION = "The price from latestRoundData() is used without comparing updatedAt to a maximum age."
    WIKI_EXPLOIT_SCENARIO = "The feed stops updating during a crash; options settle at the last, hours-old price."
    WIKI_RECOMMENDATION = "Revert when block.timestamp - updatedAt exceeds a per-feed maximum staleness."

    def _detect(self) -> list[Output]:
        results = []
        for _, function in self.declared_functions():
            for node, ir in price_reads(function):
                updated_at = _ir.unpacked(function, ir.lvalue, UPDATED_AT)
                if not updated_at or not _ir.value_reaches(function, updated_at, _ir.is_compared):
                    results.append(
                        self.generate_result(
                            [function, " uses a Chainlink price without checking its age (updatedAt): ", node, "\n"]
                        )
                    )
        return results


class ChainlinkUncheckedAnswer(StrikeforgeDetector):
    """``answer`` from ``latestRoundData()`` never compared (a zero or negative price passes)."""

    ARGUMENT = "chainlink-unchecked-answer"
    HELP = "Chainlink answer is never checked to be positive"
    IMPACT, CONFIDENCE = MEDIUM, HIGH
    WIKI_TITLE = "Chainlink answer not checked positive"
    WIKI_DESCRIPTION = "The int256 answer of latestRoundData() is used without checking that it is above zero."
    WIKI_EXPLOIT_SCENARIO = "A feed reports 0 or a negative answer; the cast to uint256 yields 0 or a huge price."
    WIKI_RECOMMENDATION = "Revert when answer <= 0 before converting it."

    def _detect(self) -> list[Output]:
        results = []
        for _, function in self.declared_functions():
            for node, ir in _ir.high_level_calls_named(function, ROUND_DATA):
                answer = _ir.unpacked(function, ir.lvalue, ANSWER)
                if not answer or not _ir.value_reaches(function, answer, _ir.is_compared):
                    results.append(
                        self.generate_result([function, " uses a Chainlink answer without checking it: ", node, "\n"])
                    )
        return results


def _scales(ir: Any, tainted: set[Any]) -> bool:
    return isinstance(ir, Binary) and ir.type in (BinaryType.MULTIPLICATION, BinaryType.DIVISION, BinaryType.POWER)


def _reads_decimals(contract: Contract) -> bool:
    return any(
        True
        for function in contract.functions_and_modifiers
        for _ in _ir.high_level_calls_named(function, ["decimals"])
    )


class ChainlinkHardcodedDecimals(StrikeforgeDetector):
    """A Chainlink answer scaled by arithmetic in a contract that never asks a feed for its ``decimals()``."""

    ARGUMENT = "chainlink-hardcoded-decimals"
    HELP = "Chainlink answer scaled with hard-coded decimals (feed.decimals() never read)"
    IMPACT, CONFIDENCE = MEDIUM, MEDIUM
    WIKI_TITLE = "Chainlink feed decimals ignored"
    WIKI_DESCRIPTION = "The answer is rescaled by a constant although feeds differ (8 for USD pairs, 18 for ETH pairs)."
    WIKI_EXPLOIT_SCENARIO = "A deployment points the oracle at an 18-decimal feed; every price is off by 10^10."
    WIKI_RECOMMENDATION = "Read feed.decimals() (once, into an immutable) and scale by it."

    def _detect(self) -> list[Output]:
        results = []
        for contract in self.derived_contracts():
            if _reads_decimals(contract):
                continue
            for function in contract.functions_and_modifiers:
                for node, ir in price_reads(function):
                    answer = _ir.unpacked(function, ir.lvalue, ANSWER)
                    if answer and _ir.value_reaches(function, answer, _scales):
                        results.append(
                            self.generate_result(
                                [
                                    function,
                                    " scales a Chainlink answer without reading the feed's decimals: ",
                                    node,
                                    "\n",
                                ]
                            )
                        )
        return results


class ChainlinkMissingSequencerCheck(StrikeforgeDetector):
    """A contract configured with an L2 sequencer-uptime feed that reads a price without consulting it."""

    ARGUMENT = "chainlink-missing-sequencer-check"
    HELP = "Chainlink price read on L2 without the configured sequencer-uptime check"
    IMPACT, CONFIDENCE = MEDIUM, MEDIUM
    WIKI_TITLE = "Missing L2 sequencer-uptime check"
    WIKI_DESCRIPTION = "The contract holds a sequencer-uptime feed but this price read never consults it."
    WIKI_EXPLOIT_SCENARIO = "The sequencer is down; prices freeze while L1-forced transactions settle at them."
    WIKI_RECOMMENDATION = "Check the sequencer feed's answer (0 = up) and a grace period since startedAt first."

    def _detect(self) -> list[Output]:
        results = []
        for contract in self.derived_contracts():
            sequencer = [v for v in contract.state_variables if "sequencer" in v.name.lower()]
            if not sequencer:
                continue
            for function in contract.functions_and_modifiers:
                reads = list(price_reads(function))
                if not reads:
                    continue
                read_vars = {v for fn in _ir.reachable(function) for v in fn.all_state_variables_read()}
                if not read_vars.intersection(sequencer):
                    for node, _ in reads:
                        results.append(
                            self.generate_result(
                                [function, " reads a price without checking ", sequencer[0], ": ", node, "\n"]
                            )
                        )
        return results
