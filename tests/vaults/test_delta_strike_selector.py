"""DeltaStrikeSelector: the listed strike whose delta is closest to the target, against a closed-form root find in
mpmath (tests/vaults/delta_reference.py) over random spots, vols, expiries, grids and rates on the in-process engine;
its inputs through the real stack (router spot, a 3-of-4 signed implied-vol feed on SignedPriceOracle with a
VolatilityUnit quote, the vault's next expiry); its named refusals (stale vol, vol out of bounds, no vol, another
underlying, a misconfigured deployment); its `premium` (the auction reserve's value) against the mpmath
Black-Scholes reference; and ThetaVault rolling on it, with it as the pricer too."""

from __future__ import annotations

import random

import mpmath
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strikeforge.fuzz.artifacts import from_project
from strikeforge.fuzz.chain import RevmChain
from strikeforge.fuzz.errors import RevertError
from strikeforge.oracle.report import Domain
from strikeforge.pricing.reference import black_scholes, dust
from tests.options.fixtures import ONE, engine_options_stack, next_expiry
from tests.oracles.signing import committee, sign_fast
from tests.revert_data import custom_error
from tests.revert_data import selector as error_selector
from tests.vaults.delta_reference import d1_hint, exact_delta, listed_range, reference_pick

WAD = 10**18
DAY = 86_400
CALL, PUT = WAD // 10, -(WAD // 10)  # Ribbon's 10-delta calls, and -0.10 puts
CALL_D1, PUT_D1 = d1_hint(0.10), d1_hint(0.90)
MAX_VOL_AGE = 3_600
VOL_MAX_AGE, VOL_DRIFT = 7_200, 60  # the feed's own MAX_AGE and MAX_FUTURE_DRIFT
VOL_MIN, VOL_MAX = WAD // 100, 5 * WAD  # the feed's circuit breaker: [1%, 500%]
DELTA_TOLERANCE = 2 * 10**9  # two library delta errors (1e-9 each, in 1e18 units): a pick this close is a near tie
NAMES = (
    "MockERC20",
    "MockPriceSource",
    "OracleRouter",
    "OptionsEngine",
    "ThetaVault",
    "SignedPriceOracle",
    "VolatilityUnit",
    "DeltaStrikeSelector",
    "BatchAuction",
    "BlackScholesPricer",
)


@pytest.fixture(scope="module")
def world(project):
    """The options stack on a revm chain, a 3-of-4 (f = 1) signed vol feed for WETH and selectors by (grid, rate)."""
    types = from_project(project, *NAMES)
    chain = RevmChain()
    d = chain.actor("deployer")
    stack = engine_options_stack(chain, types.__getitem__, d)
    unit = chain.deploy(types["VolatilityUnit"], sender=d)
    members = committee(4, label="vol-signer")
    feed = chain.deploy(
        types["SignedPriceOracle"],
        stack["weth"],
        unit,
        VOL_MAX_AGE,
        VOL_DRIFT,
        VOL_MIN,
        VOL_MAX,
        [m.address for m in members],
        3,
        1,
        d,
        sender=d,
    )
    selectors: dict[tuple[int, int], object] = {}

    def selector(grid: int = 100 * ONE, rate: int = 0, **overrides):
        args = {
            "router": stack["router"],
            "feed": feed,
            "unit": unit,
            "grid": grid,
            "call": CALL,
            "put": PUT,
            "call_d1": CALL_D1,
            "put_d1": PUT_D1,
            "age": MAX_VOL_AGE,
            "rate": rate,
        } | overrides
        if overrides:
            return chain.deploy(types["DeltaStrikeSelector"], *args.values(), sender=d)
        if (grid, rate) not in selectors:
            selectors[(grid, rate)] = chain.deploy(types["DeltaStrikeSelector"], *args.values(), sender=d)
        return selectors[(grid, rate)]

    def publish(prices, timestamp=None, signers=None):
        """A vol round signed by `signers` (default: the first three members), one price each."""
        timestamp = chain.timestamp if timestamp is None else timestamp
        signers = members[: len(prices)] if signers is None else signers
        domain = Domain(chain.chain_id, feed.address)
        signatures = [
            sign_fast(m, domain, stack["weth"].address, unit.address, p, timestamp)
            for m, p in zip(signers, prices, strict=True)
        ]
        return feed.update(timestamp, list(prices), signatures, sender=d)

    library = chain.deploy(types["BlackScholesPricer"], sender=d)  # the library's own prices, for the rounding
    return stack | {
        "library": library,
        "chain": chain,
        "d": d,
        "types": types,
        "unit": unit,
        "feed": feed,
        "members": members,
        "selector": selector,
        "selectors": selectors,
        "publish": publish,
        "snapshot": chain.snapshot(),
    }


@pytest.fixture
def w(world):
    world["chain"].revert(world["snapshot"])
    world["snapshot"] = world["chain"].snapshot()
    world["selectors"].clear()  # deployed after the snapshot: gone
    return world


def _reverts(call, signature, *args):
    with pytest.raises(RevertError) as failure:
        call()
    data = failure.value.error.data or b""
    if args:
        assert data == custom_error(signature, *args), f"{failure.value.error} != {signature}{args}"
    else:
        assert data[:4] == error_selector(signature), f"{failure.value.error} is not {signature}"


# -- agreement with the closed-form root find ----------------------------------------------------------------------


def _random_case(rng: random.Random) -> tuple[int, int, int, int, int, bool]:
    """(spot, seconds, vol, rate, grid, is_put): spot log-uniform over 1e-3..1e6 units, a grid of 10^(e-1..e-3)
    for spot ~ 10^e, vol log-uniform over the domain, a time to expiry the vault can see (1 to 8 days)."""
    spot = int(10 ** rng.uniform(-3, 6) * WAD)
    exponent = len(str(spot)) - 19  # floor(log10(spot in units))
    grid = max(10 ** (18 + exponent - rng.choice((1, 2, 3))), 10**9)
    vol = int(10 ** rng.uniform(-2, 0.69897) * WAD)
    vol = min(max(vol, VOL_MIN), VOL_MAX)
    seconds = rng.randint(DAY, 8 * DAY)
    rate = rng.choice((0, 0, 0, WAD // 20))
    return spot, seconds, vol, rate, grid, rng.random() < 0.5


def _check(selector, spot, seconds, vol, rate, grid, is_put) -> tuple[bool, int, int]:
    """The contract's pick against the reference: (exact match, delta error vs mpmath, distance excess)."""
    strike, delta = selector.pick(spot, vol, seconds, is_put)
    target = PUT if is_put else CALL
    ref = reference_pick(spot, seconds, vol, rate, grid, target, is_put)
    first, last = listed_range(spot, grid)
    assert strike % grid == 0 and first * grid <= strike <= last * grid
    with mpmath.workdps(50):
        exact = exact_delta(is_put, spot, strike, seconds, vol, rate)
        error = int(abs(mpmath.mpf(delta) - exact * WAD))
        excess = int((abs(exact - mpmath.mpf(target) / WAD) - ref.distance) * WAD)
    assert error <= 10**9, f"delta {delta} vs exact {exact} at strike {strike}"
    if strike != ref.strike:  # only a near tie may go either way
        assert excess <= DELTA_TOLERANCE, f"picked {strike}, the reference {ref.strike} (root {ref.root})"
        assert abs(ref.runner_up - ref.distance) * WAD <= 2 * DELTA_TOLERANCE
    return strike == ref.strike, error, excess


def test_the_pick_agrees_with_the_closed_form_root_find(w, capsys):
    """2,000 seeded cases; prints how many matched exactly and the largest delta error."""
    rng = random.Random(18_2)
    cases, exact, worst_error, worst_excess = 2_000, 0, 0, 0
    for _ in range(cases):
        spot, seconds, vol, rate, grid, is_put = _random_case(rng)
        same, error, excess = _check(w["selector"](grid, rate), spot, seconds, vol, rate, grid, is_put)
        exact += same
        worst_error, worst_excess = max(worst_error, error), max(worst_excess, excess)
    with capsys.disabled():
        print(
            f"\nDeltaStrikeSelector vs mpmath root find: {exact}/{cases} identical strikes (the rest near ties);"
            f" max |delta - exact| {worst_error / WAD:.2e}; max excess distance to target {worst_excess / WAD:.2e}"
        )
    assert exact >= cases * 0.99


@settings(max_examples=200)
@given(
    spot=st.integers(10**15, 10**24),
    seconds=st.integers(DAY, 8 * DAY),
    vol=st.integers(VOL_MIN, VOL_MAX),
    grid_shift=st.integers(1, 4),
    is_put=st.booleans(),
)
def test_the_pick_is_the_closest_listed_delta(world, spot, seconds, vol, grid_shift, is_put):
    grid = max(10 ** (len(str(spot)) - 1 - grid_shift), 10**9)
    _check(world["selector"](grid, 0), spot, seconds, vol, 0, grid, is_put)


def test_edges_of_the_listed_range(w):
    sel = w["selector"](1_000 * ONE)
    # Spot 3,000 on a 1,000 grid: listed strikes 1,000 .. 30,000. At 500% vol over 8 days, the 10-delta call root
    # is ~3.4x spot: still listed; at 1% vol over a day it sits just above spot: 3,000 or 4,000.
    for vol, seconds in ((5 * WAD, 8 * DAY), (VOL_MIN, DAY)):
        for is_put in (False, True):
            _check(sel, 3_000 * ONE, seconds, vol, 0, 1_000 * ONE, is_put)
    # A grid as coarse as spot: only 10x.. strikes are listed beside a single one below spot.
    _check(w["selector"](3_000 * ONE), 3_000 * ONE, 8 * DAY, 5 * WAD, 0, 3_000 * ONE, True)
    _reverts(lambda: w["selector"](10**36).pick(10**34, WAD, DAY, False), "NoListedStrike(uint256)", 10**34)
    _reverts(lambda: sel.pick(3_000 * ONE, VOL_MIN - 1, DAY, False), "VolatilityOutOfRange(uint256)", VOL_MIN - 1)


# -- through the stack: router spot, signed vol feed, the vault's expiry ------------------------------------------


def test_select_reads_the_router_the_signed_vol_and_the_vaults_expiry(w):
    chain, sel = w["chain"], w["selector"]()
    w["publish"]([60 * WAD // 100, 61 * WAD // 100, 62 * WAD // 100])  # lower median of three: 61%
    strike, delta, spot, vol, seconds = sel.quote(w["weth"], w["usdc"], False)
    assert (spot, vol) == (3_000 * ONE, 61 * WAD // 100)
    assert seconds == next_expiry(chain.timestamp) - chain.timestamp == sel.nextExpiry() - chain.timestamp
    assert sel.select(w["weth"], w["usdc"], False) == strike
    assert (strike, delta) == tuple(sel.pick(spot, vol, seconds, False))
    assert reference_pick(spot, seconds, vol, 0, 100 * ONE, CALL, False).strike == strike
    put = sel.select(w["weth"], w["usdc"], True)
    assert put < spot < strike


def test_the_expiry_is_the_vaults_at_any_time_of_the_week(w):
    chain, sel = w["chain"], w["selector"]()
    rng = random.Random(7)
    start = chain.timestamp
    for _ in range(200):
        chain.set_time(start + rng.randint(0, 3 * 365 * DAY))
        assert sel.nextExpiry() == next_expiry(chain.timestamp)


def test_a_rogue_vol_signer_cannot_move_the_strike_beyond_the_honest_range(w):
    """f = 1 of 4 signs 500% (or 1%): the vol is one of the honest ones, so is the strike."""
    sel, members = w["selector"](), w["members"]
    honest = [55 * WAD // 100, 60 * WAD // 100, 65 * WAD // 100]
    for rogue in (VOL_MAX, VOL_MIN):
        w["chain"].warp(60)
        seconds = sel.nextExpiry() - w["chain"].timestamp
        strikes = {h: sel.pick(3_000 * ONE, h, seconds, False)[0] for h in honest}
        w["publish"]([*honest, rogue], signers=members)
        vol = w["feed"].latest_price()
        assert min(honest) <= vol <= max(honest)
        assert sel.select(w["weth"], w["usdc"], False) in set(strikes.values())


def test_a_stale_vol_is_refused_by_name(w):
    chain, sel = w["chain"], w["selector"]()
    w["publish"]([WAD // 2] * 3)
    published = chain.timestamp
    chain.warp(MAX_VOL_AGE)
    assert sel.select(w["weth"], w["usdc"], False) > 0  # exactly MAX_VOL_AGE old: still usable
    chain.warp(1)
    _reverts(
        lambda: sel.select(w["weth"], w["usdc"], False), "VolatilityStale(uint256,uint256)", published, MAX_VOL_AGE
    )


def test_a_vol_outside_one_to_five_hundred_percent_is_refused_by_name(w):
    """The selector's own bounds hold even on a feed whose circuit breaker is wider."""
    d, types, chain = w["d"], w["types"], w["chain"]
    members = w["members"]
    wide = chain.deploy(
        types["SignedPriceOracle"], w["weth"], w["unit"], 3_600, 60, 1, 100 * WAD, [m.address for m in members], 3, 1,
        d, sender=d,
    )  # fmt: skip
    sel = w["selector"](feed=wide)
    domain = Domain(chain.chain_id, wide.address)
    for vol in (VOL_MIN - 1, VOL_MAX + 1):
        chain.warp(60)
        ts = chain.timestamp
        sigs = [sign_fast(m, domain, w["weth"].address, w["unit"].address, vol, ts) for m in members[:3]]
        wide.update(ts, [vol] * 3, sigs, sender=d)
        _reverts(
            lambda: sel.select(w["weth"], w["usdc"], False),
            "VolatilityOutOfBounds(uint256,uint256,uint256)",
            vol,
            VOL_MIN,
            VOL_MAX,
        )


def test_no_vol_and_another_underlying_are_refused_by_the_feed(w):
    sel = w["selector"]()
    _reverts(lambda: sel.select(w["weth"], w["usdc"], False), "NoPrice()")
    w["publish"]([WAD // 2] * 3)
    _reverts(lambda: sel.select(w["usdc"], w["weth"], False), "OracleUnsupportedPair(address,address)")


def test_misconfigured_deployments_are_refused(w):
    make = w["selector"]
    _reverts(lambda: make(feed=w["router"]), "InvalidConfig(string)", "vol feed")  # a price feed: no QUOTE marker
    _reverts(lambda: make(feed=w["feed"], unit=w["usdc"]), "InvalidConfig(string)", "vol feed")
    _reverts(lambda: make(grid=10**9 - 1), "InvalidConfig(string)", "grid")
    _reverts(lambda: make(call=0), "InvalidConfig(string)", "call delta")
    _reverts(lambda: make(put=WAD // 10), "InvalidConfig(string)", "put delta")
    _reverts(lambda: make(call_d1=PUT_D1), "InvalidConfig(string)", "call d1")  # N(+1.28) is 0.9, not 0.1
    _reverts(lambda: make(put_d1=CALL_D1), "InvalidConfig(string)", "put d1")
    _reverts(lambda: make(age=0), "InvalidConfig(string)", "max vol age")
    _reverts(lambda: make(rate=WAD + 1), "InvalidConfig(string)", "rate")
    assert make(call=WAD // 4, call_d1=d1_hint(0.25)).CALL_DELTA() == WAD // 4


# -- premium: the value the vault's auction reserve is taken from ------------------------------------------------

PREMIUM_TOLERANCE = 1e-9  # relative, above dust (the library's own price accuracy bound, tests/pricing)


def test_premium_is_the_black_scholes_value_in_the_collateral_asset(w, capsys):
    """Seeded cases over spots (1e-3 to 1e6 units), strikes (10% to 1000% of spot), vols (the whole domain), times
    to the vault's next expiry (1 to 8 days) and rates: `premium` is the mpmath call value divided by spot for a call
    and the put value for a put, rounded up, within 1e-9 relative (plus the one wei both roundings may differ by)
    where the price is above dust; below it, within dust. It is exactly the library's price, so divided and rounded
    up, read at the router's spot, the feed's vol and the time to `nextExpiry()`."""
    chain, d, weth, usdc, library = w["chain"], w["d"], w["weth"], w["usdc"], w["library"]
    rng = random.Random(18_3)
    checked = above_dust = 0
    worst = 0.0
    for _ in range(40):
        chain.warp(rng.randint(60, 3 * DAY))
        spot = int(10 ** rng.uniform(-3, 6) * WAD)
        vol = min(max(int(10 ** rng.uniform(-2, 0.69897) * WAD), VOL_MIN), VOL_MAX)
        rate = rng.choice((0, WAD // 20))
        w["spot"].set(spot, chain.timestamp, sender=d)
        w["publish"]([vol] * 3)
        sel = w["selector"](100 * ONE, rate)
        seconds = sel.nextExpiry() - chain.timestamp
        assert DAY <= seconds <= 8 * DAY
        for _ in range(8):
            strike = int(spot * 10 ** rng.uniform(-1, 1)) // 10**6 * 10**6 or 10**9
            library_call, library_put, _, _ = library.quote(spot, strike, seconds, vol, rate)
            exact = black_scholes(spot, strike, seconds, vol, rate)
            for is_put in (False, True):
                value = sel.premium(weth, usdc, strike, is_put)
                with mpmath.workdps(50):
                    price = exact.put if is_put else exact.call  # strike-asset units
                    per_option = price if is_put else price * WAD / spot  # collateral-asset units
                    expected = int(mpmath.ceil(per_option * WAD))
                    floor = mpmath.mpf(dust(spot)) if is_put else mpmath.mpf(dust(spot)) / spot * WAD
                    if price * WAD > dust(spot):
                        error = float(abs(value - expected) / (per_option * WAD))
                        worst = max(worst, error)
                        above_dust += 1
                        assert abs(value - expected) <= PREMIUM_TOLERANCE * per_option * WAD + 1, (
                            f"premium {value} vs {expected} ({'put' if is_put else 'call'} S={spot} K={strike}"
                            f" T={seconds} vol={vol} r={rate})"
                        )
                    else:
                        assert abs(value - expected) <= floor + 1, (value, expected, spot, strike, is_put)
                # Exactly the library's price at these inputs, a call's divided by spot and rounded up.
                assert value == (library_put if is_put else -(-library_call * WAD // spot))
                checked += 1
    with capsys.disabled():
        print(
            f"\nDeltaStrikeSelector.premium vs mpmath: {checked} values ({above_dust} above dust),"
            f" max relative error {worst:.2e}"
        )
    assert above_dust >= checked // 2  # the relative bound is what was mostly checked


def test_premium_reads_and_checks_its_inputs_as_select_does(w):
    chain, weth, usdc, sel = w["chain"], w["weth"], w["usdc"], w["selector"]()
    _reverts(lambda: sel.premium(weth, usdc, 3_300 * ONE, False), "NoPrice()")
    w["publish"]([WAD // 2] * 3)
    published = chain.timestamp
    call = sel.premium(weth, usdc, 3_300 * ONE, False)
    assert 0 < call < WAD // 10  # a 10% OTM weekly call at 50% vol: under 0.1 WETH per option
    chain.warp(MAX_VOL_AGE + 1)
    _reverts(
        lambda: sel.premium(weth, usdc, 3_300 * ONE, False), "VolatilityStale(uint256,uint256)", published, MAX_VOL_AGE
    )


# -- the vault on it -----------------------------------------------------------------------------------------------


DISCOUNT_BPS, AUCTION_DURATION, MIN_BID_BPS = 1_000, 3_600, 100


def test_the_vault_writes_the_selected_strike_and_rolls_without_options_on_a_stale_vol(w):
    chain, d, types = w["chain"], w["d"], w["types"]
    weth, usdc, engine = w["weth"], w["usdc"], w["engine"]
    sel = w["selector"]()
    auction = chain.deploy(types["BatchAuction"], 256, sender=d)
    vault = chain.deploy(
        types["ThetaVault"], weth, engine, weth, usdc, False, 10**30, sel, auction, d, "Strikeforge", "sfETH", sender=d
    )
    engine.grantRole(engine.SERIES_CREATOR_ROLE(), vault, sender=d)
    vault.grantRole(vault.KEEPER_ROLE(), d, sender=d)
    # The selector is the pricer too: the reserve is its Black-Scholes value of the series it picked, less 10%.
    vault.set_parameters(0, 0, d, sel, sel, DISCOUNT_BPS, AUCTION_DURATION, MIN_BID_BPS, sender=d)
    roll = getattr(vault, "roll(uint256)")
    for contract in (vault, engine):
        weth.approve(contract, 2**256 - 1, sender=d)
    weth.mint(d, 10_000 * ONE, sender=d)
    vault.requestDeposit(100 * ONE, d, d, sender=d)
    w["publish"]([WAD * 7 // 10] * 3)
    expected = sel.select(weth, usdc, False)
    value = sel.premium(weth, usdc, expected, False)
    roll(0, sender=d)
    series = engine.series(vault.current_series())  # (underlying, strike asset, expiry, put, settled, ..., strike, ..)
    assert series[7] == expected and series[2] == vault.current_expiry() == sel.nextExpiry()
    reserve = -(-value * (10_000 - DISCOUNT_BPS) // 10_000)  # WETH has 18 decimals: ceil(value * 90%)
    [started] = [e.args for e in chain.events() if e.name == "AuctionStarted"]
    assert (started["series"], started["options"], started["reserve"]) == (vault.current_series(), 100 * ONE, reserve)
    assert 0 < reserve < value
    auction_id = vault.current_auction()
    assert auction.auctionOf(auction_id)[6] == reserve  # (seller, end, bidCount, cash, minBidSize, supply, reserve, ..)
    # A stale vol a week later: the roll finishes the auction nobody finished and goes on, without options, and
    # says why.
    expiry, router = vault.current_expiry(), w["router"]
    chain.set_time(expiry + 60)
    w["spot"].set(3_000 * ONE, expiry, sender=d)
    router.record_expiry_price(weth, usdc, expiry, *router.expiry_hints(weth, usdc, expiry), sender=d)
    chain.warp(3_600)
    roll(auction.clearingPriceOf(auction_id), sender=d)
    events = chain.events()
    reasons = [e.args.get("reason") for e in events if e.name == "OptionsNotWritten"]
    assert reasons == ["strike selection failed"]
    assert [e.args["unsold"] for e in events if e.name == "AuctionFinished"] == [100 * ONE]  # no bids: all unsold
    assert (vault.current_series(), vault.current_auction(), vault.epoch()) == (0, 0, 3)
    assert vault.totalAssets() == 100 * ONE  # the unsold options redeemed: the collateral is back (out of the money)
