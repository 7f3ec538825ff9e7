"""The ledger world: SettlementLedger with cash-only batches (bench/forge/bugs/LedgerBugs.t.sol is its Solidity twin).

USDC cash, challenge window 1 hour, escape period 2 hours, withdrawal delay 2 hours. The deployer is an honest
sequencer: each batch is two leaves, one account paying another at most what it can pay (its balance, less a
withdrawal request ready by now, less its unapplied debits: challengeCollateral's rule), with both trees built here
(strikeforge.settlement.tree). Handlers: deposit, request a withdrawal, withdraw, post, warp (0-12 steps of 10 min),
apply a leaf, challenge a batch's data. Invariants: cash held == balances + the cash of unapplied leaves; no account
holds less than its unapplied debits; no withdrawal without a ready request outside escape mode; no honest batch
reverted by a challenge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import encode
from eth_utils import keccak

from strikeforge.settlement.tree import Leaf, MerkleSumTree

from .harness import FUNDS, START_TIME, BugMachine, bound, bug_handler, bug_invariant, deploy_time

TARGET = ("contracts/settlement/SettlementLedger.sol", "SettlementLedger")
SCAFFOLD = (("contracts/mocks/MockERC20.sol", "MockERC20"),)
FORGE_CONTRACT = "LedgerBugs"

CHALLENGE_WINDOW = 3600
BOND = 10**18
ESCAPE_PERIOD = 7200
WITHDRAWAL_DELAY = 7200
SIGNATURE = b"\x11" * 65
SIGNATURE_HASH = keccak(SIGNATURE)
LEAVES = "(uint256,address,int256,int256[4],bytes)[]"
NONE = (0, 0, 0, 0)


@dataclass
class Batch:
    accounts: tuple[str, str]
    cash: tuple[int, int]
    proofs: tuple[list[bytes], list[bytes]]
    applied: list[bool]
    posted_at: int
    data: bytes


def actor_address(label: str) -> str:
    from eth_utils import to_checksum_address

    return to_checksum_address(keccak(text=f"strikeforge.actor.{label}")[-20:])


def deploy_ledger(chain: Any, ledger_type: Any, cash: Any, deployer: Any) -> Any:
    """A SettlementLedger over `cash` with this world's periods (the reentrancy world's too)."""
    return chain.deploy(
        ledger_type,
        cash,
        actor_address("engine"),
        CHALLENGE_WINDOW,
        BOND,
        ESCAPE_PERIOD,
        WITHDRAWAL_DELAY,
        actor_address("treasury"),
        deployer,
        sender=deployer,
    )


def fund_actors(cash: Any, ledger: Any, accounts: list[Any], deployer: Any) -> None:
    """FUNDS of `cash` minted to each account, and the ledger approved to take all of it."""
    for account in accounts:
        cash.mint(account, FUNDS, sender=deployer)
    for account in accounts:
        cash.approve(ledger, 2**256 - 1, sender=account)


class CashHandlers:
    """The handlers every ledger world has (the twins' LedgerCashHandlers): an actor deposits, or requests a
    withdrawal of, a bounded amount; a revert is ignored."""

    @bug_handler(256, 256)
    def deposit(self, seed: int, raw: int) -> None:
        a = self.actor(seed)
        held = self.c.cash.balanceOf(a)
        if held == 0:
            return
        self.sends(self.c.ledger.deposit, bound(raw, 1, held), sender=a)

    @bug_handler(256, 256)
    def request(self, seed: int, raw: int) -> None:
        a = self.actor(seed)
        balance = self.c.ledger.balanceOf(a)
        self.sends(self.c.ledger.requestWithdrawal, bound(raw, 1, balance or 1), sender=a)


def machine(types: dict) -> type[BugMachine]:
    class LedgerWorld(CashHandlers, BugMachine):
        @classmethod
        def deploy(cls, chain, actors):
            deploy_time(chain)
            d = actors["deployer"]
            cash = chain.deploy(types["MockERC20"], "USD Coin", "USDC", 6, sender=d)
            ledger = deploy_ledger(chain, types["SettlementLedger"], cash, d)
            ledger.grantRole(ledger.SEQUENCER_ROLE(), d, sender=d)
            fund_actors(cash, ledger, [actors[label] for label in cls.ACTORS], d)
            return {"cash": cash, "ledger": ledger}

        def __init__(self) -> None:
            super().__init__()
            self.batches: dict[int, Batch] = {}
            self.count = 0
            self.early_withdrawal = False
            self.honest_reverted = False

        @bug_handler(256, 256)
        def withdraw(self, seed: int, raw: int) -> None:
            a = self.actor(seed)
            balance = self.c.ledger.balanceOf(a)
            if balance == 0:
                return
            amount = bound(raw, 1, balance)
            requested, requested_at = self.c.ledger.withdrawals(a)
            if self.sends(self.c.ledger.withdraw, amount, sender=a):
                now = self.chain.timestamp
                ready = requested_at != 0 and now >= requested_at + WITHDRAWAL_DELAY and amount <= requested
                escaped = now > self.last_posted_at() + CHALLENGE_WINDOW + ESCAPE_PERIOD
                if not ready and not escaped:
                    self.early_withdrawal = True

        @bug_handler(256, 256)
        def post(self, seed: int, raw: int) -> None:
            p = seed % 3
            payer, payee = self.actor(p), self.actor(p + 1 + (seed // 3) % 2)
            available = self.available(payer)
            if available == 0:
                return
            amount = bound(raw, 1, available)
            ledger = self.c.ledger
            batch = ledger.batchCount() + 1
            nonce = ledger.leavesPosted()
            pair = sorted([(payer.address, -amount), (payee.address, amount)], key=lambda leaf: int(leaf[0], 16))
            leaves = [Leaf(batch, account, cash, NONE, SIGNATURE) for account, cash in pair]
            tree = MerkleSumTree(leaves)
            data = encode([LEAVES], [[(batch, account, cash, NONE, SIGNATURE) for account, cash in pair]])
            posted = self.send(
                ledger.postBatch,
                tree.root,
                tree.leaves_root,
                [0, 0, 0, 0],
                data,
                nonce,
                self.chain.timestamp,
                sender=self.deployer,
                value=BOND,
            )
            if posted is not None:
                self.batches[posted] = Batch(
                    (pair[0][0], pair[1][0]),
                    (pair[0][1], pair[1][1]),
                    (tree.plain_proof(0), tree.plain_proof(1)),
                    [False, False],
                    self.chain.timestamp,
                    data,
                )
                self.count = posted

        @bug_handler(256)
        def warp(self, raw: int) -> None:
            self.warp_by(raw, 600)

        @bug_handler(256, 256)
        def applyLeaf(self, seed: int, raw: int) -> None:  # noqa: N802 - the Solidity twin's name
            if self.count == 0:
                return
            batch_id = bound(raw, 1, self.count)
            i = seed % 2
            b = self.batches[batch_id]
            leaf = (batch_id, b.accounts[i], b.cash[i], NONE)
            if self.sends(self.c.ledger.apply_, batch_id, leaf, SIGNATURE_HASH, i, b.proofs[i], sender=self.actor(0)):
                b.applied[i] = True

        @bug_handler(256)
        def challenge(self, raw: int) -> None:
            if self.count == 0:
                return
            batch_id = bound(raw, 1, self.count)
            if self.sends(self.c.ledger.challengeData, batch_id, self.batches[batch_id].data, sender=self.actor(0)):
                self.honest_reverted = True
                self.count = batch_id - 1

        def last_posted_at(self) -> int:
            return START_TIME if self.count == 0 else self.batches[self.count].posted_at

        def unapplied_cash(self) -> int:
            return sum(
                self.batches[i].cash[k]
                for i in range(1, self.count + 1)
                for k in (0, 1)
                if not self.batches[i].applied[k]
            )

        def unapplied_debits(self, account: str) -> int:
            total = 0
            for i in range(1, self.count + 1):
                b = self.batches[i]
                for k in (0, 1):
                    if not b.applied[k] and b.accounts[k] == account and b.cash[k] < 0:
                        total -= b.cash[k]
            return total

        def available(self, who) -> int:
            balance = self.c.ledger.balanceOf(who)
            requested, requested_at = self.c.ledger.withdrawals(who)
            if requested_at != 0 and requested_at + WITHDRAWAL_DELAY <= self.chain.timestamp:
                balance -= min(balance, requested)
            debits = self.unapplied_debits(who.address)
            return balance - debits if balance > debits else 0

        @bug_invariant
        def conservation(self) -> None:
            ledger = self.c.ledger
            balances = sum(ledger.balanceOf(self.who(label)) for label in self.ACTORS)
            assert self.c.cash.balanceOf(ledger) == balances + self.unapplied_cash(), (
                "cash held != balances + unapplied leaves"
            )

        @bug_invariant
        def covered(self) -> None:
            for label in self.ACTORS:
                a = self.who(label)
                assert self.c.ledger.balanceOf(a) >= self.unapplied_debits(a.address), "an unapplied debit cannot apply"

        @bug_invariant
        def rules(self) -> None:
            assert not self.early_withdrawal, "withdrawal before its request was ready"
            assert not self.honest_reverted, "an honest batch was reverted"

    return LedgerWorld
