"""Fixtures for the oracle adapters: assets, a Chainlink feed (Chainlink's own mock) and the adapter."""

from __future__ import annotations

import pytest

USD = 10**18
STALENESS = 3_600
MIN_PRICE = 1 * USD  # ETH under $1: the feed is broken (stuck at its aggregator's minAnswer)
MAX_PRICE = 1_000_000 * USD
NO_SEQUENCER = "0x0000000000000000000000000000000000000000"


@pytest.fixture
def feed(project, deployer):
    return project.MockChainlinkFeed.deploy(8, 3_000 * 10**8, sender=deployer)  # ETH/USD, 8 decimals


@pytest.fixture
def deploy_oracle(project, deployer, weth, usdc):
    def deploy(feed, sequencer=NO_SEQUENCER, grace=0, min_price=MIN_PRICE, max_price=MAX_PRICE, staleness=STALENESS):
        return project.ChainlinkOracle.deploy(
            weth, usdc, feed, staleness, min_price, max_price, sequencer, grace, sender=deployer
        )

    return deploy


@pytest.fixture
def oracle(deploy_oracle, feed):
    return deploy_oracle(feed)


SIGNED_MAX_AGE = 600
SIGNED_DRIFT = 15
THRESHOLD = 3
MAX_FAULTY = 1  # 3 of 5 tolerates one faulty signer (threshold >= 2f+1)
TIMELOCK_DELAY = 3_600


@pytest.fixture
def timelock(project, deployer):
    """Governance: a timelock where the deployer (standing in for a Safe) proposes and executes."""
    return project.StrikeforgeTimelock.deploy(
        TIMELOCK_DELAY, TIMELOCK_DELAY, [deployer], [deployer], NO_SEQUENCER, sender=deployer
    )


@pytest.fixture
def signers():
    from tests.oracles.signing import committee

    return committee(5)


@pytest.fixture
def deploy_signed_oracle(project, deployer, weth, usdc, signers, timelock):
    def deploy(
        base=weth, quote=usdc, members=None, threshold=THRESHOLD, governance=timelock, max_price=MAX_PRICE, f=MAX_FAULTY
    ):
        members = [s.address for s in signers] if members is None else members
        return project.SignedPriceOracle.deploy(
            base,
            quote,
            SIGNED_MAX_AGE,
            SIGNED_DRIFT,
            MIN_PRICE,
            max_price,
            members,
            threshold,
            f,
            governance,
            sender=deployer,
        )

    return deploy


@pytest.fixture
def signed_oracle(deploy_signed_oracle):
    return deploy_signed_oracle()


DISPUTE_PERIOD = 7_200
DEVIATION_BPS = 200  # 2%
SOURCE_GRACE = 3_600  # an hour after expiry before one source's evidence alone is recorded
STALL_PERIOD = 86_400  # a day after expiry before stale evidence counts (no source fresh)
MAX_EXPIRY_LAG = 3_600  # expiry evidence at most an hour away from the expiry instant


@pytest.fixture
def primary(project, deployer):
    return project.MockPriceSource.deploy(sender=deployer)


@pytest.fixture
def backup(project, deployer):
    return project.MockPriceSource.deploy(sender=deployer)


@pytest.fixture
def disputer(accounts):
    return accounts[5]


@pytest.fixture
def router(project, deployer, disputer):
    """The router, owned by the deployer (standing in for governance; the timelock path is tested on the committee)."""
    return project.OracleRouter.deploy(DISPUTE_PERIOD, SOURCE_GRACE, STALL_PERIOD, disputer, deployer, sender=deployer)


@pytest.fixture
def routed(router, deployer, weth, usdc, primary, backup):
    """WETH/USDC routed to `primary`, checked against `backup` (2%), falling back beyond the bound."""
    router.set_route(weth, usdc, primary, backup, DEVIATION_BPS, False, MAX_EXPIRY_LAG, sender=deployer)
    return router
