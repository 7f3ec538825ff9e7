"""OracleRouter properties, fuzzed on the in-process engine: the routed price never leaves its bound."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strikeforge.fuzz.artifacts import from_project
from strikeforge.fuzz.chain import RevmChain
from strikeforge.fuzz.errors import RevertError
from tests.revert_data import selector

NONE = "0x" + "00" * 20


@pytest.fixture(scope="module")
def world(project):
    types = from_project(project, "MockERC20", "MockPriceSource", "OracleRouter")
    chain = RevmChain()
    d = chain.actor("governance")
    base = chain.deploy(types["MockERC20"], "B", "B", 18, sender=d)
    quote = chain.deploy(types["MockERC20"], "Q", "Q", 6, sender=d)
    primary = chain.deploy(types["MockPriceSource"], sender=d)
    backup = chain.deploy(types["MockPriceSource"], sender=d)
    router = chain.deploy(types["OracleRouter"], 3_600, 3_600, 86_400, d, d, sender=d)
    return {
        "chain": chain,
        "d": d,
        "base": base,
        "quote": quote,
        "primary": primary,
        "backup": backup,
        "router": router,
        "snapshot": chain.snapshot(),
    }


prices = st.one_of(st.integers(1, 10**30), st.integers(1, 10**6).map(lambda x: x * 10**18))
answers = st.one_of(st.none(), st.just(0), prices)  # None: the source reverts; 0: answers nothing usable


@given(primary_answer=answers, backup_answer=answers, bps=st.integers(1, 10_000), halt=st.booleans())
def test_the_routed_price_never_leaves_its_bound(world, primary_answer, backup_answer, bps, halt):
    chain, d, router = world["chain"], world["d"], world["router"]
    chain.revert(world["snapshot"])
    base, quote, primary, backup = world["base"], world["quote"], world["primary"], world["backup"]
    router.set_route(base, quote, primary, backup, bps, halt, 3_600, sender=d)
    for source, answer in ((primary, primary_answer), (backup, backup_answer)):
        if answer is None:
            source.setDown(True, sender=d)
        else:
            source.set(answer, chain.timestamp, sender=d)

    live = {name: a for name, a in (("primary", primary_answer), ("backup", backup_answer)) if a}
    try:
        price, _, source = router.routed_price(base, quote)
    except RevertError as err:
        reverted = err.error.data[:4]
        if not live:
            assert reverted == selector("SourcesUnavailable(address,address)")
        else:  # the only other reason to refuse: both answer, they disagree beyond the bound, and the route halts
            assert reverted == selector("PriceDeviation(uint256,uint256,uint256)")
            assert halt and len(live) == 2
            assert abs(primary_answer - backup_answer) * 10_000 > backup_answer * bps
        return

    assert live, "a price was returned with no live source"
    if len(live) == 2:
        within = abs(primary_answer - backup_answer) * 10_000 <= backup_answer * bps
        # The primary is returned only within the bound; beyond it, only the fallback (and never in halt mode).
        assert (price, source) == ((primary_answer, primary.address) if within else (backup_answer, backup.address))
        assert within or not halt
    else:
        ((name, answer),) = live.items()
        assert price == answer
        assert source == (primary.address if name == "primary" else backup.address)
