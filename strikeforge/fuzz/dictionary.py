"""The value dictionary handler arguments draw from (argument mode "dictionary"): values the contracts themselves use.

Two parts, so that the same choices always decode to the same calls (Hypothesis replays and shrinks by choices):

- static, built once per deployed world: the PUSH operands of every contract's runtime code as deployed (immutables
  filled in), without jump targets, function and error selectors, event topics and the metadata trailer; for an
  operand compared right after it is pushed (LT, GT, SLT, SGT, EQ: the bounds of the contract's own checks), also the
  values one below and one above; the non-zero values of storage slots 0..31 after deployment; every actor's and
  contract's address as a number.
- this example's, rebuilt from nothing in every example: the 32-byte words returned by the transactions the handlers
  sent so far (a minted id, the shares a deposit gave), each once, in order of first appearance. A pick from this part
  counts back from the most recent value: a shrinker that deletes an unrelated call earlier in the example leaves the
  picks of later calls unchanged (counted from the front, every later pick would move).

A dictionary argument's value bits ``x`` choose the part (lowest bit: 0 static, 1 this example's, when it has values)
and the index (the other bits, modulo the part's size), and the value is masked to the argument's width.

Not recorded, measured: views' results and storage read again after state changes (balances, totals) move with every
call, so a pick that used one changes when the shrinker deletes an unrelated call before it, and shrunk failures kept
several calls they did not need (8 calls where 4 break a cap, on tests/fuzz's cap machines); with transaction returns
only, the same failures shrink to 4.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MAX_STATIC = 2_048
MAX_SEEN = 4_096  # per example
STORAGE_SLOTS = 32  # read after deployment
_COMPARE = frozenset((0x10, 0x11, 0x12, 0x13, 0x14))  # LT GT SLT SGT EQ
_JUMPS = (0x56, 0x57)  # JUMP, JUMPI
_DUP_SWAP = range(0x80, 0xA0)
_WORD_TOP = (1 << 256) - 1


def strip_metadata(code: bytes) -> bytes:
    """Runtime code without its CBOR metadata trailer (its length is the last two bytes)."""
    if len(code) > 2:
        length = int.from_bytes(code[-2:], "big")
        if 0 < length < len(code) - 2 and code[-2 - length] in (0xA1, 0xA2, 0xA3, 0xA4, 0xA5):
            return code[: -2 - length]
    return code


def code_constants(code: bytes, excluded: set[int] = frozenset()) -> list[int]:  # type: ignore[assignment]
    """PUSH1..PUSH32 operands in order of first appearance (jump targets, values that point at a JUMPDEST, and
    ``excluded`` values left out); an operand compared right after it is pushed (directly, or after DUPs and SWAPs)
    brings the values one below and above it."""
    code = strip_metadata(code)
    found: dict[int, None] = {}
    i, n = 0, len(code)
    while i < n:
        op = code[i]
        if 0x60 <= op <= 0x7F:
            size = op - 0x5F
            value = int.from_bytes(code[i + 1 : i + 1 + size], "big")
            after = i + 1 + size
            following = code[after] if after < n else 0
            jump_tag = size <= 3 and (following in _JUMPS or (value < n and code[value] == 0x5B))  # at a JUMPDEST
            if not jump_tag and value not in excluded:
                found[value] = None
                while following in _DUP_SWAP and after + 1 < n:
                    after += 1
                    following = code[after]
                if following in _COMPARE:
                    if value > 0:
                        found[value - 1] = None
                    if value < _WORD_TOP:
                        found[value + 1] = None
            i += 1 + size
        else:
            i += 1
    return list(found)


def static_values(chain: Any, contracts: Iterable[Any], addresses: Iterable[str]) -> list[int]:
    """The static part: constants and compared bounds of the code, storage after deployment, addresses."""
    contracts = list(contracts)
    excluded: set[int] = set()
    for contract in contracts:
        abi = contract.abi
        excluded |= {int.from_bytes(f.selector, "big") for f in abi.functions.values()}
        excluded |= {int.from_bytes(s, "big") for s in abi.errors}
        excluded |= {int.from_bytes(t, "big") for t in abi.events}
    found: dict[int, None] = {}
    for contract in contracts:
        for value in code_constants(chain.code(contract.address), excluded):
            found[value] = None
    for contract in contracts:
        for slot in range(STORAGE_SLOTS):
            found[chain.storage(contract.address, slot)] = None
    for address in [*addresses, *(c.address for c in contracts)]:
        found[int(address, 16)] = None
    for simple in (0, 1, _WORD_TOP):  # the argument modes have these already
        found.pop(simple, None)
    return list(found)[:MAX_STATIC]


class ValueDictionary:
    """One machine class's dictionary: the static part, and the current example's part (see the module's notes)."""

    __slots__ = ("arguments", "chain", "known", "outputs", "seen", "static", "static_count", "static_set")

    def __init__(self, chain: Any, static: list[int]) -> None:
        self.chain = chain
        self.static = static
        self.static_count = len(static)
        self.static_set = frozenset((*static, 0, 1, _WORD_TOP))
        self.seen: list[int] = []
        self.known: set[int] = set()
        self.outputs: list = []
        self.arguments: list[int] = []

    def start_example(self) -> None:
        """Forget the last example's values; from now on record this example's return values."""
        self.seen = []
        self.known = set()
        self.outputs = []
        self.arguments = []
        self.chain.outputs = self.outputs

    def stop_example(self) -> None:
        self.chain.outputs = None

    def _absorb(self) -> None:
        """Take in the return values recorded since the last pick."""
        outputs = self.outputs
        if not outputs:
            return
        known, seen, static = self.known, self.seen, self.static_set
        for data in outputs:
            if len(data) == 32:
                words = (int.from_bytes(data, "big"),)
            else:
                words = [int.from_bytes(data[at : at + 32], "big") for at in range(0, len(data) - 31, 32)]
            for word in words:
                if word not in known and word not in static:
                    known.add(word)
                    seen.append(word)
        outputs.clear()
        if len(seen) > MAX_SEEN:
            del seen[MAX_SEEN:]

    def pick(self, x: int, top: int) -> int | None:
        """The value for value bits ``x``, masked to ``top`` (the argument's all-ones value); None when empty."""
        self._absorb()
        seen = self.seen
        if x & 1 and seen:
            value = seen[-1 - ((x >> 1) % len(seen))]
        elif self.static_count:
            value = self.static[(x >> 1) % self.static_count]
        elif seen:
            value = seen[-1 - ((x >> 1) % len(seen))]
        else:
            return None
        return value if value <= top else value & top

    def note(self, arguments: list[int]) -> None:
        """Record a handler call's arguments (for :meth:`repeat`)."""
        if len(self.arguments) < MAX_SEEN:
            self.arguments.extend(arguments)

    def repeat(self, x: int, top: int) -> int | None:
        """An argument an earlier handler call of this example took, counted back from the latest by ``x``, masked to
        ``top``; None before the first."""
        arguments = self.arguments
        if not arguments:
            return None
        return arguments[-1 - x % len(arguments)] & top

    def __len__(self) -> int:
        self._absorb()
        return self.static_count + len(self.seen)

    def values(self) -> list[int]:
        """Every value, static first (for inspection and tests)."""
        self._absorb()
        return self.static + self.seen
