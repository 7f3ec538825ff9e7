"""The reentrancy world: SettlementLedger over a cash token that calls an opted-in sender before moving its tokens
(ERC-777 style; bench/forge/bugs/ReentrancyBugs.t.sol is its Solidity twin).

Three plain accounts and a ReentrantDepositor, which deposits and, from inside that deposit's transfer, deposits again.
Same periods as the ledger world, no batches. Handlers: deposit, the hooked double deposit, request a withdrawal,
withdraw, warp (0-12 steps of 10 min). Invariant: the cash held equals every account's balance.
"""

from __future__ import annotations

from .harness import FUNDS, BugMachine, bound, bug_handler, bug_invariant, deploy_time
from .ledger import CashHandlers, deploy_ledger, fund_actors

TARGET = ("contracts/settlement/SettlementLedger.sol", "SettlementLedger")
SCAFFOLD = (
    ("bench/faults/scaffold/HookERC20.sol", "HookERC20"),
    ("bench/faults/scaffold/ReentrantDepositor.sol", "ReentrantDepositor"),
)
FORGE_CONTRACT = "ReentrancyBugs"


def machine(types: dict) -> type[BugMachine]:
    class ReentrancyWorld(CashHandlers, BugMachine):
        @classmethod
        def deploy(cls, chain, actors):
            deploy_time(chain)
            d = actors["deployer"]
            cash = chain.deploy(types["HookERC20"], sender=d)
            ledger = deploy_ledger(chain, types["SettlementLedger"], cash, d)
            depositor = chain.deploy(types["ReentrantDepositor"], ledger, cash, sender=d)
            fund_actors(cash, ledger, [actors[label] for label in cls.ACTORS], d)
            cash.mint(depositor, FUNDS, sender=d)
            return {"cash": cash, "ledger": ledger, "depositor": depositor}

        @bug_handler(256, 256)
        def depositHooked(self, raw_outer: int, raw_inner: int) -> None:  # noqa: N802 - the Solidity twin's name
            held = self.c.cash.balanceOf(self.c.depositor)
            if held == 0:
                return
            outer = bound(raw_outer, 1, held)
            inner = bound(raw_inner, 0, held - outer)
            self.sends(self.c.depositor.depositTwice, outer, inner, sender=self.deployer)

        @bug_handler(256, 256)
        def withdraw(self, seed: int, raw: int) -> None:
            a = self.actor(seed)
            balance = self.c.ledger.balanceOf(a)
            if balance == 0:
                return
            self.sends(self.c.ledger.withdraw, bound(raw, 1, balance), sender=a)

        @bug_handler(256)
        def warp(self, raw: int) -> None:
            self.warp_by(raw, 600)

        @bug_invariant
        def conservation(self) -> None:
            ledger = self.c.ledger
            balances = ledger.balanceOf(self.c.depositor) + sum(ledger.balanceOf(self.who(a)) for a in self.ACTORS)
            assert self.c.cash.balanceOf(ledger) == balances, "cash held != balances"

    return ReentrancyWorld
