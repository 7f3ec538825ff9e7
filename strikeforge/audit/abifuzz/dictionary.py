"""The value dictionary arguments are drawn from: constants of the code, storage, views, returns and past arguments.

- constants: PUSH immediates of every target's runtime code as deployed (immutables filled in), without jump targets,
  function and error selectors, and the metadata trailer;
- state: storage slots 0..31 of every target and the return words of every zero-argument view, refreshed as the
  campaign goes;
- observed: the return data of successful calls and the arguments of successful calls (by ABI type), so that a value
  one call produced or used (a batch id, an exact bond, a blob of bytes) can be handed to the next;
- addresses: every party and deployment, and the zero address;
- times: values that look like timestamps (within 20 years of the chain's clock) and durations (1 s .. 10 years).
"""

from __future__ import annotations

import random
from collections import deque
from typing import Any

from eth_utils import to_checksum_address

from strikeforge.audit.abifuzz.world import World
from strikeforge.fuzz.dictionary import strip_metadata
from strikeforge.fuzz.errors import TransactionError

SLOTS = 32
MAX_OBSERVED = 512
MAX_SEEN_PER_TYPE = 64
YEAR = 365 * 86_400
_JUMPS = (0x56, 0x57)  # JUMP, JUMPI


def push_constants(code: bytes, selectors: set[int]) -> list[int]:
    """PUSH1..PUSH32 immediates in order of first appearance, without jump targets and selectors."""
    code = strip_metadata(code)
    found: dict[int, None] = {}
    i, n = 0, len(code)
    while i < n:
        op = code[i]
        if 0x60 <= op <= 0x7F:
            size = op - 0x5F
            value = int.from_bytes(code[i + 1 : i + 1 + size], "big")
            following = code[i + 1 + size] if i + 1 + size < n else 0
            is_jump = size <= 3 and following in _JUMPS
            if not is_jump and not (size == 4 and value in selectors):
                found[value] = None
            i += 1 + size
        else:
            i += 1
    return list(found)


def _words(data: bytes) -> list[int]:
    return [int.from_bytes(data[i : i + 32], "big") for i in range(0, len(data) - len(data) % 32, 32)]


class Dictionary:
    """Values for one campaign (kept across its episodes)."""

    def __init__(self, world: World, rng: random.Random) -> None:
        self.world = world
        self.rng = rng
        selectors = set()
        for contract in world.deployments.values():
            selectors |= {int.from_bytes(f.selector, "big") for f in contract.abi.functions.values()}
            selectors |= {int.from_bytes(s, "big") for s in contract.abi.errors}
        constants: dict[int, None] = {}
        for name in world.targets:
            for value in push_constants(world.chain.code(world.deployments[name].address), selectors):
                constants[value] = None
        self.constants = list(constants)[:1024]
        self.observed: deque[int] = deque(maxlen=MAX_OBSERVED)
        self._observed_set: set[int] = set()
        self.state: dict[int, None] = {}  # storage words and zero-argument views (kept: at most a few hundred)
        self.seen: dict[str, list[Any]] = {}
        self.addresses = [p.address for p in world.parties.values() if p.kind != "twin"]
        self.addresses += [c.address for c in world.deployments.values()]
        self.addresses.append("0x" + "00" * 20)
        self._views = [
            (name, fn)
            for name in world.targets
            for fn in {f.signature: f for f in world.deployments[name].abi.functions.values()}.values()
            if fn.read_only and not fn.inputs
        ]
        self.refresh()

    # -- filling ---------------------------------------------------------------------------------------------
    def add_word(self, word: int) -> None:
        if word not in self._observed_set:
            if len(self.observed) == self.observed.maxlen:
                self._observed_set.discard(self.observed[0])
            self.observed.append(word)
            self._observed_set.add(word)

    def add_output(self, data: bytes) -> None:
        for word in _words(data[:1024]):
            self.add_word(word)

    def add_argument(self, kind: str, value: Any) -> None:
        """Remember an argument of a successful call (its words too, for elementary types); newest last."""
        pool = self.seen.setdefault(kind, [])
        if value in pool:
            pool.remove(value)
        elif len(pool) >= MAX_SEEN_PER_TYPE:
            pool.pop(self.rng.randrange(MAX_SEEN_PER_TYPE // 2))
        pool.append(value)
        if isinstance(value, int) and not isinstance(value, bool):
            self.add_word(value % 2**256)

    def refresh(self) -> None:
        """Read storage slots 0..31 and every zero-argument view of the targets."""
        chain = self.world.chain
        for name in self.world.targets:
            address = self.world.deployments[name].address
            for slot in range(SLOTS):
                value = chain.storage(address, slot)
                if value and len(self.state) < MAX_OBSERVED:
                    self.state[value] = None
        for name, fn in self._views:
            try:
                output = chain.call(self.world.deployments[name].address, fn.selector)
            except TransactionError:
                continue
            for word in _words(output[:256]):
                if len(self.state) < MAX_OBSERVED:
                    self.state[word] = None
        self._state = list(self.state)

    # -- drawing ---------------------------------------------------------------------------------------------
    def word(self) -> int:
        """A word of one of the three pools (constants, state, observed), the pool chosen first, evenly."""
        pools = [p for p in (self.constants, self._state, self.observed) if p]
        if not pools:
            return self.rng.randrange(1024)
        pool = pools[self.rng.randrange(len(pools))]
        if pool is self.observed and self.rng.random() < 0.3:  # recent results (a new id) are the likeliest inputs
            return pool[-1 - self.rng.randrange(min(8, len(pool)))]
        return pool[self.rng.randrange(len(pool))]

    def address(self) -> str:
        """A known address, or an address-sized word of the dictionary."""
        if self.rng.random() < 0.85:
            return self.addresses[self.rng.randrange(len(self.addresses))]
        candidates = [w for w in (self.word() for _ in range(4)) if 0 < w < 2**160]
        if candidates:
            return to_checksum_address(candidates[0].to_bytes(20, "big"))
        return self.addresses[self.rng.randrange(len(self.addresses))]

    def seen_value(self, kind: str, top_level: bool = True) -> Any | None:
        """A past successful argument of this type: half the time one of the four newest. Inside another value only
        small ones (a 2,000-element array reused inside an array would multiply)."""
        pool = self.seen.get(kind)
        if pool and not top_level:
            pool = [v for v in pool if not isinstance(v, (tuple, bytes, str)) or len(v) <= 64]
        if not pool:
            return None
        if self.rng.random() < 0.5:
            return pool[-1 - self.rng.randrange(min(4, len(pool)))]
        return pool[self.rng.randrange(len(pool))]

    def times(self) -> tuple[list[int], list[int]]:
        """(timestamps, durations) among the dictionary's words, relative to the chain's clock now."""
        now = self.world.chain.timestamp
        stamps, durations = [], []
        for word in (*self.constants, *self._state, *self.observed):
            if abs(word - now) <= 20 * YEAR and word > YEAR:
                stamps.append(word)
            elif 1 <= word <= 10 * YEAR:
                durations.append(word)
        return stamps, durations

    def horizon(self) -> int:
        """A timestamp past every timestamp-like value seen, and past every duration from now."""
        now = self.world.chain.timestamp
        stamps, durations = self.times()
        return max([now + YEAR, *(s + 1 for s in stamps), *(now + d + 1 for d in durations if d < 2 * YEAR)])
