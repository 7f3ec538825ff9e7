"""The value dictionary: constants and compared bounds of the code, storage and return values reach handler arguments,
and find faults random words do not."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import invariant, run_state_machine_as_test

from strikeforge.fuzz.artifacts import compile_unlinked
from strikeforge.fuzz.dictionary import code_constants, static_values
from strikeforge.fuzz.machine import ChainMachine, handler

HERE = Path(__file__).resolve().parent


def test_code_constants_skip_jump_targets_and_selectors_and_widen_compared_bounds():
    push_18 = "6012"
    jump_target = "6104d256"  # PUSH2 1234, JUMP
    selector = "63a9059cbb"  # PUSH4 transfer's selector
    compared = "6103e88011"  # PUSH2 1000, DUP1, GT: a compared bound
    code = bytes.fromhex(push_18 + jump_target + selector + compared + "5f")
    assert code_constants(code, excluded={0xA9059CBB}) == [0x12, 1000, 999, 1001]


def test_the_static_part_holds_constants_storage_and_addresses(chain, token, vault, deployer, alice):
    values = static_values(chain, [token, vault], [deployer.address, alice.address])
    assert 18 in values  # the token's decimals, in storage
    assert int(token.address, 16) in values and int(alice.address, 16) in values  # contracts' and actors' addresses
    assert 0 not in values and 1 not in values and 2**256 - 1 not in values  # the argument modes give these


@pytest.fixture(scope="module")
def magic_type():
    return compile_unlinked(HERE / "MagicNumbers.sol")["MagicNumbers"]


class MagicConstant(ChainMachine):
    """Breaks when poke() gets the contract's own constant (0x5eedf00d1234)."""

    ACTORS = ("alice",)
    types: ClassVar[dict] = {}

    @classmethod
    def deploy(cls, chain, actors):
        return {"magic": chain.deploy(cls.types["MagicNumbers"], sender=actors["deployer"])}

    @handler(256)
    def poke(self, x):
        self.c.magic.poke(x, sender=self.who("alice"))

    @invariant()
    def not_broken(self):
        assert not self.c.magic.broken()


class Ticket(ChainMachine):
    """Breaks when close() gets a ticket an earlier open() returned."""

    ACTORS = ("alice",)
    types: ClassVar[dict] = {}

    @classmethod
    def deploy(cls, chain, actors):
        return {"magic": chain.deploy(cls.types["MagicNumbers"], sender=actors["deployer"])}

    @handler()
    def open(self):
        self.c.magic.open(sender=self.who("alice"))

    @handler(256)
    def close(self, ticket):
        self.c.magic.close(ticket, sender=self.who("alice"))

    @invariant()
    def not_broken(self):
        assert not self.c.magic.brokenByTicket()


def _search(machine: type[ChainMachine]) -> AssertionError | None:
    try:
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=150,
                stateful_step_count=3,
                database=None,
                derandomize=True,
                suppress_health_check=list(HealthCheck),
                phases=(Phase.generate,),
            ),
        )
    except AssertionError as failure:
        return failure
    return None


@pytest.mark.parametrize("machine", [MagicConstant, Ticket])
def test_the_dictionary_finds_what_random_words_do_not(machine, magic_type):
    with_dictionary = type(f"{machine.__name__}WithDictionary", (machine,), {"types": {"MagicNumbers": magic_type}})
    without = type(
        f"{machine.__name__}WithoutDictionary", (machine,), {"types": {"MagicNumbers": magic_type}, "DICTIONARY": False}
    )
    assert _search(with_dictionary) is not None
    assert _search(without) is None


def test_this_examples_values_are_forgotten_at_the_next(chain, magic_type):
    """The run-time part starts empty in every example: the same choices always decode to the same calls."""

    class Probe(Ticket):
        types: ClassVar[dict] = {"MagicNumbers": magic_type}

    first = Probe()
    first.open()
    dictionary = first._dictionary
    size = len(dictionary)
    assert size > dictionary.static_count  # the ticket, and the storage the open wrote
    first.teardown()
    second = Probe()
    assert len(second._dictionary) == dictionary.static_count
    second.teardown()
