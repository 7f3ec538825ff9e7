# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title OracleRouter
@custom:contract-name OracleRouter
@license MIT
@notice The protocol's one price entry point. Per pair (base, quote): a primary and an optional fallback source
        (IPriceOracle adapters), and a deviation bound between them; beyond the bound the router either answers with
        the fallback or halts, as configured. It also fixes option settlement prices: after an expiry anyone records
        the routed price once; during DISPUTE_PERIOD the designated disputer may correct it; then it is final.
@dev Routing, when both sources answer (a source "answers" when its getPrice neither reverts nor returns 0):
       |primary - fallback| <= fallback * max_deviation_bps / 10_000  -> primary
       beyond the bound, halt_on_deviation                               -> revert PriceDeviation
       beyond the bound, otherwise                                       -> fallback
     When one source answers it is used; when neither does, SourcesUnavailable. A route without a fallback returns
     the primary as is. Each adapter enforces its own staleness and bounds; the router only chooses between them.
     Configuration changes go through the owner (governance: a timelock or Safe) and never touch recorded expiry
     prices. Errors are ABI-encoded custom errors (Solidity-compatible selectors) raised with `raw_revert`:
       UnsupportedPair(address,address), InvalidConfig(string), SourcesUnavailable(address,address),
       PriceDeviation(uint256,uint256,uint256), ExpiryNotReached(uint256), ExpiryPriceAlreadyRecorded(uint256),
       ExpiryPriceNotRecorded(uint256), ExpiryPriceNotFinal(uint256), DisputePeriodOver(uint256), NotDisputer(address).
@custom:invariants (1) A returned primary price is within max_deviation_bps of the fallback's whenever both answer.
                   (2) In halt mode, no price is returned while both answer and disagree beyond the bound.
                   (3) An expiry price is recorded at most once, only at or after its expiry; it changes afterwards
                       only by the disputer and only before recorded_at + DISPUTE_PERIOD; expiry_price() returns
                       it only from then on, and from then on it never changes.
                   (4) getQuote rounds down once in each direction.
"""

from ethereum.ercs import IERC20Detailed

from snekmate.auth import ownable
from snekmate.utils import math

from ..interfaces import IPriceOracle

implements: IPriceOracle

initializes: ownable

exports: (ownable.owner, ownable.transfer_ownership)


# @notice Basis points in one.
MAX_BPS: public(constant(uint256)) = 10_000


struct Route:
    primary: address
    fallback_source: address
    max_deviation_bps: uint256
    halt_on_deviation: bool
    unit_ratio: uint256
    base_has_more_decimals: bool


struct ExpiryPrice:
    price: uint256
    recorded_at: uint256
    source: address


# @notice Seconds after recording during which the disputer may correct an expiry price.
DISPUTE_PERIOD: public(immutable(uint256))

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


event DisputerSet:
    disputer: indexed(address)


event ExpiryPriceRecorded:
    base: indexed(address)
    quote: indexed(address)
    expiry: indexed(uint256)
    price: uint256
    source: address
    recorder: address


event ExpiryPriceDisputed:
    base: indexed(address)
    quote: indexed(address)
    expiry: indexed(uint256)
    old_price: uint256
    new_price: uint256


@deploy
def __init__(dispute_period: uint256, disputer_: address, governance: address):
    """
    @param dispute_period Seconds after recording during which an expiry price may be corrected (> 0).
    @param disputer_ The account that may correct expiry prices.
    @param governance The owner: the only account that may set routes and the disputer (a timelock or Safe).
    """
    if dispute_period == 0:
        self._invalid_config("dispute_period")
    if disputer_ == empty(address):
        self._invalid_config("disputer")
    if governance == empty(address):
        self._invalid_config("governance")
    DISPUTE_PERIOD = dispute_period
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
):
    """
    @notice Sets (or replaces) the sources of `base` priced in `quote`. Owner (governance) only.
    @param base The asset priced (an ERC-20 with decimals <= 36).
    @param quote The asset the price is expressed in (an ERC-20 with decimals <= 36).
    @param primary The source used while it agrees with the fallback.
    @param fallback_source The check and backup source, or empty(address) for none.
    @param max_deviation_bps Largest accepted |primary - fallback| / fallback, in basis points (1..10_000).
    @param halt_on_deviation True to revert beyond the bound, false to answer with the fallback.
    """
    ownable._check_owner()
    if base == empty(address) or quote == empty(address) or base == quote:
        self._invalid_config("base/quote")
    if primary == empty(address) or primary == fallback_source:
        self._invalid_config("sources")
    if fallback_source != empty(address) and (max_deviation_bps == 0 or max_deviation_bps > MAX_BPS):
        self._invalid_config("max_deviation_bps")
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
    )
    log RouteSet(
        base=base,
        quote=quote,
        primary=primary,
        fallback_source=fallback_source,
        max_deviation_bps=max_deviation_bps,
        halt_on_deviation=halt_on_deviation,
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
        raw_revert(concat(method_id("UnsupportedPair(address,address)"), abi_encode(base, quote)))
    price: uint256 = self._route_price(quote, base)[0]
    if route.base_has_more_decimals:
        return math._mul_div(inAmount, 10**18 * route.unit_ratio, price, False)
    return math._mul_div(inAmount, 10**18, price * route.unit_ratio, False)


@external
def record_expiry_price(base: address, quote: address, expiry: uint256) -> uint256:
    """
    @notice Records the routed price as the settlement price of `expiry`. Anyone, once, at or after expiry.
    @param base The asset priced.
    @param quote The asset the price is expressed in.
    @param expiry The expiry timestamp.
    @return The recorded price.
    """
    if block.timestamp < expiry:
        raw_revert(concat(method_id("ExpiryNotReached(uint256)"), abi_encode(expiry)))
    if self.expiry_prices[base][quote][expiry].recorded_at != 0:
        raw_revert(concat(method_id("ExpiryPriceAlreadyRecorded(uint256)"), abi_encode(expiry)))
    price: uint256 = 0
    updated_at: uint256 = 0
    source: address = empty(address)
    price, updated_at, source = self._route_price(base, quote)
    self.expiry_prices[base][quote][expiry] = ExpiryPrice(price=price, recorded_at=block.timestamp, source=source)
    log ExpiryPriceRecorded(base=base, quote=quote, expiry=expiry, price=price, source=source, recorder=msg.sender)
    return price


@external
def dispute_expiry_price(base: address, quote: address, expiry: uint256, corrected_price: uint256):
    """
    @notice Corrects a recorded expiry price during its dispute period. Disputer only.
    @param base The asset priced.
    @param quote The asset the price is expressed in.
    @param expiry The expiry timestamp.
    @param corrected_price The right 1e18-scaled settlement price (> 0).
    """
    if msg.sender != self.disputer:
        raw_revert(concat(method_id("NotDisputer(address)"), abi_encode(msg.sender)))
    record: ExpiryPrice = self.expiry_prices[base][quote][expiry]
    if record.recorded_at == 0:
        raw_revert(concat(method_id("ExpiryPriceNotRecorded(uint256)"), abi_encode(expiry)))
    if block.timestamp >= record.recorded_at + DISPUTE_PERIOD:
        raw_revert(concat(method_id("DisputePeriodOver(uint256)"), abi_encode(expiry)))
    if corrected_price == 0:
        self._invalid_config("corrected_price")
    self.expiry_prices[base][quote][expiry].price = corrected_price
    self.expiry_prices[base][quote][expiry].source = msg.sender
    log ExpiryPriceDisputed(base=base, quote=quote, expiry=expiry, old_price=record.price, new_price=corrected_price)


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
        raw_revert(concat(method_id("UnsupportedPair(address,address)"), abi_encode(base, quote)))
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
        difference: uint256 = max(primary_price, fallback_price) - min(primary_price, fallback_price)
        # difference <= floor(fallback * bps / 10_000)  <=>  difference * 10_000 <= fallback * bps (integers).
        if difference <= math._mul_div(fallback_price, route.max_deviation_bps, MAX_BPS, False):
            return primary_price, primary_at, route.primary
        if route.halt_on_deviation:
            raw_revert(
                concat(
                    method_id("PriceDeviation(uint256,uint256,uint256)"),
                    abi_encode(primary_price, fallback_price, route.max_deviation_bps),
                )
            )
        return fallback_price, fallback_at, route.fallback_source
    if primary_ok:
        return primary_price, primary_at, route.primary
    if fallback_ok:
        return fallback_price, fallback_at, route.fallback_source
    raw_revert(concat(method_id("SourcesUnavailable(address,address)"), abi_encode(base, quote)))


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
