"""Foundry-style handlers on ChainMachine: drawn integers decoded into calls, invariants after every call."""

from __future__ import annotations

from collections import Counter
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import invariant, run_state_machine_as_test

from strikeforge.fuzz.dictionary import ValueDictionary
from strikeforge.fuzz.machine import (
    BOUNDARY,
    DICTIONARY,
    EDGES,
    FULL,
    MAX,
    ONE,
    REPEAT,
    SMALL,
    SPREAD,
    WORD64,
    ZERO,
    ChainMachine,
    decode_argument,
    decode_signed,
    handler,
)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [
        (ZERO, 0),
        (ONE, 1),
        (MAX, 2**256 - 1),
        (SMALL, 0xAB),
        (WORD64, 0x1234_5678_9ABC_DEAB),
        (8 + MAX, 2**256 - 1),  # the mode byte is read modulo 8
    ],
)
def test_argument_modes(mode, expected):
    assert decode_argument(mode, 0x1234_5678_9ABC_DEAB, 256) == expected


def test_boundary_mode_gives_powers_of_two_and_ten_and_values_just_below_max():
    assert decode_argument(BOUNDARY, (128 << 2) | 0, 256) == 2**128
    assert decode_argument(BOUNDARY, (96 << 2) | 1, 256) == 2**96 - 1
    assert decode_argument(BOUNDARY, (18 << 2) | 2, 256) == 10**18
    assert decode_argument(BOUNDARY, (5 << 2) | 3, 256) == 2**256 - 1 - 5
    assert decode_argument(BOUNDARY, (8 << 2) | 1, 8) == 255


def test_full_words_are_pseudo_random_and_masked():
    words = {decode_argument(FULL, x, 256) for x in range(64)}
    assert len(words) == 64 and max(words).bit_length() > 250
    assert all(decode_argument(FULL, x, 16) <= 0xFFFF for x in range(64))


def test_narrow_arguments_are_masked():
    assert decode_argument(MAX, 0, 8) == 255
    assert decode_argument(WORD64, 2**64 - 1, 16) == 0xFFFF


def test_calls_are_drawn_uniformly_not_near_zero():
    """Hypothesis draws integers near 0 far more often; the calls' bytes must be uniform (every mode as likely)."""
    modes = Counter()

    class Modes(ChainMachine):
        ACTORS = ("alice",)
        MODE_PROFILES = (EDGES,)  # every mode alike: the mode bytes as drawn

        @classmethod
        def deploy(cls, chain, actors):
            return {}

        @handler(256, 256)
        def call(self, a, b):
            pass

        def teardown(self):
            super().teardown()

    original = decode_argument

    def counting(mode, x, bits, dictionary=None):
        modes[mode & 7] += 1
        return original(mode, x, bits, dictionary)

    import strikeforge.fuzz.machine as machine_module

    machine_module.decode_argument = counting
    try:
        _generate(Modes, 30)
    finally:
        machine_module.decode_argument = original
    total = sum(modes.values())
    assert total > 1_000
    assert all(0.08 < modes[m] / total < 0.17 for m in range(8)), modes  # 1/8 each


def test_spread_profile_weights():
    """SPREAD: 0, 1 and max 1 in 16 each; small 2, 64-bit 3, boundary 2, dictionary 2, full word 2, repeat 2."""
    shares = Counter(SPREAD)
    assert {m: shares[m] * 16 // 256 for m in range(9)} == {
        ZERO: 1,
        ONE: 1,
        MAX: 1,
        SMALL: 2,
        WORD64: 3,
        BOUNDARY: 2,
        DICTIONARY: 2,
        FULL: 2,
        REPEAT: 2,
    }
    assert Counter(EDGES) == {m: 32 for m in range(8)}
    assert SPREAD[0] == EDGES[0] == ZERO  # a mode byte shrunk to 0 is the simplest mode in either profile


def test_each_example_draws_one_profile_and_both_occur():
    """With two profiles a machine draws one per example (st.shared): one table for all its calls; over examples both
    tables are used."""
    seen: list[set[int]] = []
    tables = {id(EDGES): 0, id(SPREAD): 1}

    class Profiles(ChainMachine):
        ACTORS = ("alice",)
        MODE_PROFILES = (EDGES, SPREAD)

        @classmethod
        def deploy(cls, chain, actors):
            return {}

        @handler(256)
        def call(self, a):
            pass

        def _run_handlers(self, raw, stride, layout, per_draw, mode_of=EDGES):
            if not self.__dict__.get("_profiles"):
                self._profiles = set()
                seen.append(self._profiles)
            self._profiles.add(tables[id(mode_of)])
            return super()._run_handlers(raw, stride, layout, per_draw, mode_of)

    _generate(Profiles, 60)
    assert seen and all(len(profiles) == 1 for profiles in seen)
    used = Counter(next(iter(profiles)) for profiles in seen)
    assert used[0] >= 5 and used[1] >= 5, used


def test_repeat_mode_takes_an_earlier_argument_of_the_example():
    """Mode "repeat": the arguments of this example's earlier handler calls, counted back from the latest, masked to
    the width; a full word before the first call, and none carried over from the last example."""
    dictionary = ValueDictionary(_NoChain(), [])
    dictionary.start_example()
    assert decode_argument(REPEAT, 5, 256, dictionary) == decode_argument(FULL, 5, 256)
    dictionary.note([7, 2**200 + 9])
    dictionary.note([11])
    assert [decode_argument(REPEAT, x, 256, dictionary) for x in range(4)] == [11, 2**200 + 9, 7, 11]
    assert decode_argument(REPEAT, 1, 8, dictionary) == 9  # masked to the argument's width
    assert decode_signed(REPEAT, 0, 8, dictionary) == 11 and decode_signed(REPEAT, 1, 8, dictionary) == 9
    dictionary.start_example()
    assert decode_argument(REPEAT, 0, 256, dictionary) == decode_argument(FULL, 0, 256)


class _NoChain:
    outputs = None


def test_spread_finds_two_calls_with_one_random_value():
    """Equal high-entropy arguments in two calls (two bids at one limit): found by the default profile's repeat mode
    within 100 examples (a random 64-bit word would almost never repeat)."""

    class Ties(ChainMachine):
        ACTORS = ("alice",)

        @classmethod
        def deploy(cls, chain, actors):
            return {}

        def __init__(self) -> None:
            super().__init__()
            self.limits: set[int] = set()

        @handler(256)
        def bid(self, limit):
            if limit.bit_count() > 16 and limit < 2**256 - 2**64:  # not 0, 1, max or a boundary shape
                assert limit not in self.limits, "two bids at one limit"
                self.limits.add(limit)

    with pytest.raises(AssertionError, match="two bids at one limit"):
        _generate(Ties, 100)


def test_handler_widths_are_validated():
    with pytest.raises(ValueError, match=r"1\.\.256 bits"):
        handler(0)
    with pytest.raises(ValueError, match=r"-2\.\.-256 for signed"):
        handler(-1)


def test_signed_arguments_span_the_type_and_reach_its_minimum():
    assert decode_signed(MAX, 0, 8) == 127
    assert decode_signed(BOUNDARY, 0, 8) == -128  # the type's minimum
    assert decode_signed(BOUNDARY, (3 << 2) | 1, 256) == -(2**255) + 3
    assert decode_signed(BOUNDARY, (7 << 2) | 2, 128) == -(2**7)
    assert decode_signed(SMALL, 0xFF, 256) == -1
    assert decode_signed(WORD64, 2**64 - 1, 64) == -1
    values = {decode_signed(mode, x, 16) for mode in range(8) for x in range(0, 2**16, 97)}
    assert min(values) == -(2**15) and max(values) == 2**15 - 1
    assert all(-(2**15) <= v < 2**15 for v in values)


def _generate(machine: type[ChainMachine], examples: int) -> None:
    """Run ``machine`` for ``examples`` generated examples of up to 4 steps (derandomized, no database or shrinking)."""
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=4,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            phases=(Phase.generate,),
        ),
    )


def _shrunk_failure(machine: type[ChainMachine]) -> AssertionError:
    """Run ``machine`` until its invariant fails, shrink the failure, and return it (derandomized, no database)."""
    with pytest.raises(AssertionError) as failure:
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=300,
                stateful_step_count=5,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                phases=(Phase.generate, Phase.shrink),
            ),
        )
    return failure.value


class CounterMachine(ChainMachine):
    """Mints through handlers; claims the supply stays under a cap, which two large mints break."""

    ACTORS = ("alice",)
    types: ClassVar[dict] = {}
    invariant_checks: ClassVar[list[int]] = []

    @classmethod
    def deploy(cls, chain, actors):
        return {"token": chain.deploy(cls.types["MockERC20"], "C", "C", 18, sender=actors["deployer"])}

    @handler(16)
    def mint(self, value):
        self.c.token.mint(self.who("alice"), value, sender=self.who("alice"))

    @handler(8)
    def burn(self, value):
        if value <= self.c.token.balanceOf(self.who("alice")):
            self.c.token.burn(self.who("alice"), value, sender=self.who("alice"))

    @invariant()
    def capped(self):
        type(self).invariant_checks.append(self.c.token.totalSupply())
        assert self.c.token.totalSupply() < 100_000


def test_invariants_run_after_every_handler_call_and_failures_shrink(types):
    CounterMachine.types = types
    CounterMachine.invariant_checks = []
    failure = _shrunk_failure(CounterMachine)
    notes = [n.split(" (gas ")[0] for n in getattr(failure, "__notes__", []) if "-> MockERC20." in n]
    # Shrunk: the zeroed (skipped) calls are gone; what is left is the smallest story: two mints reaching the cap.
    assert len(notes) == 2 and all(n.startswith("alice -> MockERC20.mint(alice, ") for n in notes), notes
    # The values need not be the smallest that fail: a full-word argument can stay one (its 64-bit reading of the same
    # bits may pass); here 65,535 and 43,274 rather than 34,465 (README, Fuzzing).
    assert 100_000 <= sum(int(n.rsplit(", ", 1)[1].rstrip(")")) for n in notes) < 2 * 65_536, notes
    # The invariant ran between the two mints, not only at the end of the step.
    assert 65_535 in CounterMachine.invariant_checks


class FourPerDrawCounterMachine(CounterMachine):
    CALLS_PER_DRAW = 4


def test_four_calls_per_draw_still_finds_and_shrinks_the_failure(types):
    FourPerDrawCounterMachine.types = types
    failure = _shrunk_failure(FourPerDrawCounterMachine)
    calls = [n.split(" (gas ")[0] for n in getattr(failure, "__notes__", []) if "-> MockERC20." in n]
    minted = sum(int(n.rsplit(", ", 1)[1].rstrip(")")) for n in calls if ".mint(alice, " in n)
    assert minted >= 100_000, calls  # the mints that break the cap survive shrinking
    assert len(calls) <= 6, calls  # a few extra calls may remain (the documented trade-off), not a long story
