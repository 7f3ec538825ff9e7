"""Issue 23: the vault's ERC-7540 request ids follow one model exactly: the aggregated one (requestId 0).

ERC-7540, "Request Ids": a request is discriminated by requestId and controller; requests of the same non-zero id
must be claimed at one rate, and only requestId 0 may aggregate a controller's requests. The vault merges a
controller's settled requests into one claim, so every request is id 0, and no other id has a request: its pending
and claimable amounts are 0. Before the fix the id was the epoch and claimableDepositRequest/claimableRedeemRequest
answered the merged total for every past id, id 0 included (summing them double-counted).
"""

from __future__ import annotations

from tests.options.fixtures import ONE

IDS = range(0, 6)  # 0 and every epoch the test reaches, and beyond


def _pending_deposit(vault, who):
    return {i: v for i in IDS if (v := vault.pendingDepositRequest(i, who))}


def _claimable_deposit(vault, who):
    return {i: v for i in IDS if (v := vault.claimableDepositRequest(i, who))}


def _pending_redeem(vault, who):
    return {i: v for i in IDS if (v := vault.pendingRedeemRequest(i, who))}


def _claimable_redeem(vault, who):
    return {i: v for i in IDS if (v := vault.claimableRedeemRequest(i, who))}


def test_deposit_requests_are_id_0_and_claimable_is_never_double_counted(bare_vault, users, keeper):
    alice = users[0]
    first = bare_vault.requestDeposit(1, alice, alice, sender=alice)  # epoch 1
    assert (_pending_deposit(bare_vault, alice), _claimable_deposit(bare_vault, alice)) == ({0: 1}, {})
    bare_vault.roll(sender=keeper)
    second = bare_vault.requestDeposit(1, alice, alice, sender=alice)  # epoch 2
    assert _claimable_deposit(bare_vault, alice) == {0: 1}  # the old code: {0: 1, 1: 1}
    assert _pending_deposit(bare_vault, alice) == {0: 1}  # the old code: {2: 1}
    bare_vault.roll(sender=keeper)
    assert _pending_deposit(bare_vault, alice) == {}
    assert _claimable_deposit(bare_vault, alice) == {0: 2}  # the old code: {0: 2, 1: 2, 2: 2}
    assert sum(_claimable_deposit(bare_vault, alice).values()) == bare_vault.maxDeposit(alice) == 2
    bare_vault.deposit(1, alice, sender=alice)
    assert _claimable_deposit(bare_vault, alice) == {0: 1}
    for tx in (first, second):  # the returned id and the event's
        assert tx.return_value == 0
        assert [e.requestId for e in tx.events.filter(bare_vault.DepositRequest)] == [0]


def test_redeem_requests_are_id_0_and_claimable_is_never_double_counted(bare_vault, users, keeper):
    alice = users[0]
    bare_vault.requestDeposit(10 * ONE, alice, alice, sender=alice)
    bare_vault.roll(sender=keeper)
    bare_vault.mint(bare_vault.maxMint(alice), alice, sender=alice)  # epoch 2
    first = bare_vault.requestRedeem(1, alice, alice, sender=alice)
    assert (_pending_redeem(bare_vault, alice), _claimable_redeem(bare_vault, alice)) == ({0: 1}, {})
    bare_vault.roll(sender=keeper)
    second = bare_vault.requestRedeem(1, alice, alice, sender=alice)  # epoch 3
    assert _claimable_redeem(bare_vault, alice) == {0: 1}  # the old code: {0: 1, 1: 1, 2: 1}
    assert _pending_redeem(bare_vault, alice) == {0: 1}
    bare_vault.roll(sender=keeper)
    assert _pending_redeem(bare_vault, alice) == {}
    assert _claimable_redeem(bare_vault, alice) == {0: 2}
    assert sum(_claimable_redeem(bare_vault, alice).values()) == bare_vault.maxRedeem(alice) == 2
    for tx in (first, second):
        assert tx.return_value == 0
        assert [e.requestId for e in tx.events.filter(bare_vault.RedeemRequest)] == [0]


def test_a_controller_without_requests_has_nothing_at_any_id(bare_vault, users, keeper):
    alice, bob, _ = users
    bare_vault.requestDeposit(ONE, alice, alice, sender=alice)
    bare_vault.roll(sender=keeper)
    for view in (_pending_deposit, _claimable_deposit, _pending_redeem, _claimable_redeem):
        assert view(bare_vault, bob) == {}


def test_claimable_summed_over_every_id_is_the_claim_whatever_the_model(bare_vault, users, keeper):
    """Model-independent (per-id or aggregated alike): each settled asset is claimable under one id only."""
    alice = users[0]
    returned = []
    for _ in range(3):
        returned.append(bare_vault.requestDeposit(1, alice, alice, sender=alice).return_value)
        bare_vault.roll(sender=keeper)
    ids = range(0, bare_vault.epoch() + 2)
    assert sum(bare_vault.claimableDepositRequest(i, alice) for i in ids) == bare_vault.maxDeposit(alice) == 3
    assert all(bare_vault.claimableDepositRequest(i, alice) == 0 for i in ids if i not in returned)
