# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title OracleRouter
@custom:contract-name OracleRouter
@license MIT
@notice The protocol's one price entry point. Per pair (base, quote): a primary and an optional fallback source
        (IPriceOracle adapters), and a deviation bound between them; beyond the bound the router either answers with
        the fallback or halts, as configured. It also fixes option settlement prices from expiry evidence: after an
        expiry anyone records the price each source reported FOR that instant (IExpiryPriceOracle.priceAt, proven
        on-chain from a hint), never the current one; the disputer may switch it once, during DISPUTE_PERIOD, to
        another source's evidence for the same instant; then it is final.
@dev Routing, when both sources answer (a source "answers" when its getPrice neither reverts nor returns 0):
       |primary - fallback| <= fallback * max_deviation_bps / 10_000  -> primary
       beyond the bound, halt_on_deviation                               -> revert PriceDeviation
       beyond the bound, otherwise                                       -> fallback
     When one source answers it is used; when neither does, SourcesUnavailable. A route without a fallback returns
     the primary as is. Each adapter enforces its own staleness and bounds; the router only chooses between them.

     Expiry recording (anyone, once, block.timestamp > expiry). Evidence: for each configured source, priceAt(base,
     quote, expiry, hint) with the caller's hint (the keeper's, from expiry_hints: no search on-chain); if that fails,
     priceAt with the source's own expiryHint, computed here (staticcall; an expiryHint that reverts = no hint). A
     source "has no evidence" only if both fail to answer a non-zero price, so whether it has evidence never depends
     on the caller's hints; a call that may have run out of the caller's gas reverts EvidenceOutOfGas instead of
     counting as a failure. Evidence is "fresh" when |updatedAt - expiry| <= the route's max_expiry_lag. Then:
       both fresh       -> the routing rule above; in halt mode beyond the bound PriceDeviation until expiry +
                           STALL_PERIOD, from then on the fallback (the non-halt rule), so a halt never stalls
                           settlement forever and never lets a caller choose
       one fresh        -> it, only once block.timestamp >= expiry + SOURCE_GRACE when the route has a fallback
       none fresh       -> before expiry + STALL_PERIOD nothing (NoExpiryEvidence); from then on the sources' stale
                           evidence under the same rules (a halted market settles on its last round before expiry)
     A dispute (disputer only, before recorded_at + DISPUTE_PERIOD, at most once per expiry, the period is not
     extended) replaces the price with the named source's fresh evidence for the same expiry (from the disputer's
     hint), which must differ from the recorded price.

     Threat model (what each role and outsider can and cannot do to a settlement price):
     - First recorder (anyone, at any moment after expiry, any hints, any gas): chooses neither the moment nor the
       price. Each adapter's priceAt accepts only THE answer current at expiry, and the router finds each source's
       evidence itself when a hint fails, so a spoiled hint changes the gas paid, never the evidence: it cannot drop a
       source (before or after SOURCE_GRACE), turn "both fresh" into "one fresh" (the deviation rule and a halt apply
       whatever the hints) or "one fresh" into "none fresh" (no stale price while a fresh one exists), and cannot
       starve a search of gas (EvidenceOutOfGas). Calling a minute, a day or a week after expiry proves the same
       evidence; the only time-dependent steps are the documented SOURCE_GRACE and STALL_PERIOD thresholds.
     - Rogue disputer (the key, at any moment, any number of tries): can only replace a not-yet-final price, once,
       with another configured source's fresh evidence for that expiry. It cannot write a price no configured source
       reported for the expiry, cannot dispute twice, cannot extend the dispute period, cannot bring in stale
       evidence. Worst case it picks between the sources' answers at expiry (e.g. the primary's after a halt that
       settled on the fallback at STALL_PERIOD).
     - Stale feed: evidence older (or newer) than max_expiry_lag around expiry does not count while any source has
       fresh evidence, and before STALL_PERIOD not at all: nobody can choose between a stale and a fresh price.
     - Halted sources: one halted source -> the other's fresh evidence after SOURCE_GRACE; all halted (no fresh
       evidence) -> after STALL_PERIOD their last rounds at or before expiry (still each source's unique answer);
       a source that reverts entirely -> the others; none -> nothing is recorded (NoExpiryEvidence) until one answers.
     - Sources disagreeing in halt mode: nothing is recorded until STALL_PERIOD (the halt), then the fallback.
     - Halted L2 sequencer: the Chainlink adapter's getPrice checks the uptime feed; expiry evidence is historical, so
       a round frozen by an outage keeps its old updatedAt and max_expiry_lag refuses it as stale (until
       STALL_PERIOD, when no source is fresh).
     - Governance (owner: a timelock whose delay exceeds every depositor's exit, M-4): sets routes (sources, bound,
       halt, max_expiry_lag) and the disputer; never writes or changes a recorded price. A route change applies to
       later recordings and to disputes of prices not yet final.
     Trusted: each configured adapter's priceAt answers only its unique answer for the expiry, and its expiryHint
     finds the hint whenever one exists within the adapter's documented search bounds (a source whose valid hint lies
     beyond them can still be dropped by a spoiled hint); an adapter fails by reverting, not by consuming all the gas
     it is given (that reads as EvidenceOutOfGas and blocks recording until governance replaces it).

     Errors are ABI-encoded custom errors (Solidity-compatible selectors) raised with `raw_revert`:
       OracleUnsupportedPair(address,address), InvalidConfig(string), SourcesUnavailable(address,address),
       PriceDeviation(uint256,uint256,uint256), ExpiryNotReached(uint256), ExpiryPriceAlreadyRecorded(uint256),
       ExpiryPriceNotRecorded(uint256), ExpiryPriceNotFinal(uint256), DisputePeriodOver(uint256), NotDisputer(address),
       NoExpiryEvidence(address,address,uint256), SourceGracePeriod(uint256,uint256), AlreadyDisputed(uint256),
       InvalidEvidence(address), ExpiryLagExceeded(uint256,uint256,uint256), EvidenceMatchesRecord(uint256),
       EvidenceOutOfGas(address).
@custom:invariants (1) A returned primary price is within max_deviation_bps of the fallback's whenever both answer.
                   (2) In halt mode, no price is returned while both answer and disagree beyond the bound.
                   (3) An expiry price is recorded at most once, only after its expiry, and only as some configured
                       source's priceAt answer for that expiry; it changes afterwards at most once, only by the
                       disputer, only before recorded_at + DISPUTE_PERIOD, and only to another source's fresh priceAt
                       answer for the same expiry. expiry_price() answers only from recorded_at + DISPUTE_PERIOD on,
                       and from then on it never changes.
                   (4) The recorded price depends only on the sources' answers for the expiry (and the route), never
                       on the caller's hints or gas, nor on the moment of recording: at any moment a recording either
                       reverts or stores that one price (fresh answers when any exist; the routing rule when both
                       answer, a halt reverting only before STALL_PERIOD; a single answer only from SOURCE_GRACE on;
                       stale answers only from STALL_PERIOD on, when none is fresh).
                   (5) getQuote rounds down once in each direction.
"""

from ethereum.ercs import IERC20Detailed

from snekmate.auth import ownable
from snekmate.utils import math

from ..interfaces import IExpiryPriceOracle
from ..interfaces import IPriceOracle

implements: IPriceOracle

initializes: ownable

exports: (ownable.owner, ownable.transfer_ownership)


# @notice Basis points in one.
MAX_BPS: public(constant(uint256)) = 10_000
# @notice Longest expiry hint, in bytes.
MAX_HINT_BYTES: constant(uint256) = 256


struct Route:
    primary: address
    fallback_source: address
    max_deviation_bps: uint256
    halt_on_deviation: bool
    unit_ratio: uint256
    base_has_more_decimals: bool
    max_expiry_lag: uint256


struct ExpiryPrice:
    price: uint256
    recorded_at: uint256
    source: address
    disputed: bool


# @notice Seconds after recording during which the disputer may correct an expiry price.
DISPUTE_PERIOD: public(immutable(uint256))
# @notice Seconds after expiry before one source's evidence alone may be recorded (on a route with a fallback).
SOURCE_GRACE: public(immutable(uint256))
# @notice Seconds after expiry from which stale evidence counts when no source has fresh evidence.
STALL_PERIOD: public(immutable(uint256))

# @notice The route of each (base, quote) pair; primary == empty(address) for none.
routes: public(HashMap[address, HashMap[address, Route]])
# @notice The account allowed to correct expiry prices during their dispute period.
disputer: public(address)
# @notice Recorded expiry prices by base, quote and expiry timestamp.
expiry_prices: public(HashMap[address, HashMap[address, HashMap[uint256, ExpiryPrice]]])


event RouteSet:
    base: indexed(address)
    quote: indexed(address)
    primary: address
    fallback_source: address
    max_deviation_bps: uint256
    halt_on_deviation: bool
    max_expiry_lag: uint256


event DisputerSet:
    disputer: indexed(address)


event ExpiryPriceRecorded:
    base: indexed(address)
    quote: indexed(address)
    expiry: indexed(uint256)
    price: uint256
    source: address
    recorder: address
    updated_at: uint256


event ExpiryPriceDisputed:
    base: indexed(address)
    quote: indexed(address)
    expiry: indexed(uint256)
    old_price: uint256
    new_price: uint256
    source: address
    updated_at: uint256


@deploy
def __init__(
    dispute_period: uint256, source_grace: uint256, stall_period: uint256, disputer_: address, governance: address
):
    """
    @param dispute_period Seconds after recording during which an expiry price may be corrected (> 0).
    @param source_grace Seconds after expiry before one source's evidence alone may be recorded (> 0).
    @param stall_period Seconds after expiry from which stale evidence counts if no source is fresh (>= source_grace).
    @param disputer_ The account that may correct expiry prices.
    @param governance The owner: the only account that may set routes and the disputer (a timelock or Safe).
    """
    if dispute_period == 0:
        self._invalid_config("dispute_period")
    if source_grace == 0:
        self._invalid_config("source_grace")
    if stall_period < source_grace:
        self._invalid_config("stall_period")
    if disputer_ == empty(address):
        self._invalid_config("disputer")
    if governance == empty(address):
        self._invalid_config("governance")
    DISPUTE_PERIOD = dispute_period
    SOURCE_GRACE = source_grace
    STALL_PERIOD = stall_period
    self.disputer = disputer_
    ownable.__init__()
    ownable._transfer_ownership(governance)
    log DisputerSet(disputer=disputer_)


@external
def set_route(
    base: address,
    quote: address,
    primary: address,
    fallback_source: address,
    max_deviation_bps: uint256,
    halt_on_deviation: bool,
    max_expiry_lag: uint256,
):
    """
    @notice Sets (or replaces) the sources of `base` priced in `quote`. Owner (governance) only.
    @param base The asset priced (an ERC-20 with decimals <= 36).
    @param quote The asset the price is expressed in (an ERC-20 with decimals <= 36).
    @param primary The source used while it agrees with the fallback.
    @param fallback_source The check and backup source, or empty(address) for none.
    @param max_deviation_bps Largest accepted |primary - fallback| / fallback, in basis points (1..10_000).
    @param halt_on_deviation True to revert beyond the bound, false to answer with the fallback.
    @param max_expiry_lag Largest |updatedAt - expiry| of fresh expiry evidence, in seconds (> 0).
    """
    ownable._check_owner()
    if base == empty(address) or quote == empty(address) or base == quote:
        self._invalid_config("base/quote")
    if primary == empty(address) or primary == fallback_source:
        self._invalid_config("sources")
    if fallback_source != empty(address) and (max_deviation_bps == 0 or max_deviation_bps > MAX_BPS):
        self._invalid_config("max_deviation_bps")
    if max_expiry_lag == 0:
        self._invalid_config("max_expiry_lag")
    base_decimals: uint256 = convert(staticcall IERC20Detailed(base).decimals(), uint256)
    quote_decimals: uint256 = convert(staticcall IERC20Detailed(quote).decimals(), uint256)
    if base_decimals > 36 or quote_decimals > 36:
        self._invalid_config("asset decimals > 36")
    more: bool = base_decimals >= quote_decimals
    ratio: uint256 = 10**(base_decimals - quote_decimals) if more else 10**(quote_decimals - base_decimals)
    self.routes[base][quote] = Route(
        primary=primary,
        fallback_source=fallback_source,
        max_deviation_bps=max_deviation_bps,
        halt_on_deviation=halt_on_deviation,
        unit_ratio=ratio,
        base_has_more_decimals=more,
        max_expiry_lag=max_expiry_lag,
    )
    log RouteSet(
        base=base,
        quote=quote,
        primary=primary,
        fallback_source=fallback_source,
        max_deviation_bps=max_deviation_bps,
        halt_on_deviation=halt_on_deviation,
        max_expiry_lag=max_expiry_lag,
    )


@external
def set_disputer(new_disputer: address):
    """
    @notice Replaces the disputer. Owner (governance) only.
    @param new_disputer The new disputer (non-zero).
    """
    ownable._check_owner()
    if new_disputer == empty(address):
        self._invalid_config("disputer")
    self.disputer = new_disputer
    log DisputerSet(disputer=new_disputer)


@external
@view
def getPrice(base: address, quote: address) -> (uint256, uint256):
    """
    @notice The routed 1e18-scaled price of `base` in `quote` and its source's timestamp.
    @param base The asset priced.
    @param quote The asset the price is expressed in.
    @return The price and when its source updated it.
    """
    price: uint256 = 0
    updated_at: uint256 = 0
    source: address = empty(address)
    price, updated_at, source = self._route_price(base, quote)
    return price, updated_at


@external
@view
def routed_price(base: address, quote: address) -> (uint256, uint256, address):
    """
    @notice getPrice, plus which source answered.
    @param base The asset priced.
    @param quote The asset the price is expressed in.
    @return The price, its timestamp and the source it came from.
    """
    return self._route_price(base, quote)


@external
@view
def getQuote(inAmount: uint256, base: address, quote: address) -> uint256:
    """
    @notice The value of `inAmount` of `base` in `quote` (ERC-7726), rounded down; either direction of a route.
    @param inAmount Amount of `base`, in its smallest unit.
    @param base The asset given.
    @param quote The asset wanted.
    @return The value in `quote`'s smallest unit.
    """
    route: Route = self.routes[base][quote]
    if route.primary != empty(address):
        price: uint256 = self._route_price(base, quote)[0]
        if route.base_has_more_decimals:
            return math._mul_div(inAmount, price, 10**18 * route.unit_ratio, False)
        return math._mul_div(inAmount, price * route.unit_ratio, 10**18, False)
    route = self.routes[quote][base]
    if route.primary == empty(address):
        raw_revert(concat(method_id("OracleUnsupportedPair(address,address)"), abi_encode(base, quote)))
    price: uint256 = self._route_price(quote, base)[0]
    if route.base_has_more_decimals:
        return math._mul_div(inAmount, 10**18 * route.unit_ratio, price, False)
    return math._mul_div(inAmount, 10**18, price * route.unit_ratio, False)


@external
@view
def expiry_hints(base: address, quote: address, expiry: uint256) -> (Bytes[MAX_HINT_BYTES], Bytes[MAX_HINT_BYTES]):
    """
    @notice The primary's and the fallback's expiryHint for `expiry`, for record_expiry_price (call it with eth_call:
            the adapters search on-chain and may use a lot of gas). A source that cannot give one yields b"".
    @param base The asset priced.
    @param quote The asset the price is expressed in.
    @param expiry The expiry timestamp.
    @return The primary's hint and the fallback's hint.
    """
    route: Route = self.routes[base][quote]
    if route.primary == empty(address):
        raw_revert(concat(method_id("OracleUnsupportedPair(address,address)"), abi_encode(base, quote)))
    primary_hint: Bytes[MAX_HINT_BYTES] = b""
    fallback_hint: Bytes[MAX_HINT_BYTES] = b""
    found: bool = False
    found, primary_hint = self._hint(route.primary, base, quote, expiry)
    found, fallback_hint = self._hint(route.fallback_source, base, quote, expiry)
    return primary_hint, fallback_hint


@external
def record_expiry_price(
    base: address,
    quote: address,
    expiry: uint256,
    primary_hint: Bytes[MAX_HINT_BYTES],
    fallback_hint: Bytes[MAX_HINT_BYTES],
) -> uint256:
    """
    @notice Records the settlement price of `expiry` from the sources' evidence for that instant (see the header).
            Anyone, once, after expiry.
    @param base The asset priced.
    @param quote The asset the price is expressed in.
    @param expiry The expiry timestamp.
    @param primary_hint The primary's priceAt hint (from expiry_hints; if it fails, the router searches its own).
    @param fallback_hint The fallback's priceAt hint (likewise; ignored without a fallback).
    @return The recorded price.
    """
    if block.timestamp <= expiry:
        raw_revert(concat(method_id("ExpiryNotReached(uint256)"), abi_encode(expiry)))
    if self.expiry_prices[base][quote][expiry].recorded_at != 0:
        raw_revert(concat(method_id("ExpiryPriceAlreadyRecorded(uint256)"), abi_encode(expiry)))
    route: Route = self.routes[base][quote]
    if route.primary == empty(address):
        raw_revert(concat(method_id("OracleUnsupportedPair(address,address)"), abi_encode(base, quote)))
    p_ok: bool = False
    p_price: uint256 = 0
    p_at: uint256 = 0
    p_ok, p_price, p_at = self._evidence(route.primary, base, quote, expiry, primary_hint)
    if not p_ok:  # a failed hint: the router finds the primary's own (the keeper's valid hint never gets here)
        p_ok, p_price, p_at = self._own_evidence(route.primary, base, quote, expiry, primary_hint)
    f_ok: bool = False
    f_price: uint256 = 0
    f_at: uint256 = 0
    if route.fallback_source != empty(address):
        f_ok, f_price, f_at = self._evidence(route.fallback_source, base, quote, expiry, fallback_hint)
        if not f_ok:
            f_ok, f_price, f_at = self._own_evidence(route.fallback_source, base, quote, expiry, fallback_hint)
    p_fresh: bool = p_ok and self._fresh(p_at, expiry, route.max_expiry_lag)
    f_fresh: bool = f_ok and self._fresh(f_at, expiry, route.max_expiry_lag)
    if p_fresh or f_fresh:
        p_ok = p_fresh
        f_ok = f_fresh
    elif block.timestamp < expiry + STALL_PERIOD:
        p_ok = False
        f_ok = False
    price: uint256 = 0
    updated_at: uint256 = 0
    source: address = empty(address)
    if p_ok and f_ok:
        # A halt holds until expiry + STALL_PERIOD; from then on the routing rule settles on the fallback's evidence.
        halt: bool = route.halt_on_deviation and block.timestamp < expiry + STALL_PERIOD
        price, updated_at, source = self._choose(route, p_price, p_at, f_price, f_at, halt)
    elif p_ok or f_ok:
        if route.fallback_source != empty(address) and block.timestamp < expiry + SOURCE_GRACE:
            raw_revert(
                concat(method_id("SourceGracePeriod(uint256,uint256)"), abi_encode(expiry, expiry + SOURCE_GRACE))
            )
        if p_ok:
            price = p_price
            updated_at = p_at
            source = route.primary
        else:
            price = f_price
            updated_at = f_at
            source = route.fallback_source
    else:
        raw_revert(concat(method_id("NoExpiryEvidence(address,address,uint256)"), abi_encode(base, quote, expiry)))
    self.expiry_prices[base][quote][expiry] = ExpiryPrice(
        price=price, recorded_at=block.timestamp, source=source, disputed=False
    )
    log ExpiryPriceRecorded(
        base=base, quote=quote, expiry=expiry, price=price, source=source, recorder=msg.sender, updated_at=updated_at
    )
    return price


@external
def dispute_expiry_price(
    base: address, quote: address, expiry: uint256, use_fallback: bool, hint: Bytes[MAX_HINT_BYTES]
):
    """
    @notice Replaces a recorded, not yet final expiry price with a configured source's fresh evidence for the same
            expiry. Disputer only; at most once per expiry; the dispute period is not extended.
    @param base The asset priced.
    @param quote The asset the price is expressed in.
    @param expiry The expiry timestamp.
    @param use_fallback True for the route's fallback source's evidence, false for the primary's.
    @param hint That source's priceAt hint (its expiryHint).
    """
    if msg.sender != self.disputer:
        raw_revert(concat(method_id("NotDisputer(address)"), abi_encode(msg.sender)))
    record: ExpiryPrice = self.expiry_prices[base][quote][expiry]
    if record.recorded_at == 0:
        raw_revert(concat(method_id("ExpiryPriceNotRecorded(uint256)"), abi_encode(expiry)))
    if block.timestamp >= record.recorded_at + DISPUTE_PERIOD:
        raw_revert(concat(method_id("DisputePeriodOver(uint256)"), abi_encode(expiry)))
    if record.disputed:
        raw_revert(concat(method_id("AlreadyDisputed(uint256)"), abi_encode(expiry)))
    route: Route = self.routes[base][quote]
    source: address = route.fallback_source if use_fallback else route.primary
    ok: bool = False
    price: uint256 = 0
    updated_at: uint256 = 0
    ok, price, updated_at = self._evidence(source, base, quote, expiry, hint)
    if not ok:
        raw_revert(concat(method_id("InvalidEvidence(address)"), abi_encode(source)))
    if not self._fresh(updated_at, expiry, route.max_expiry_lag):
        raw_revert(
            concat(
                method_id("ExpiryLagExceeded(uint256,uint256,uint256)"),
                abi_encode(updated_at, expiry, route.max_expiry_lag),
            )
        )
    if price == record.price:
        raw_revert(concat(method_id("EvidenceMatchesRecord(uint256)"), abi_encode(price)))
    self.expiry_prices[base][quote][expiry] = ExpiryPrice(
        price=price, recorded_at=record.recorded_at, source=source, disputed=True
    )
    log ExpiryPriceDisputed(
        base=base,
        quote=quote,
        expiry=expiry,
        old_price=record.price,
        new_price=price,
        source=source,
        updated_at=updated_at,
    )


@external
@view
def expiry_price(base: address, quote: address, expiry: uint256) -> uint256:
    """
    @notice The final settlement price of `expiry`; reverts until it is recorded and its dispute period is over.
    @param base The asset priced.
    @param quote The asset the price is expressed in.
    @param expiry The expiry timestamp.
    @return The final 1e18-scaled price.
    """
    record: ExpiryPrice = self.expiry_prices[base][quote][expiry]
    if record.recorded_at == 0:
        raw_revert(concat(method_id("ExpiryPriceNotRecorded(uint256)"), abi_encode(expiry)))
    if block.timestamp < record.recorded_at + DISPUTE_PERIOD:
        raw_revert(concat(method_id("ExpiryPriceNotFinal(uint256)"), abi_encode(expiry)))
    return record.price


@external
@view
def is_expiry_price_final(base: address, quote: address, expiry: uint256) -> bool:
    """
    @notice Whether `expiry`'s price is recorded and past its dispute period.
    @param base The asset priced.
    @param quote The asset the price is expressed in.
    @param expiry The expiry timestamp.
    @return True once expiry_price() answers.
    """
    recorded_at: uint256 = self.expiry_prices[base][quote][expiry].recorded_at
    return recorded_at != 0 and block.timestamp >= recorded_at + DISPUTE_PERIOD


@internal
@view
def _route_price(base: address, quote: address) -> (uint256, uint256, address):
    route: Route = self.routes[base][quote]
    if route.primary == empty(address):
        raw_revert(concat(method_id("OracleUnsupportedPair(address,address)"), abi_encode(base, quote)))
    primary_ok: bool = False
    primary_price: uint256 = 0
    primary_at: uint256 = 0
    primary_ok, primary_price, primary_at = self._try_price(route.primary, base, quote)
    if route.fallback_source == empty(address):
        if not primary_ok:
            raw_revert(concat(method_id("SourcesUnavailable(address,address)"), abi_encode(base, quote)))
        return primary_price, primary_at, route.primary
    fallback_ok: bool = False
    fallback_price: uint256 = 0
    fallback_at: uint256 = 0
    fallback_ok, fallback_price, fallback_at = self._try_price(route.fallback_source, base, quote)
    if primary_ok and fallback_ok:
        return self._choose(route, primary_price, primary_at, fallback_price, fallback_at, route.halt_on_deviation)
    if primary_ok:
        return primary_price, primary_at, route.primary
    if fallback_ok:
        return fallback_price, fallback_at, route.fallback_source
    raw_revert(concat(method_id("SourcesUnavailable(address,address)"), abi_encode(base, quote)))


@internal
@pure
def _choose(
    route: Route,
    primary_price: uint256,
    primary_at: uint256,
    fallback_price: uint256,
    fallback_at: uint256,
    halt: bool,
) -> (uint256, uint256, address):
    """
    @dev Both sources answered: the primary within the bound, else revert (`halt`) or the fallback.
    """
    difference: uint256 = max(primary_price, fallback_price) - min(primary_price, fallback_price)
    # difference <= floor(fallback * bps / 10_000)  <=>  difference * 10_000 <= fallback * bps (integers).
    if difference <= math._mul_div(fallback_price, route.max_deviation_bps, MAX_BPS, False):
        return primary_price, primary_at, route.primary
    if halt:
        raw_revert(
            concat(
                method_id("PriceDeviation(uint256,uint256,uint256)"),
                abi_encode(primary_price, fallback_price, route.max_deviation_bps),
            )
        )
    return fallback_price, fallback_at, route.fallback_source


@internal
@pure
def _fresh(updated_at: uint256, expiry: uint256, max_lag: uint256) -> bool:
    """
    @dev Whether evidence dated `updated_at` lies within `max_lag` seconds of `expiry`, on either side.
    """
    return max(updated_at, expiry) - min(updated_at, expiry) <= max_lag


@internal
@view
def _evidence(
    source: address, base: address, quote: address, expiry: uint256, hint: Bytes[MAX_HINT_BYTES]
) -> (bool, uint256, uint256):
    """
    @dev priceAt on `source`: (false, 0, 0) if there is no source, or it reverts, answers malformed data, or 0. Reverts
         EvidenceOutOfGas if the call may have failed for lack of gas (see _check_gas).
    """
    if source == empty(address):
        return False, 0, 0
    gas_before: uint256 = msg.gas
    success: bool = False
    response: Bytes[64] = b""
    success, response = raw_call(
        source,
        abi_encode(base, quote, expiry, hint, method_id=method_id("priceAt(address,address,uint256,bytes)")),
        max_outsize=64,
        is_static_call=True,
        revert_on_failure=False,
    )
    if not success:
        self._check_gas(source, gas_before)
        return False, 0, 0
    if len(response) != 64:
        return False, 0, 0
    price: uint256 = extract32(response, 0, output_type=uint256)
    if price == 0:
        return False, 0, 0
    return True, price, extract32(response, 32, output_type=uint256)


@internal
@view
def _own_evidence(
    source: address, base: address, quote: address, expiry: uint256, failed_hint: Bytes[MAX_HINT_BYTES]
) -> (bool, uint256, uint256):
    """
    @dev Called when priceAt(`failed_hint`) gave no evidence: priceAt of the source's own expiryHint, found here
         on-chain (an expiryHint that reverts means no hint). (false, 0, 0) only if that fails too, so that a source's
         evidence never depends on the caller's hint: since each adapter's priceAt accepts only THE answer for the
         expiry, a spoiled hint can neither drop a source nor pick another answer. The keeper's valid hint never
         comes here (no search on its path).
    """
    found: bool = False
    own: Bytes[MAX_HINT_BYTES] = b""
    found, own = self._hint(source, base, quote, expiry)
    if not found or own == failed_hint:
        return False, 0, 0
    return self._evidence(source, base, quote, expiry, own)


@internal
@view
def _hint(source: address, base: address, quote: address, expiry: uint256) -> (bool, Bytes[MAX_HINT_BYTES]):
    """
    @dev expiryHint on `source`: (false, b"") if there is no source, or it reverts or answers a malformed or longer than
         MAX_HINT_BYTES hint; else (true, the hint), which may be b"" (sources that need none). Reverts
         EvidenceOutOfGas if the call may have failed for lack of gas (see _check_gas).
    """
    if source == empty(address):
        return False, b""
    gas_before: uint256 = msg.gas
    success: bool = False
    response: Bytes[64 + MAX_HINT_BYTES] = b""
    success, response = raw_call(
        source,
        abi_encode(base, quote, expiry, method_id=method_id("expiryHint(address,address,uint256)")),
        max_outsize=64 + MAX_HINT_BYTES,
        is_static_call=True,
        revert_on_failure=False,
    )
    if not success:
        self._check_gas(source, gas_before)
        return False, b""
    if len(response) < 64:
        return False, b""
    length: uint256 = extract32(response, 32, output_type=uint256)
    if extract32(response, 0, output_type=uint256) != 32 or length > MAX_HINT_BYTES or 64 + length > len(response):
        return False, b""
    return True, abi_decode(response, Bytes[MAX_HINT_BYTES])


@internal
@view
def _check_gas(source: address, gas_before: uint256):
    """
    @dev After a failed call to `source` made with `gas_before` gas left: a call forwards at most 63/64 of the gas, so
         if at most gas_before / 63 is left, the call may have run out of the gas the caller chose to give (EIP-150).
         Such a failure is not the source's answer: revert, so that no caller can drop a source's evidence (or hint
         search) by starving it while the 1/64 kept back finishes the recording.
    """
    if msg.gas <= gas_before // 63:
        raw_revert(concat(method_id("EvidenceOutOfGas(address)"), abi_encode(source)))


@internal
@view
def _try_price(source: address, base: address, quote: address) -> (bool, uint256, uint256):
    """
    @dev getPrice on `source`, without reverting: (false, 0, 0) if it reverts, answers malformed data, or 0.
    """
    success: bool = False
    response: Bytes[64] = b""
    success, response = raw_call(
        source,
        abi_encode(base, quote, method_id=method_id("getPrice(address,address)")),
        max_outsize=64,
        is_static_call=True,
        revert_on_failure=False,
    )
    if not success or len(response) != 64:
        return False, 0, 0
    price: uint256 = extract32(response, 0, output_type=uint256)
    updated_at: uint256 = extract32(response, 32, output_type=uint256)
    if price == 0:
        return False, 0, 0
    return True, price, updated_at


@internal
@pure
def _invalid_config(reason: String[32]):
    raw_revert(concat(method_id("InvalidConfig(string)"), abi_encode(reason)))
