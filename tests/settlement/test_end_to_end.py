"""Sequencer, API, clients and watcher against SettlementLedger on a local chain: honest batches settle, every kind
of bad batch is challenged by the watcher and its bond slashed."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import replace

import ape
import pytest
from click.testing import CliRunner

from strikeforge.cli import main
from strikeforge.settlement.api import Api, serve
from strikeforge.settlement.chain import ApeLedger
from strikeforge.settlement.client import ClientError, SettlementClient
from strikeforge.settlement.cosign import Posting, batch_calldata
from strikeforge.settlement.netting import Trade
from strikeforge.settlement.sequencer import Sequencer, Settings
from strikeforge.settlement.store import Store
from strikeforge.settlement.tree import MerkleSumTree
from strikeforge.settlement.watcher import Watcher
from tests.settlement.conftest import BOND, OPTIONS, SERIES, USDC, WINDOW, post_batch

WAD = 10**18
SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


@pytest.fixture
def sequencer(tmp_path, ledger, deployer, chain):
    store = Store(tmp_path / "sequencer.db")
    seq = Sequencer(store, ApeLedger(ledger, deployer), Settings(batch_interval=0, cosign_timeout=600))
    server = serve(Api(seq, lambda: chain.pending_timestamp), "127.0.0.1", 0)
    seq.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield seq
    server.shutdown()
    store.close()


@pytest.fixture
def clients(sequencer, ledger, funded, chain):
    # Orders expire a day after the sequencer's clock (the chain's): earlier tests may have moved it past wall time.
    return [
        SettlementClient(sequencer.url, account, ledger, clock=lambda: chain.pending_timestamp) for account in funded
    ]


@pytest.fixture
def watcher(tmp_path, ledger, alice):
    return Watcher(ledger, alice, tmp_path / "watcher.json")


def _now(chain):
    return chain.pending_timestamp


def test_orders_become_claims_through_the_api(sequencer, clients, ledger, watcher, chain, funded):
    a, b, c, d = clients
    a.place_order(series=1, buy=False, size=2 * WAD, price=150 * USDC)
    answer = b.place_order(series=1, buy=True, size=2 * WAD, price=155 * USDC)
    assert [(f["seller"], f["price"]) for f in answer["fills"]] == [(a.address, str(150 * USDC))]
    c.place_order(series=2, buy=False, size=WAD, price=80 * USDC)
    d.place_order(series=2, buy=True, size=WAD, price=80 * USDC)

    assert sequencer.tick(_now(chain)) == "cut 1"
    for client in clients:
        client.cosign_pending(1)
    assert sequencer.tick(_now(chain)) == "posted 1"
    assert ledger.batchCount() == 1
    assert watcher.tick() == []  # honest

    with ape.reverts(ledger.NotFinal):
        a.claim(1)
    chain.mine(1, timestamp=chain.pending_timestamp + WINDOW)
    for client in clients:
        client.claim(1)
    assert [client.balance() for client in clients] == [
        10_000 * USDC + 300 * USDC,
        10_000 * USDC - 300 * USDC,
        10_000 * USDC + 80 * USDC,
        10_000 * USDC - 80 * USDC,
    ]
    assert ledger.positionOf(funded[1], 1) == OPTIONS + 2 * WAD
    assert ledger.positionOf(funded[0], 1) == OPTIONS - 2 * WAD
    with ape.reverts(ledger.AlreadyApplied):
        a.claim(1)


def test_an_account_that_does_not_cosign_is_dropped_and_the_rest_settle(sequencer, clients, ledger, chain, funded):
    a, b, c, d = clients
    a.place_order(series=1, buy=False, size=WAD, price=100 * USDC)
    b.place_order(series=1, buy=True, size=WAD, price=100 * USDC)
    c.place_order(series=1, buy=False, size=WAD, price=90 * USDC, nonce=5)
    d.place_order(series=1, buy=True, size=WAD, price=90 * USDC)
    sequencer.tick(_now(chain))
    for client in (a, b, c):
        client.cosign_pending(1)  # d stays silent
    chain.mine(1, timestamp=chain.pending_timestamp + 601)
    assert sequencer.tick(_now(chain)) == "dropped 1"
    assert sequencer.tick(_now(chain)) == "posted 1"
    # c's ask came back to the book at its old priority; d's orders are gone.
    book = json.loads(urllib.request.urlopen(f"{sequencer.url}/books/1").read())
    assert book == {"bids": [], "asks": [[str(90 * USDC), str(WAD)]]}
    chain.mine(1, timestamp=chain.pending_timestamp + WINDOW)
    for client in (a, b):
        client.claim(1)
    with pytest.raises(ClientError, match="has no leaf in batch 1"):
        c.claim(1)
    assert b.balance() == 10_000 * USDC - 100 * USDC


def test_clients_settle_their_own_accounts_and_withdraw_without_waiting_for_others(
    sequencer, clients, ledger, chain, cash
):
    """a's leaf applied, or c's absence from the batch, proven by the account itself (settleAccount): each withdraws
    while b's leaf is still unapplied."""
    a, b, c, _ = clients
    a.place_order(series=1, buy=False, size=WAD, price=100 * USDC)
    b.place_order(series=1, buy=True, size=WAD, price=100 * USDC)
    sequencer.tick(_now(chain))
    for client in (a, b):
        client.cosign_pending(1)
    assert sequencer.tick(_now(chain)) == "posted 1"
    for client in (a, c):
        client.request_withdrawal(1_000 * USDC)  # after the posting: batch 1 must be settled for them first
    chain.mine(1, timestamp=chain.pending_timestamp + WINDOW)
    a.claim(1)
    for client in (a, c):
        with ape.reverts(ledger.UnsettledBatches):
            client.withdraw(1_000 * USDC)
        client.settle_account(1)
        client.withdraw(1_000 * USDC)
        assert cash.balanceOf(client.account) == 1_000 * USDC
    assert ledger.settledThrough() == 0  # b's leaf is still to apply


def test_a_client_claims_what_the_ledger_owes_its_account(sequencer, ledger, deployer, chain, alice, clients):
    a, b, _, _ = clients
    a.place_order(series=1, buy=False, size=WAD, price=100 * USDC)
    b.place_order(series=1, buy=True, size=WAD, price=100 * USDC)
    sequencer.tick(_now(chain))
    for client in (a, b):
        client.cosign_pending(1)
    assert sequencer.tick(_now(chain)) == "posted 1"
    chain.mine(1, timestamp=chain.pending_timestamp + WINDOW)
    ledger.releaseBond(1, sender=alice)
    before = alice.balance
    SettlementClient(sequencer.url, deployer, ledger).claim_bonds(alice)  # the sequencer's bond, paid to alice
    assert alice.balance - before == BOND
    assert ledger.bondsOwed(deployer) == 0


def test_a_client_refuses_to_cosign_a_leaf_that_is_not_its_fills(sequencer, clients, chain):
    a, b, _, _ = clients
    a.place_order(series=1, buy=False, size=WAD, price=100 * USDC)
    b.place_order(series=1, buy=True, size=WAD, price=100 * USDC)
    sequencer.tick(_now(chain))
    sequencer.store._db.execute("UPDATE leaves SET cash = '-1' WHERE account = ?", (b.address,))  # a lying sequencer
    with pytest.raises(ClientError, match="is not the net of this account's fills"):
        b.cosign_pending(1)


def test_the_api_names_the_refused_field(sequencer, clients):
    a = clients[0]
    a.place_order(series=1, buy=True, size=WAD, price=100 * USDC, nonce=1)
    with pytest.raises(ClientError, match=r"400: nonce: 1 was already used"):
        a.place_order(series=1, buy=True, size=WAD, price=100 * USDC, nonce=1)
    request = urllib.request.Request(f"{sequencer.url}/orders", data=b"{not json", method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 400
    assert json.loads(refused.value.read())["error"].startswith("body: not JSON")
    body = {"account": a.address, "series": "1", "buy": "yes", "size": "1", "price": "1", "nonce": "2"}
    request = urllib.request.Request(f"{sequencer.url}/orders", data=json.dumps(body).encode(), method="POST")
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert json.loads(refused.value.read())["error"] == "buy: 'yes' is not a boolean; send true or false"


def _bad_batch(kind, build, traders):
    a, b, c, d = (t.address for t in traders)
    trades = [Trade(0, a, b, WAD, 150 * USDC), Trade(1, c, d, WAD, 80 * USDC)]
    if kind == "collateral":
        trades.append(Trade(2, c, a, WAD, 20_000 * USDC))  # c owes far more than its 10,000 USDC
    if kind == "signature":
        leaves, tree = build(1, trades, signer_for={b.lower(): traders[0]})  # b's leaf signed by a
        return leaves, tree
    leaves, tree = build(1, trades)
    if kind == "data":
        hidden = [replace(leaves[0], cash=leaves[0].cash - 1), *leaves[1:]]
        return leaves, MerkleSumTree(hidden)  # roots the posted data does not build
    return leaves, tree


# A batch whose leaves do not net to zero (the old `sums` case) no longer reaches the watcher: postBatch refuses it
# (tests/settlement/test_settlement_ledger.py), and money from nowhere in the root alone is a `data` fraud.
@pytest.mark.parametrize("kind", ["data", "signature", "collateral"])
def test_the_watcher_challenges_each_kind_of_bad_batch(
    kind, ledger, funded, build, traders, deployer, watcher, alice, treasury
):
    leaves, tree = _bad_batch(kind, build, traders)
    post_batch(ledger, deployer, tree.root, tree.leaves_root, batch_calldata(leaves))
    frauds = watcher.tick()
    assert [f.kind for f in frauds] == [kind]
    assert ledger.batchCount() == 0
    assert ledger.bondsOwed(treasury) == BOND - BOND // 2
    assert ledger.bondsOwed(alice) == BOND // 2  # the watcher's account
    reverted = list(ledger.BatchReverted.range(0, ape.chain.blocks.head.number + 1))
    assert [e.fraud for e in reverted] == [kind]


def test_the_watcher_challenges_a_leaf_signed_for_another_posting(
    ledger, funded, build, standard_trades, deployer, watcher
):
    """The co-signature is the account's, for this batch id, but for a posting nonce the ledger never gives this
    batch (signed for a posting that was reverted, say): the signature proof reverts it."""
    posting = Posting(int(ledger.leavesPosted()) + 7, tuple(SERIES))
    leaves, tree = build(1, standard_trades, posting=posting)
    post_batch(ledger, deployer, tree.root, tree.leaves_root, batch_calldata(leaves))
    assert [(f.kind, f.index) for f in watcher.tick()] == [("signature", 0)]
    assert ledger.batchCount() == 0


def test_the_watcher_challenges_a_non_canonical_signature_that_recovers_to_the_account(
    ledger, funded, build, standard_trades, deployer, watcher
):
    """A high-s twin recovers to the account in eth-account, but the ledger's ECDSA refuses it (the sequencer must
    never post one): the watcher judges it as the ledger does."""
    leaves, _ = build(1, standard_trades)
    signature = leaves[1].signature
    s = SECP256K1_ORDER - int.from_bytes(signature[32:64], "big")
    leaves[1] = replace(leaves[1], signature=signature[:32] + s.to_bytes(32, "big") + bytes([55 - signature[64]]))
    tree = MerkleSumTree(leaves)
    post_batch(ledger, deployer, tree.root, tree.leaves_root, batch_calldata(leaves))
    assert [(f.kind, f.index) for f in watcher.tick()] == [("signature", 1)]
    assert ledger.batchCount() == 0


def test_the_watcher_passes_honest_batches_and_resumes_where_it_stopped(
    ledger, funded, build, standard_trades, deployer, watcher, alice, tmp_path
):
    leaves, tree = build(1, standard_trades)
    post_batch(ledger, deployer, tree.root, tree.leaves_root, batch_calldata(leaves))
    assert watcher.tick() == []
    restarted = Watcher(ledger, alice, tmp_path / "watcher.json")
    assert restarted.next_block == watcher.next_block > 0
    assert restarted.tick() == [] and ledger.batchCount() == 1


def test_settle_watch_command_challenges_a_bad_batch(ledger, funded, build, traders, deployer, tmp_path):
    leaves, tree = _bad_batch("data", build, traders)
    post_batch(ledger, deployer, tree.root, tree.leaves_root, batch_calldata(leaves))
    args = ["settle", "watch", "--ledger", str(ledger.address), "--network", "ethereum:local:test"]
    args += ["--test-account", "7", "--state", str(tmp_path / "w.json"), "--iterations", "1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "batch 1: challenged (data)" in result.output
    assert ledger.batchCount() == 0


def test_settle_run_command_serves_and_ticks(ledger, tmp_path):
    args = ["settle", "run", "--ledger", str(ledger.address), "--network", "ethereum:local:test", "--test-account"]
    args += ["0", "--db", str(tmp_path / "s.sqlite"), "--port", "0", "--iterations", "2", "--interval", "0"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "sequencer API on http://127.0.0.1:" in result.output
    assert (tmp_path / "s.sqlite").exists()


def test_settle_run_refuses_a_trading_cutoff_shorter_than_a_round(ledger, tmp_path):
    args = ["settle", "run", "--ledger", str(ledger.address), "--network", "ethereum:local:test", "--test-account"]
    args += ["0", "--db", str(tmp_path / "s.sqlite"), "--trading-cutoff", "20", "--iterations", "1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "--trading-cutoff: 20 s is shorter than --batch-interval + --cosign-timeout (40 s)" in result.output
    assert not (tmp_path / "s.sqlite").exists()


def test_settle_commands_want_exactly_one_account(ledger):
    args = ["settle", "watch", "--ledger", str(ledger.address), "--network", "ethereum:local:test"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "give exactly one of --account" in result.output


def test_the_watcher_counts_unapplied_earlier_debits(ledger, funded, build, traders, deployer, watcher):
    """b's 6,000 debit in batch 2 fits its 10,000 alone, not after its unapplied 6,000 of batch 1."""
    a, b, c = (t.address for t in traders[:3])
    for number, seller in ((1, a), (2, c)):
        leaves, tree = build(number, [Trade(0, b, seller, WAD, 6_000 * USDC)])
        post_batch(ledger, deployer, tree.root, tree.leaves_root, batch_calldata(leaves))
    frauds = watcher.tick()
    assert [(f.kind, f.number) for f in frauds] == [("collateral", 2)]
    assert len(frauds[0].args[-1]) == 1  # one prior debit proven: b's leaf in batch 1
    assert ledger.batchCount() == 1


def test_the_watcher_skips_a_batch_whose_posting_it_cannot_read(
    ledger, funded, build, standard_trades, deployer, watcher
):
    """Posted through a contract (a multisig), the transaction's input is not postBatch: logged, not fatal."""
    leaves, tree = build(1, standard_trades)
    post_batch(ledger, deployer, tree.root, tree.leaves_root, batch_calldata(leaves))

    def unreadable(tx_hash):
        raise ValueError("not a postBatch call")

    watcher._calldata = unreadable
    assert watcher.tick() == []
    assert watcher.next_block > 0 and ledger.batchCount() == 1


# ------------------------------------------------------------------------------------------------ issue 18: tokens


def test_the_watcher_challenges_a_naked_short(ledger, funded, build, traders, deployer, watcher, alice):
    """b sells 12 options of series 1 holding 10: an inventory fraud, proven by challengeInventory."""
    a, b = traders[0].address, traders[1].address
    leaves, tree = build(1, [Trade(0, a, b, 12 * WAD, 10 * USDC)])
    post_batch(ledger, deployer, tree.root, tree.leaves_root, batch_calldata(leaves))
    frauds = watcher.tick()
    assert [(f.kind, f.method, f.args[1]) for f in frauds] == [("inventory", "challengeInventory", 0)]
    assert ledger.batchCount() == 0 and ledger.bondsOwed(alice) == BOND // 2


def test_the_watcher_counts_unapplied_earlier_sales_of_the_series(ledger, funded, build, traders, deployer, watcher):
    """b sells 6 in batch 1 and 6 in batch 2 holding 10: batch 2 is short only after batch 1's unapplied sale."""
    a, b, c = (t.address for t in traders[:3])
    for number, buyer in ((1, a), (2, c)):
        leaves, tree = build(number, [Trade(2, buyer, b, 6 * WAD, 100 * USDC)])
        post_batch(ledger, deployer, tree.root, tree.leaves_root, batch_calldata(leaves))
    frauds = watcher.tick()
    assert [(f.kind, f.number, f.args[1]) for f in frauds] == [("inventory", 2, 2)]
    assert len(frauds[0].args[-1]) == 1  # b's sale in batch 1, proven
    assert ledger.batchCount() == 1


def test_the_api_refuses_orders_for_unknown_or_expired_series_and_uncovered_sales(
    sequencer, clients, ledger, chain, series_expiry
):
    a = clients[0]
    with pytest.raises(ClientError, match=r"400: series: 9 is not a series of the ledger's OptionsEngine"):
        a.place_order(series=9, buy=True, size=WAD, price=100 * USDC)
    with pytest.raises(ClientError, match=r"400: size: sells 11000000000000000000 of series 1, but 0x[0-9a-f]+ has"):
        a.place_order(series=1, buy=False, size=OPTIONS + WAD, price=100 * USDC)
    a.request_option_withdrawal(1, 4 * WAD)  # the sequencer sells only what a request leaves
    with pytest.raises(ClientError, match=r"400: size: .* has 6000000000000000000 free"):
        a.place_order(series=1, buy=False, size=7 * WAD, price=100 * USDC)
    chain.mine(1, timestamp=series_expiry)
    with pytest.raises(ClientError, match=rf"400: series: 1 expired at {series_expiry}"):
        a.place_order(series=1, buy=True, size=WAD, price=100 * USDC, expiry=series_expiry + 86_400)


def test_a_client_deposits_withdraws_and_claims_option_tokens(
    sequencer, clients, ledger, chain, engine, project, write_options, accounts, spot, router, weth, usdc, deployer
):
    """The SDK's token path: deposit_options (approving first), a sale through the sequencer, request and withdraw,
    then after expiry claim_expired (redeeming first) and withdraw_payout of a call's WETH."""
    from tests.options.fixtures import DISPUTE, record_expiry
    from tests.settlement.conftest import option_token

    a, b = clients[0], clients[1]
    write_options(accounts[1], 1, 2 * WAD, deposit=False)  # two more call options written to a's account
    a.deposit_options(1, 2 * WAD)
    assert a.position(1) == OPTIONS + 2 * WAD
    a.place_order(series=1, buy=False, size=3 * WAD, price=100 * USDC)
    b.place_order(series=1, buy=True, size=3 * WAD, price=100 * USDC)
    held = OPTIONS + 2 * WAD  # the API's inventory: the sale counts from its fill, as the sequencer counts it
    assert a.inventory(1) == {"held": held, "posted": 0, "unposted": 3 * WAD, "free": held - 3 * WAD}
    assert b.inventory(1) == {"held": OPTIONS, "posted": 0, "unposted": 0, "free": OPTIONS}  # bought: not yet
    assert sequencer.tick(_now(chain)) == "cut 1"
    a.cosign_pending(1)
    b.cosign_pending(1)
    assert sequencer.tick(_now(chain)) == "posted 1"
    assert a.inventory(1) == {"held": held, "posted": 3 * WAD, "unposted": 0, "free": held - 3 * WAD}
    a.request_option_withdrawal(1, 9 * WAD)
    chain.mine(1, timestamp=chain.pending_timestamp + WINDOW)
    with pytest.raises(ape.exceptions.ContractLogicError):  # a's sale is not applied yet
        a.withdraw_options(1, 9 * WAD)
    a.claim(1)
    b.claim(1)
    a.withdraw_options(1, 9 * WAD)
    assert option_token(project, engine, 1).balanceOf(accounts[1]) == 9 * WAD
    assert a.position(1) == OPTIONS + 2 * WAD - 3 * WAD - 9 * WAD == 0
    expiry = engine.series(1).expiry
    chain.mine(1, timestamp=expiry + 60)
    spot.set(3_300 * WAD, expiry, sender=deployer)
    record_expiry(router, weth, usdc, expiry, deployer)
    chain.mine(1, timestamp=chain.pending_timestamp + DISPUTE)
    b.claim_expired(1)  # redeems the series first
    assert ledger.redemptions(1).asset == weth.address
    share = b.payout(weth.address)
    assert share == (OPTIONS + 3 * WAD) * ledger.redemptions(1).payout // ledger.redemptions(1).tokens > 0
    b.withdraw_payout(weth.address)
    assert weth.balanceOf(accounts[2]) == share and b.payout(weth.address) == 0
    with pytest.raises(ape.exceptions.ContractLogicError):
        a.claim_expired(1)  # a holds nothing of series 1: NothingToClaim
