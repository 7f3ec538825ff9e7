"""Fixtures for SettlementLedger: cash token, the OptionsEngine and its four series, the ledger, funded accounts (cash
and option tokens deposited), and batch builders."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from strikeforge.settlement.cosign import Posting, typed_data
from strikeforge.settlement.netting import Trade, net
from strikeforge.settlement.tree import Leaf, MerkleSumTree
from tests.options.fixtures import ONE, SPOT, next_expiry

WINDOW = 3_600
BOND = 10**18
ESCAPE = 7 * 86_400
USDC = 10**6
# The engine series the `listed` fixture creates, in this order (a fresh engine numbers them 1..4): calls struck at
# 3,000 and 3,500, puts struck at 3,000 and 2,500, all expiring EXPIRY_WEEKS Fridays ahead.
SERIES = [1, 2, 3, 4]
SERIES_SPECS = [(SPOT, False), (3_500 * ONE, False), (SPOT, True), (2_500 * ONE, True)]
EXPIRY_WEEKS = 4  # far beyond the escape period and every window the tests wait out
OPTIONS = 10 * 10**18  # option tokens of each series every funded trader deposits
MAX_UINT = 2**256 - 1
DEADLINE = 2**40  # postBatch's deadline where a test is not about it (the sequencer uses head + WITHDRAWAL_DELAY)


def post_batch(ledger, sender, root, leaves_root, data, series=SERIES):
    """postBatch at the ledger's current posting nonce, with a deadline that is not the test's subject."""
    return ledger.postBatch(root, leaves_root, series, data, ledger.leavesPosted(), DEADLINE, sender=sender, value=BOND)


@pytest.fixture
def traders(accounts):
    """Four of Ape's test accounts, as eth-account keys for co-signing (test keys only)."""
    return [Account.from_key(accounts[i].private_key) for i in range(1, 5)]


@pytest.fixture
def cash(usdc):
    """The ledger's cash: the engine's strike asset (USDC), so puts pay out in cash."""
    return usdc


@pytest.fixture
def series_expiry(chain):
    return next_expiry(chain.pending_timestamp, weeks=EXPIRY_WEEKS)


@pytest.fixture
def listed(engine, deployer, weth, usdc, series_expiry):
    """The four engine series of SERIES (ids 1..4 on a fresh engine)."""
    ids = []
    for strike, is_put in SERIES_SPECS:
        tx = engine.createSeries(weth, usdc, strike, series_expiry, is_put, sender=deployer)
        ids.append(int(tx.events.filter(engine.SeriesCreated)[0].seriesId))
    assert ids == SERIES
    return ids


def option_token(project, engine, series_id):
    return project.OptionToken.at(engine.tokenOf(series_id))


@pytest.fixture
def write_options(project, engine, weth, usdc, deployer, ledger):
    """write(holder, series_id, amount, deposit=True): the deployer writes `amount` options of the series (paying the
    collateral) to `holder`, who deposits them on the ledger unless `deposit` is false."""
    weth.mint(deployer, 10**9 * ONE, sender=deployer)
    usdc.mint(deployer, 10**15 * USDC, sender=deployer)
    weth.approve(engine, MAX_UINT, sender=deployer)
    usdc.approve(engine, MAX_UINT, sender=deployer)
    approved: set[tuple[str, int]] = set()

    def write(holder, series_id: int, amount: int = OPTIONS, deposit: bool = True):
        engine.write(series_id, amount, holder, sender=deployer)
        if deposit:
            if (str(holder), series_id) not in approved:
                option_token(project, engine, series_id).approve(ledger, MAX_UINT, sender=holder)
                approved.add((str(holder), series_id))
            ledger.depositOptions(series_id, amount, sender=holder)

    return write


@pytest.fixture
def treasury(accounts):
    return accounts[8]


@pytest.fixture
def ledger(project, deployer, cash, engine, listed, treasury):
    ledger = project.SettlementLedger.deploy(
        cash, engine, WINDOW, BOND, ESCAPE, WINDOW, treasury, deployer, sender=deployer
    )
    ledger.grantRole(ledger.SEQUENCER_ROLE(), deployer, sender=deployer)
    return ledger


@pytest.fixture
def funded(ledger, cash, traders, deployer, accounts, write_options):
    """Each trader deposits 10,000 USDC and OPTIONS option tokens of each of the four series."""
    signers = []
    for i in range(1, 5):
        account = accounts[i]
        cash.mint(account, 10_000 * USDC, sender=deployer)
        cash.approve(ledger, 2**256 - 1, sender=account)
        ledger.deposit(10_000 * USDC, sender=account)
        for series_id in SERIES:
            write_options(account, series_id)
        signers.append(account)
    return signers


def next_posting(ledger) -> Posting:
    """The posting the ledger's next batch gets: its leavesPosted() now, and the tests' SERIES."""
    return Posting(int(ledger.leavesPosted()), tuple(SERIES))


def sign_leaf(key_account, chain_id: int, ledger, leaf: Leaf, posting: Posting | None = None) -> Leaf:
    """The leaf co-signed by `key_account` for `posting` (by default the ledger's next posting)."""
    posting = next_posting(ledger) if posting is None else posting
    message = encode_typed_data(full_message=typed_data(chain_id, str(ledger.address), leaf, posting))
    return replace(leaf, signature=bytes(Account.sign_message(message, key_account.key).signature))


@pytest.fixture
def build(traders, chain, ledger):
    """Nets trades into leaves for `batch` co-signed for `posting` (by default the ledger's next posting: build a
    batch right before posting it), and their tree."""
    by_address = {t.address.lower(): t for t in traders}

    def build_batch(batch: int, trades: list[Trade], signer_for=None, posting: Posting | None = None):
        posting = next_posting(ledger) if posting is None else posting
        leaves = []
        for leaf in net(batch, trades):
            key = (signer_for or {}).get(leaf.account, by_address[leaf.account])
            leaves.append(sign_leaf(key, chain.chain_id, ledger, leaf, posting))
        return leaves, MerkleSumTree(leaves)

    return build_batch


@pytest.fixture
def standard_trades(traders):
    a, b, c, _ = (t.address for t in traders)
    return [
        Trade(0, a, b, 2 * 10**18, 150 * USDC),  # a buys 2 of series 0 from b at 150 USDC each
        Trade(1, c, a, 10**18, 80 * USDC),
        Trade(0, c, b, 10**18, 155 * USDC),
    ]


@pytest.fixture(scope="session")
def postgres_server():
    """A real PostgreSQL server for the session."""
    from tests.settlement.postgres import running_server

    with running_server() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def store_spec(request, tmp_path):
    """Where the sequencer keeps its state: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return tmp_path / "sequencer.db"
    return request.getfixturevalue("postgres_server").new_database()


# ------------------------------------------------------------------------------------------------ the auction desk


@pytest.fixture
def auction(project, deployer):
    """A BatchAuction with a small bid cap (tests/settlement/desk.py's MAX_BIDS), so books fill."""
    from tests.settlement.desk import MAX_BIDS

    return project.BatchAuction.deploy(MAX_BIDS, sender=deployer)


@pytest.fixture
def desk(project, deployer, ledger, auction):
    return project.LedgerAuctionDesk.deploy(ledger, auction, sender=deployer)


@pytest.fixture
def seller(accounts):
    return accounts[6]


@pytest.fixture
def sale(auction, seller, write_options, project, engine, cash, chain, ledger):
    """create(series=PUT, sold_cash=the ledger's cash, supply=SUPPLY): the seller writes and auctions options, open
    for five withdrawal delays; returns (auction id, end)."""
    from tests.settlement.desk import PUT, RESERVE, SUPPLY

    def create(series=PUT, sold_cash=None, supply=SUPPLY):
        write_options(seller, series, supply, deposit=False)
        token = option_token(project, engine, series)
        token.approve(auction, supply, sender=seller)
        end = chain.pending_timestamp + 5 * int(ledger.WITHDRAWAL_DELAY())
        tx = auction.createAuction(token, sold_cash or cash, supply, RESERVE, ONE, end, sender=seller)
        return int(tx.events.filter(auction.AuctionCreated)[0].auctionId), end

    return create
