"""Options-stack fixtures (assets, router over a settable spot, engine, series), shared by the options and vault tests
through `pytest_plugins` in tests/conftest.py."""

from __future__ import annotations

import pytest

WEEK = 7 * 86_400
EXPIRY_OFFSET = 86_400 + 8 * 3_600  # Friday 08:00 UTC
DISPUTE = 3_600
SOURCE_GRACE = 3_600
STALL_PERIOD = 86_400
MAX_EXPIRY_LAG = 365 * 86_400  # the spot source's last round is the expiry's: lag is not these tests' subject
ONE = 10**18
SPOT = 3_000 * ONE
NONE = "0x" + "00" * 20


def next_expiry(now: int, weeks: int = 1) -> int:
    """The first Friday 08:00 UTC at least a day after `now`, plus `weeks - 1` weeks."""
    expiry = now - (now - EXPIRY_OFFSET) % WEEK + WEEK
    if expiry - now < 86_400:
        expiry += WEEK
    return expiry + (weeks - 1) * WEEK


@pytest.fixture
def spot(project, deployer, chain):
    source = project.MockPriceSource.deploy(sender=deployer)
    source.set(SPOT, chain.pending_timestamp, sender=deployer)
    return source


@pytest.fixture
def router(project, deployer, spot, weth, usdc):
    router = project.OracleRouter.deploy(DISPUTE, SOURCE_GRACE, STALL_PERIOD, deployer, deployer, sender=deployer)
    router.set_route(weth, usdc, spot, NONE, 0, False, MAX_EXPIRY_LAG, sender=deployer)
    return router


@pytest.fixture
def engine(project, deployer, router):
    engine = project.OptionsEngine.deploy(router, deployer, sender=deployer)
    engine.grantRole(engine.SERIES_CREATOR_ROLE(), deployer, sender=deployer)
    return engine


@pytest.fixture
def expiry(chain):
    return next_expiry(chain.pending_timestamp)


@pytest.fixture
def create(engine, deployer, weth, usdc, expiry):
    def create_series(strike=SPOT, is_put=False, when=None):
        tx = engine.createSeries(weth, usdc, strike, when or expiry, is_put, sender=deployer)
        return tx.events.filter(engine.SeriesCreated)[0].seriesId

    return create_series


@pytest.fixture
def funded(weth, usdc, deployer, engine, accounts):
    """Writers alice and bob with WETH and USDC, approved to the engine."""
    for who in accounts[1:3]:
        weth.mint(who, 1_000 * ONE, sender=deployer)
        usdc.mint(who, 10_000_000 * 10**6, sender=deployer)
        weth.approve(engine, 2**256 - 1, sender=who)
        usdc.approve(engine, 2**256 - 1, sender=who)
    return accounts[1:3]


@pytest.fixture
def settle_at(chain, spot, router, engine, deployer, weth, usdc):
    """Moves past expiry, records `price` as the expiry price, waits out the dispute period and settles."""

    def settle(series_id, price):
        expiry = engine.series(series_id).expiry
        chain.mine(1, timestamp=expiry + 60)
        spot.set(price, expiry, sender=deployer)  # the round current at expiry
        record_expiry(router, weth, usdc, expiry, deployer)
        chain.mine(1, timestamp=chain.pending_timestamp + DISPUTE)
        return engine.settle(series_id, sender=deployer)

    return settle


def record_expiry(router, weth, usdc, expiry, sender):
    """Records `expiry`'s price with the hints the router's sources find (as the keeper does)."""
    return router.record_expiry_price(weth, usdc, expiry, *router.expiry_hints(weth, usdc, expiry), sender=sender)


def engine_options_stack(chain, contract_type, deployer, spot_price: int = SPOT) -> dict:
    """The options stack on the in-process fuzz engine: WETH and USDC, a settable spot source routed for WETH/USDC
    (no fallback), and an OptionsEngine whose admin is `deployer`. `contract_type(name)` resolves compiled types."""
    d = deployer
    weth = chain.deploy(contract_type("MockERC20"), "Wrapped Ether", "WETH", 18, sender=d)
    usdc = chain.deploy(contract_type("MockERC20"), "USD Coin", "USDC", 6, sender=d)
    spot = chain.deploy(contract_type("MockPriceSource"), sender=d)
    spot.set(spot_price, chain.timestamp, sender=d)
    router = chain.deploy(contract_type("OracleRouter"), DISPUTE, SOURCE_GRACE, STALL_PERIOD, d, d, sender=d)
    router.set_route(weth, usdc, spot, NONE, 0, False, MAX_EXPIRY_LAG, sender=d)
    engine = chain.deploy(contract_type("OptionsEngine"), router, d, sender=d)
    return {"weth": weth, "usdc": usdc, "spot": spot, "router": router, "engine": engine}
