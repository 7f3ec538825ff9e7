"""H-2: bonds were pushed to the challenger, the treasury and the later batches' sequencers inside a proven fraud's
revert (and to the sequencer inside releaseBond) with require(ok): a receiver that rejects ETH blocked the challenge.
Fixed: bonds are credited (bondsOwed) and pulled with claimBonds(to)."""

import ape
import pytest

from tests.settlement.conftest import DEADLINE
from tests.settlement.review.helpers import (
    BOND,
    DELAY,
    ESCAPE,
    USDC,
    WINDOW,
    frauds,
    keys_for,
    make_batch,
    warp,
)


@pytest.fixture
def rejecting(project, deployer):
    """Three ETH-rejecting contract accounts, owned by deployer: sequencer, challenger and treasury."""
    return [project.RejectingForwarder.deploy(sender=deployer) for _ in range(3)]


@pytest.fixture
def hostile_ledger(project, deployer, cash, engine, listed, rejecting, users):
    """A ledger whose treasury and sequencer reject ETH; users are funded on it (cash only)."""
    sequencer, _, treasury = rejecting
    ledger = project.SettlementLedger.deploy(
        cash, engine, WINDOW, BOND, ESCAPE, DELAY, treasury, deployer, sender=deployer
    )
    ledger.grantRole(ledger.SEQUENCER_ROLE(), sequencer, sender=deployer)
    for user in users:
        cash.approve(ledger, 2**256 - 1, sender=user)
        cash.mint(user, 1_000 * USDC, sender=deployer)
        ledger.deposit(1_000 * USDC, sender=user)
    return ledger


def _post_via(forwarder, ledger, batch, deployer):
    data = ledger.postBatch.encode_input(
        batch.tree.root, batch.tree.leaves_root, batch.series, batch.data, ledger.leavesPosted(), DEADLINE
    )
    return forwarder.execute(ledger, data, sender=deployer, value=BOND)


def _forged_then_later(ledger, users, forwarder, deployer):
    """Batch 1: a's debit signed by b only (a forgery); batch 2: an honest zero batch after it."""
    a, b = users[0], users[1]
    forged = make_batch(
        ledger, [(a.address, -2 * USDC, (0, 0, 0, 0)), (b.address, 2 * USDC, (0, 0, 0, 0))], keys_for([b])
    )
    _post_via(forwarder, ledger, forged, deployer)
    later = make_batch(ledger, [(a.address, 0, (0, 0, 0, 0)), (b.address, 0, (0, 0, 0, 0))], keys_for(users))
    _post_via(forwarder, ledger, later, deployer)
    return forged


def test_h2_challenge_succeeds_when_every_receiver_rejects_eth(hostile_ledger, users, rejecting, deployer, chain):
    """H-2: a rejecting challenger proves a forged signature in batch 1 of a rejecting sequencer, with batch 2 after
    it and a rejecting treasury: both batches revert, and the bonds are owed (half/half, batch 2's bond back)."""
    ledger, (sequencer, challenger, treasury) = hostile_ledger, rejecting
    forged = _forged_then_later(ledger, users, sequencer, deployer)
    assert chain.provider.get_balance(ledger.address) == 2 * BOND
    i = forged.index_of(users[0].address)
    tx = challenger.execute(ledger, ledger.challengeSignature.encode_input(*forged.signature_args(i)), sender=deployer)
    assert frauds(ledger, tx) == ["signature", "signature"]
    assert ledger.batchCount() == 0
    assert ledger.bondsOwed(challenger) == BOND // 2
    assert ledger.bondsOwed(treasury) == BOND - BOND // 2
    assert ledger.bondsOwed(sequencer) == BOND
    assert chain.provider.get_balance(ledger.address) == 2 * BOND  # nothing pushed


def test_h2_bond_release_to_a_rejecting_sequencer_is_credited(hostile_ledger, users, rejecting, deployer, chain):
    """H-2: releaseBond of a final batch whose sequencer rejects ETH succeeds and credits bondsOwed."""
    ledger, sequencer = hostile_ledger, rejecting[0]
    batch = make_batch(ledger, [(users[0].address, 0, (0, 0, 0, 0))])
    _post_via(sequencer, ledger, batch, deployer)
    warp(chain, WINDOW)
    ledger.releaseBond(1, sender=users[4])
    assert ledger.bondsOwed(sequencer) == BOND
    with ape.reverts(ledger.BondAlreadyReleased):
        ledger.releaseBond(1, sender=users[4])


def test_h2_owed_bonds_are_claimed_to_another_receiver(hostile_ledger, users, rejecting, deployer, accounts, chain):
    """H-2: a claim paying a rejecting receiver reverts and keeps the debt; each rejecting owner claims to another
    address, and the ledger's ETH equals the bonds owed until every one is paid."""
    ledger, (sequencer, challenger, treasury) = hostile_ledger, rejecting
    forged = _forged_then_later(ledger, users, sequencer, deployer)
    i = forged.index_of(users[0].address)
    challenger.execute(ledger, ledger.challengeSignature.encode_input(*forged.signature_args(i)), sender=deployer)
    owed = [sequencer, challenger, treasury]
    assert chain.provider.get_balance(ledger.address) == sum(ledger.bondsOwed(x) for x in owed)
    with ape.reverts(ledger.TransferFailed):
        sequencer.execute(ledger, ledger.claimBonds.encode_input(sequencer), sender=deployer)
    assert ledger.bondsOwed(sequencer) == BOND
    receiver = accounts[6]
    before = receiver.balance
    for forwarder in owed:
        forwarder.execute(ledger, ledger.claimBonds.encode_input(receiver), sender=deployer)
    assert receiver.balance - before == 2 * BOND
    assert chain.provider.get_balance(ledger.address) == 0
    with ape.reverts(ledger.NothingOwed):
        treasury.execute(ledger, ledger.claimBonds.encode_input(receiver), sender=deployer)
