"""Mutation checks for LedgerAuctionDesk: the desk machine (tests/settlement/test_ledger_desk_machine.py) fails on the
desk with each of its rules broken, and passes on the desk as it is.

Each mutant is compiled with the project's solc and run under a fixed budget with derandomized generation, so the
check is reproducible; the failure Hypothesis reports is printed as the proof.
"""

from __future__ import annotations

import pytest
from hypothesis.stateful import run_state_machine_as_test

from strikeforge.fuzz.errors import RevertError
from tests.settlement.mutants import ROOT, compile_source, mutant_budget
from tests.settlement.test_ledger_desk_machine import LedgerDeskMachine

DESK = "contracts/settlement/LedgerAuctionDesk.sol"
BUDGET = 2_000

_CALLER = "_depositCash(msg.sender, refund);\n        emit Delivered(account, auctionId, seriesId, filled"
# (name, description, [(old, new)]): each `old` must occur exactly once in the desk's source.
MUTATIONS = (
    (
        "deliver-to-caller",
        "claim delivers the fill and the refund to whoever calls it, not to the bids' account",
        (
            (
                "LEDGER.depositFor(account, seriesId, filled);",
                "LEDGER.depositFor(msg.sender, seriesId, filled);",
            ),
            ("_depositCash(account, refund);\n        emit Delivered(account, auctionId, seriesId, filled", _CALLER),
        ),
    ),
    (
        "open-callback",
        "onLedgerWithdrawal trusts any caller (an unauthenticated callback: anyone bids in an account's name)",
        (("        if (msg.sender != address(LEDGER)) revert NotLedger(msg.sender);\n", ""),),
    ),
    (
        "escrow-at-least",
        "the withdrawal need only cover the escrow: the excess stays in the desk, lost to the account",
        (
            (
                "if (amount != escrow) revert WrongEscrow(amount, escrow);",
                "if (amount < escrow) revert WrongEscrow(amount, escrow);",
            ),
        ),
    ),
    (
        "series-unchecked",
        "the series id is not checked against the auction's sold token",
        (("if (seriesId == 0 || ENGINE.tokenOf(seriesId) != address(sold))", "if (seriesId == 0)"),),
    ),
    (
        "expired-fill-stuck",
        "a fill claimed after expiry goes to the ledger, which refuses it: the claim reverts forever",
        (("owed = block.timestamp >= expiry;", "owed = expiry == 0;"),),
    ),
)


def _mutated(edits) -> str:
    source = (ROOT / DESK).read_text()
    for old, new in edits:
        assert source.count(old) == 1, f"the text to mutate occurs {source.count(old)} times: {old[:60]!r}"
        source = source.replace(old, new)
    return source


@pytest.mark.parametrize("mutation", MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_the_desk_machine_finds_the_broken_rule(mutation, capsys):
    name, description, edits = mutation
    mutant = compile_source(DESK, _mutated(edits), "LedgerAuctionDesk", name)
    machine = type(f"DeskMutant{name.title().replace('-', '')}Machine", (LedgerDeskMachine,), {"_world": None})
    others = (
        "MockERC20",
        "MockPriceSource",
        "OracleRouter",
        "OptionsEngine",
        "OptionToken",
        "SettlementLedger",
        "BatchAuction",
        "LedgerBidder",
    )
    machine.types = {**{n: LedgerDeskMachine.contract_type(n) for n in others}, "LedgerAuctionDesk": mutant}
    budget = mutant_budget(BUDGET, 30)
    # The machine's own assertions, a call it expected to revert that succeeded (pytest.raises' Failed), or one it
    # expected to succeed that reverted.
    with pytest.raises((AssertionError, RevertError, pytest.fail.Exception)) as found:
        run_state_machine_as_test(machine, settings=budget)
    print(f"{name} ({description}): {type(found.value).__name__}: {str(found.value)[:200]}")
