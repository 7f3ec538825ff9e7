"""Outside review of issue 18 (SettlementLedger trades the OptionsEngine's option tokens). Each test asserts the
correct / safe behaviour and FAILS on the current code: it proves one finding of the report.

R-1 (Low)  the cash token may be one of the engine's option tokens: redeemExpired then burns the cash deposits.
R-2 (Low)  a challenge counting a final, unapplied prior is defeated by anyone applying that prior first (BadPrior).
R-3 (Info) option tokens that reach the ledger without depositOptions are redeemed, and their payout is locked.
R-4 (Info) requestOptionWithdrawal accepts an unknown series (id 0 included) and a redeemed one.

R-1, R-2 and R-4 (unknown series) are fixed and these tests are their regressions; R-3 and R-4's redeemed series
are acknowledged (no holder loses anything) and the tests pin the behaviour."""

from __future__ import annotations

import ape
import pytest

from tests.options.fixtures import ONE
from tests.settlement.conftest import BOND, OPTIONS, SERIES, USDC, WINDOW, option_token, post_batch
from tests.settlement.review.helpers import keys_for, make_batch, warp
from tests.settlement.test_ledger_tokens import _final_price

CALL, CALL_HIGH, PUT, PUT_LOW = SERIES
LONG_ESCAPE = 60 * 86_400  # beyond the series' expiry (no escape mode on the way there)
MAX_UINT = 2**256 - 1


@pytest.fixture
def ledger(project, deployer, cash, engine, listed, treasury):
    ledger = project.SettlementLedger.deploy(
        cash, engine, WINDOW, BOND, LONG_ESCAPE, WINDOW, treasury, deployer, sender=deployer
    )
    ledger.grantRole(ledger.SEQUENCER_ROLE(), deployer, sender=deployer)
    return ledger


@pytest.fixture
def price(chain, spot, router, weth, usdc, deployer, series_expiry):
    return lambda value: _final_price(chain, spot, router, weth, usdc, deployer, series_expiry, value)


def _post(ledger, batch, sender):
    return post_batch(ledger, sender, batch.tree.root, batch.tree.leaves_root, batch.data, batch.series)


def _sale(ledger, funded, seller, buyer, tokens, column=0, cash=0):
    deltas = [0, 0, 0, 0]
    deltas[column] = tokens
    rows = [(seller.address, cash, tuple(-d for d in deltas)), (buyer.address, -cash, tuple(deltas))]
    return make_batch(ledger, rows, keys_for(funded), series=list(SERIES))


# ------------------------------------------------------------------------------------------------


def test_r1_a_cash_token_that_is_an_option_token_is_refused_or_stays_solvent(
    project, deployer, engine, listed, treasury, usdc, accounts, price, alice
):
    """R-1: nothing stops CASH from being an engine OptionToken (constructor checks only non-zero addresses; _listed
    never compares a series' token with CASH). Cash deposits then sit in the series' token balance, and after expiry
    anyone's redeemExpired burns them at the engine: the depositor's cash balance is left unbacked."""
    put_token = option_token(project, engine, PUT)
    holder = accounts[5]
    usdc.mint(deployer, 10**9 * USDC, sender=deployer)
    usdc.approve(engine, MAX_UINT, sender=deployer)
    engine.write(PUT, 10 * ONE, holder, sender=deployer)  # fully collateralized puts, written to the holder

    ledger = project.SettlementLedger.deploy(
        put_token, engine, WINDOW, BOND, LONG_ESCAPE, WINDOW, treasury, deployer, sender=deployer
    )
    put_token.approve(ledger, MAX_UINT, sender=holder)
    ledger.deposit(10 * ONE, sender=holder)  # deposited as *cash*
    assert ledger.balanceOf(holder) == 10 * ONE
    price(2_750 * ONE)
    # Fixed: the cash token is never a series of the ledger, so nobody can redeem (burn) the cash deposits.
    with ape.reverts(ledger.UnknownSeries, series=PUT):
        ledger.redeemExpired(PUT, sender=alice)
    with ape.reverts(ledger.UnknownSeries, series=PUT):
        ledger.depositOptions(PUT, ONE, sender=holder)
    assert put_token.balanceOf(ledger) == ledger.balanceOf(holder) == 10 * ONE  # invariant 1 holds


# ------------------------------------------------------------------------------------------------


def test_r2_a_real_inventory_fraud_is_not_defeated_by_applying_its_prior_first(
    ledger, funded, deployer, chain, alice, accounts
):
    """R-2: b holds 10 CALL, sells 6 in batch 1 and 6 more in batch 2: batch 2 is a real inventory fraud. Once batch 1
    is final (not applied), the watcher's proof counts batch 1's sale as a prior. The fraudster (or anyone) applies that
    prior in front of the challenge: the fraud is unchanged (b now holds 4 < 6) but the challenge reverts BadPrior, and
    each final prior buys the fraudster one more failed challenge. An applied prior is already reflected in the
    position, so the proof should simply not count it."""
    a, b = funded[0], funded[1]
    front_runner = accounts[6]
    first = _sale(ledger, funded, b, a, 6 * ONE, column=0, cash=10 * USDC)
    _post(ledger, first, deployer)
    warp(chain, WINDOW)  # batch 1 final, not applied
    second = _sale(ledger, funded, b, a, 6 * ONE, column=0, cash=10 * USDC)
    _post(ledger, second, deployer)
    number, leaf, signature_hash, index, proof = second.args(second.index_of(b))
    challenge = (number, 0, leaf, signature_hash, index, proof, [first.args(first.index_of(b))])
    # Front-run: the prior is applied (permissionless).
    ledger.apply_(*first.args(first.index_of(b)), sender=front_runner)
    assert ledger.positionOf(b, CALL) == OPTIONS - 6 * ONE  # 4 left, batch 2 sells 6: still a fraud
    tx = ledger.challengeInventory(*challenge, sender=alice)  # reverts BadPrior(0) on the current code
    assert [e.fraud for e in tx.events.filter(ledger.BatchReverted)] == ["inventory"]


# ------------------------------------------------------------------------------------------------


def test_r3_tokens_sent_without_deposit_cost_the_holders_nothing(ledger, engine, funded, deployer, price, alice):
    """R-3 (Info, acknowledged): 1 PUT written straight to the ledger (engine.write(to=ledger), or a plain transfer)
    is redeemed with the rest. Its payout belongs to no position and stays in the ledger (no sweep: the ledger has
    no governance over funds and no code room left under EIP-170), but the payout scales with the tokens redeemed,
    so every holder is paid its full share: each claim is exactly its position times the per-token payout."""
    engine.write(PUT, ONE, ledger, sender=deployer)  # the deployer funded USDC collateral in `funded`'s writes
    price(2_750 * ONE)
    ledger.redeemExpired(PUT, sender=alice)
    _, tokens, payout, _ = tuple(ledger.redemptions(PUT))
    assert tokens == 4 * OPTIONS + ONE
    per_token = payout // (tokens // ONE)  # 250 USDC: the put is 250 in the money
    for holder in funded:
        before = ledger.balanceOf(holder)
        ledger.claimExpired(holder, PUT, sender=alice)
        assert ledger.balanceOf(holder) - before == OPTIONS * payout // tokens == (OPTIONS // ONE) * per_token
    assert payout - tuple(ledger.redemptions(PUT))[3] == per_token  # the stray token's payout, and only it, stays


# ------------------------------------------------------------------------------------------------


def test_r4_an_option_withdrawal_request_names_a_known_unredeemed_series(ledger, funded, price, alice):
    """R-4: requests for series 0, an unknown series, or a redeemed series are accepted (and emit
    OptionWithdrawalRequested with a readyAt) although they can never execute; off-chain readers (sequencer
    free_inventory, statements) see a pending request that is not one."""
    holder = funded[0]
    with ape.reverts(ledger.UnknownSeries):
        ledger.requestOptionWithdrawal(0, ONE, sender=holder)
