"""The review's findings on SettlementLedger as source mutations: each reverts one fix of issue 16, or removes one of
issue 18's option-token checks, so that the adversarial state machine can show it finds that bug class
(tests/settlement/test_ledger_mutants.py).

A mutation is a list of (old, new) replacements of the fixed source, each of which must match exactly once (a
refactoring that breaks a mutation fails loudly instead of testing the unmutated contract). `compile_mutant` builds
the mutated ledger with the project's solc (OpenZeppelin's sources inlined from node_modules, as ape-solidity does).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ethpm_types import ContractType

from strikeforge.audit.sources import import_closure

ROOT = Path(__file__).resolve().parents[2]
LEDGER = ROOT / "contracts" / "settlement" / "SettlementLedger.sol"


@dataclass(frozen=True)
class Mutation:
    finding: str
    description: str
    edits: tuple[tuple[str, str], ...]
    old_leaf_type: bool = False  # signers sign the co-signature type from before the fix


MUTATIONS = (
    Mutation(
        "C-1",
        "calldata checked as before the fix: the head and count only, no canonical layout, no leaf cap (256 KiB)",
        (
            (
                "if (head != 32 || n == 0 || n > MAX_LEAVES || leaves.length != 64 + n * LEAF_BYTES) "
                "revert BadEncoding();",
                "if (head != 32 || n == 0 || n > type(uint16).max || leaves.length > 256 * 1024) "
                "revert BadEncoding();\n        if (n != 0) return n;",
            ),
        ),
    ),
    Mutation(
        "C-2",
        "no bound on a leaf's deltas, and the checked negation that panics at type(int256).min",
        (
            ('if (v > MAX_DELTA || v < -MAX_DELTA) revert BadLeaf(i, "delta");', ""),
            ("sums[k] += v;", "unchecked {\n                    sums[k] += v;\n                }"),
            (
                "        unchecked {\n            return uint256(0) - uint256(x);\n        }",
                "        return uint256(-x);",
            ),
        ),
    ),
    Mutation(
        "H-1",
        "a withdrawal request (cash or options) counts against a batch posted in the same second or later "
        "(requestedAt <= postedAt), and executes once settledThrough passes the batches valid at the request",
        (
            (
                "uint256(w.requestedAt) + WITHDRAWAL_DELAY <= postedAt",
                "uint256(w.requestedAt) <= postedAt",
            ),
            (
                "if (through < count && _postedAt(batches[through + 1].meta) < readyAt) {",
                "if (through < count && _postedAt(batches[through + 1].meta) < w.requestedAt) {",
            ),
        ),
    ),
    Mutation(
        "H-2",
        "bonds pushed with require(ok) inside the revert and the release, as before the fix",
        (
            (
                "            if (i != id) _credit(b.sequencer, BOND);",
                "            if (i != id) {\n"
                '                (bool ok,) = b.sequencer.call{value: BOND}("");\n'
                "                require(ok);\n"
                "            }",
            ),
            (
                "        bondsOwed[b.sequencer] += BOND;\n        emit BondReleased",
                '        (bool sent,) = b.sequencer.call{value: BOND}("");\n'
                "        require(sent);\n        emit BondReleased",
            ),
        ),
    ),
    Mutation(
        "H-3",
        "the co-signature covers neither the batch's series nor its posting nonce (the type before the fix)",
        (
            (
                '"NettedLeaf(uint256 batch,uint256 postingNonce,address account,int256 cash,uint256[4] series,'
                'int256[4] positions)"',
                '"NettedLeaf(uint256 batch,address account,int256 cash,int256[4] positions)"',
            ),
            (
                "                    leaf.batch,\n                    postingNonce,\n"
                "                    leaf.account,\n                    leaf.cash,\n"
                "                    keccak256(abi.encodePacked(series)),\n",
                "                    leaf.batch,\n                    leaf.account,\n                    leaf.cash,\n",
            ),
        ),
        old_leaf_type=True,
    ),
    Mutation(
        "S1",
        "postBatch does not check the posting nonce its leaves are signed for (second audit pass)",
        (
            (
                "        if (postingNonce != leavesPosted) revert WrongPostingNonce(postingNonce, leavesPosted);\n",
                "",
            ),
            (
                "        uint256 meta = _meta(series, postingNonce);",
                "        postingNonce = leavesPosted;\n        uint256 meta = _meta(series, postingNonce);",
            ),
        ),
    ),
    Mutation(
        "Unbalanced",
        "no zero-sum check at posting (a one-leaf batch's root is its leaf: no sums proof reaches it)",
        (("if (sums[k] != 0) revert Unbalanced(k);", ""),),
    ),
    Mutation(
        "Escape",
        "escape withdrawals wait for every batch to be fully applied, as before the fix",
        (("        } else if (through < count) {", "        } else if (settledThrough < count) {"),),
    ),
    # Issue 18: option tokens.
    Mutation(
        "I-apply",
        "_apply lets a sale exceed the seller's inventory (a position may go negative)",
        (
            (
                "                if (delta < 0 && _magnitude(delta) > uint256(held)) {\n"
                "                    revert InsufficientBalance(uint256(held), _magnitude(delta));\n"
                "                }\n",
                "",
            ),
        ),
    ),
    Mutation(
        "I-priors",
        "challengeInventory validates the seller's earlier unapplied sales but does not count them",
        (("            debits += _magnitude(debit);", "            if (seriesId == 0) debits += _magnitude(debit);"),),
    ),
    Mutation(
        "I-request",
        "challengeInventory ignores an option withdrawal request that is ready by the posting",
        (
            (
                "(held, w) = (uint256(positionOf[account][seriesId]), optionWithdrawals[account][seriesId]);",
                "held = uint256(positionOf[account][seriesId]);",
            ),
        ),
    ),
    Mutation(
        "I-expired",
        "postBatch accepts a series that has expired",
        (("            if (block.timestamp >= expiry) revert SeriesExpired(id, expiry);\n", ""),),
    ),
    Mutation(
        "I-claim-twice",
        "claimExpired leaves the position in place: a holder claims its share again",
        (("        positionOf[account][seriesId] = 0;\n", ""),),
    ),
    Mutation(
        "I-claim-early",
        "claimExpired does not wait for the account to be settled through the batches posted before expiry",
        (
            (
                "        if (through < batchCount && _postedAt(batches[through + 1].meta) < "
                "_listings[seriesId].expiry) {\n"
                "            revert UnsettledBatches(through, through + 1);\n"
                "        }\n",
                "",
            ),
        ),
    ),
)


def mutant_budget(examples: int, steps: int):
    """Hypothesis settings for hunting a mutant: derandomized (reproducible), generation only (finding it is the
    proof; shrinking a mutant's example costs minutes of CI for nothing), no database, no deadline."""
    from hypothesis import HealthCheck, Phase, settings

    return settings(
        max_examples=examples,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        derandomize=True,
        phases=(Phase.generate,),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )


def mutated_source(mutation: Mutation) -> str:
    source = LEDGER.read_text()
    for old, new in mutation.edits:
        found = source.count(old)
        if found != 1:
            raise ValueError(f"{mutation.finding}: the text to mutate occurs {found} times, not once: {old[:80]!r}")
        source = source.replace(old, new)
    return source


def _sources(main_id: str, main: str) -> dict[str, dict[str, str]]:
    """Every source the file imports, transitively, inlined by its import path (node_modules for @openzeppelin)."""

    def read(unit: str) -> str:
        if unit == main_id:
            return main
        return (ROOT / "node_modules" / unit if unit.startswith("@") else ROOT / unit).read_text()

    return {unit: {"content": text} for unit, text in import_closure([main_id], read).items()}


def compile_mutant(mutation: Mutation, version: str = "0.8.28") -> ContractType:
    """The mutated SettlementLedger, compiled as the project compiles it (optimizer 200 runs, cancun)."""
    return compile_source(
        "contracts/settlement/SettlementLedger.sol",
        mutated_source(mutation),
        "SettlementLedger",
        mutation.finding,
        version,
    )


def compile_source(unit: str, source: str, name: str, label: str, version: str = "0.8.28") -> ContractType:
    """Contract `name` of `source` (standing in for the project file `unit`), compiled as the project compiles it."""
    import solcx

    from strikeforge.fuzz.artifacts import _ethpm_bytecode

    output = solcx.compile_standard(
        {
            "language": "Solidity",
            "sources": _sources(unit, source),
            "settings": {
                "evmVersion": "cancun",
                "optimizer": {"enabled": True, "runs": 200},
                "outputSelection": {unit: {name: ["abi", "evm.bytecode", "evm.deployedBytecode"]}},
            },
        },
        solc_version=version,
    )
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise RuntimeError(f"{label}: the mutant does not compile: {errors[0]['formattedMessage']}")
    data = output["contracts"][unit][name]
    return ContractType.model_validate(
        {
            "contractName": name,
            "sourceId": unit,
            "abi": data["abi"],
            "deploymentBytecode": _ethpm_bytecode(data["evm"]["bytecode"]),
            "runtimeBytecode": _ethpm_bytecode(data["evm"]["deployedBytecode"]),
        }
    )
