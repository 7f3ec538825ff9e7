"""M-4 (issue 17): governance is faster than users' exits. Regression tests: a depositor who asks to leave the moment a
costly change is scheduled through the timelock is paid, at the old terms, before the change can run (end to end:
timelock, vault, engine, router); the timelock never takes a delay under its floor. (The deploy config check's
refusal is tests/deploy/test_config.py::test_m4_*.)"""

from __future__ import annotations

from pathlib import Path

import ape
import pytest

from strikeforge.deploy.config import KEEPER_MARGIN, load, longest_exit
from tests.options.fixtures import EXPIRY_OFFSET, ONE, WEEK
from tests.revert_data import reverts_with
from tests.vaults.conftest import MANAGEMENT_BPS, PERFORMANCE_BPS, PREMIUM

CONFIGS = Path(__file__).resolve().parents[2] / "deployments" / "config"
ZERO32 = b"\x00" * 32
OFFSET = 10**6


def _source_grace(router) -> int:
    """The router's SOURCE_GRACE: how long after expiry one source's evidence alone may be recorded."""
    return router.SOURCE_GRACE()


def _timelock(project, deployer, delay: int, floor: int):
    return project.StrikeforgeTimelock.deploy(delay, floor, [deployer], [deployer], "0x" + "00" * 20, sender=deployer)


def test_m4_a_depositor_who_asks_to_leave_when_a_costly_change_is_scheduled_is_out_before_it_runs(
    project, chain, deployer, vault, users, keeper, buyer, selector, fee_recipient, expire, router, weth, accounts
):
    """The vault's admin is a timelock with the deployed delay (deployments/config, 10 days). Right after a roll
    whose series expires as late as possible (8 days - 1 s later), governance schedules the worst it can: the
    options go to its own buyer for a premium of 0, fees at their caps to its own recipient. Alice asks to redeem at
    once. Even with the keeper rolling as late as its margin allows after the latest moment the expiry price can be
    final (expiry + SOURCE_GRACE + DISPUTE_PERIOD), alice's redemption is settled at the old terms before the change
    can execute; the change applies afterwards (to bob, who stayed). With the old two-day delay it ran first."""
    alice, bob, _ = users
    thief = accounts[8]
    floor = longest_exit(router.DISPUTE_PERIOD(), _source_grace(router))
    delay = load(CONFIGS / "ethereum-sepolia.yaml").governance.timelock_delay
    assert delay >= floor
    timelock = _timelock(project, deployer, delay, floor)
    admin = vault.DEFAULT_ADMIN_ROLE()
    vault.grantRole(admin, timelock, sender=deployer)
    vault.renounceRole(admin, deployer, sender=deployer)

    # A roll whose series expires as late as the vault allows: just over a day before a Friday 08:00 UTC.
    now = chain.pending_timestamp
    friday = now - (now - EXPIRY_OFFSET) % WEEK + 2 * WEEK
    chain.mine(1, timestamp=friday - 86_400 + 1)
    for who in (alice, bob):
        vault.requestDeposit(10 * ONE, who, who, sender=who)
    rolled_at = vault.roll(sender=keeper).timestamp
    for who in (alice, bob):
        vault.mint(vault.maxMint(who), who, sender=who)
    expiry = vault.current_expiry()
    assert 8 * 86_400 - 60 < expiry - rolled_at < 8 * 86_400  # about the longest epoch

    # Governance schedules the costly change; alice asks to leave in the same moment.
    change = vault.set_parameters.encode_input(500, 3_000, thief, thief, 0, selector)
    timelock.schedule(vault, 0, change, ZERO32, ZERO32, delay, sender=deployer)
    scheduled_at = chain.blocks.head.timestamp
    operation = timelock.hashOperation(vault, 0, change, ZERO32, ZERO32)
    ready_at = timelock.getTimestamp(operation)
    assert ready_at == scheduled_at + delay
    shares = vault.balanceOf(alice)
    vault.requestRedeem(shares, alice, alice, sender=alice)

    # The expiry (out of the money: the premium is the epoch's gain), then the latest roll an honest keeper makes.
    expire(vault, 3_000 * ONE)
    latest_roll = expiry + _source_grace(router) + router.DISPUTE_PERIOD() + KEEPER_MARGIN - 1
    assert chain.pending_timestamp <= latest_roll < ready_at
    chain.mine(1, timestamp=latest_roll)
    with ape.reverts():  # TimelockUnexpectedOperationState: not ready
        timelock.execute(vault, 0, change, ZERO32, ZERO32, sender=deployer)
    closing = vault.epoch()
    tx = vault.roll(sender=keeper)

    # Alice is out at the old terms: the old fee rates, the honest buyer's premium, her shares at this roll's price.
    (fees,) = tx.events.filter(vault.FeesCharged)
    assert fees.performance == 20 * PREMIUM * PERFORMANCE_BPS // 10_000
    assert vault.management_fee_bps() == MANAGEMENT_BPS and vault.buyer() == buyer.address
    assets, supply = vault.roll_price(closing)
    fair = shares * (assets + 1) // (supply + OFFSET)
    assert vault.maxWithdraw(alice) == fair > 10 * ONE  # her deposit plus her premium, less the old fees
    before = weth.balanceOf(alice)
    vault.redeem(shares, alice, alice, sender=alice)
    assert weth.balanceOf(alice) - before == fair

    # Only now may the change run; from the next roll the options go to the thief for nothing (bob bears it).
    chain.mine(1, timestamp=ready_at)
    timelock.execute(vault, 0, change, ZERO32, ZERO32, sender=deployer)
    assert (vault.buyer(), vault.premium_per_option(), vault.management_fee_bps()) == (thief.address, 0, 500)
    expire(vault, 3_000 * ONE)
    tx = vault.roll(sender=keeper)
    assert [e.premium for e in tx.events.filter(vault.EpochRolled)] == [0]
    assert vault.balanceOf(alice) == 0 and vault.maxWithdraw(alice) == 0


def test_m4_the_timelock_refuses_a_delay_below_its_floor(project, deployer, chain):
    """Neither the constructor's minDelay nor updateDelay (itself a timelocked call) can go under DELAY_FLOOR."""
    floor = longest_exit(3_600, 0)
    with reverts_with("DelayBelowFloor(uint256,uint256)", floor - 1, floor):
        _timelock(project, deployer, floor - 1, floor)
    timelock = _timelock(project, deployer, floor, floor)
    assert (timelock.getMinDelay(), timelock.DELAY_FLOOR()) == (floor, floor)

    def through_the_timelock(new_delay: int, salt: bytes) -> None:
        call = timelock.updateDelay.encode_input(new_delay)
        delay = timelock.getMinDelay()
        timelock.schedule(timelock, 0, call, ZERO32, salt, delay, sender=deployer)
        chain.mine(1, timestamp=chain.pending_timestamp + delay)
        timelock.execute(timelock, 0, call, ZERO32, salt, sender=deployer)

    with reverts_with("DelayBelowFloor(uint256,uint256)", 2 * 86_400, floor):
        through_the_timelock(2 * 86_400, b"\x01" * 32)
    with reverts_with("DelayBelowFloor(uint256,uint256)", 0, floor):
        timelock.updateDelay(0, sender=deployer)  # directly: refused (and not the timelock itself anyway)
    with reverts_with("TimelockUnauthorizedCaller(address)", deployer.address):
        timelock.updateDelay(floor + 1, sender=deployer)
    through_the_timelock(floor + 86_400, b"\x02" * 32)
    assert timelock.getMinDelay() == floor + 86_400
    through_the_timelock(floor, b"\x03" * 32)  # back down to the floor, never below
    assert timelock.getMinDelay() == floor


@pytest.mark.parametrize("name", ["ethereum-local.yaml", "ethereum-sepolia.yaml"])
def test_m4_the_deployed_floor_is_the_longest_exit_of_the_configured_router(name):
    governance = load(CONFIGS / name).governance
    assert governance.delay_floor >= 9 * 86_400 and governance.timelock_delay >= governance.delay_floor
