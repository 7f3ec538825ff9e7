"""Fixtures for the theta vault: the options stack (engine, router, spot), a strike selector, the vault and users."""

from __future__ import annotations

import pytest

from tests.options.fixtures import DISPUTE, ONE, record_expiry

PREMIUM = ONE // 100  # 0.01 WETH per option
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
def buyer(accounts, weth, deployer):
    who = accounts[4]
    weth.mint(who, 1_000_000 * ONE, sender=deployer)
    return who


@pytest.fixture
def bare_vault(project, deployer, engine, weth, usdc, selector, keeper, guardian, buyer):
    """A covered-call vault on WETH, no buyer yet (rolls settle requests at once)."""
    vault = project.ThetaVault.deploy(
        weth, engine, weth, usdc, False, CAP, selector, deployer, "Strikeforge ETH Theta", "sfETH", sender=deployer
    )
    engine.grantRole(engine.SERIES_CREATOR_ROLE(), vault, sender=deployer)
    vault.grantRole(vault.KEEPER_ROLE(), keeper, sender=deployer)
    vault.grantRole(vault.GUARDIAN_ROLE(), guardian, sender=deployer)
    weth.approve(vault, 2**256 - 1, sender=buyer)
    return vault


@pytest.fixture
def vault(bare_vault, deployer, fee_recipient, buyer, selector):
    """The vault selling each epoch's calls to `buyer` at PREMIUM per option, with fees."""
    bare_vault.set_parameters(MANAGEMENT_BPS, PERFORMANCE_BPS, fee_recipient, buyer, PREMIUM, selector, sender=deployer)
    return bare_vault


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
