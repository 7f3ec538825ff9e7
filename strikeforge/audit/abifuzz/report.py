"""Findings in the static audit's shape (Slither's JSON plus our ``strikeforge`` key), with the call sequence."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from strikeforge.audit.abifuzz.properties import CHECK_GAS, CHECK_LIVENESS, CHECK_PANIC, CHECK_VALUE, Violation
from strikeforge.audit.abifuzz.steps import Step, describe, describe_all
from strikeforge.audit.findings import element, make_finding, source_mapping
from strikeforge.audit.sources import unit_name

RULES: dict[str, dict[str, str]] = {
    CHECK_VALUE: {
        "impact": "High",
        "confidence": "Medium",
        "help": "An actor ends with more ETH or tokens than it put in (value extraction)",
        "title": "Value extraction (fuzz P1)",
        "description": "A generic campaign found a call sequence after which an actor holds more of an asset than it "
        "started with plus what other actors sent it: it took out of the contract more than it deposited.",
        "recommendation": "Check the accounting (rounding direction, state updated before external calls, "
        "reentrancy guards); if the function legitimately pays profits, list it under `payouts` in the recipe.",
    },
    CHECK_LIVENESS: {
        "impact": "Medium",
        "confidence": "Medium",
        "help": "A call that worked for an honest actor is blocked for ever by a hostile actor",
        "title": "Permanently unreachable function (fuzz P2)",
        "description": "A call that succeeded for an honest EOA reverts for ever after a hostile contract actor "
        "(rejecting ETH, re-entering or burning gas) took part, and succeeds when the same calls come from plain EOAs.",
        "recommendation": "Pull payments instead of pushing ETH with require(success); never let a third party's "
        "receiver decide whether a protocol step can happen.",
    },
    CHECK_GAS: {
        "impact": "Medium",
        "confidence": "Medium",
        "help": "A call needs more gas than a block holds",
        "title": "Gas beyond a block (fuzz P3)",
        "description": "A call used more than 30,000,000 gas and behaves differently when given only a block's gas: "
        "an unbounded loop or an unbounded decode of caller-supplied data.",
        "recommendation": "Bound the input (array lengths, calldata size) or make the work resumable.",
    },
    CHECK_PANIC: {
        "impact": "Low",
        "confidence": "High",
        "help": "An arithmetic, division or index panic is reachable",
        "title": "Arithmetic panic reachable (fuzz P4)",
        "description": "An actor's call reverted with Panic(0x11) (over/underflow, e.g. negating int256.min), "
        "Panic(0x12) (division by zero) or Panic(0x32) (index out of bounds).",
        "recommendation": "Validate the input and revert with a named error, or bound it so the panic cannot occur.",
    },
}
_DEFINITION = {".sol": r"function\s+{name}\s*\(", ".vy": r"def\s+{name}\s*\("}


def _element(contract: str, function: str, source: Path | None) -> dict[str, Any]:
    """A Slither ``function`` element inside its ``contract``, mapped to the definition when the source is known."""
    if source is not None and source.is_file():
        text = source.read_text(encoding="utf-8")
        display = unit_name(source, Path.cwd().resolve())
        start = text.find(f"contract {contract}") if source.suffix == ".sol" else 0
        start = max(start, 0)
        pattern = _DEFINITION.get(source.suffix, r"{name}").format(name=re.escape(function))
        match = re.compile(pattern).search(text, start) or re.compile(pattern).search(text)
        begin, length = (match.start(), match.end() - match.start()) if match else (max(start, 0), 0)
        contract_mapping = source_mapping(source, display, max(start, 0), 0, text)
        mapping = source_mapping(source, display, begin, length, text)
    else:
        contract_mapping = mapping = {
            "start": 0,
            "length": 0,
            "filename_relative": contract,
            "filename_absolute": "",
            "filename_short": contract,
            "is_dependency": False,
            "lines": [1],
            "starting_column": 1,
            "ending_column": 1,
        }
    parent = element("contract", contract, contract_mapping)
    return element("function", function, mapping, parent)


def finding(
    violation: Violation,
    steps: list[Step],
    world: Any,
    seed: int,
    explored: int,
    coda: str = "",
) -> dict[str, Any]:
    """One finding: the check's rule, the function it broke in, and the reproducing sequence."""
    rule = RULES[violation.check]
    contract = world.deployments[violation.target].abi.name
    name = violation.function.partition("(")[0]
    source = world.sources.get(contract)
    where = _element(contract, name, source)
    sequence = describe_all(world, steps)
    text = (
        f" ({violation.function}): {violation.detail}.\n"
        f"Reproduce (seed {seed}; {len(steps)} step(s), shrunk from a sequence of {explored}):\n{sequence}\n"
    )
    if coda:
        text += coda + "\n"
    result = make_finding(violation.check, rule["impact"], rule["confidence"], [where, text])
    result["strikeforge"] = {
        "stable_id": f"{violation.check}/{contract}.{name}"
        + (f"/{violation.key_extra}" if violation.key_extra else ""),
        "language": "vyper" if source is not None and source.suffix == ".vy" else "solidity",
        "fuzz": {
            "seed": seed,
            "check": violation.check,
            "contract": contract,
            "function": violation.function,
            "sequence": [describe(world, s) for s in steps],
        },
    }
    return result


def rules() -> dict[str, dict[str, str]]:
    """The fuzz checks in the shape :func:`strikeforge.audit.run.rules_of` gives the SARIF and Markdown writers."""
    return {
        check: {
            "help": r["help"],
            "wiki": "",
            "title": r["title"],
            "description": r["description"],
            "exploit": "",
            "recommendation": r["recommendation"],
        }
        for check, r in RULES.items()
    }
