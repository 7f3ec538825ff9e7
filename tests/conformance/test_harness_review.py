"""Issue 23 review: the conformance harness itself. A suite must never pass vacuously, a contract's unexpected revert
must be an outcome rather than a traceback, the read-only properties must run where no test accounts exist (any
public network)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from strikeforge.cli import main
from strikeforge.conformance import SUITES, Outcome, run_suite
from strikeforge.conformance.erc7540 import VIEW_CALLERS
from tests.conformance.conftest import subject
from tests.conformance.test_erc7540 import _mint

READ_ONLY = [p.id for p in SUITES["erc7540"] if not p.stateful]


class PublicChain:
    """Ape's chain as a public network's node shows it: no snapshots (Ape's node provider raises)."""

    def __init__(self, chain: object) -> None:
        self._chain = chain

    def __getattr__(self, name: str) -> object:
        return getattr(self._chain, name)

    def snapshot(self) -> None:
        raise NotImplementedError("snapshot is not implemented by this provider")

    def restore(self, snapshot_id: object = None) -> None:
        raise NotImplementedError("restore is not implemented by this provider")


def test_the_vault_suite_runs_read_only_without_test_accounts(bare_vault, chain, deployer):
    """A public network has no test accounts (the command passes actors=[] and stateful=False) and its node cannot
    snapshot: the read-only properties run and pass, and the ones that send transactions are reported as not run.
    Before the fix the views drew their callers from an empty list (Hypothesis' InvalidArgument, a traceback), and
    every example of a read-only property asked the node for a snapshot it cannot take."""
    for caller in VIEW_CALLERS:  # Ape's test provider prices an eth_call (anvil and geth do not): give them gas money
        deployer.transfer(caller, 10**18)
    bound = subject("erc7540", bare_vault, PublicChain(chain), [], stateful=False)
    outcomes = run_suite("erc7540", bound)
    status = {o.prop.id: o.status for o in outcomes}
    assert {i: status[i] for i in READ_ONLY} == dict.fromkeys(READ_ONLY, "pass"), outcomes
    assert {s for i, s in status.items() if i not in READ_ONLY} == {"not run"}


def test_a_revert_the_suite_did_not_expect_is_an_outcome_not_a_traceback(bare_vault, guardian, keeper, chain, actors):
    """A paused vault reverts requestDeposit (Paused()), a step the deposit properties need: the property's outcome is
    an error naming the revert, and the suite goes on with the next property. Before the fix the ContractLogicError
    escaped run_suite (a traceback from the command, and no outcome for any later property)."""
    bare_vault.set_paused(True, sender=guardian)
    bound = subject("erc7540", bare_vault, chain, actors, fund=_mint, fulfil=lambda: bare_vault.roll(sender=keeper))
    outcomes = run_suite("erc7540", bound, only=["deposit-request", "operators"])
    assert [(o.prop.id, o.status) for o in outcomes] == [("deposit-request", "error"), ("operators", "pass")]
    assert "requestDeposit" in outcomes[0].detail and "reverted" in outcomes[0].detail
    assert "Paused()" in outcomes[0].detail or "0x9e87fac8" in outcomes[0].detail


def _outcome(status: str) -> Outcome:
    return Outcome(SUITES["erc20"][0], status)


@pytest.mark.parametrize(
    ("statuses", "code"),
    [
        (["pass", "not run", "n/a"], 0),
        (["pass", "fail"], 1),
        (["pass", "error"], 1),
        (["not run"], 1),  # nothing was checked: not a success
        (["n/a", "not run"], 1),
        ([], 1),
    ],
)
def test_the_exit_status_is_success_only_when_something_was_checked_and_held(statuses, code):
    from strikeforge.conformance.cli import exit_status

    assert exit_status([_outcome(s) for s in statuses]) == code


def test_a_run_that_checks_nothing_exits_non_zero(bare_vault, networks):
    """`--property deposit-claim` without the fulfil step it needs: the property is not run, so nothing was checked.
    Before the fix the command said '0 passed, 0 failed, ... 1 not run' and exited 0, which a CI job reads as a
    pass."""
    network = f"{networks.provider.network.ecosystem.name}:{networks.provider.network.name}:{networks.provider.name}"
    done = CliRunner().invoke(
        main,
        ["conformance", "erc7540", "--address", str(bare_vault.address), "--network", network, "--fund", "none",
         "--property", "deposit-claim"],
    )  # fmt: skip
    assert "erc7540: 0 passed, 0 failed, 0 not applicable, 1 not run" in done.output, done.output
    assert "nothing was checked" in done.output
    assert done.exit_code == 1, done.output
