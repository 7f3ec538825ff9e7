"""ThetaVault properties on the in-process engine: a request and its claim never profit across a roll without
options, whatever other depositors do."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strikeforge.fuzz.artifacts import from_project
from strikeforge.fuzz.chain import RevmChain
from tests.options.fixtures import ONE, engine_options_stack


@pytest.fixture(scope="module")
def world(project):
    names = (
        "MockERC20",
        "MockPriceSource",
        "OracleRouter",
        "OptionsEngine",
        "ThetaVault",
        "PercentOtmStrikeSelector",
        "BatchAuction",
    )
    types = from_project(project, *names)
    chain = RevmChain()
    d = chain.actor("deployer")
    users = [chain.actor(f"user{i}") for i in range(3)]
    stack = engine_options_stack(chain, types.__getitem__, d)
    weth, usdc, router, engine = stack["weth"], stack["usdc"], stack["router"], stack["engine"]
    selector = chain.deploy(types["PercentOtmStrikeSelector"], router, 1_000, 100 * ONE, sender=d)
    auction = chain.deploy(types["BatchAuction"], 256, sender=d)
    vault = chain.deploy(
        types["ThetaVault"],
        weth,
        engine,
        weth,
        usdc,
        False,
        10**30,
        selector,
        auction,
        d,
        "Strikeforge",
        "sfETH",
        sender=d,
    )  # no pricer: no options are written
    vault.grantRole(vault.KEEPER_ROLE(), d, sender=d)
    for u in users:
        weth.mint(u, 10**30, sender=d)
        weth.approve(vault, 2**256 - 1, sender=u)
    return {"chain": chain, "d": d, "users": users, "weth": weth, "vault": vault, "snapshot": chain.snapshot()}


amounts = st.one_of(st.integers(1, 10**6), st.integers(1, 10**24))


@given(seed=st.lists(amounts, min_size=1, max_size=3), mine=amounts, later=st.lists(amounts, max_size=3))
def test_a_round_trip_never_profits_without_options(world, seed, mine, later):
    chain, d, users, weth, vault = world["chain"], world["d"], world["users"], world["weth"], world["vault"]
    chain.revert(world["snapshot"])
    me, others = users[0], users[1:]
    roll = getattr(vault, "roll(uint256)")  # no auction is ever open: the clearing price is unused
    for i, amount in enumerate(seed):  # the vault's existing depositors
        who = others[i % 2]
        vault.requestDeposit(amount, who, who, sender=who)
    roll(0, sender=d)
    start = weth.balanceOf(me)
    vault.requestDeposit(mine, me, me, sender=me)
    for i, amount in enumerate(later):  # others come in alongside
        who = others[i % 2]
        vault.requestDeposit(amount, who, who, sender=who)
    roll(0, sender=d)
    shares = vault.maxMint(me)
    assert shares > 0  # the virtual offset gives even one wei about 10^6 shares
    getattr(vault, "mint(uint256,address,address)")(shares, me, me, sender=me)
    vault.requestRedeem(shares, me, me, sender=me)
    roll(0, sender=d)
    vault.redeem(vault.maxRedeem(me), me, me, sender=me)
    final = weth.balanceOf(me)
    assert final <= start  # never a profit...
    assert start - final <= 2  # ...and a loss of rounding only (two floors, each under one wei at these prices)
