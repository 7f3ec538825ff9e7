"""Netting a batch of matched trades into one leaf per account: cash and position deltas that sum to zero."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from strikeforge.settlement.tree import SERIES_PER_BATCH, Leaf

WAD = 10**18


@dataclass(frozen=True)
class Trade:
    """`size` options (1e18 = one) of `series` (its index in the batch) bought by `buyer` from `seller` at `price`
    (cash units per 1e18 options). The premium, size * price / 1e18 rounded down, moves from buyer to seller."""

    series: int
    buyer: str
    seller: str
    size: int
    price: int

    def __post_init__(self) -> None:
        if not 0 <= self.series < SERIES_PER_BATCH:
            raise ValueError(f"series index {self.series} outside 0..{SERIES_PER_BATCH - 1}")
        if self.size <= 0 or self.price < 0:
            raise ValueError(f"size must be > 0 and price >= 0 (got {self.size}, {self.price})")
        if self.buyer.lower() == self.seller.lower():
            raise ValueError(f"self-trade by {self.buyer}")

    @property
    def premium(self) -> int:
        return self.size * self.price // WAD


def net(batch: int, trades: list[Trade]) -> list[Leaf]:
    """One unsigned leaf per account with non-zero deltas, in account order (deterministic)."""
    cash: dict[str, int] = defaultdict(int)
    positions: dict[str, list[int]] = defaultdict(lambda: [0] * SERIES_PER_BATCH)
    for trade in trades:
        buyer, seller = trade.buyer.lower(), trade.seller.lower()
        premium = trade.premium
        cash[buyer] -= premium
        cash[seller] += premium
        positions[buyer][trade.series] += trade.size
        positions[seller][trade.series] -= trade.size
    leaves = []
    for account in sorted(set(cash) | set(positions)):
        deltas = tuple(positions[account])
        if cash[account] == 0 and not any(deltas):
            continue
        leaves.append(Leaf(batch, account, cash[account], deltas))
    return leaves
