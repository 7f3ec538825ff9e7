"""The option tokens and the vault's shares against the ERC-20 suite (with OpenZeppelin's zero-address rules)."""

from __future__ import annotations

import pytest

from strikeforge.conformance import SUITES, run_suite
from tests.conformance.conftest import subject
from tests.options.fixtures import ONE

PROPERTIES = [p.id for p in SUITES["erc20"]]


@pytest.fixture
def option_subject(project, chain, engine, create, funded, accounts, actors):
    """A call series' OptionToken (an EIP-1167 clone); actors get options written to them by a funded writer."""
    series = create()
    token = project.OptionToken.at(engine.tokenOf(series))
    writer = funded[0]

    def fund(t, who, amount):
        have = t.balanceOf(who)
        if have < amount:
            engine.write(series, amount - have, who, sender=writer)

    bound = subject("erc20", token, chain, actors, fund=fund)
    bound.options["max_amount"] = 100 * ONE  # the writer's collateral covers 1,000 options
    return bound


@pytest.fixture
def share_subject(chain, bare_vault, weth, deployer, keeper, actors):
    """The vault's shares; actors get them through the vault's flow (request, roll, mint)."""

    def fund(t, who, amount):
        while t.balanceOf(who) < amount:
            assets = (amount - t.balanceOf(who)) // 10**6 + 1
            weth.mint(who, assets, sender=deployer)
            weth.approve(bare_vault, assets, sender=who)
            bare_vault.requestDeposit(assets, who, who, sender=who)
            bare_vault.roll(sender=keeper)
            bare_vault.mint(bare_vault.maxMint(who), who, sender=who)

    bound = subject("erc20", bare_vault, chain, actors, fund=fund)
    bound.options["max_amount"] = 10**26  # 100 WETH of shares (10^6 shares per wei at the first roll)
    return bound


@pytest.mark.parametrize("prop", PROPERTIES)
def test_option_tokens_conform(option_subject, prop):
    [outcome] = run_suite("erc20", option_subject, only=[prop])
    assert outcome.status == "pass", f"{outcome.prop.cite}: {outcome.detail}"


@pytest.mark.parametrize("prop", PROPERTIES)
def test_vault_shares_conform(share_subject, prop):
    [outcome] = run_suite("erc20", share_subject, only=[prop])
    assert outcome.status == "pass", f"{outcome.prop.cite}: {outcome.detail}"
