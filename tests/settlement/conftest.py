"""Fixtures for SettlementLedger: cash token, the ledger, funded accounts, and batch builders."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from strikeforge.settlement.cosign import Posting, typed_data
from strikeforge.settlement.netting import Trade, net
from strikeforge.settlement.tree import Leaf, MerkleSumTree

WINDOW = 3_600
BOND = 10**18
ESCAPE = 7 * 86_400
USDC = 10**6
SERIES = [11, 12, 13, 14]
DEADLINE = 2**40  # postBatch's deadline where a test is not about it (the sequencer uses head + WITHDRAWAL_DELAY)


def post_batch(ledger, sender, root, leaves_root, data, series=SERIES):
    """postBatch at the ledger's current posting nonce, with a deadline that is not the test's subject."""
    return ledger.postBatch(root, leaves_root, series, data, ledger.leavesPosted(), DEADLINE, sender=sender, value=BOND)


@pytest.fixture
def traders(accounts):
    """Four of Ape's test accounts, as eth-account keys for co-signing (test keys only)."""
    return [Account.from_key(accounts[i].private_key) for i in range(1, 5)]


@pytest.fixture
def cash(project, deployer):
    return project.MockERC20.deploy("USD Coin", "USDC", 6, sender=deployer)


@pytest.fixture
def treasury(accounts):
    return accounts[8]


@pytest.fixture
def ledger(project, deployer, cash, treasury):
    ledger = project.SettlementLedger.deploy(cash, WINDOW, BOND, ESCAPE, WINDOW, treasury, deployer, sender=deployer)
    ledger.grantRole(ledger.SEQUENCER_ROLE(), deployer, sender=deployer)
    return ledger


@pytest.fixture
def funded(ledger, cash, traders, deployer, accounts):
    """Each trader deposits 10,000 USDC."""
    signers = []
    for i in range(1, 5):
        account = accounts[i]
        cash.mint(account, 10_000 * USDC, sender=deployer)
        cash.approve(ledger, 2**256 - 1, sender=account)
        ledger.deposit(10_000 * USDC, sender=account)
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
