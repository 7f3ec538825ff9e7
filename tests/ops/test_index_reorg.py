"""The event index across a chain reorganization: the indexed blocks the chain no longer has are undone, then the new
branch is indexed, and statements reconcile on it. Alone in its module: it restores chain snapshots by hand."""

from __future__ import annotations

from strikeforge.ops.statement import Statements

MILLI = 10**15  # a thousandth of the ledger's cash (WETH in the local config)
FAR = 4_000_000_000


def test_a_reorganization_is_undone_and_the_new_branch_indexed(index, epoch):
    from ape import chain

    demo = epoch.demo
    dave, erin = demo.buyers["dave"], demo.buyers["erin"]
    fork = index.cursor()
    snapshot = chain.provider.snapshot()  # not the manager's: see strikeforge.deploy.runner.estimate
    demo.weth.approve(demo.ledger, 100 * MILLI, sender=dave)
    demo.ledger.deposit(100 * MILLI, sender=dave)
    index.sync()
    assert [s.event.args["amount"] for s in index.events(account=dave.address, names=("Deposited",))][-1] == 100 * MILLI
    chain.provider.restore(snapshot)  # the branch with dave's deposit is gone; erin deposits on the new one
    branch = chain.provider.snapshot()
    demo.weth.approve(demo.ledger, 7 * MILLI, sender=erin)
    demo.ledger.deposit(7 * MILLI, sender=erin)
    chain.mine(2)
    result = index.sync()
    assert result.rewound_to == fork
    assert [s.event.args["amount"] for s in index.events(account=dave.address, names=("Deposited",))] == [
        2_000 * MILLI
    ]  # its demo deposit, 2 WETH
    assert [s.event.args["amount"] for s in index.events(account=erin.address, names=("Deposited",))][-1] == 7 * MILLI
    statement = Statements(index).build(erin.address, 0, FAR)
    assert statement.reconciled and statement.totals["ledger_cash"].chain == 7 * MILLI
    chain.provider.restore(branch)
