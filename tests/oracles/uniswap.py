"""Reference price math for the TWAP tests (the pool helpers live in strikeforge.uniswap_v3)."""

from __future__ import annotations

from decimal import Decimal, localcontext


def price_1e18(tick: int, base_is_token0: bool, base_decimals: int, quote_decimals: int) -> Decimal:
    """The exact 1e18-scaled price of one whole base in whole quote at `tick` (no rounding)."""
    with localcontext() as ctx:
        ctx.prec = 90
        raw = Decimal("1.0001") ** tick
        if not base_is_token0:
            raw = 1 / raw
        return raw * Decimal(10) ** (18 + base_decimals - quote_decimals)
