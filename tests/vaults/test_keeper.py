"""The keeper service on a local chain: rolls when due, records expiry prices, never rolls twice, survives restarts."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from strikeforge.cli import main
from strikeforge.keeper.service import Keeper, RollLog
from tests.options.fixtures import DISPUTE, ONE


@pytest.fixture
def rolls(tmp_path):
    log = RollLog(tmp_path / "rolls.sqlite")
    yield log
    log.close()


@pytest.fixture
def keeper_service(vault, engine, router, keeper, rolls, chain):
    return Keeper(vault, engine, router, keeper, rolls, clock=lambda: chain.pending_timestamp)


def test_m3_a_roll_without_the_buyer_is_reported_not_failed(keeper_service, vault, users, weth, buyer):
    """The buyer revoked its approval: the keeper's roll still settles the requests and says why no options were
    written (the pre-M-3 roll reverted and the keeper reported a failure every tick)."""
    weth.approve(vault, 0, sender=buyer)
    vault.requestDeposit(10 * ONE, users[0], users[0], sender=users[0])
    action = keeper_service.tick()
    assert (action.kind, action.epoch) == ("rolled", 1)
    assert action.detail == "epoch 1 rolled; no options written: premium transferFrom reverted"
    assert vault.maxMint(users[0]) > 0 and vault.current_series() == 0


def test_nothing_to_do_is_idle(keeper_service, vault):
    assert keeper_service.tick().kind == "idle"
    assert vault.epoch() == 1


def test_waiting_requests_are_rolled_at_once_when_no_series_is_open(keeper_service, vault, users):
    vault.requestDeposit(10 * ONE, users[0], users[0], sender=users[0])
    action = keeper_service.tick()
    assert (action.kind, action.epoch) == ("rolled", 1)
    assert vault.epoch() == 2


def test_a_second_run_of_the_same_roll_does_nothing(keeper_service, vault, users):
    vault.requestDeposit(10 * ONE, users[0], users[0], sender=users[0])
    keeper_service.tick()
    action = keeper_service.tick()  # a series is now open and not expired
    assert action.kind == "waiting" and "expires in" in action.detail
    assert vault.epoch() == 2


def test_after_expiry_it_records_the_price_waits_for_finality_then_rolls(
    keeper_service, vault, users, chain, spot, deployer
):
    vault.requestDeposit(10 * ONE, users[0], users[0], sender=users[0])
    keeper_service.tick()
    chain.mine(1, timestamp=vault.current_expiry() + 30)
    spot.set(3_100 * ONE, chain.pending_timestamp, sender=deployer)
    assert keeper_service.tick().kind == "recorded"
    waiting = keeper_service.tick()
    assert waiting.kind == "waiting" and "final in" in waiting.detail
    chain.mine(1, timestamp=chain.pending_timestamp + DISPUTE)
    assert keeper_service.tick().kind == "rolled"
    assert vault.epoch() == 3


def test_a_restart_after_an_unrecorded_roll_does_not_roll_again(vault, engine, router, keeper, users, tmp_path, chain):
    vault.requestDeposit(10 * ONE, users[0], users[0], sender=users[0])
    first = RollLog(tmp_path / "rolls.sqlite")
    first.mark(str(vault.address), 1, "pending")  # crashed after sending, before recording
    vault.roll(sender=keeper)  # ...and the transaction landed
    first.close()
    restarted = RollLog(tmp_path / "rolls.sqlite")
    service = Keeper(vault, engine, router, keeper, restarted, clock=lambda: chain.pending_timestamp)
    action = service.tick()
    assert action.kind == "waiting" and vault.epoch() == 2
    assert restarted.status(str(vault.address), 1) == "done"
    restarted.close()


def test_a_paused_vault_still_rolls_its_exits(keeper_service, vault, users, guardian):
    """F4: a pause never delays an exit, so the keeper rolls a paused vault: requests settle, no options written."""
    vault.requestDeposit(10 * ONE, users[0], users[0], sender=users[0])
    vault.set_paused(True, sender=guardian)
    assert keeper_service.tick().kind == "rolled"
    assert vault.epoch() == 2 and vault.current_series() == 0 and vault.maxMint(users[0]) > 0


def test_the_command_rolls_once_over_several_ticks(vault, users, tmp_path, accounts, keeper):
    vault.requestDeposit(10 * ONE, users[0], users[0], sender=users[0])
    index = [a.address for a in accounts].index(keeper.address)
    args = [
        "keeper",
        "run",
        "--vault",
        str(vault.address),
        "--network",
        "ethereum:local:test",
        "--test-account",
        str(index),
        "--state",
        str(tmp_path / "k.sqlite"),
        "--interval",
        "0",
        "--iterations",
        "3",
        "--clock",
        "chain",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.output.count(": rolled") == 1
    assert vault.epoch() == 2
