# pragma version ~=0.4.3
"""
@title PercentOtmStrikeSelector
@custom:contract-name PercentOtmStrikeSelector
@license MIT
@notice Picks the next strike for an options vault: the routed spot moved OTM_BPS out of the money (up for calls,
        down for puts) and rounded to STRIKE_GRID further out of the money. One of several possible selectors: the
        vault only needs `select(underlying, strike_asset, is_put) -> strike`.
@custom:invariants (1) A call strike is >= spot * (1 + OTM_BPS) and a put strike <= spot * (1 - OTM_BPS); both are
                       multiples of STRIKE_GRID (and a put strike is never 0: at least one grid step).
                   (2) Nothing changes after deployment.
"""

from ..interfaces import IPriceOracle

# @notice How far out of the money, in basis points of spot.
OTM_BPS: public(immutable(uint256))
# @notice Strikes are multiples of this (1e18-scaled price).
STRIKE_GRID: public(immutable(uint256))
# @notice The price source (the OracleRouter).
ORACLE: public(immutable(IPriceOracle))


@deploy
def __init__(oracle: IPriceOracle, otm_bps: uint256, strike_grid: uint256):
    """
    @param oracle The price source.
    @param otm_bps Distance out of the money in basis points (< 10_000).
    @param strike_grid Strike grid step, 1e18-scaled (> 0).
    """
    assert otm_bps < 10_000 and strike_grid > 0, "InvalidConfig"
    ORACLE = oracle
    OTM_BPS = otm_bps
    STRIKE_GRID = strike_grid


@external
@view
def select(underlying: address, strike_asset: address, is_put: bool) -> uint256:
    """
    @notice The strike for the next series.
    @param underlying The underlying.
    @param strike_asset The strike asset.
    @param is_put True for puts.
    @return The strike, 1e18-scaled.
    """
    spot: uint256 = (staticcall ORACLE.getPrice(underlying, strike_asset))[0]
    if is_put:
        target: uint256 = spot * (10_000 - OTM_BPS) // 10_000
        return max(target // STRIKE_GRID * STRIKE_GRID, STRIKE_GRID)
    target: uint256 = (spot * (10_000 + OTM_BPS) + 9_999) // 10_000
    return (target + STRIKE_GRID - 1) // STRIKE_GRID * STRIKE_GRID
