"""Foundry-style handlers on ChainMachine: drawn integers decoded into calls, invariants after every call."""

from __future__ import annotations

from typing import ClassVar

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import invariant, run_state_machine_as_test

from strikeforge.fuzz.machine import ChainMachine, decode_word, handler


@pytest.mark.parametrize(
    ("mode", "expected"), [(0, 0), (1, 1), (2, 2**256 - 1), (3, 0xAB), (4, int.from_bytes(b"\x07" * 32, "big"))]
)
def test_argument_modes(mode, expected):
    value = b"\x07" * 31 + (b"\xab" if mode == 3 else b"\x07")
    assert decode_word(mode, value, 256) == expected


def test_narrow_arguments_are_masked():
    assert decode_word(2, bytes(32), 8) == 255
    assert decode_word(4, b"\xff" * 32, 16) == 0xFFFF


def test_handler_widths_are_validated():
    with pytest.raises(ValueError, match=r"1\.\.256 bits"):
        handler(0)


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
    # Shrunk: the zeroed (skipped) calls are gone; what is left is the smallest story, two max-size mints.
    assert notes == ["alice -> MockERC20.mint(alice, 65535)", "alice -> MockERC20.mint(alice, 65535)"], notes
    # The invariant ran between the two mints, not only at the end of the step.
    assert 65_535 in CounterMachine.invariant_checks


class FourPerDrawCounterMachine(CounterMachine):
    CALLS_PER_DRAW = 4


def test_four_calls_per_draw_still_finds_and_shrinks_the_failure(types):
    FourPerDrawCounterMachine.types = types
    failure = _shrunk_failure(FourPerDrawCounterMachine)
    calls = [n for n in getattr(failure, "__notes__", []) if "-> MockERC20." in n]
    mints = [n for n in calls if ".mint(alice, 65535)" in n]
    assert len(mints) >= 2  # the two mints that break the cap survive shrinking
    assert len(calls) <= 6, calls  # a few extra calls may remain (the documented trade-off), not a long story
