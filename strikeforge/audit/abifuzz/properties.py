"""The properties checked after every step: P1 value conservation, P3 gas beyond a block, P4 panics.

P2 (liveness) needs the whole sequence and lives in :mod:`liveness`.

P1: for every tracked actor (the honest EOAs and the hostile contracts) and every asset the campaign knows (ETH and
the ERC-20 mocks it deployed), ``balance - initial - received from other actors + sent to other actors - payouts``
must never be positive, where "received"/"sent" are the mocks' Transfer events between parties and "payouts" what an
actor gained during calls of the recipe's payout functions. Actors only ever pay the targets (gas is free), so a
positive figure means the actor took out of the targets more than it put in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from eth_utils import keccak

from strikeforge.audit.abifuzz.steps import BLOCK_GAS, Outcome, Step
from strikeforge.audit.abifuzz.world import World
from strikeforge.fuzz.errors import TransactionError

ETH = "ETH"
TRANSFER = keccak(text="Transfer(address,address,uint256)")
PANICS = {
    0x11: "arithmetic overflow or underflow",
    0x12: "division or modulo by zero",
    0x32: "array index out of bounds",
}
CHECK_VALUE = "fuzz-value-extraction"
CHECK_LIVENESS = "fuzz-permanent-revert"
CHECK_GAS = "fuzz-gas-over-block"
CHECK_PANIC = "fuzz-arithmetic-panic"


@dataclass(frozen=True)
class Violation:
    """One property broken at step ``index`` (0-based) of a sequence."""

    check: str
    target: str
    function: str  # the function's signature
    index: int
    detail: str
    key_extra: str = ""  # what else tells findings of one check and function apart (a panic code)
    actor: str = ""  # P2: whose call is blocked

    @property
    def key(self) -> tuple[str, str, str, str]:
        return self.check, self.target, self.function, self.key_extra


@dataclass
class Accounting:
    """P1's books for one sequence."""

    world: World
    initial: dict[tuple[str, str], int]
    last: dict[tuple[str, str], int] = field(default_factory=dict)
    moved: dict[tuple[str, str], int] = field(default_factory=dict)  # received - sent between parties
    excused: dict[tuple[str, str], int] = field(default_factory=dict)
    flagged: set[tuple[str, str]] = field(default_factory=set)

    @classmethod
    def start(cls, world: World) -> Accounting:
        books = cls(world, {})
        books.initial = books.read()
        books.last = dict(books.initial)
        return books

    def read(self) -> dict[tuple[str, str], int]:
        chain, out = self.world.chain, {}
        for party in self.world.tracked:
            out[party.label, ETH] = chain.balance(party.address)
            for name, token in self.world.tokens.items():
                try:
                    out[party.label, name] = token.balanceOf(party.address)
                except TransactionError:
                    out[party.label, name] = 0
        return out

    def after(self, index: int, step: Step, outcome: Outcome) -> list[Violation]:
        """Update the books after a successful step; the actors now ahead of what they put in."""
        if not outcome.ok:
            return []
        self._transfers(outcome)
        now = self.read()
        payout = step.name in self.world.payouts or f"{step.target}.{step.name}" in self.world.payouts
        found = []
        for key, balance in now.items():
            if payout and balance > self.last[key]:
                self.excused[key] = self.excused.get(key, 0) + balance - self.last[key]
            gain = balance - self.initial[key] - self.moved.get(key, 0) - self.excused.get(key, 0)
            if gain > 0 and key not in self.flagged:
                self.flagged.add(key)
                actor, asset = key
                found.append(
                    Violation(
                        CHECK_VALUE,
                        step.target,
                        step.signature,
                        index,
                        f"{actor} ends with {gain:,} more {asset} (wei/units) than it started with plus what other "
                        f"actors sent it",
                    )
                )
        self.last = now
        return found

    def _transfers(self, outcome: Outcome) -> None:
        if not outcome.logs or not self.world.tokens:
            return
        tokens = {c.address.lower(): name for name, c in self.world.tokens.items()}
        labels = {p.address.lower(): p.label for p in self.world.tracked}
        for address, topics, data in outcome.logs:
            name = tokens.get(address.lower())
            if name is None or len(topics) != 3 or topics[0] != TRANSFER:
                continue
            source = labels.get("0x" + topics[1][12:].hex())
            receiver = labels.get("0x" + topics[2][12:].hex())
            if source and receiver and source != receiver:
                amount = int.from_bytes(data[:32], "big")
                self.moved[receiver, name] = self.moved.get(receiver, 0) + amount
                self.moved[source, name] = self.moved.get(source, 0) - amount


def panic(index: int, step: Step, outcome: Outcome) -> Violation | None:
    """P4: a Panic(0x11), (0x12) or (0x32) revert."""
    error = outcome.error
    if outcome.ok or error is None or error.name != "Panic" or not error.args:
        return None
    code = int(error.args[0])
    if code not in PANICS:
        return None
    return Violation(
        CHECK_PANIC, step.target, step.signature, index, f"Panic(0x{code:02x}): {PANICS[code]}", key_extra=hex(code)
    )


def over_block(outcome: Outcome) -> bool:
    """P3's candidates: any step that used more than a block's gas (confirmed later by a run with a block's gas)."""
    return outcome.gas > BLOCK_GAS
