"""Reconciliation on a real epoch: a clean run reports nothing; corrupting each kind of record is reported as exactly
that mismatch, with both values and where each came from."""

from __future__ import annotations

import json
import sqlite3

import pytest
from click.testing import CliRunner

from strikeforge.ops.cli import reconcile_command
from strikeforge.ops.index import EventIndex
from strikeforge.ops.reconcile import CHECKS, Context, check_auctions, reconcile
from strikeforge.ops.statement import Statements

ZERO32 = "00" * 32
WAD = 10**18


def context(records, index, **overrides) -> Context:
    manifest = json.loads((records / "manifest.json").read_text())
    return Context(
        records / "manifest.json",
        manifest,
        index.cursor(),
        sequencer_db=records / "sequencer.db",
        oracle_state=records / "oracle.sqlite",
        keeper_state=records / "rolls.sqlite",
        watcher_state=records / "watcher.json",
        index=index,
        **overrides,
    )


def sql(path, statement, *params):
    conn = sqlite3.connect(path)
    with conn:
        changed = conn.execute(statement, params).rowcount
    conn.close()
    assert changed >= 1, statement  # the corruption must touch a record, or the test proves nothing


def test_a_clean_epoch_reconciles_with_every_check_run(records, index):
    ctx = context(records, index)
    assert reconcile(ctx) == []
    assert ctx.ran == [name for name, _, _ in CHECKS]


def test_a_manifest_code_hash_that_is_not_the_chains_is_reported(records, index):
    manifest = json.loads((records / "manifest.json").read_text())
    real = manifest["steps"]["ThetaVault"]["bytecode_hash"]
    manifest["steps"]["ThetaVault"]["bytecode_hash"] = "0x" + ZERO32
    (records / "manifest.json").write_text(json.dumps(manifest))
    (found,) = reconcile(context(records, index))
    assert found.check == "manifest"
    assert found.subject.startswith("ThetaVault (ThetaVault) at 0x")
    assert found.expected.value == "0x" + ZERO32 and "steps.ThetaVault.bytecode_hash" in found.expected.source
    assert found.actual.value == real and found.actual.source.startswith("chain: keccak(eth_getCode(")


def test_a_posted_root_the_ledger_does_not_hold_is_reported(records, index, epoch):
    sql(records / "sequencer.db", "UPDATE batches SET root = ? WHERE status = 'posted'", bytes(32))
    (found,) = reconcile(context(records, index))
    chain_root = bytes(epoch.demo.ledger.batches(1).root)
    assert (found.check, found.subject) == ("sequencer", "ledger batch 1 (db batch 1)")
    assert found.expected.value == chain_root and found.expected.source.startswith("chain: batches(1).root")
    assert found.actual.value == bytes(32) and "batches.root of id 1" in found.actual.source


def test_a_leaf_changed_in_the_database_breaks_both_the_root_and_the_netting(records, index, epoch):
    dave = epoch.demo.buyers["dave"].address.lower()
    (trade,) = [t for t in epoch.demo.epoch.facts["ledger_trades"] if t["buyer"] == "dave"]
    paid = trade["options"] * trade["price"] // 10**18  # its only fill, netted into its leaf
    sql(records / "sequencer.db", "UPDATE leaves SET cash = ? WHERE account = ?", str(-paid - 1), dave)
    found = {m.subject: m for m in reconcile(context(records, index))}
    assert set(found) == {"ledger batch 1 (db batch 1) leaves", f"ledger batch 1 (db batch 1) leaf of {dave}"}
    netting = found[f"ledger batch 1 (db batch 1) leaf of {dave}"]
    assert netting.expected.value[0] == -paid and netting.actual.value[0] == -paid - 1


def test_a_fill_changed_in_the_database_no_longer_nets_to_the_posted_leaves(records, index, epoch):
    dave = epoch.demo.buyers["dave"].address.lower()
    sql(records / "sequencer.db", "UPDATE fills SET price = '61000000' WHERE buyer = ?", dave)
    found = reconcile(context(records, index))
    assert {m.check for m in found} == {"sequencer"}
    maker = epoch.demo.market_maker.address.lower()
    assert {m.subject for m in found} == {f"ledger batch 1 (db batch 1) leaf of {a}" for a in (dave, maker)}


def test_a_batch_the_ledger_holds_but_the_database_lost_is_reported(records, index):
    sql(records / "sequencer.db", "UPDATE batches SET status = 'failed' WHERE status = 'posted'")
    (found,) = reconcile(context(records, index))
    assert found.subject == "ledger batch 1" and found.actual.value == "none"


def test_an_oracle_round_with_another_price_than_the_chains_is_reported(records, index, epoch):
    conn = sqlite3.connect(records / "oracle.sqlite")
    (ts,) = conn.execute("SELECT MAX(timestamp) FROM rounds WHERE status = 'published'").fetchone()
    conn.close()
    sql(records / "oracle.sqlite", "UPDATE rounds SET price = '1' WHERE timestamp = ?", ts)
    (found,) = reconcile(context(records, index))
    assert (found.check, found.subject) == ("oracle", f"feed ETH/USD round {ts} price")
    assert found.expected.value == int(epoch.demo.oracle.latest_price()) and found.actual.value == 1


def test_a_roll_recorded_for_an_epoch_the_vault_has_not_passed_is_reported(records, index, epoch):
    epoch_now = int(epoch.demo.vault.epoch())
    sql(records / "rolls.sqlite", "UPDATE rolls SET epoch = ? WHERE epoch = 1", epoch_now)
    (found,) = reconcile(context(records, index))
    assert found.check == "keeper" and found.subject.endswith(f"roll of epoch {epoch_now}")
    assert (found.expected.value, found.actual.value) == (epoch_now, epoch_now)


def test_a_watcher_holding_a_root_the_ledger_does_not_is_reported(records, index):
    state = records / "watcher.json"
    saved = json.loads(state.read_text())
    row = saved["seen"]["1"]  # Posted.to_json: number, root, leaves root, data hash, nonce, series, transaction
    row[1] = ZERO32
    saved["seen"] = {"1": row}
    state.write_text(json.dumps(saved))
    (found,) = reconcile(context(records, index))
    assert (found.check, found.subject, found.actual.value) == ("watcher", "ledger batch 1", bytes(32))


@pytest.mark.parametrize(
    ("event", "field", "check", "subjects"),
    [
        ("DepositRequest", "assets", "vault", ["pending deposits"]),
        ("OptionsWritten", "collateral", "options", ["series 2 collateral"]),
        # 7 more cash than the ledger holds (everyone withdrew; it keeps only the expiry claims' rounding dust, a wei
        # or two): the account's cash and the ledger's solvency
        ("Deposited", "amount", "ledger", ["cash of 0x", "solvency"]),
        ("PriceUpdated", "price", "oracle", ["price"]),
        # the auction: the refund of the last claimed bid, the clearing price, the premium the vault booked
        ("BidClaimed", "refund", "auction", ["auction 1 bid 1 refund"]),
        ("AuctionSettled", "clearingPrice", "auction", ["auction 1 clearingPrice"]),
        ("AuctionFinished", "proceeds", "auction", ["auction 1 premium of vault 0x"]),
    ],
)
def test_an_indexed_event_that_no_longer_adds_up_to_chain_state_is_reported(
    records, index, event, field, check, subjects
):
    row = index.db.execute(
        "SELECT block, log_index, args FROM chain_events WHERE name = ? ORDER BY block DESC, log_index DESC LIMIT 1",
        (event,),
    ).fetchone()
    args = json.loads(row[2])
    args[field] = int(args[field]) + 7
    index.db.execute("UPDATE chain_events SET args = ? WHERE block = ? AND log_index = ?", (json.dumps(args), *row[:2]))
    found = reconcile(context(records, index))
    assert len(found) == len(subjects)
    for mismatch, subject in zip(found, subjects, strict=True):
        assert mismatch.check == check and subject in mismatch.subject
        short = int(mismatch.expected.value) - int(mismatch.actual.value)
        dust = 7 - short if subject == "solvency" else 0  # claimExpired rounds each of three holders' shares down
        assert short == 7 - dust and 0 <= dust < 3
        assert mismatch.expected.source.startswith("index: ") and mismatch.actual.source.startswith("chain: ")


def test_the_command_exits_zero_on_a_clean_run_and_one_with_the_mismatch_as_json(records):
    args = [
        "--network", "ethereum:local:test",
        "--manifest", str(records / "manifest.json"),
        "--db", str(records / "index.sqlite"),
        "--sequencer-db", str(records / "sequencer.db"),
        "--oracle-state", str(records / "oracle.sqlite"),
        "--keeper-state", str(records / "rolls.sqlite"),
        "--watcher-state", str(records / "watcher.json"),
        "--json",
    ]  # fmt: skip
    clean = CliRunner().invoke(reconcile_command, args)
    assert clean.exit_code == 0, clean.output
    assert json.loads(clean.stdout[clean.stdout.index("{") :])["ok"] is True
    sql(records / "rolls.sqlite", "UPDATE rolls SET epoch = 99 WHERE epoch = 1")
    dirty = CliRunner().invoke(reconcile_command, args)
    assert dirty.exit_code == 1
    document = json.loads(dirty.stdout[dirty.stdout.index("{") :])
    assert [m["check"] for m in document["mismatches"]] == ["keeper"]
    actual = {"source": "keeper state rolls.sqlite: roll done for epoch", "value": "99"}
    assert document["mismatches"][0]["actual"] == actual


def corrupt(index, name, change):
    """Changes the first indexed event of this name with `change(args)`; returns its args as they were."""
    row = index.db.execute(
        "SELECT block, log_index, args FROM chain_events WHERE name = ? ORDER BY block, log_index LIMIT 1", (name,)
    ).fetchone()
    args = json.loads(row[2])
    index.db.execute(
        "UPDATE chain_events SET args = ? WHERE block = ? AND log_index = ?", (json.dumps(change(dict(args))), *row[:2])
    )
    return args


def test_a_bid_the_index_says_is_larger_is_reported_and_so_is_the_escrow_it_would_owe(records, index, epoch):
    placed = corrupt(index, "BidPlaced", lambda args: args | {"size": int(args["size"]) + 7})
    found = {m.subject: m for m in reconcile(context(records, index))}
    weth = str(epoch.demo.weth.address).lower()
    assert set(found) == {"auction 1 bid 0 size", f"solvency in {weth}"}
    size = found["auction 1 bid 0 size"]
    assert (size.expected.value, size.actual.value) == (int(placed["size"]) + 7, int(placed["size"]))
    assert size.actual.source == "chain: BatchAuction.bidOf(1, 0).size at block " + str(index.cursor())
    solvency = found[f"solvency in {weth}"]  # every escrow was paid out: the auction holds no WETH
    assert solvency.actual.value == 0 and solvency.expected.value == -(-7 * int(placed["limit"]) // 10**18)


def test_a_claim_the_index_lost_is_reported_by_the_bid_and_by_the_tokens_the_auction_would_still_owe(
    records, index, epoch
):
    gone = index.db.execute("DELETE FROM chain_events WHERE name = 'BidClaimed' AND args LIKE '%\"bidId\": 0,%'")
    assert gone.rowcount == 1
    found = {m.subject: m for m in reconcile(context(records, index))}
    token, weth = str(epoch.demo.token.address).lower(), str(epoch.demo.weth.address).lower()
    assert set(found) == {"auction 1 bid 0 claimed", f"solvency in {token}", f"solvency in {weth}"}
    claimed = found["auction 1 bid 0 claimed"]
    assert (claimed.expected.value, claimed.actual.value) == (False, True)
    bid = next(b for b in epoch.demo.epoch.facts["auction"]["bids"] if b["bid_id"] == 0)
    # As the index has it, the auction still owes that bid its calls and its refund; the chain paid both out.
    assert (found[f"solvency in {token}"].expected.value, found[f"solvency in {token}"].actual.value) == (
        bid["filled"],
        0,
    )
    assert (found[f"solvency in {weth}"].expected.value, found[f"solvency in {weth}"].actual.value) == (
        bid["refund"],
        0,
    )


def test_a_bid_outbid_from_a_full_book_is_reconciled_and_its_refund_on_the_bidders_statement(
    accounts, project, chain, tmp_path
):
    """A book of two bids (BatchAuction(2)): a dominating bid replaces one, whose whole escrow is refunded at once;
    the index's view of the outbid bid and of what the auction owes matches the chain until it loses the refund."""
    seller, low, high, late = accounts[0], accounts[1], accounts[2], accounts[3]
    auction = project.BatchAuction.deploy(2, sender=seller)
    since = int(chain.blocks.height)
    sold = project.MockERC20.deploy("Sold", "SOLD", 18, sender=seller)
    cash = project.MockERC20.deploy("Cash", "CASH", 18, sender=seller)
    sold.mint(seller, 10 * WAD, sender=seller)
    sold.approve(auction, 10 * WAD, sender=seller)
    for bidder in (low, high, late):
        cash.mint(bidder, WAD, sender=seller)
        cash.approve(auction, WAD, sender=bidder)
    end = chain.pending_timestamp + 3_600
    auction.createAuction(sold, cash, 10 * WAD, 10**15, WAD, end, sender=seller)
    auction.bid(1, 5 * WAD, 2 * 10**15, sender=low)
    auction.bid(1, 5 * WAD, 3 * 10**15, sender=high)
    auction.outbid(1, 0, 5 * WAD, 4 * 10**15, sender=late)  # the book is full: `late` replaces `low`'s bid
    auction.claimOutbid(1, [0], low, sender=low)  # at once, before settlement
    chain.mine(1, timestamp=end)
    auction.settle(1, auction.clearingPriceOf(1), sender=seller)
    auction.claim(1, [0], late, sender=late)
    auction.claim(1, [1], high, sender=high)
    auction.claimSeller(1, seller, sender=seller)

    index = EventIndex(tmp_path / "index.sqlite")
    index.follow({str(auction.address): "BatchAuction"}, since)
    index.sync()
    step = {"status": "done", "contract": "BatchAuction", "address": str(auction.address)}
    ctx = Context(tmp_path / "manifest.json", {"steps": {"BatchAuction": step}}, index.cursor(), index=index)
    assert check_auctions(ctx) == []
    statement = Statements(index).build(low.address, 0, 4_000_000_000)
    moves = [(r.kind, int(r.amount), r.details) for r in statement.rows if r.kind.startswith("auction")]
    escrow = 5 * 2 * 10**15
    assert moves == [
        ("auction bid", -escrow, f"auction 1 bid 0: {5 * WAD} options at up to {2 * 10**15}, escrowed"),
        ("auction refund", escrow, "auction 1 outbid 0: escrow refunded"),
    ]

    index.db.execute("DELETE FROM chain_events WHERE name = 'OutbidRefunded'")
    found = {m.subject: (m.expected.value, m.actual.value) for m in check_auctions(ctx)}
    # The index lost the refund: it holds the bid unrefunded, and the auction owing its escrow, which it paid out.
    assert found == {
        "auction 1 outbid 0 refunded": (False, True),
        f"solvency in {str(cash.address).lower()}": (escrow, 0),
    }
    index.close()
