"""Outside review of LedgerAuctionDesk, SettlementLedger.withdrawAndCall/depositFor and the R-2 `_priorDebits` fix.

D-1 (Low)  claimOutbid (no auction check) and claim (empty bid list) succeed and emit `Delivered` for any account
           with a bidder, for auctions it never bid in, even auctions that do not exist: spoofed delivery records.
D-2 (Low)  LedgerBid.id of a `replace` bid is the outbid index of the REPLACED bid (someone else's), and the slot the
           account's bid now occupies is in no desk event: claiming by LedgerBid.id fails (NotYourBid).
D-3 (Low, off-chain)  anyone may claim for an account (by design), but SettlementClient.claim_auction is not
           idempotent: a front-run claim makes the owner's claim_auction (and the demo's claim step) revert.
D-4 (Info) depositFor lets a third party (the sequencer) cover a real collateral fraud in front of its proof: the
           challenge reverts NoFraud, the bond is not slashed (no one loses: the cover stays until the leaf applies).
S-1 (safe) R-2: an honest batch cannot be reverted by priors that are applied, in settled batches, or junk at applied
           positions (they count as nothing); duplicates and out-of-order keys still revert BadPrior.

D-1, D-2 and D-3 asserted the safe behaviour and failed on the reviewed code; they are fixed and these are their
regressions. D-4 (acknowledged, documented in the ledger's invariant 2) and S-1 pin behaviour."""

from __future__ import annotations

import ape

from strikeforge.settlement.client import SettlementClient
from tests.options.fixtures import ONE
from tests.settlement.conftest import SERIES
from tests.settlement.desk import ledger_bid, settle_auction, wallet_bid
from tests.settlement.review.helpers import DELAY, USDC, WINDOW, apply_all, frauds, keys_for, make_batch, post, warp

CALL, _, PUT, _ = SERIES


# ------------------------------------------------------------------------------------------------ D-1


def test_d1_deliveries_for_auctions_never_bid_in_are_refused(
    ledger, desk, auction, sale, funded, chain, accounts, seller
):
    """A stranger makes the desk log `Delivered(a, 999, ...)` for an auction that does not exist, and an empty
    `Delivered` for a real one. Indexers/statements keyed on Delivered see deliveries that never happened."""
    a, stranger = funded[0], accounts[8]
    auction_id, end = sale()
    ledger_bid(ledger, desk, a, auction_id, 2 * ONE, 120 * USDC, chain)
    before = ledger.balanceOf(a)
    # Safe behaviour: nothing to deliver (no such auction, no bid named) reverts.
    with ape.reverts(desk.NoBids):  # fixed: at least one bid, and an auction in the ledger's cash
        desk.claimOutbid(a, 999, [], sender=stranger)
    with ape.reverts(desk.WrongCash, auctionId=999):
        desk.claimOutbid(a, 999, [0], sender=stranger)
    settle_auction(auction, auction_id, end, chain, seller)
    with ape.reverts(desk.NoBids):
        desk.claim(a, auction_id, PUT, [], sender=stranger)
    assert ledger.balanceOf(a) == before


# ------------------------------------------------------------------------------------------------ D-2


def test_d2_a_replace_bid_reports_the_slot_it_holds(ledger, desk, auction, sale, funded, cash, chain, accounts, seller):
    """The book (MAX_BIDS = 3) is full of wallet bids; a outbids slot 2 from its ledger cash. LedgerBid.id is 0 (the
    outbid index of the wallet bid it replaced), while a's bid is bid 2. A keeper or client that claims by the desk's
    own event gets NotYourBid; the slot is in no desk event (only in the auction's BidPlaced)."""
    a, others = funded[0], accounts[5:8]
    auction_id, end = sale()
    for who in others:
        wallet_bid(auction, cash, accounts[0], who, auction_id, 2 * ONE, 110 * USDC)
    tx = ledger_bid(ledger, desk, a, auction_id, 2 * ONE, 130 * USDC, chain, replace=True, slot=2)
    (placed,) = tx.events.filter(auction.BidPlaced)
    (bid,) = tx.events.filter(desk.LedgerBid)
    assert placed.bidId == 2 and placed.bidder == desk.bidderOf(a)
    settle_auction(auction, auction_id, end, chain, seller)
    # Safe behaviour: the desk's event names the account's bid (or carries the slot).
    assert bid.bidId == placed.bidId == 2 and bid.outbidIndex == 0  # fixed: its slot, and the replaced bid's index
    desk.claim(a, auction_id, PUT, [bid.bidId], sender=accounts[8])


# ------------------------------------------------------------------------------------------------ D-3


def test_d3_the_clients_claim_survives_a_front_run_claim(ledger, desk, auction, sale, funded, chain, accounts, seller):
    """Anyone may deliver an account's fill (by design); the owner's SettlementClient.claim_auction then reverts
    AlreadyClaimed, which aborts the demo's claim step (strikeforge/demo/flow.py). Safe: the client treats an
    already-delivered bid as done."""
    a, stranger = funded[0], accounts[8]
    auction_id, end = sale()
    ledger_bid(ledger, desk, a, auction_id, 2 * ONE, 120 * USDC, chain)
    settle_auction(auction, auction_id, end, chain, seller)
    desk.claim(a, auction_id, PUT, [0], sender=stranger)  # front-run: delivered into a's ledger balance
    client = SettlementClient("http://127.0.0.1:9", a, ledger)
    position = ledger.positionOf(a, PUT)
    assert client.claim_auction(desk, auction_id, PUT, [0]) is None  # fixed: already delivered, nothing to do
    assert ledger.positionOf(a, PUT) == position


# ------------------------------------------------------------------------------------------------ D-4


def test_d4_depositfor_covers_a_real_collateral_fraud_in_front_of_its_proof(
    ledger, cash, funded, sequencer, challenger, chain, accounts, deployer
):
    """a's whole balance (10,000 USDC) is under a ready withdrawal request; the sequencer then posts a leaf debiting
    a 100 USDC: a real collateral fraud. Seeing the proof in the mempool, the sequencer front-runs it with
    depositFor(a, 0, 100 USDC): the proof reverts NoFraud and the bond is safe. Nobody loses (the cover is a's and
    stays until the leaf applies), but slashing is no longer the price of an unbacked leaf: only the shortfall."""
    a, b = funded[0], funded[1]
    ledger.requestWithdrawal(10_000 * USDC, sender=a)
    warp(chain, DELAY)
    rows = [(a.address, -100 * USDC, (1, 0, 0, 0)), (b.address, 100 * USDC, (-1, 0, 0, 0))]
    batch = make_batch(ledger, rows, keys_for(funded))
    post(ledger, batch, sequencer)
    proof = (*batch.args(batch.index_of(a)), [])
    cash.mint(sequencer, 100 * USDC, sender=deployer)
    cash.approve(ledger, 100 * USDC, sender=sequencer)
    ledger.depositFor(a, 0, 100 * USDC, sender=sequencer)  # front-run
    with ape.reverts(ledger.NoFraud):
        ledger.challengeCollateral(*proof, sender=challenger)
    ledger.withdraw(10_000 * USDC, sender=a)  # a's request still executes in full
    warp(chain, WINDOW)
    apply_all(ledger, batch, accounts[8])
    assert ledger.balanceOf(a) == 0 and ledger.batchCount() == 1
    assert cash.balanceOf(ledger) == sum(ledger.balanceOf(u) for u in funded)  # solvent


# ------------------------------------------------------------------------------------------------ S-1


def test_s1_applied_settled_or_junk_priors_cannot_revert_an_honest_batch(
    ledger, funded, sequencer, challenger, chain, accounts
):
    """R-2's skip only ever lowers the counted debits: a 9,950 USDC debit of a (10,000 held) after an applied 100 USDC
    prior (balance 9,900... the prior is in the balance) is honest; priors that are applied, in a settled batch, or
    a junk leaf at an applied position count nothing; a duplicate or out-of-order key still reverts BadPrior."""
    a, b = funded[0], funded[1]
    keys = keys_for(funded)
    first = make_batch(ledger, [(a.address, -100 * USDC, (1, 0, 0, 0)), (b.address, 100 * USDC, (-1, 0, 0, 0))], keys)
    post(ledger, first, sequencer)
    warp(chain, WINDOW)
    apply_all(ledger, first, accounts[8])
    assert ledger.settledThrough() == 1
    second = make_batch(
        ledger, [(a.address, -9_900 * USDC, (1, 0, 0, 0)), (b.address, 9_900 * USDC, (-1, 0, 0, 0))], keys
    )
    post(ledger, second, sequencer)
    leaf = second.args(second.index_of(a))
    prior = first.args(first.index_of(a))
    junk = list(first.args(first.index_of(b)))
    junk[1] = (1, a.address, -(10**30), [0, 0, 0, 0])  # an invented leaf at an applied position
    junk_other_index = list(junk)
    junk_other_index[3] = 1 - prior[3]
    for priors in ([prior], [tuple(junk)], sorted([prior, tuple(junk_other_index)], key=lambda p: p[3])):
        with ape.reverts(ledger.NoFraud):
            ledger.challengeCollateral(*leaf, list(priors), sender=challenger)
    with ape.reverts(ledger.BadPrior):
        ledger.challengeCollateral(*leaf, [prior, prior], sender=challenger)
    assert ledger.batchCount() == 2 and frauds(ledger, ledger.advanceSettled(sender=challenger)) == []
