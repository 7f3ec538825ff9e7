"""A brute-force Python clearing of a BatchAuction, written independently of the contract's hint check: sort the bids
by price, walk the demand level by level, fill and price each bid."""

from __future__ import annotations

from dataclasses import dataclass

SCALE = 10**18


def ceil_div(x: int, d: int = SCALE) -> int:
    return -(-x // d)


def escrow(size: int, limit: int) -> int:
    return ceil_div(size * limit)


@dataclass(frozen=True)
class Clearing:
    price: int
    fills: list[int]  # per bid, in bid order
    payments: list[int]
    refunds: list[int]

    @property
    def sold(self) -> int:
        return sum(self.fills)

    @property
    def proceeds(self) -> int:
        return sum(self.payments)


def clear(supply: int, reserve: int, bids: list[tuple[int, int]]) -> Clearing:
    """bids: (size, limit) in bid order, every limit >= reserve. The price is the highest limit at which the demand
    of all bids at or above it covers the supply, else the reserve; bids above fill in full, bids at it share the
    rest pro rata (rounded down), payments round up."""
    price = reserve
    cumulative = 0
    for level in sorted({limit for _, limit in bids}, reverse=True):
        cumulative += sum(size for size, limit in bids if limit == level)
        if cumulative >= supply:
            price = level
            break
    above = sum(size for size, limit in bids if limit > price)
    tied = sum(size for size, limit in bids if limit == price)
    rest = supply - above
    assert rest > 0 or not bids
    fills = []
    for size, limit in bids:
        if limit > price:
            fills.append(size)
        elif limit == price:
            fills.append(size if tied <= rest else size * rest // tied)
        else:
            fills.append(0)
    payments = [ceil_div(f * price) for f in fills]
    refunds = [escrow(size, limit) - paid for (size, limit), paid in zip(bids, payments, strict=True)]
    return Clearing(price, fills, payments, refunds)
