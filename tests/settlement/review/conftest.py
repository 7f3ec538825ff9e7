"""Fixtures of the review's regression tests: a ledger whose WITHDRAWAL_DELAY (2 windows) differs from its window and
whose bond is odd, a separate sequencer account, five funded users, and (second audit pass) a hostile second
sequencer and a watcher. `cash` and `treasury` come from
tests/settlement/conftest.py."""

from __future__ import annotations

import pytest

from tests.settlement.review.helpers import BOND, DELAY, ESCAPE, SERIES, USDC, WINDOW


@pytest.fixture
def sequencer(accounts):
    return accounts[7]


@pytest.fixture
def challenger(accounts):
    return accounts[9]


@pytest.fixture
def ledger(project, deployer, cash, engine, listed, treasury, sequencer):
    ledger = project.SettlementLedger.deploy(
        cash, engine, WINDOW, BOND, ESCAPE, DELAY, treasury, deployer, sender=deployer
    )
    ledger.grantRole(ledger.SEQUENCER_ROLE(), sequencer, sender=deployer)
    return ledger


@pytest.fixture
def users(accounts, cash, ledger, deployer, write_options):
    """accounts[1..5], each with 10,000 USDC and OPTIONS option tokens of SERIES[0] (column 0) deposited."""
    funded = []
    for i in range(1, 6):
        account = accounts[i]
        cash.mint(account, 10_000 * USDC, sender=deployer)
        cash.approve(ledger, 2**256 - 1, sender=account)
        ledger.deposit(10_000 * USDC, sender=account)
        write_options(account, SERIES[0])
        funded.append(account)
    return funded


@pytest.fixture
def hostile(accounts, ledger, deployer):
    """accounts[6]: a second SEQUENCER_ROLE holder (hostile)."""
    ledger.grantRole(ledger.SEQUENCER_ROLE(), accounts[6], sender=deployer)
    return accounts[6]


@pytest.fixture
def watcher(tmp_path, ledger, challenger):
    from strikeforge.settlement.watcher import Watcher

    return Watcher(ledger, challenger, tmp_path / "watcher.json")


@pytest.fixture
def relay_engine(tmp_path):
    """The API behind one worker process (relay.py) on a fresh store: the relay reviews' engine."""
    from strikeforge.settlement.api import Api, serve
    from strikeforge.settlement.sequencer import Sequencer, Settings
    from strikeforge.settlement.store import Store
    from tests.settlement.fakes import FakeLedger

    store = Store(tmp_path / "s.db")
    settings = Settings(batch_interval=10**9, cosign_timeout=10**9, trading_cutoff=0)
    server = serve(Api(Sequencer(store, FakeLedger(), settings), lambda: 10), "127.0.0.1", 0, 1)
    yield server
    server.shutdown()
    store.close()
