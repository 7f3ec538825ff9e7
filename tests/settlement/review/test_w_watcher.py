"""Second audit pass, the watcher (W1, W1b, W1c, W2, W3).

The watcher read a batch's data from the TOP-LEVEL transaction input and never checked it against what the ledger
stored: a sequencer posting from contract code (a multisig or smart wallet holding SEQUENCER_ROLE, an EIP-7702
account) chose an input unrelated to the posting (W1, W1b, W1c). A collateral challenge sent every prior (TooMany
above 32, W2) and a failed challenge was never retried (W3). Fixed: the watcher takes the roots from BatchPosted and
the leaves only from postBatch data whose keccak is the stored dataHash (the input, or debug_traceTransaction's
callTracer for a batch posted through a contract), keeps every unresolved batch pending and retries it each tick inside
its window, sends at most 32 priors (largest first) and applies the debtor's final debits after a failed collateral
challenge.

EthereumTester has no debug namespace: the tests "without a trace" run on it as it is; the tests "with a trace" make it
answer debug_traceTransaction's callTracer as geth does, for the decoy's transaction only."""

from eth_account import Account

from strikeforge.settlement import watcher as watcher_module
from tests.settlement.review.helpers import (
    DEPOSIT_SELECTOR,
    USDC,
    WINDOW,
    ZERO,
    fake_call_trace,
    key_of,
    make_batch,
    post,
    post_input,
    post_through_contract,
    trade,
    tx_hash_of,
    warp,
)


def _forged(ledger, victim, name="w1 puppet"):
    """The victim's 5,000 USDC debit to a puppet's credit, both leaves signed by the puppet's key."""
    puppet = Account.create(name)
    rows = [(victim.address, -5_000 * USDC, ZERO), (puppet.address, 5_000 * USDC, ZERO)]
    keys = {str(victim.address).lower(): puppet.key, puppet.address.lower(): puppet.key}
    return make_batch(ledger, rows, keys)


def _honest_decoy(ledger):
    """A two-puppet batch validly co-signed for the same posting (number, nonce, series) as the forged one."""
    p1, p2 = Account.create("decoy 1"), Account.create("decoy 2")
    rows = [(p1.address, 0, (1, 0, 0, 0)), (p2.address, 0, (-1, 0, 0, 0))]
    return make_batch(ledger, rows, {p1.address.lower(): p1.key, p2.address.lower(): p2.key})


def _post_forged_behind_a_decoy(chain, ledger, deployer, accounts, users):
    """Batch 1: the forged batch, posted by a contract whose transaction input is postBatch of the honest decoy."""
    fraud, decoy = _forged(ledger, users[1]), _honest_decoy(ledger)
    tx_input = post_input(decoy)
    poster, receipt = post_through_contract(chain, ledger, deployer, accounts[6], fraud, tx_input)
    assert ledger.batchCount() == 1 and bytes(ledger.batches(1).root) == fraud.tree.root
    return fraud, poster, tx_input, receipt


def test_w1_a_decoy_input_is_never_taken_for_the_posted_batch(chain, ledger, users, deployer, accounts, watcher):
    """W1: the transaction input decodes as postBatch of an honest, validly co-signed batch; the contract posted a
    forged debit of users[1]. Without a call trace the watcher finds no data hashing to the stored dataHash: batch 1
    is not marked honest (the old watcher rebuilt the decoy and put it in `seen`); it stays pending, listed as
    unavailable, and is tried again on the next tick."""
    _post_forged_behind_a_decoy(chain, ledger, deployer, accounts, users)
    assert watcher.tick() == []
    assert 1 not in watcher.seen and 1 in watcher.pending
    assert watcher.unavailable == [1] and watcher.checked == 0
    assert watcher.tick() == []
    assert 1 not in watcher.seen and 1 in watcher.pending and watcher.checked == 0


def test_w1_with_a_call_trace_the_forged_leaf_behind_a_decoy_is_challenged(
    chain, ledger, users, deployer, accounts, watcher, monkeypatch
):
    """W1: with a node that traces, the watcher takes the leaves from the poster's call to the ledger (the data whose
    keccak is the stored dataHash), not from the decoy input: the forged signature is proven and batch 1 reverted;
    the victim's balance is untouched."""
    fraud, poster, tx_input, receipt = _post_forged_behind_a_decoy(chain, ledger, deployer, accounts, users)
    calls = {tx_hash_of(receipt).lower(): (poster, str(ledger.address), tx_input, post_input(fraud))}
    fake_call_trace(chain, monkeypatch, calls)
    victim = users[1]
    frauds = watcher.tick()
    assert [(f.kind, f.number, f.index) for f in frauds] == [("signature", 1, fraud.index_of(victim.address))]
    assert ledger.batchCount() == 0 and watcher.pending == {} and 1 not in watcher.seen
    assert ledger.balanceOf(victim) == 10_000 * USDC


def test_w1b_an_input_decoding_as_another_ledger_method_does_not_stop_the_watcher(
    chain, ledger, users, deployer, accounts, sequencer, watcher
):
    """W1b: the contract poster's transaction input is the ledger's `deposit(1)`. The old watcher raised KeyError
    ('root') on it before advancing, on every tick, so no later batch was ever checked. Now batch 1 stays pending
    (unavailable) and a forged batch 2 posted afterwards (users[1]'s leaf signed by users[0]) is challenged."""
    fraud = _forged(ledger, users[1])
    post_through_contract(chain, ledger, deployer, accounts[6], fraud, DEPOSIT_SELECTOR + (1).to_bytes(32, "big"))
    a, b = users[0], users[1]
    rows = [(a.address, -100 * USDC, (1, 0, 0, 0)), (b.address, 100 * USDC, (-1, 0, 0, 0))]
    forged = make_batch(ledger, rows, {str(a.address).lower(): key_of(a), str(b.address).lower(): key_of(a)})
    post(ledger, forged, sequencer)
    frauds = watcher.tick()
    assert [(f.kind, f.number, f.index) for f in frauds] == [("signature", 2, forged.index_of(b.address))]
    assert ledger.batchCount() == 1
    assert watcher.unavailable == [1] and 1 in watcher.pending and 1 not in watcher.seen


def _contract_posted_debit_then_a_direct_one(chain, ledger, users, deployer, accounts, sequencer):
    """Batch 1, posted through a contract (input `0x00000000`, no postBatch call): c pays 6,000 to a (honest). Batch
    2, posted directly: c pays 6,000 to b; c holds 10,000, so with batch 1's debit as a prior it is a collateral
    fraud."""
    a, b, c = users[0], users[1], users[2]
    first = trade(ledger, users, c, a, 6_000 * USDC)
    poster, receipt = post_through_contract(chain, ledger, deployer, accounts[6], first, b"\x00" * 4)
    second = trade(ledger, users, c, b, 6_000 * USDC)
    post(ledger, second, sequencer)
    return first, second, poster, receipt


def test_w1c_a_contract_posted_batch_is_not_silently_counted_as_checked(
    chain, ledger, users, deployer, accounts, sequencer, watcher
):
    """W1c: the old watcher skipped a batch whose input was not postBatch ('check it by hand') without an alert and
    read nothing from it. Now, without a trace, it is not marked honest: it is listed in `unavailable` (the alert),
    stays pending, and is retried every tick while its window is open."""
    _contract_posted_debit_then_a_direct_one(chain, ledger, users, deployer, accounts, sequencer)
    watcher.tick()
    assert 1 not in watcher.seen and 1 in watcher.pending and watcher.unavailable == [1]
    watcher.tick()
    assert 1 not in watcher.seen and 1 in watcher.pending and watcher.unavailable == [1]


def test_w1c_a_contract_posted_batch_whose_window_closes_unverified_is_never_counted_honest(
    chain, ledger, users, deployer, accounts, sequencer, watcher
):
    """W1c: once its window has closed without its data found, batch 1 leaves `pending` (nothing can be challenged
    any more) but is never put in `seen`: it stays listed in `unavailable`, unverified."""
    _contract_posted_debit_then_a_direct_one(chain, ledger, users, deployer, accounts, sequencer)
    watcher.tick()
    warp(chain, WINDOW)
    watcher.tick()
    assert 1 not in watcher.pending and 1 not in watcher.seen and watcher.unavailable == [1]


def test_w1c_with_a_call_trace_a_contract_posted_debit_counts_as_a_prior(
    chain, ledger, users, deployer, accounts, sequencer, watcher, monkeypatch
):
    """W1c: with a node that traces, batch 1 (posted through a contract) is checked honest and c's 6,000 debit in it
    is the prior that proves batch 2's 6,000 debit of c a collateral fraud (the old watcher never read batch 1 and
    let batch 2 stand)."""
    first, _, poster, receipt = _contract_posted_debit_then_a_direct_one(
        chain, ledger, users, deployer, accounts, sequencer
    )
    calls = {tx_hash_of(receipt).lower(): (poster, str(ledger.address), b"\x00" * 4, post_input(first))}
    fake_call_trace(chain, monkeypatch, calls)
    frauds = watcher.tick()
    assert [(f.kind, f.number, [p[0] for p in f.args[-1]]) for f in frauds] == [("collateral", 2, [1])]
    assert ledger.batchCount() == 1 and 1 in watcher.seen and watcher.unavailable == []


def test_w2_a_fraud_beyond_the_balance_is_proven_with_no_prior_among_33(ledger, users, sequencer, watcher, chain):
    """W2: c (10,000 USDC) has 33 honest, final, unapplied 1-USDC debits; batch 34 debits c 1,000,000 USDC. The old
    watcher sent all 33 priors (TooMany above 32) and never retried. Now it sends only the priors the proof needs
    (none: the debit alone exceeds the balance) and batch 34 is reverted on the first tick."""
    a, c = users[0], users[2]
    for number in range(1, 34):
        if number % 30 == 0:
            warp(chain, WINDOW)  # keep under MAX_PENDING open batches
        post(ledger, trade(ledger, users, c, a, 1 * USDC), sequencer)
    post(ledger, trade(ledger, users, c, a, 1_000_000 * USDC), sequencer)
    frauds = watcher.tick()
    assert [(f.kind, f.number, len(f.args[-1])) for f in frauds] == [("collateral", 34, 0)]
    assert ledger.batchCount() == 33 and watcher.failed == []


def test_w2_a_fraud_needing_more_than_32_priors_is_proven_after_applying_them(ledger, users, sequencer, watcher, chain):
    """W2: c (10,000 USDC) has 40 honest, final, unapplied 250-USDC debits (all of its balance); batch 41 debits c
    another 250. No 32 of the priors prove it (250 + 32 x 250 < 10,000), so the first challenge fails NoFraud; the
    watcher then applies c's final debits (c's balance goes to 0) and the retry on the next tick proves batch 41 with
    no prior."""
    a, c = users[0], users[2]
    for number in range(1, 41):
        if number % 30 == 0:
            warp(chain, WINDOW)
        post(ledger, trade(ledger, users, c, a, 250 * USDC), sequencer)
    warp(chain, WINDOW)  # batches 1..40 final
    post(ledger, trade(ledger, users, c, a, 250 * USDC), sequencer)
    assert watcher.tick() == []
    assert [(f.kind, f.number, len(f.args[-1])) for f in watcher.failed] == [("collateral", 41, 32)]
    assert ledger.balanceOf(c) == 0 and 41 in watcher.pending
    frauds = watcher.tick()
    assert [(f.kind, f.number, len(f.args[-1])) for f in frauds] == [("collateral", 41, 0)]
    assert ledger.batchCount() == 40


def test_w3_a_challenge_front_run_by_applying_its_prior_still_succeeds(
    ledger, users, sequencer, watcher, chain, deployer, monkeypatch
):
    """W3: c (10,000) debits 6,000 in batch 1 (honest, final, unapplied) and 6,000 in batch 2 (a fraud with batch 1 as
    prior). Between the watcher's reads and its transaction anyone applies c's batch-1 leaf. The challenge used to
    revert BadPrior (the watcher then retried with no prior); since the ledger's R-2 fix an applied prior counts as
    nothing, so the front-run proof succeeds at once (c holds 4,000 < 6,000). (A failed challenge is still retried:
    test_w2 above.)"""
    a, b, c = users[0], users[1], users[2]
    first = trade(ledger, users, c, a, 6_000 * USDC)
    post(ledger, first, sequencer)
    assert watcher.tick() == [] and 1 in watcher.seen
    warp(chain, WINDOW)  # batch 1 final, its leaves not applied
    post(ledger, trade(ledger, users, c, b, 6_000 * USDC), sequencer)

    real = watcher_module.find_fraud

    def front_run(*args, **kwargs):
        fraud = real(*args, **kwargs)
        if fraud is not None and fraud.kind == "collateral":
            ledger.apply_(*first.args(first.index_of(c.address)), sender=deployer)  # the front-runner (anyone)
        return fraud

    monkeypatch.setattr(watcher_module, "find_fraud", front_run)
    frauds = watcher.tick()
    assert [(f.kind, f.number, len(f.args[-1])) for f in frauds] == [("collateral", 2, 1)]  # its stale prior, skipped
    assert watcher.failed == [] and ledger.batchCount() == 1 and watcher.pending == {}
