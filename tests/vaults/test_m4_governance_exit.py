"""M-4 (issue 17): governance is faster than users' exits. Regression tests: a depositor who asks to leave the moment a
costly change is scheduled through the timelock is paid, at the old terms, before the change can run (end to end:
timelock, vault, engine, router); the timelock never takes a delay under its floor. (The deploy config check's
refusal is tests/deploy/test_config.py::test_m4_*.) The audit of the fix found two ways around it, each with its
regression test here: F3, the floor ignored the router's STALL_PERIOD (a route change could run before an expiry
whose sources halted was recordable); F4, the guardian's pause (no delay, no time limit) blocked requestRedeem and
the roll until a scheduled change ran."""

from __future__ import annotations

from pathlib import Path

import ape
import pytest
import yaml

from strikeforge.deploy.config import KEEPER_MARGIN, load, longest_exit, parse
from tests.options.fixtures import EXPIRY_OFFSET, ONE, WEEK
from tests.revert_data import reverts_with
from tests.vaults.conftest import AUCTION_DURATION, DISCOUNT_BPS, MANAGEMENT_BPS, MIN_BID_BPS, PERFORMANCE_BPS, PREMIUM

CONFIGS = Path(__file__).resolve().parents[2] / "deployments" / "config"
ZERO32 = b"\x00" * 32
OFFSET = 10**6
DAY = 86_400
NONE = "0x" + "00" * 20


def _recordable_after(router) -> int:
    """How long after expiry the router may wait before it records: SOURCE_GRACE (one source halted) or
    STALL_PERIOD (every source halted; their last rounds before expiry)."""
    return max(router.SOURCE_GRACE(), router.STALL_PERIOD())


def _timelock(project, deployer, delay: int, floor: int):
    return project.StrikeforgeTimelock.deploy(delay, floor, [deployer], [deployer], "0x" + "00" * 20, sender=deployer)


def _costly_change(project, deployer, vault, thief, selector):
    """The worst set_parameters governance can schedule: both fees at their caps to its own recipient, a pricer that
    values the options at 1 wei and the largest discount, so the auction's reserve is 1 wei per option and its own
    bidder can take every option for nothing. Returns (calldata, the pricer)."""
    worthless = project.MockOptionPricer.deploy(1, sender=deployer)
    change = vault.set_parameters.encode_input(
        500, 3_000, thief, selector, worthless, vault.MAX_RESERVE_DISCOUNT_BPS(), AUCTION_DURATION, MIN_BID_BPS
    )
    return change, worthless


def _roll(vault, auction, keeper):
    """The keeper's roll, with the open auction's clearing price in case nobody finished it (BatchAuction's view)."""
    return vault.roll(auction.clearingPriceOf(vault.current_auction()), sender=keeper)


def test_m4_a_depositor_who_asks_to_leave_when_a_costly_change_is_scheduled_is_out_before_it_runs(
    project,
    chain,
    deployer,
    vault,
    users,
    keeper,
    buyer,
    selector,
    pricer,
    auction,
    sell,
    expire,
    router,
    weth,
    accounts,
):
    """The vault's admin is a timelock with the deployed delay (deployments/config, 11 days). Right after a roll
    whose series expires as late as possible (8 days - 1 s later), governance schedules the worst it can: a pricer
    worth 1 wei and the largest discount, so its own bidder buys the options for nothing, and fees at their caps to
    its own recipient. Alice asks to redeem at once. The open auction still sells at the terms it opened with, and
    even with the keeper rolling as late as its margin allows after the latest moment the expiry price can be final
    (expiry + max(SOURCE_GRACE, STALL_PERIOD) + DISPUTE_PERIOD), alice's redemption is settled at the old terms
    before the change can execute; the change applies afterwards (to bob, who stayed). With the old two-day delay it
    ran first."""
    alice, bob, _ = users
    thief = accounts[8]
    floor = longest_exit(router.DISPUTE_PERIOD(), router.SOURCE_GRACE(), router.STALL_PERIOD())
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
    change, worthless = _costly_change(project, deployer, vault, thief, selector)
    timelock.schedule(vault, 0, change, ZERO32, ZERO32, delay, sender=deployer)
    scheduled_at = chain.blocks.head.timestamp
    operation = timelock.hashOperation(vault, 0, change, ZERO32, ZERO32)
    ready_at = timelock.getTimestamp(operation)
    assert ready_at == scheduled_at + delay
    shares = vault.balanceOf(alice)
    vault.requestRedeem(shares, alice, alice, sender=alice)
    # The open auction sells at the terms it opened with (reserve and all): the honest bidder pays PREMIUM.
    tx = sell(vault, [(buyer, 20 * ONE, PREMIUM)])
    assert [(e.clearing_price, e.sold) for e in tx.events.filter(vault.AuctionFinished)] == [(PREMIUM, 20 * ONE)]

    # The expiry (out of the money: the proceeds are the epoch's gain), then the latest roll an honest keeper makes.
    expire(vault, 3_000 * ONE)
    latest_roll = expiry + _recordable_after(router) + router.DISPUTE_PERIOD() + KEEPER_MARGIN - 1
    assert chain.pending_timestamp <= latest_roll < ready_at
    chain.mine(1, timestamp=latest_roll)
    with ape.reverts():  # TimelockUnexpectedOperationState: not ready
        timelock.execute(vault, 0, change, ZERO32, ZERO32, sender=deployer)
    closing = vault.epoch()
    tx = _roll(vault, auction, keeper)

    # Alice is out at the old terms: the old fee rates, the honest auction's proceeds, her shares at this roll's price.
    (fees,) = tx.events.filter(vault.FeesCharged)
    assert fees.performance == 20 * PREMIUM * PERFORMANCE_BPS // 10_000
    assert (vault.management_fee_bps(), vault.pricer(), vault.reserve_discount_bps()) == (
        MANAGEMENT_BPS,
        pricer.address,
        DISCOUNT_BPS,
    )
    assets, supply = vault.roll_price(closing)
    fair = shares * (assets + 1) // (supply + OFFSET)
    assert vault.maxWithdraw(alice) == fair > 10 * ONE  # her deposit plus her premium, less the old fees
    before = weth.balanceOf(alice)
    vault.redeem(shares, alice, alice, sender=alice)
    assert weth.balanceOf(alice) - before == fair

    # Only now may the change run; from the next roll the thief takes the options for nothing (bob bears it).
    chain.mine(1, timestamp=ready_at)
    timelock.execute(vault, 0, change, ZERO32, ZERO32, sender=deployer)
    assert (vault.pricer(), vault.reserve_discount_bps(), vault.management_fee_bps(), vault.fee_recipient()) == (
        worthless.address,
        2_000,
        500,
        thief.address,
    )
    expire(vault, 3_000 * ONE)
    tx = _roll(vault, auction, keeper)
    [started] = tx.events.filter(vault.AuctionStarted)
    assert started.reserve == 1  # 1 wei per option
    weth.mint(thief, ONE, sender=deployer)
    weth.approve(auction, 2**256 - 1, sender=thief)
    tx = sell(vault, [(thief, started.options, 1)])
    [finished] = tx.events.filter(vault.AuctionFinished)
    assert (finished.sold, finished.proceeds) == (started.options, -(-started.options // ONE))  # 11 wei
    assert vault.balanceOf(alice) == 0 and vault.maxWithdraw(alice) == 0


def test_m4_the_timelock_refuses_a_delay_below_its_floor(project, deployer, chain):
    """Neither the constructor's minDelay nor updateDelay (itself a timelocked call) can go under DELAY_FLOOR."""
    floor = longest_exit(3_600, 3_600, 86_400)
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


def test_f3_a_route_change_scheduled_when_a_depositor_asks_to_leave_cannot_price_an_expiry_whose_sources_halted(
    project, chain, deployer, weth, usdc, accounts
):
    """F3 (audit of M-4): with every source halted before expiry, the router records the expiry only from expiry +
    STALL_PERIOD (their last rounds before expiry). The deployed floor ignored STALL_PERIOD, so a route change to a
    source of governance's choosing, scheduled at the roll when the depositor asked to leave, ran before the honest
    price was recordable and set the settlement price (1 USD). The floor the config check gives the timelock for a
    router with a 3-day STALL_PERIOD (the most a config may give) must let the honest price be recorded and final,
    with a day of keeper margin to roll, before the change can run; it then cannot touch the recorded price."""
    recorder = accounts[8]
    raw = yaml.safe_load((CONFIGS / "ethereum-sepolia.yaml").read_text())
    raw["oracle"]["stall_period"] = stall = 3 * DAY
    raw["governance"]["timelock_delay"] = 30 * DAY  # any delay the check accepts; the timelock gets the floor
    config = parse(raw)
    floor, dispute, grace = config.governance.delay_floor, config.oracle.dispute_period, config.oracle.source_grace
    router = project.OracleRouter.deploy(dispute, grace, stall, deployer, deployer, sender=deployer)
    primary, backup, evil = (project.MockPriceSource.deploy(sender=deployer) for _ in range(3))
    router.set_route(weth, usdc, primary, backup, 100, True, 3_600, sender=deployer)
    timelock = _timelock(project, deployer, floor, floor)
    router.transfer_ownership(timelock, sender=deployer)

    scheduled = chain.pending_timestamp  # the roll: the depositor requests redemption now
    expiry = scheduled + 8 * DAY - 3_600  # the open series' expiry (under 8 days after the roll)
    change = router.set_route.encode_input(weth, usdc, evil, NONE, 0, False, 3_600)
    timelock.schedule(router, 0, change, ZERO32, ZERO32, floor, sender=deployer)
    ready_at = timelock.getTimestamp(timelock.hashOperation(router, 0, change, ZERO32, ZERO32))

    # Both sources halt three hours before expiry (e.g. an L2 sequencer outage); the evil source has "evidence".
    primary.set(3_000 * ONE, expiry - 3 * 3_600, sender=deployer)
    backup.set(3_010 * ONE, expiry - 3 * 3_600, sender=deployer)
    evil.set(1 * ONE, expiry, sender=deployer)
    chain.mine(1, timestamp=expiry + stall)  # the first moment the halted sources' evidence counts
    assert chain.pending_timestamp < ready_at, "the change could run before the honest price is recordable"
    with ape.reverts():  # TimelockUnexpectedOperationState: not ready
        timelock.execute(router, 0, change, ZERO32, ZERO32, sender=deployer)
    hints = router.expiry_hints(weth, usdc, expiry)
    recorded = router.record_expiry_price(weth, usdc, expiry, *hints, sender=recorder)
    assert router.expiry_prices(weth, usdc, expiry).price == 3_000 * ONE
    final_at = recorded.timestamp + dispute
    assert final_at + KEEPER_MARGIN <= ready_at  # the keeper rolls the depositor out with a day to spare
    chain.mine(1, timestamp=final_at)
    assert router.is_expiry_price_final(weth, usdc, expiry)

    chain.mine(1, timestamp=ready_at)
    timelock.execute(router, 0, change, ZERO32, ZERO32, sender=deployer)
    assert router.expiry_price(weth, usdc, expiry) == 3_000 * ONE  # the change cannot reprice the settled expiry
    with ape.reverts():
        router.record_expiry_price(weth, usdc, expiry, (1).to_bytes(32, "big"), b"", sender=recorder)


def test_f4_a_guardian_pause_in_the_block_a_costly_change_is_scheduled_does_not_keep_a_depositor_in(
    project, chain, deployer, vault, users, keeper, guardian, buyer, selector, auction, sell, expire, weth, accounts
):
    """F4 (audit of M-4): the guardian (outside the timelock, no time limit) paused in the block governance scheduled
    a costly change; requestRedeem and the roll reverted Paused() until the change ran, so alice stayed in under
    the new terms. A pause now stops only new risk: alice's request goes through, the open auction is still finished
    (anyone, after its window) and its proceeds booked, the roll after the expiry settles the series, charges the old
    fees and pays her at its price, writing no options and opening no auction ("paused"); no deposit request is
    accepted; a later redemption (bob's) is settled by the next roll at once (no series open). All before the change
    can run."""
    alice, bob, carol = users
    thief = accounts[8]
    governance = load(CONFIGS / "ethereum-sepolia.yaml").governance
    timelock = _timelock(project, deployer, governance.timelock_delay, governance.delay_floor)
    admin = vault.DEFAULT_ADMIN_ROLE()
    vault.grantRole(admin, timelock, sender=deployer)
    vault.renounceRole(admin, deployer, sender=deployer)
    for who in (alice, bob):
        vault.requestDeposit(10 * ONE, who, who, sender=who)
    vault.roll(sender=keeper)
    for who in (alice, bob):
        vault.mint(vault.maxMint(who), who, sender=who)

    change, _ = _costly_change(project, deployer, vault, thief, selector)  # max fees, options for nothing
    vault.set_paused(True, sender=guardian)  # the same moment as the schedule
    timelock.schedule(vault, 0, change, ZERO32, ZERO32, governance.timelock_delay, sender=deployer)
    ready_at = timelock.getTimestamp(timelock.hashOperation(vault, 0, change, ZERO32, ZERO32))
    shares = vault.balanceOf(alice)
    vault.requestRedeem(shares, alice, alice, sender=alice)  # never paused
    with reverts_with("Paused()"):
        vault.requestDeposit(ONE, carol, carol, sender=carol)  # new risk is
    tx = sell(vault, [(buyer, 20 * ONE, PREMIUM)])  # the pause does not stop the open auction's finish
    assert [e.proceeds for e in tx.events.filter(vault.AuctionFinished)] == [20 * PREMIUM]

    expire(vault, 3_000 * ONE)
    closing = vault.epoch()
    auctions = auction.auctionCount()
    tx = vault.roll(sender=keeper)  # paused: settles and pays out, writes nothing
    assert tx.timestamp < ready_at and vault.paused()
    assert [e.reason for e in tx.events.filter(vault.OptionsNotWritten)] == ["paused"]
    assert (vault.current_series(), vault.current_auction(), auction.auctionCount()) == (0, 0, auctions)
    assert list(tx.events.filter(vault.AuctionStarted)) == []
    (fees,) = tx.events.filter(vault.FeesCharged)
    assert fees.performance == 20 * PREMIUM * PERFORMANCE_BPS // 10_000  # the old terms
    assets, supply = vault.roll_price(closing)
    fair = shares * (assets + 1) // (supply + OFFSET)
    before = weth.balanceOf(alice)
    vault.redeem(shares, alice, alice, sender=alice)
    assert weth.balanceOf(alice) - before == fair > 10 * ONE

    # Still paused: bob asks later and the next roll (no series open) settles him at once.
    vault.requestRedeem(vault.balanceOf(bob), bob, bob, sender=bob)
    vault.roll(sender=keeper)
    assert vault.maxRedeem(bob) > 0 and vault.total_pending_redeem_shares() == 0
    with ape.reverts():  # not ready while both are out
        timelock.execute(vault, 0, change, ZERO32, ZERO32, sender=deployer)
    chain.mine(1, timestamp=ready_at)
    timelock.execute(vault, 0, change, ZERO32, ZERO32, sender=deployer)
    assert vault.balanceOf(alice) == 0 and vault.balanceOf(bob) == 0
