"""Solidity and Vyper call each other through interfaces, on both local networks (EthereumTester and anvil).

MockERC20 (Solidity, OpenZeppelin) <- MockVault (Vyper, snekmate erc4626, via IERC20) <- InteropDepositor (Solidity,
via OpenZeppelin's IERC4626).
"""

from __future__ import annotations

import ape
import pytest

ONE = 10**18


@pytest.fixture(scope="module", params=["test", "foundry"])
def chain_provider(request, networks):
    with networks.ethereum.local.use_provider(request.param) as provider:
        yield provider


@pytest.fixture(scope="module")
def stack(chain_provider, project, accounts):
    deployer, user = accounts[0], accounts[1]
    token = project.MockERC20.deploy("Mock USD", "mUSD", 18, sender=deployer)
    vault = project.MockVault.deploy(token, 0, sender=deployer)
    depositor = project.InteropDepositor.deploy(sender=deployer)
    token.mint(user, 1_000 * ONE, sender=deployer)
    return token, vault, depositor, user


def test_provider_is_the_requested_network(chain_provider):
    assert chain_provider.name in {"test", "foundry"}
    assert chain_provider.network.name == "local"


def test_solidity_calls_vyper_deposit(stack):
    token, vault, depositor, user = stack
    token.approve(depositor, 100 * ONE, sender=user)
    expected = vault.previewDeposit(100 * ONE)
    assert depositor.deposit.call(vault, 100 * ONE, user, 0, sender=user) == expected

    tx = depositor.deposit(vault, 100 * ONE, user, 0, sender=user)

    assert vault.balanceOf(user) == expected > 0
    assert token.balanceOf(depositor) == 0
    assert vault.balanceOf(depositor) == 0
    routed = depositor.Routed.from_receipt(tx)
    assert [(r.vault, r.sender, r.receiver, r.assets, r.shares) for r in routed] == [
        (vault.address, user.address, user.address, 100 * ONE, expected)
    ]
    # The Vyper vault's own ERC-4626 event, emitted inside the same transaction.
    deposits = vault.Deposit.from_receipt(tx)
    assert [(d.sender, d.owner, d.assets, d.shares) for d in deposits] == [
        (depositor.address, user.address, 100 * ONE, expected)
    ]


def test_vyper_calls_solidity_transfer_on_redeem(stack):
    token, vault, _depositor, user = stack
    token.approve(vault, 40 * ONE, sender=user)
    vault.deposit(40 * ONE, user, sender=user)  # Vyper -> Solidity transferFrom
    shares = vault.balanceOf(user)
    expected_assets = vault.previewRedeem(shares)
    balance_before = token.balanceOf(user)

    tx = vault.redeem(shares, user, user, sender=user)  # Vyper -> Solidity transfer

    assert token.balanceOf(user) - balance_before == expected_assets
    transfers = token.Transfer.from_receipt(tx)
    assert [(t["from"], t["to"], t.value) for t in transfers] == [(vault.address, user.address, expected_assets)]


def test_solidity_custom_error_through_vyper_call_is_decoded(stack):
    token, vault, depositor, user = stack
    token.approve(depositor, 10 * ONE, sender=user)
    expected_shares = vault.previewDeposit(10 * ONE)
    with ape.reverts(depositor.InsufficientShares, shares=expected_shares, minShares=expected_shares + 1):
        depositor.deposit(vault, 10 * ONE, user, expected_shares + 1, sender=user)
    # Nothing moved: the revert rolled back the Vyper vault's transferFrom on the Solidity token.
    assert token.balanceOf(vault) == vault.totalAssets() == 0
    assert token.allowance(user, depositor) == 10 * ONE
