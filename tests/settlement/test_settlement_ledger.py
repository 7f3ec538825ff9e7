"""SettlementLedger on a local chain: posting, the challenge window, each fraud proof, applying leaves, escape."""

from __future__ import annotations

from dataclasses import replace

import ape
import pytest

from strikeforge.settlement.cosign import apply_args, leaf_args, signature_hash
from strikeforge.settlement.cosign import batch_calldata as leaves_calldata
from strikeforge.settlement.netting import Trade
from strikeforge.settlement.tree import Leaf, MerkleSumTree, plain_node_proof
from tests.settlement.conftest import BOND, DEADLINE, ESCAPE, OPTIONS, SERIES, USDC, WINDOW, post_batch, sign_leaf


def _post(ledger, deployer, tree, leaves):
    return post_batch(ledger, deployer, tree.root, tree.leaves_root, leaves_calldata(leaves))


def _root_from_nowhere(leaves):
    """The tree of the leaves with 1,000 USDC more cash on the first one: a Merkle-sum root whose sums are not zero.
    postBatch refuses such leaves as calldata (Unbalanced), so the sequencer can only commit to them in the root."""
    return MerkleSumTree([replace(leaves[0], cash=leaves[0].cash + 1_000 * USDC), *leaves[1:]])


def _post_root_from_nowhere(ledger, deployer, leaves):
    """Posts the honest leaves as calldata under a root with money from nowhere; returns that root's tree."""
    tree = _root_from_nowhere(leaves)
    post_batch(ledger, deployer, tree.root, tree.leaves_root, leaves_calldata(leaves))
    return tree


def _challenge_root_sums(ledger, tree, challenger):
    left, right = tree.node(tree.depth - 1, 0), tree.node(tree.depth - 1, 1)
    return ledger.challengeSums(1, [0] * 5, [], (*left, False), (*right, False), sender=challenger)


def _after_window(chain):
    chain.mine(1, timestamp=chain.pending_timestamp + WINDOW)


def _apply(ledger, tree, leaves, i, sender):
    leaf = leaves[i]
    return ledger.apply_(*apply_args(1, leaf, tree, i), sender=sender)


def test_a_final_batch_applies_each_leaf_once(ledger, funded, build, standard_trades, deployer, chain, traders):
    leaves, tree = build(1, standard_trades)
    _post(ledger, deployer, tree, leaves)
    with ape.reverts(ledger.NotFinal):
        _apply(ledger, tree, leaves, 0, deployer)
    _after_window(chain)
    for i in range(len(leaves)):
        _apply(ledger, tree, leaves, i, deployer)  # anyone may apply anyone's leaf
    a, b, c, _ = (t.address for t in traders)
    assert ledger.balanceOf(a) == 10_000 * USDC - 300 * USDC + 80 * USDC
    assert ledger.balanceOf(b) == 10_000 * USDC + 300 * USDC + 155 * USDC
    assert ledger.balanceOf(c) == 10_000 * USDC - 80 * USDC - 155 * USDC
    assert ledger.positionOf(b, SERIES[0]) == OPTIONS - 3 * 10**18  # b sold 3 of the 10 it deposited
    assert ledger.positionOf(a, SERIES[0]) == OPTIONS + 2 * 10**18
    assert ledger.positionOf(a, SERIES[1]) == OPTIONS - 10**18
    with ape.reverts(ledger.AlreadyApplied):
        _apply(ledger, tree, leaves, 0, deployer)


def test_a_leaf_cannot_be_replayed_in_another_batch(ledger, funded, build, standard_trades, deployer, chain):
    leaves, tree = build(1, standard_trades)
    _post(ledger, deployer, tree, leaves)
    second, second_tree = build(2, standard_trades)
    _post(ledger, deployer, second_tree, second)
    _after_window(chain)
    leaf = leaves[0]
    with ape.reverts(ledger.WrongBatch):  # batch 1's leaf, proven in its own tree, claimed against batch 2
        ledger.apply_(2, *apply_args(1, leaf, tree, 0)[1:], sender=deployer)


def test_a_batchs_leaves_cannot_be_posted_again_as_another_batch(ledger, funded, build, standard_trades, deployer):
    leaves, tree = build(1, standard_trades)
    _post(ledger, deployer, tree, leaves)
    with ape.reverts(ledger.BadLeaf, index=0, field="batch"):  # the same leaves and root posted again as batch 2
        _post(ledger, deployer, tree, leaves)
    assert ledger.batchCount() == 1


def test_an_inner_node_cannot_be_applied_as_a_leaf(ledger, funded, build, standard_trades, deployer, chain):
    leaves, tree = build(1, standard_trades)
    _post(ledger, deployer, tree, leaves)
    _after_window(chain)
    node_hash = tree.plain[1]  # an inner node of the plain tree (three leaves: positions 0 and 1 are inner)
    forged = Leaf(1, "0x" + node_hash[-20:].hex(), 0, (0, 0, 0, 0))
    with ape.reverts(ledger.NotInTree):
        ledger.apply_(1, leaf_args(forged), node_hash, 0, plain_node_proof(tree.plain, 1), sender=deployer)


def test_an_honest_batch_survives_every_challenge(ledger, funded, build, standard_trades, deployer, chain, alice):
    leaves, tree = build(1, standard_trades)
    _post(ledger, deployer, tree, leaves)
    root_left, root_right = tree.node(tree.depth - 1, 0), tree.node(tree.depth - 1, 1)
    with ape.reverts(ledger.NoFraud):
        ledger.challengeSums(1, [0] * 5, [], (*root_left, False), (*root_right, False), sender=alice)
    leaf = leaves[0]
    with ape.reverts(ledger.NoFraud):
        ledger.challengeSignature(1, leaf_args(leaf), leaf.signature, 0, tree.plain_proof(0), sender=alice)
    with ape.reverts(ledger.NoFraud):
        ledger.challengeCollateral(*apply_args(1, leaf, tree, 0), [], sender=alice)
    assert ledger.batchCount() == 1


def test_leaves_that_do_not_net_to_zero_are_refused_at_posting(ledger, funded, build, standard_trades, deployer):
    leaves, _ = build(1, standard_trades)
    leaves[0] = replace(leaves[0], cash=leaves[0].cash + 1_000 * USDC)  # the sequencer pays someone out of thin air
    with ape.reverts(ledger.Unbalanced, column=0):
        _post(ledger, deployer, MerkleSumTree(leaves), leaves)
    assert ledger.batchCount() == 0


def test_a_root_that_does_not_net_to_zero_is_reverted_and_slashed(
    ledger, funded, build, standard_trades, deployer, alice, treasury
):
    leaves, _ = build(1, standard_trades)
    tree = _post_root_from_nowhere(ledger, deployer, leaves)
    before_alice, before_treasury = alice.balance, treasury.balance
    tx = _challenge_root_sums(ledger, tree, alice)
    assert ledger.batchCount() == 0
    assert [e.fraud for e in tx.events.filter(ledger.BatchReverted)] == ["sums"]
    # The bond is credited, half to the challenger and half to the treasury, and paid when each claims it.
    assert ledger.bondsOwed(alice) == BOND // 2
    assert ledger.bondsOwed(treasury) == BOND - BOND // 2
    assert alice.balance == before_alice - tx.total_fees_paid and treasury.balance == before_treasury
    assert [(e.account, e.amount) for e in tx.events.filter(ledger.BondCredited)] == [
        (alice.address, BOND // 2),
        (treasury.address, BOND - BOND // 2),
    ]


def test_owed_bonds_are_paid_once_to_the_address_the_owner_names(
    ledger, funded, build, standard_trades, deployer, alice, bob
):
    leaves, _ = build(1, standard_trades)
    tree = _post_root_from_nowhere(ledger, deployer, leaves)
    _challenge_root_sums(ledger, tree, alice)
    before_alice, before_bob, held = alice.balance, bob.balance, ledger.balance
    tx = ledger.claimBonds(bob, sender=alice)  # alice's reward, paid to bob
    assert bob.balance - before_bob == BOND // 2
    assert alice.balance == before_alice - tx.total_fees_paid
    assert held - ledger.balance == BOND // 2
    assert ledger.bondsOwed(alice) == 0
    assert [(e.account, e.to, e.amount) for e in tx.events.filter(ledger.BondsClaimed)] == [
        (alice.address, bob.address, BOND // 2)
    ]
    with ape.reverts(ledger.NothingOwed):
        ledger.claimBonds(alice, sender=alice)


def test_a_forged_inner_sum_is_caught_at_its_parent(ledger, funded, build, traders, deployer, alice):
    a, b, c, d = (t.address for t in traders)
    trades = [Trade(0, a, b, 10**18, 10 * USDC), Trade(1, c, d, 10**18, 20 * USDC)]
    leaves, tree = build(1, trades)
    # The sequencer commits, at the root, to a left subtree whose cash sums +5 instead of 0 (and the right -5).
    left, right = tree.node(1, 0), tree.node(1, 1)
    forged_left = (left[0], (left[1][0] + 5, *left[1][1:]))
    forged_right = (right[0], (right[1][0] - 5, *right[1][1:]))
    from strikeforge.settlement.tree import node_hash

    root = node_hash(forged_left, forged_right)
    post_batch(ledger, deployer, root, tree.leaves_root, leaves_calldata(leaves))
    # The root itself adds up (+5 - 5 = 0); the left child does not: its children sum to 0, not +5.
    proof = [(forged_right[0], list(forged_right[1]), False)]
    grand_left, grand_right = tree.node(0, 0), tree.node(0, 1)
    with ape.reverts(ledger.NoFraud):
        ledger.challengeSums(1, [0] * 5, [], (*forged_left, False), (*forged_right, False), sender=alice)
    tx = ledger.challengeSums(1, list(forged_left[1]), proof, (*grand_left, False), (*grand_right, False), sender=alice)
    assert [e.fraud for e in tx.events.filter(ledger.BatchReverted)] == ["sums"]


def test_a_leaf_signed_for_another_batch_is_reverted(
    ledger, funded, build, standard_trades, deployer, traders, chain, alice
):
    leaves, _ = build(1, standard_trades)
    key = {t.address.lower(): t for t in traders}[leaves[0].account]
    stale = sign_leaf(key, chain.chain_id, ledger, replace(leaves[0], batch=7))  # signed for batch 7
    leaves[0] = replace(leaves[0], signature=stale.signature)
    tree = MerkleSumTree(leaves)
    _post(ledger, deployer, tree, leaves)
    leaf = leaves[0]
    tx = ledger.challengeSignature(1, leaf_args(leaf), leaf.signature, 0, tree.plain_proof(0), sender=alice)
    assert [e.fraud for e in tx.events.filter(ledger.BatchReverted)] == ["signature"]


def test_a_leaf_signed_by_someone_else_is_reverted(ledger, funded, build, standard_trades, deployer, traders, alice):
    leaves, _ = build(1, standard_trades, signer_for=None)
    impostor = traders[3]
    leaves[1] = sign_leaf(impostor, ledger.provider.chain_id, ledger, replace(leaves[1], signature=b""))
    tree = MerkleSumTree(leaves)
    _post(ledger, deployer, tree, leaves)
    leaf = leaves[1]
    tx = ledger.challengeSignature(1, leaf_args(leaf), leaf.signature, 1, tree.plain_proof(1), sender=alice)
    assert [e.fraud for e in tx.events.filter(ledger.BatchReverted)] == ["signature"]


def test_a_leaf_beyond_the_account_collateral_is_reverted(ledger, funded, build, traders, deployer, alice):
    a, b, _, _ = (t.address for t in traders)
    leaves, tree = build(1, [Trade(0, a, b, 10**18, 20_000 * USDC)])  # a pays 20,000 with 10,000 deposited
    _post(ledger, deployer, tree, leaves)
    index = [leaf.account for leaf in leaves].index(a.lower())
    leaf = leaves[index]
    tx = ledger.challengeCollateral(*apply_args(1, leaf, tree, index), [], sender=alice)
    assert [e.fraud for e in tx.events.filter(ledger.BatchReverted)] == ["collateral"]


def test_reverting_a_batch_reverts_every_later_one(ledger, funded, build, standard_trades, deployer, alice):
    bad, _ = build(1, standard_trades)
    bad_tree = _post_root_from_nowhere(ledger, deployer, bad)
    good, good_tree = build(2, standard_trades)
    _post(ledger, deployer, good_tree, good)
    tx = _challenge_root_sums(ledger, bad_tree, alice)
    assert [e.batch for e in tx.events.filter(ledger.BatchReverted)] == [1, 2]
    assert ledger.batchCount() == 0
    assert ledger.bondsOwed(deployer) == BOND  # the later batch's bond goes back to its sequencer


def test_no_leaf_of_a_reverted_batch_ever_applies(ledger, funded, build, standard_trades, deployer, chain, alice):
    """apply_ reads no batchCount (the claim path reads two words): a reverted batch's leavesRoot is cleared, so its
    leaves, honest ones included, never prove against it, even after its window would have ended."""
    bad, _ = build(1, standard_trades)
    bad_tree = _post_root_from_nowhere(ledger, deployer, bad)
    good, good_tree = build(2, standard_trades)
    _post(ledger, deployer, good_tree, good)
    _challenge_root_sums(ledger, bad_tree, alice)
    _after_window(chain)
    for number, leaves, tree in ((1, bad, bad_tree), (2, good, good_tree)):
        with ape.reverts(ledger.NotInTree):
            ledger.apply_(*apply_args(number, leaves[0], tree, 0), sender=alice)
    assert ledger.batches(2).leavesRoot == b"\x00" * 32


def test_a_challenge_after_the_window_is_refused(ledger, funded, build, standard_trades, deployer, chain, alice):
    leaves, _ = build(1, standard_trades)
    tree = _post_root_from_nowhere(ledger, deployer, leaves)
    _after_window(chain)
    with ape.reverts(ledger.ChallengeWindowOver):
        _challenge_root_sums(ledger, tree, alice)


def test_only_the_sequencer_posts_and_only_with_the_bond(ledger, build, standard_trades, deployer, alice):
    _, tree = build(1, standard_trades)
    with ape.reverts(ledger.AccessControlUnauthorizedAccount):
        post_batch(ledger, alice, tree.root, tree.leaves_root, b"")
    with ape.reverts(ledger.WrongBond):
        ledger.postBatch(
            tree.root, tree.leaves_root, SERIES, b"", ledger.leavesPosted(), DEADLINE, sender=deployer, value=BOND - 1
        )


def test_withdrawals_wait_for_the_delay(ledger, funded, chain, cash):
    account = funded[0]
    ledger.requestWithdrawal(1_000 * USDC, sender=account)
    with ape.reverts(ledger.WithdrawalNotReady):
        ledger.withdraw(1_000 * USDC, sender=account)
    chain.mine(1, timestamp=chain.pending_timestamp + WINDOW)
    ledger.withdraw(1_000 * USDC, sender=account)
    assert cash.balanceOf(account) == 1_000 * USDC


def test_the_escape_hatch_opens_after_a_stalled_sequencer(
    ledger, funded, chain, cash, deployer, build, standard_trades
):
    account = funded[0]
    assert not ledger.escaped()
    chain.mine(1, timestamp=chain.pending_timestamp + WINDOW + ESCAPE + 1)
    assert ledger.escaped()
    ledger.withdraw(10_000 * USDC, sender=account)  # no request, no delay
    assert cash.balanceOf(account) == 10_000 * USDC
    leaves, tree = build(1, standard_trades)
    with ape.reverts(ledger.Escaped):
        _post(ledger, deployer, tree, leaves)


@pytest.mark.parametrize("count", [1, 7])
def test_apply_many_applies_every_leaf(ledger, funded, build, traders, deployer, chain, count):
    a, b, c, d = (t.address for t in traders)
    trades = [Trade(i % 4, [a, c][i % 2], [b, d][i % 2], 10**18, (10 + i) * USDC) for i in range(count)]
    leaves, tree = build(1, trades)
    _post(ledger, deployer, tree, leaves)
    _after_window(chain)
    ledger.applyMany(
        1,
        [leaf_args(leaf) for leaf in leaves],
        [signature_hash(leaf) for leaf in leaves],
        list(range(len(leaves))),
        [tree.plain_proof(i) for i in range(len(leaves))],
        sender=deployer,
    )
    assert all(ledger.isApplied(1, i) for i in range(len(leaves)))
    assert ledger.settledThrough() == 1


def test_an_account_cannot_withdraw_before_its_debit_lands(ledger, funded, build, traders, deployer, chain, cash):
    """Regression (insolvency): b owes a 4,000 in a final batch; a's credit is applied, b's debit is not. Were b free
    to withdraw its whole 10,000, b's debit could never apply and the ledger would owe a money it no longer holds."""
    a, b = traders[0].address, traders[1].address
    leaves, tree = build(1, [Trade(0, b, a, 10**18, 4_000 * USDC)])  # b buys from a for 4,000
    _post(ledger, deployer, tree, leaves)
    ledger.requestWithdrawal(10_000 * USDC, sender=funded[1])  # after the batch was posted: not netted by it
    _after_window(chain)
    credit = next(i for i, leaf in enumerate(leaves) if leaf.account == a.lower())
    _apply(ledger, tree, leaves, credit, deployer)
    with ape.reverts(ledger.UnsettledBatches):
        ledger.withdraw(10_000 * USDC, sender=funded[1])
    _apply(ledger, tree, leaves, 1 - credit, deployer)  # anyone may apply b's debit to unblock it
    assert ledger.settledThrough() == 0  # apply_ leaves the cursor to applyMany, advanceSettled and withdraw
    with ape.reverts(ledger.InsufficientBalance):
        ledger.withdraw(10_000 * USDC, sender=funded[1])
    ledger.withdraw(6_000 * USDC, sender=funded[1])
    assert ledger.settledThrough() == 1
    assert cash.balanceOf(ledger) == ledger.balanceOf(a) + ledger.balanceOf(b) + 2 * 10_000 * USDC


def test_escape_withdrawals_wait_for_every_final_batch_to_be_applied(
    ledger, funded, build, standard_trades, deployer, chain
):
    leaves, tree = build(1, standard_trades)
    _post(ledger, deployer, tree, leaves)
    chain.mine(1, timestamp=chain.pending_timestamp + WINDOW + ESCAPE + 1)
    assert ledger.escaped()
    with ape.reverts(ledger.UnsettledBatches):
        ledger.withdraw(1 * USDC, sender=funded[0])
    for i in range(len(leaves)):
        _apply(ledger, tree, leaves, i, deployer)
    ledger.withdraw(1 * USDC, sender=funded[0])


def _two_debits_of_b(build, traders, deployer, ledger):
    """b buys for 6,000 in batch 1 and again in batch 2, holding 10,000: each fits alone, both do not."""
    a, b, c = traders[0].address, traders[1].address, traders[2].address
    first, first_tree = build(1, [Trade(0, b, a, 10**18, 6_000 * USDC)])
    _post(ledger, deployer, first_tree, first)
    second, second_tree = build(2, [Trade(0, b, c, 10**18, 6_000 * USDC)])
    _post(ledger, deployer, second_tree, second)
    at = next(i for i, leaf in enumerate(first) if leaf.account == b.lower())
    prior = apply_args(1, first[at], first_tree, at)
    debit = next(i for i, leaf in enumerate(second) if leaf.account == b.lower())
    return (first, first_tree, at), apply_args(2, second[debit], second_tree, debit), prior


def test_a_debit_is_short_counting_the_unapplied_debits_before_it(ledger, funded, build, traders, deployer, alice):
    """Regression (stuck batch): were batch 2 judged on the balance alone, it would stand, and once batch 1's debit
    applied, batch 2's could never apply: settlement, and every withdrawal behind it, would stop for good."""
    _, challenged, prior = _two_debits_of_b(build, traders, deployer, ledger)
    with ape.reverts(ledger.NoFraud):
        ledger.challengeCollateral(*challenged, [], sender=alice)  # the balance alone covers it
    tx = ledger.challengeCollateral(*challenged, [prior], sender=alice)
    assert [e.fraud for e in tx.events.filter(ledger.BatchReverted)] == ["collateral"]
    assert ledger.batchCount() == 1


def test_a_prior_debit_counts_once_only_if_real_and_unapplied(ledger, funded, build, traders, deployer, alice, chain):
    (first, first_tree, at), challenged, prior = _two_debits_of_b(build, traders, deployer, ledger)
    with ape.reverts(ledger.BadPrior):
        ledger.challengeCollateral(*challenged, [prior, prior], sender=alice)  # the same debit twice
    other = next(i for i in range(len(first)) if i != at)
    with ape.reverts(ledger.BadPrior):  # a's leaf of batch 1 is not b's debit
        ledger.challengeCollateral(*challenged, [apply_args(1, first[other], first_tree, other)], sender=alice)
    forged = (1, (1, prior[1][1], -9_000 * USDC, prior[1][3]), *prior[2:])
    with ape.reverts(ledger.BadPrior):  # a debit that is not in batch 1
        ledger.challengeCollateral(*challenged, [forged], sender=alice)
    assert ledger.batchCount() == 2


def test_a_series_id_beyond_40_bits_is_refused(ledger, build, standard_trades, deployer):
    leaves, tree = build(1, standard_trades)
    with ape.reverts(ledger.InvalidConfig):
        ledger.postBatch(
            tree.root,
            tree.leaves_root,
            [2**40, 0, 0, 0],
            leaves_calldata(leaves),
            ledger.leavesPosted(),
            DEADLINE,
            sender=deployer,
            value=BOND,
        )
    assert ledger.seriesOf(0) == [0, 0, 0, 0]


def test_a_reposted_batch_id_starts_with_no_leaf_applied(
    ledger, funded, build, standard_trades, deployer, chain, alice
):
    """Bits of a reverted batch are never reused: the batch posted under the same id takes the next bits."""
    leaves, _ = build(1, standard_trades)
    bad = _post_root_from_nowhere(ledger, deployer, leaves)
    _challenge_root_sums(ledger, bad, alice)
    good, tree = build(1, standard_trades)
    _post(ledger, deployer, tree, good)
    assert ledger.leavesPosted() == 2 * len(good)
    assert ledger.seriesOf(1) == SERIES
    _after_window(chain)
    for i in range(len(good)):
        assert not ledger.isApplied(1, i)
        _apply(ledger, tree, good, i, deployer)
        assert ledger.isApplied(1, i)
    assert not ledger.isApplied(1, len(good))  # past the batch's leaves: not its bit


def test_a_final_batchs_bond_returns_to_its_sequencer_once(
    ledger, funded, build, standard_trades, deployer, chain, alice
):
    leaves, tree = build(1, standard_trades)
    _post(ledger, deployer, tree, leaves)
    with ape.reverts(ledger.NotFinal):
        ledger.releaseBond(1, sender=alice)
    _after_window(chain)
    tx = ledger.releaseBond(1, sender=alice)  # anyone may release it; it is owed to the sequencer
    assert ledger.bondsOwed(deployer) == BOND
    assert [(e.batch, e.sequencer, e.amount) for e in tx.events.filter(ledger.BondReleased)] == [
        (1, deployer.address, BOND)
    ]
    with ape.reverts(ledger.BondAlreadyReleased, batch=1):
        ledger.releaseBond(1, sender=alice)
    sequencer_before, ledger_before = deployer.balance, ledger.balance
    claim = ledger.claimBonds(deployer, sender=deployer)
    assert deployer.balance - sequencer_before == BOND - claim.total_fees_paid
    assert ledger_before - ledger.balance == BOND


def _around(leaves, tree, account):
    """settleAccount's proof that `account` has no leaf in batch 1: the leaf or two around where it would stand."""
    below = sum(1 for leaf in leaves if int(leaf.account, 16) < int(account, 16))
    return [apply_args(1, leaves[i], tree, i)[1:] for i in (below - 1, below) if 0 <= i < len(leaves)]


def test_in_escape_an_account_without_a_leaf_leaves_without_anyone_elses_leaves_applied(
    ledger, funded, build, standard_trades, deployer, chain, cash, traders
):
    leaves, tree = build(1, standard_trades)  # d trades nothing
    _post(ledger, deployer, tree, leaves)
    chain.mine(1, timestamp=chain.pending_timestamp + WINDOW + ESCAPE + 1)
    d = funded[3]
    with ape.reverts(ledger.UnsettledBatches):
        ledger.withdraw(10_000 * USDC, sender=d)
    ledger.settleAccount(d, 1, _around(leaves, tree, d.address), sender=deployer)  # anyone may prove it
    assert ledger.accountSettledThrough(d) == 1 and ledger.settledThrough() == 0
    ledger.withdraw(10_000 * USDC, sender=d)
    assert cash.balanceOf(d) == 10_000 * USDC


def test_settling_an_account_needs_its_own_leaf_applied(ledger, funded, build, standard_trades, deployer, chain):
    leaves, tree = build(1, standard_trades)
    _post(ledger, deployer, tree, leaves)
    _after_window(chain)
    a = funded[0]
    own = next(i for i, leaf in enumerate(leaves) if leaf.account == a.address.lower())
    proven = [apply_args(1, leaves[own], tree, own)[1:]]
    with ape.reverts(ledger.NotProven):
        ledger.settleAccount(a, 1, proven, sender=deployer)
    _apply(ledger, tree, leaves, own, deployer)
    ledger.settleAccount(a, 1, proven, sender=deployer)
    assert ledger.accountSettledThrough(a) == 1
