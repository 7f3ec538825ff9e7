"""ChainMachine itself: a broken invariant is caught, shrunk and reported with a readable transaction trace."""

from __future__ import annotations

from typing import ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.stateful import invariant, rule, run_state_machine_as_test

from strikeforge.fuzz import stats
from strikeforge.fuzz.machine import ChainMachine, actor, amount

ACTORS = ("alice", "bob")


class LeakyTokenMachine(ChainMachine):
    """Claims total supply never exceeds 1,000 tokens while anyone may mint: a false invariant to catch."""

    ACTORS = ACTORS
    types: ClassVar[dict] = {}  # bound by a fixture from the Ape project before the machine runs

    @classmethod
    def deploy(cls, chain, actors):
        return {"token": chain.deploy(cls.types["MockERC20"], "Leak", "LK", 18, sender=actors["deployer"])}

    @rule(who=actor(*ACTORS), value=amount(600))
    def mint(self, who, value):
        self.c.token.mint(self.who(who), value, sender=self.who(who))

    @invariant()
    def supply_is_capped(self):
        assert self.c.token.totalSupply() <= 1_000


def test_false_invariant_is_caught_with_a_readable_shrunk_trace(types):
    LeakyTokenMachine.types = types
    with pytest.raises(AssertionError) as failure:
        run_state_machine_as_test(
            LeakyTokenMachine, settings=settings(max_examples=200, database=None, derandomize=True)
        )
    report = "\n".join(getattr(failure.value, "__notes__", []))
    # Shrunk to the smallest story: two mints whose sum just passes the cap.
    mints = [line for line in report.splitlines() if "-> MockERC20.mint(" in line]
    assert len(mints) == 2, report
    assert all(line.startswith(("alice -> MockERC20.mint(alice, ", "bob -> MockERC20.mint(bob, ")) for line in mints)
    assert "(gas " in mints[0]


def test_every_example_starts_from_the_deployed_snapshot(types):
    LeakyTokenMachine.types = types
    first = LeakyTokenMachine()
    first.mint("alice", 5)
    first.teardown()
    second = LeakyTokenMachine()
    assert second.c.token.totalSupply() == 0
    assert second.c.token.address == first.c.token.address  # deployed once, restored per example


def test_statistics_count_calls_and_time(types):
    LeakyTokenMachine.types = types
    record = stats.for_machine("LeakyTokenMachine")
    calls, examples = record.calls, record.examples
    machine = LeakyTokenMachine()
    machine.mint("bob", 1)
    machine.supply_is_capped()
    machine.teardown()
    assert record.examples == examples + 1
    assert record.calls == calls + 2
    assert record.seconds > 0


def _blob_from(failure: BaseException) -> str:
    lines = [n for n in getattr(failure, "__notes__", []) if "@reproduce_failure(" in n]
    assert lines, "Hypothesis printed no blob: print_blob must be on"
    return lines[0]


@pytest.mark.parametrize("network", ["ethereum:local:test", "ethereum:local:foundry"])
def test_failing_example_replays_on_ape_in_one_call(types, network):
    from strikeforge.fuzz.replay import replay_on_ape

    LeakyTokenMachine.types = types
    with pytest.raises(AssertionError) as failure:
        run_state_machine_as_test(
            LeakyTokenMachine,
            settings=settings(max_examples=200, database=None, derandomize=True, print_blob=True),
        )
    result = replay_on_ape(LeakyTokenMachine, _blob_from(failure.value), network=network)
    assert result.reproduced, result
    assert isinstance(result.error, AssertionError)
    # The same two mints ran on Ape's provider (its transactions, its gas), then the invariant failed there too.
    mints = [n for n in result.notes if "-> MockERC20.mint(" in n]
    assert len(mints) == 2, (result, result.notes)


def test_a_blob_must_be_given_in_a_known_form():
    from strikeforge.fuzz.replay import parse_blob

    with pytest.raises(ValueError, match="pass the @reproduce_failure"):
        parse_blob("AXicY2BgZGAEAAAXAAU=")
    assert parse_blob("@reproduce_failure('6.170.15', b'AXic')") == ("6.170.15", b"AXic")


def test_a_handler_machines_failure_replays_on_ape_with_its_trace(types):
    """Handler calls, their dictionary and the Foundry-style trace are the same on Ape's EthereumTester."""
    from strikeforge.fuzz.replay import replay_on_ape

    from .campaign_machines import CappedSupplyMachine

    class Capped(CappedSupplyMachine):
        pass

    Capped.types = types
    with pytest.raises(AssertionError) as failure:
        run_state_machine_as_test(
            Capped,
            settings=settings(
                max_examples=300,
                database=None,
                derandomize=True,
                print_blob=True,
                suppress_health_check=[HealthCheck.large_base_example],  # uniform draws: ~14 bytes a choice at least
            ),
        )
    trace = failure.value.strikeforge_trace
    assert trace and trace[0].startswith("handler mint(")
    result = replay_on_ape(Capped, _blob_from(failure.value), network="ethereum:local:test")
    assert result.reproduced, result
    sent = [line.split(" [")[0] for line in trace if " -> " in line]
    assert [line.split(" [")[0] for line in result.trace if " -> " in line] == sent
