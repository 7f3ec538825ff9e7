"""Random steps from a seeded ``random.Random``: who calls what, with which arguments, value and time warp.

Arguments, by ABI type (probabilities are per draw):
- ``uintN``: 0, 1, 2, max, max-1, 2**(N-1); a dictionary word (or +-1); 0..8 (ids, indexes); < 1,000; any; a
  timestamp or duration;
- ``intN``: 0, 1, -1, min (``int256.min``), min+1, max, max-1; a dictionary word or its negation; small; any;
- ``address``: a party or deployment (the target itself included), the zero address, address-sized words;
- ``bytesN``: a dictionary word, zero, all ones, random; ``bool``: either;
- dynamic arrays, ``bytes`` and ``string``: lengths 0, 1, a few and large (:data:`LARGE` elements, at the top level);
  ``bytes`` may also be ABI words (offsets, small counts and dictionary words: what ``abi.decode`` reads);
- any type: an argument a successful call used before (the dictionary keeps them by type, newest first; 40% of the
  draws of ``bytes``, a quarter of strings, arrays and tuples, 8% of the others).
A quarter of the calls of a function that succeeded before reuse one past success's arguments and value, half of
those with one argument drawn afresh. Between calls: the same block most of the time, else a new block at the same
second, +1 s, a dictionary duration (+0/+1 s), up to a day, or (3%) 30..400 days; a third of the episodes keep to
seconds, a third never jump beyond a day or a dictionary duration. Revert data feeds the dictionary
too: a custom error's arguments often name the value that was expected (``WrongBond(sent, required)``).
"""

from __future__ import annotations

import random
from typing import Any

from eth_abi.grammar import BasicType, TupleType, parse

from strikeforge.audit.abifuzz.dictionary import Dictionary
from strikeforge.audit.abifuzz.steps import Step
from strikeforge.audit.abifuzz.world import World
from strikeforge.fuzz.abi import Function

LARGE = 2_000
FEW = (2, 3, 4, 5)
ARM_SHARE = 0.06
REUSE_SHARE = 0.25
_ABI_SMALL = (0, 1, 2, 32, 64, 96, 128)


class Generator:
    """Draws steps for one campaign."""

    def __init__(self, world: World, dictionary: Dictionary, rng: random.Random) -> None:
        self.world = world
        self.dictionary = dictionary
        self.rng = rng
        self.functions = world.target_functions()
        self.actors: list[str] = []
        self.weights: list[float] = []
        for party in world.acting:
            self.actors.append(party.label)
            self.weights.append(0.5 if party.kind == "trusted" else 1.0)
        self.reenterers = [p.label for p in world.of_kind("reenterer")]
        self.corpus: dict[tuple[str, str], list[tuple[tuple, int]]] = {}
        self.hints: dict[tuple[str, str], list[int]] = {}  # payable function -> words of its revert data
        self._types: dict[str, Any] = {}

    # -- steps ---------------------------------------------------------------------------------------------------
    def step(self) -> Step:
        rng = self.rng
        warp = self.warp()
        target, fn = self.functions[rng.randrange(len(self.functions))]
        if self.reenterers and rng.random() < ARM_SHARE:
            times = 1 if rng.random() < 0.7 else 2
            args = self.arguments(target, fn)[0]
            return Step(rng.choice(self.reenterers), target, fn.signature, args, times, warp, arm=True)
        actor = rng.choices(self.actors, self.weights)[0]
        args, value = self.arguments(target, fn)
        if fn.payable and value is None:
            value = self.ether(actor, self.hints.get((target, fn.signature)))
        return Step(actor, target, fn.signature, args, value if fn.payable and value else 0, warp)

    def arguments(self, target: str, fn: Function) -> tuple[tuple, int | None]:
        """Fresh arguments, or a past success's (value included), maybe with one argument drawn afresh."""
        past = self.corpus.get((target, fn.signature))
        if past and self.rng.random() < REUSE_SHARE:
            args, value = past[self.rng.randrange(len(past))]
            if fn.inputs and self.rng.random() < 0.5:
                i = self.rng.randrange(len(fn.inputs))
                args = (*args[:i], self.value(fn.inputs[i]), *args[i + 1 :])
            return args, value
        return tuple(self.value(kind) for kind in fn.inputs), None

    def record(self, step: Step, fn: Function, output: bytes) -> None:
        """Remember a successful step's arguments and return data for later draws."""
        if step.arm:
            return
        entries = self.corpus.setdefault((step.target, step.signature), [])
        if len(entries) < 32:
            entries.append((step.args, step.value))
        else:
            entries[self.rng.randrange(32)] = (step.args, step.value)
        for kind, value in zip(fn.inputs, step.args, strict=True):
            self.dictionary.add_argument(kind, value)
        if step.value:
            self.dictionary.add_word(step.value)
        self.dictionary.add_output(output)

    def begin_episode(self) -> None:
        """Each episode has a time scale: ``tight`` (seconds), ``normal`` (up to a day and the dictionary's
        durations) or ``wide`` (also 30..400 days), so that short windows and long horizons both get explored."""
        self.scale = self.rng.choice(("tight", "normal", "wide"))

    scale = "wide"

    def warp(self) -> int | None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.55:
            return None
        if roll < 0.65:
            return 0
        if roll < 0.75 or self.scale == "tight":
            return 1 if self.scale != "tight" or roll < 0.85 else rng.randrange(2, 60)
        if roll < 0.88:
            _, durations = self.dictionary.times()
            if durations:
                return rng.choice(durations) + rng.choice((0, 1))
            return rng.randrange(1, 86_400)
        if roll < 0.97 or self.scale == "normal":
            return rng.randrange(1, 86_400)
        return rng.randrange(30, 400) * 86_400

    def hint(self, step: Step, revert_data: bytes) -> None:
        """A payable call reverted: its error's arguments may name the value it wanted (``WrongBond(sent, bond)``)."""
        words = [int.from_bytes(revert_data[i : i + 32], "big") for i in range(4, len(revert_data) - 31, 32)]
        pool = self.hints.setdefault((step.target, step.signature), [])
        for word in words[:4]:
            if word and word != step.value and word not in pool and len(pool) < 16:
                pool.append(word)

    def ether(self, actor: str, hints: list[int] | None = None) -> int:
        balance = self.world.chain.balance(self.world.parties[actor].address)
        roll = self.rng.random()
        if hints and self.rng.random() < 0.4:
            fitting = [h for h in hints if h <= balance]
            if fitting:
                return self.rng.choice(fitting)
        if roll < 0.35 or balance == 0:
            return 0
        if roll < 0.5:
            return min(1, balance)
        if roll < 0.8:
            fitting = [w for w in (self.dictionary.word() for _ in range(6)) if 0 < w <= balance]
            return fitting[0] if fitting else 1
        if roll < 0.9 and (seen := self.dictionary.seen_value("uint256")) and 0 < seen <= balance:
            return seen
        return self.rng.randrange(max(balance // 1000, 1)) + 1

    # -- values --------------------------------------------------------------------------------------------------
    def value(self, kind: str, depth: int = 0) -> Any:
        """One argument of ABI type ``kind``."""
        share = 0.08
        if kind in ("bytes", "string") or kind.endswith("]") or kind.startswith("("):
            share = 0.4 if kind == "bytes" else 0.25
        if self.rng.random() < share and (seen := self.dictionary.seen_value(kind, depth == 0)) is not None:
            return seen
        parsed = self._types.get(kind)
        if parsed is None:
            parsed = self._types[kind] = parse(kind)
        if parsed.is_array:
            item = parsed.item_type.to_type_str()
            dims = parsed.arrlist[-1]
            length = dims[0] if dims else self.length(depth)
            if length >= LARGE:  # one element repeated with a few variations keeps the draw fast
                sample = [self.value(item, depth + 1) for _ in range(4)]
                return tuple(sample[self.rng.randrange(4)] for _ in range(length))
            return tuple(self.value(item, depth + 1) for _ in range(length))
        if isinstance(parsed, TupleType):
            return tuple(self.value(c.to_type_str(), depth + 1) for c in parsed.components)
        assert isinstance(parsed, BasicType)
        base, sub = parsed.base, parsed.sub
        if base == "uint":
            return self.uint(sub)
        if base == "int":
            return self.int(sub)
        if base == "address":
            return self.dictionary.address()
        if base == "bool":
            return self.rng.random() < 0.5
        if base == "bytes":
            return self.fixed_bytes(sub) if sub is not None else self.dynamic_bytes(depth)
        if base == "string":
            length = self.length(depth)
            return "".join(self.rng.choice("abcXYZ019 ") for _ in range(length))
        raise ValueError(f"unsupported ABI type {kind}")

    def length(self, depth: int) -> int:
        roll = self.rng.random()
        if roll < 0.2:
            return 0
        if roll < 0.5:
            return 1
        if roll < 0.92:
            return self.rng.choice(FEW)
        if roll < 0.96 and depth == 0:
            return LARGE
        return self.rng.choice((6, 7, 8, 16))

    def uint(self, bits: int) -> int:
        rng, top = self.rng, (1 << bits) - 1
        roll = rng.random()
        if roll < 0.25:
            return rng.choice((0, 1, 2, top, top - 1, 1 << (bits - 1)))
        if roll < 0.55:
            word = self.dictionary.word()
            if rng.random() < 0.2:
                word += rng.choice((-1, 1))
            return word & top if word >= 0 else 0
        if roll < 0.63:
            return rng.randrange(9) & top  # ids, indexes and counts are usually small
        if roll < 0.75:
            return rng.randrange(1_000) & top
        if roll < 0.85:
            return rng.getrandbits(bits)
        stamps, durations = self.dictionary.times()
        now = self.world.chain.timestamp
        choices = [now, now + 1, now - 1, *stamps, *durations]
        return rng.choice(choices) & top

    def int(self, bits: int) -> int:
        rng = self.rng
        low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        roll = rng.random()
        if roll < 0.3:
            return rng.choice((0, 1, -1, low, low + 1, high, high - 1))
        if roll < 0.65:
            word = self.dictionary.word()
            signed = word - (1 << 256) if word >= 1 << 255 else word
            value = signed if rng.random() < 0.5 else -signed
            return value if low <= value <= high else value % (1 << (bits - 1))
        if roll < 0.85:
            return max(low, min(high, rng.randrange(-1_000, 1_000)))
        return rng.randrange(low, high + 1)

    def fixed_bytes(self, size: int) -> bytes:
        roll = self.rng.random()
        if roll < 0.55:
            word = self.dictionary.word()
            raw = word.to_bytes(32, "big")
            return raw[-size:] if word < 1 << (8 * size) else raw[:size]
        if roll < 0.7:
            return bytes(size)
        if roll < 0.8:
            return b"\xff" * size
        return self.rng.randbytes(size)

    def dynamic_bytes(self, depth: int) -> bytes:
        rng = self.rng
        roll = rng.random()
        if roll < 0.15:
            return b""
        if roll < 0.35:
            return rng.randbytes(rng.choice((1, 4, 20, 32, 33, 64)))
        if roll < 0.75:  # ABI words: what abi.decode reads (offsets, counts, dictionary words, zeros)
            count = self.length(depth)
            count = max(count, 2) if count < LARGE else LARGE
            words = [self.abi_word() for _ in range(count)]
            if rng.random() < 0.5:  # the head of one dynamic value (T[], bytes, string): offset 32, then a length
                words[0] = 32
                words[1] = rng.choice((1, 2, count - 2)) if count > 3 else 1
            return b"".join(w.to_bytes(32, "big") for w in words)
        if roll < 0.8 and depth == 0:
            return rng.randbytes(LARGE)
        return self.dictionary.word().to_bytes(32, "big")

    def abi_word(self) -> int:
        roll = self.rng.random()
        if roll < 0.45:
            return self.rng.choice(_ABI_SMALL)
        if roll < 0.75:
            return 0
        return self.dictionary.word()
