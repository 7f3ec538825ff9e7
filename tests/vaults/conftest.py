"""Fixtures for the theta vault: the options stack (engine, router, spot), a strike selector, a pricer, the batch
auction, the vault and users, and `sell`, which plays an epoch's auction (bids, the window's end, the finish)."""

from __future__ import annotations

import pytest

from tests.options.fixtures import DISPUTE, ONE, record_expiry

PREMIUM = ONE // 100  # the pricer's value: 0.01 WETH per option
DISCOUNT_BPS = 1_000  # reserve = 90% of the pricer's value
RESERVE = PREMIUM * 9 // 10
AUCTION_DURATION = 3_600
MIN_BID_BPS = 100  # a bid is at least 1% of the supply
MAX_BIDS = 256
MANAGEMENT_BPS = 200
PERFORMANCE_BPS = 1_000
CAP = 10_000 * ONE


@pytest.fixture
def selector(project, deployer, router):
    return project.PercentOtmStrikeSelector.deploy(router, 1_000, 100 * ONE, sender=deployer)  # 10% OTM, $100 grid


@pytest.fixture
def keeper(accounts):
    return accounts[5]


@pytest.fixture
def guardian(accounts):
    return accounts[6]


@pytest.fixture
def fee_recipient(accounts):
    return accounts[7]


@pytest.fixture
def auction(project, deployer):
    return project.BatchAuction.deploy(MAX_BIDS, sender=deployer)


@pytest.fixture
def pricer(project, deployer):
    return project.MockOptionPricer.deploy(PREMIUM, sender=deployer)


@pytest.fixture
def buyer(accounts, weth, deployer, auction):
    """A market maker bidding in the vault's auctions."""
    who = accounts[4]
    weth.mint(who, 1_000_000 * ONE, sender=deployer)
    weth.approve(auction, 2**256 - 1, sender=who)
    return who


@pytest.fixture
def bare_vault(project, deployer, engine, weth, usdc, selector, auction, keeper, guardian):
    """A covered-call vault on WETH, no pricer yet (writes nothing: rolls settle requests at once)."""
    vault = project.ThetaVault.deploy(
        weth,
        engine,
        weth,
        usdc,
        False,
        CAP,
        selector,
        auction,
        deployer,
        "Strikeforge ETH Theta",
        "sfETH",
        sender=deployer,
    )
    engine.grantRole(engine.SERIES_CREATOR_ROLE(), vault, sender=deployer)
    vault.grantRole(vault.KEEPER_ROLE(), keeper, sender=deployer)
    vault.grantRole(vault.GUARDIAN_ROLE(), guardian, sender=deployer)
    return vault


def terms(fee_recipient, selector, pricer) -> tuple:
    """`set_parameters`' arguments for the standard terms: fees, the selector, the pricer, the auction's terms."""
    return (
        MANAGEMENT_BPS,
        PERFORMANCE_BPS,
        fee_recipient,
        selector,
        pricer,
        DISCOUNT_BPS,
        AUCTION_DURATION,
        MIN_BID_BPS,
    )


@pytest.fixture
def vault(bare_vault, deployer, fee_recipient, selector, pricer):
    """The vault auctioning each epoch's calls at a reserve of 90% of the pricer's PREMIUM, with fees."""
    bare_vault.set_parameters(*terms(fee_recipient, selector, pricer), sender=deployer)
    return bare_vault


@pytest.fixture
def rolled(vault, users, keeper):
    """Alice's 10 WETH invested: the roll writes 10 calls and opens their auction (reserve RESERVE)."""
    alice = users[0]
    vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    vault.roll(sender=keeper)
    return vault


@pytest.fixture
def option(project, engine, rolled):
    """The open series' option token."""
    return project.OptionToken.at(engine.tokenOf(rolled.current_series()))


@pytest.fixture
def sell(chain, auction, keeper):
    """Plays the open auction: each (bidder, options, limit price) bids, the window ends, the vault finishes it.
    Returns the finish receipt. With no bids the options go unsold and are burned."""

    def play(vault, bids=()):
        auction_id = vault.current_auction()
        for who, size, limit in bids:
            auction.bid(auction_id, size, limit, sender=who)
        end = auction.statusOf(auction_id)[0]
        if chain.pending_timestamp < end:
            chain.mine(1, timestamp=end)
        return vault.finish_auction(auction.clearingPriceOf(auction_id), sender=keeper)

    return play


@pytest.fixture
def users(accounts, weth, deployer, bare_vault):
    for who in accounts[1:4]:
        weth.mint(who, 1_000 * ONE, sender=deployer)
        weth.approve(bare_vault, 2**256 - 1, sender=who)
    return accounts[1:4]


@pytest.fixture
def expire(chain, spot, router, deployer, weth, usdc):
    """Moves past the open series' expiry with `price` recorded and final."""

    def at(vault, price):
        expiry = vault.current_expiry()
        chain.mine(1, timestamp=expiry + 60)
        spot.set(price, expiry, sender=deployer)  # the round current at expiry
        record_expiry(router, weth, usdc, expiry, deployer)
        chain.mine(1, timestamp=chain.pending_timestamp + DISPUTE)

    return at
