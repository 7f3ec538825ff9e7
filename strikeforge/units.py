"""Token amounts: integers on-chain, Decimal for display. Never floats."""

from __future__ import annotations

from decimal import Decimal, localcontext


def to_decimal(amount: int, decimals: int) -> Decimal:
    """An integer amount in a token's smallest unit as an exact Decimal of whole tokens."""
    if decimals < 0:
        raise ValueError(f"decimals must be >= 0 (got {decimals})")
    with localcontext() as ctx:
        ctx.prec = 100
        return Decimal(amount).scaleb(-decimals)


def format_units(amount: int, decimals: int, places: int = 2) -> str:
    """Whole tokens with thousands separators, truncated (never rounded up) to ``places`` decimal places."""
    value = to_decimal(amount, decimals)
    quantum = Decimal(1).scaleb(-places)
    with localcontext() as ctx:
        ctx.prec = 100
        truncated = value.quantize(quantum, rounding="ROUND_DOWN")
    return f"{truncated:,.{places}f}"
