"""The keeper service on a local chain: rolls when due, finishes each epoch's auction once its bidding has ended,
records expiry prices, never rolls or finishes twice, survives restarts and races with other finishers."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from strikeforge.cli import main
from strikeforge.keeper.service import Keeper, RollLog
from tests.options.fixtures import DISPUTE, ONE, record_expiry
from tests.vaults.conftest import PREMIUM, RESERVE


@pytest.fixture
def rolls(tmp_path):
    log = RollLog(tmp_path / "rolls.sqlite")
    yield log
    log.close()


@pytest.fixture
def keeper_service(vault, engine, router, keeper, rolls, chain):
    return Keeper(vault, engine, router, keeper, rolls, clock=lambda: chain.pending_timestamp)


@pytest.fixture
def rolled(keeper_service, vault, users):
    """10 WETH deposited and rolled by the keeper: 10 calls written and offered in auction 1."""
    vault.requestDeposit(10 * ONE, users[0], users[0], sender=users[0])
    action = keeper_service.tick()
    assert (action.kind, action.epoch) == ("rolled", 1)
    return action


def _end_bidding(chain, auction, auction_id) -> None:
    end = auction.statusOf(auction_id)[0]
    if chain.pending_timestamp < end:
        chain.mine(1, timestamp=end)


def test_m3_a_roll_whose_pricer_fails_is_reported_not_failed(keeper_service, vault, users, pricer, deployer):
    """The pricer reverts: the keeper's roll still settles the requests and says why no options were written, in its
    detail and in `not_written` (its metrics count it by reason); the roll is not reported as failed."""
    pricer.set(PREMIUM, 1, sender=deployer)
    vault.requestDeposit(10 * ONE, users[0], users[0], sender=users[0])
    action = keeper_service.tick()
    assert (action.kind, action.epoch) == ("rolled", 1)
    assert action.detail == "epoch 1 rolled; no options written: pricing failed"
    assert action.not_written == "pricing failed" and action.finished is None
    assert vault.maxMint(users[0]) > 0 and vault.current_series() == 0 and vault.current_auction() == 0


def test_nothing_to_do_is_idle(keeper_service, vault):
    assert keeper_service.tick().kind == "idle"
    assert vault.epoch() == 1


def test_waiting_requests_are_rolled_at_once_and_the_roll_opens_the_auction(rolled, vault, auction):
    assert vault.epoch() == 2
    auction_id = vault.current_auction()
    assert auction_id == 1 and rolled.not_written is None and rolled.finished is None
    end = auction.statusOf(auction_id)[0]
    assert rolled.detail == (
        f"epoch 1 rolled; auction 1 opened: {10 * ONE} options of series {vault.current_series()},"
        f" reserve {RESERVE}, bidding until {end}"
    )


def test_a_second_run_of_the_same_roll_does_nothing(rolled, keeper_service, vault, keeper):
    nonce = keeper.nonce
    action = keeper_service.tick()  # a series is open, not expired, and its auction's bidding is open
    assert action.kind == "waiting" and "expires in" in action.detail
    assert vault.epoch() == 2 and vault.current_auction() == 1
    assert keeper.nonce == nonce


def test_the_auction_is_finished_once_its_bidding_has_ended_and_only_then(
    rolled, keeper_service, vault, auction, buyer, chain, engine, keeper
):
    auction_id, series = vault.current_auction(), vault.current_series()
    auction.bid(auction_id, 6 * ONE, 2 * PREMIUM, sender=buyer)
    auction.bid(auction_id, 2 * ONE, PREMIUM, sender=buyer)
    end = auction.statusOf(auction_id)[0]
    chain.mine(1, timestamp=end - 10)
    assert keeper_service.tick().kind == "waiting"  # bidding still open: nothing to finish
    assert vault.current_auction() == auction_id
    chain.mine(1, timestamp=end)
    invested = vault.totalAssets()
    action = keeper_service.tick()
    assert action.kind == "finished" and action.tx_hash
    # Demand 8 < 10: the reserve clears; 8 sold, the 2 unsold burned before expiry for their collateral.
    outcome = action.finished
    assert (outcome.auction, outcome.series) == (auction_id, series)
    assert (outcome.clearing_price, outcome.sold, outcome.unsold) == (RESERVE, 8 * ONE, 2 * ONE)
    assert outcome.proceeds == 8 * RESERVE == vault.totalAssets() - invested
    assert action.detail == (
        f"auction 1 finished: {8 * ONE} of {10 * ONE} options sold at {RESERVE}, proceeds {8 * RESERVE},"
        f" unsold {2 * ONE}"
    )
    assert vault.current_auction() == 0 and engine.collateralOf(series, vault) == 8 * ONE
    nonce = keeper.nonce
    again = keeper_service.tick()  # finished: nothing more until expiry
    assert again.kind == "waiting" and "expires in" in again.detail
    assert keeper.nonce == nonce


def test_an_auction_someone_settled_at_the_batch_auction_is_still_finished(
    rolled, keeper_service, vault, auction, buyer, chain, accounts
):
    """The price the keeper passes is used only while the auction is unsettled: settled by anyone at the
    BatchAuction, the finish books what the settlement decided."""
    auction_id = vault.current_auction()
    auction.bid(auction_id, 10 * ONE, PREMIUM, sender=buyer)
    _end_bidding(chain, auction, auction_id)
    auction.settle(auction_id, auction.clearingPriceOf(auction_id), sender=accounts[9])
    action = keeper_service.tick()
    assert action.kind == "finished" and action.detail.endswith("(settled at the auction by someone else)")
    assert (action.finished.clearing_price, action.finished.sold, action.finished.proceeds) == (
        PREMIUM,
        10 * ONE,
        10 * PREMIUM,
    )
    assert vault.current_auction() == 0


def test_an_auction_already_finished_by_someone_else_sends_nothing(
    rolled, keeper_service, vault, auction, chain, accounts, keeper
):
    """finish_auction is public, and a finish this keeper sent before a crash looks the same: the vault has no open
    auction, so the keeper has nothing to do and sends nothing."""
    auction_id = vault.current_auction()
    _end_bidding(chain, auction, auction_id)
    vault.finish_auction(auction.clearingPriceOf(auction_id), sender=accounts[9])
    nonce = keeper.nonce
    action = keeper_service.tick()
    assert action.kind == "waiting" and "expires in" in action.detail
    assert keeper.nonce == nonce


class _Raced:
    """The vault as the keeper sees it, with another finisher landing just before the keeper's finish."""

    def __init__(self, vault, auction, rival) -> None:
        self._vault, self._auction, self._rival = vault, auction, rival

    def __getattr__(self, name):
        return getattr(self._vault, name)

    def finish_auction(self, price, sender):
        auction_id = self._vault.current_auction()
        self._vault.finish_auction(self._auction.clearingPriceOf(auction_id), sender=self._rival)
        return self._vault.finish_auction(price, sender=sender)  # reverts NoOpenAuction()


def test_a_finish_raced_by_another_finisher_is_confirmed_not_failed(
    rolled, vault, engine, router, keeper, rolls, auction, buyer, chain, accounts
):
    auction_id = vault.current_auction()
    auction.bid(auction_id, 10 * ONE, PREMIUM, sender=buyer)
    _end_bidding(chain, auction, auction_id)
    raced = Keeper(_Raced(vault, auction, accounts[9]), engine, router, keeper, rolls, lambda: chain.pending_timestamp)
    action = raced.tick()
    assert action.kind == "finished" and "confirmed on-chain after an error" in action.detail
    assert vault.current_auction() == 0 and vault.totalAssets() == 10 * ONE + 10 * PREMIUM


def test_a_finish_the_chain_refuses_is_reported_and_retried_next_tick(
    rolled, vault, engine, router, keeper, rolls, auction, buyer, chain
):
    """A clock ahead of the chain: the keeper thinks bidding has ended, the auction refuses to settle (BiddingOpen).
    The failure is reported, nothing changes, and the finish goes through once the chain reaches the end."""
    auction_id = vault.current_auction()
    auction.bid(auction_id, 10 * ONE, PREMIUM, sender=buyer)
    end = auction.statusOf(auction_id)[0]
    ahead = Keeper(vault, engine, router, keeper, rolls, clock=lambda: chain.pending_timestamp + 3_600)
    chain.mine(1, timestamp=end - 120)
    action = ahead.tick()
    assert action.kind == "failed" and action.detail.startswith(f"finishing auction {auction_id} failed:")
    assert vault.current_auction() == auction_id and not auction.statusOf(auction_id)[2]
    chain.mine(1, timestamp=end)
    assert ahead.tick().kind == "finished" and vault.current_auction() == 0


def test_a_full_cycle_records_the_price_waits_for_finality_then_rolls(
    rolled, keeper_service, vault, auction, buyer, chain, spot, deployer
):
    auction.bid(vault.current_auction(), 10 * ONE, PREMIUM, sender=buyer)
    _end_bidding(chain, auction, vault.current_auction())
    assert keeper_service.tick().kind == "finished"
    chain.mine(1, timestamp=vault.current_expiry() + 30)
    spot.set(3_100 * ONE, chain.pending_timestamp, sender=deployer)
    assert keeper_service.tick().kind == "recorded"
    waiting = keeper_service.tick()
    assert waiting.kind == "waiting" and "final in" in waiting.detail
    chain.mine(1, timestamp=chain.pending_timestamp + DISPUTE)
    action = keeper_service.tick()
    assert action.kind == "rolled" and action.finished is None  # already finished: the roll had none to finish
    assert vault.epoch() == 3 and vault.current_auction() == 2


def test_an_auction_left_open_past_expiry_is_finished_while_the_price_becomes_final(
    rolled, keeper_service, vault, auction, buyer, chain, spot, deployer
):
    """The keeper was down through the bidding window and the expiry: it records the expiry price first, finishes
    the auction while the price's dispute period runs (the unsold options are held, to be redeemed by the roll),
    then rolls."""
    auction.bid(vault.current_auction(), 4 * ONE, PREMIUM, sender=buyer)
    chain.mine(1, timestamp=vault.current_expiry() + 30)
    spot.set(3_100 * ONE, chain.pending_timestamp, sender=deployer)
    assert keeper_service.tick().kind == "recorded"
    finished = keeper_service.tick()
    assert finished.kind == "finished" and (finished.finished.sold, finished.finished.unsold) == (4 * ONE, 6 * ONE)
    assert vault.unsold_held() == 6 * ONE
    waiting = keeper_service.tick()
    assert waiting.kind == "waiting" and "final in" in waiting.detail
    chain.mine(1, timestamp=chain.pending_timestamp + DISPUTE)
    assert keeper_service.tick().kind == "rolled"
    assert vault.unsold_held() == 0 and vault.epoch() == 3


def test_a_due_roll_finishes_the_open_auction_at_its_clearing_price(
    rolled, keeper_service, vault, auction, buyer, chain, spot, deployer, router, weth, usdc
):
    """Nobody finished the auction and the expiry price was recorded by someone else and is final: the roll is due
    at once and finishes the auction itself, at the clearing price the keeper passes (the vault would refuse a
    wrong one, WrongClearingPrice, and the roll with it)."""
    auction_id = vault.current_auction()
    auction.bid(auction_id, 10 * ONE, PREMIUM, sender=buyer)  # clears at PREMIUM, above the reserve
    expiry = vault.current_expiry()
    chain.mine(1, timestamp=expiry + 60)
    spot.set(3_000 * ONE, expiry, sender=deployer)
    record_expiry(router, weth, usdc, expiry, deployer)
    chain.mine(1, timestamp=chain.pending_timestamp + DISPUTE)
    action = keeper_service.tick()
    assert action.kind == "rolled" and action.finished is not None
    outcome = action.finished
    assert (outcome.auction, outcome.clearing_price, outcome.sold, outcome.proceeds) == (
        auction_id,
        PREMIUM,
        10 * ONE,
        10 * PREMIUM,
    )
    assert f"; {outcome.describe()};" in action.detail
    assert vault.epoch() == 3 and vault.current_auction() == auction_id + 1


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
    """F4: a pause never delays an exit, so the keeper rolls a paused vault: requests settle, no options written, and
    the keeper reports why."""
    vault.requestDeposit(10 * ONE, users[0], users[0], sender=users[0])
    vault.set_paused(True, sender=guardian)
    action = keeper_service.tick()
    assert action.kind == "rolled" and action.not_written == "paused"
    assert vault.epoch() == 2 and vault.current_series() == 0 and vault.current_auction() == 0
    assert vault.maxMint(users[0]) > 0


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
    assert "auction 1 opened" in result.output
    assert vault.epoch() == 2 and vault.current_auction() == 1
