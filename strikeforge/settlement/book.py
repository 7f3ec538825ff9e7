"""Price-time priority order books, one per series. In memory and deterministic; the store makes them durable.

A taker matches the best-priced resting orders on the other side first and, at one price, the oldest first. Each fill
is at the resting (maker) order's price, so a taker never pays more than its limit nor a maker less than its own. An
order rests with what it did not fill. Self-trades are prevented by cancelling the resting order of the same account
(what most venues call cancel-oldest): netting cannot express a trade of an account with itself.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field


@dataclass
class Resting:
    """An order on the book: its id, arrival sequence and what is left of it."""

    id: int
    seq: int
    account: str
    series: int
    buy: bool
    price: int
    remaining: int
    expiry: int


@dataclass(frozen=True)
class Fill:
    """`size` of `series` traded between a resting (maker) and an incoming (taker) order at the maker's price."""

    series: int
    maker: int
    taker: int
    buyer: str
    seller: str
    size: int
    price: int


@dataclass
class Match:
    """What submitting one order did: its fills, the resting orders it cancelled (self-trade) and what rests."""

    fills: list[Fill] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    rests: int = 0


class Book:
    """One series' bids and asks."""

    def __init__(self, series: int) -> None:
        self.series = series
        self._bids: list[tuple[int, int, int]] = []  # (-price, seq, id)
        self._asks: list[tuple[int, int, int]] = []  # (price, seq, id)
        self.orders: dict[int, Resting] = {}

    def add(self, order: Resting) -> None:
        """Rests `order` as it is (no matching): for orders restored from the store."""
        self.orders[order.id] = order
        heap = self._bids if order.buy else self._asks
        heapq.heappush(heap, (-order.price if order.buy else order.price, order.seq, order.id))

    def remove(self, order_id: int) -> Resting | None:
        """Takes an order off the book (lazily: its heap entry is skipped when it surfaces)."""
        return self.orders.pop(order_id, None)

    def best(self, buy: bool) -> Resting | None:
        """The best order on one side (expired ones included: the caller removes them), dropping cancelled entries."""
        heap = self._bids if buy else self._asks
        while heap:
            order = self.orders.get(heap[0][2])
            if order is None:
                heapq.heappop(heap)
                continue
            return order
        return None

    def submit(self, taker: Resting, now: int) -> Match:
        """Matches `taker` against the other side, then rests what is left. `now` decides expiry."""
        match = Match()
        while taker.remaining > 0:
            maker = self.best(not taker.buy)
            if maker is None:
                break
            if maker.expiry < now:
                self.remove(maker.id)
                match.expired.append(maker.id)
                continue
            crosses = maker.price <= taker.price if taker.buy else maker.price >= taker.price
            if not crosses:
                break
            if maker.account == taker.account:
                self.remove(maker.id)
                match.cancelled.append(maker.id)
                continue
            size = min(maker.remaining, taker.remaining)
            buyer, seller = (taker.account, maker.account) if taker.buy else (maker.account, taker.account)
            match.fills.append(Fill(self.series, maker.id, taker.id, buyer, seller, size, maker.price))
            maker.remaining -= size
            taker.remaining -= size
            if maker.remaining == 0:
                self.remove(maker.id)
        if taker.remaining > 0:
            self.add(taker)
            match.rests = taker.remaining
        return match

    def depth(self, buy: bool) -> list[tuple[int, int]]:
        """Price levels on one side, best first: (price, total remaining)."""
        levels: dict[int, int] = {}
        for order in self.orders.values():
            if order.buy == buy:
                levels[order.price] = levels.get(order.price, 0) + order.remaining
        return sorted(levels.items(), reverse=buy)
