"""The auction world: BatchAuction with a book of 4 bids (bench/forge/bugs/AuctionBugs.t.sol is its Solidity twin).

The deployer sells 18-decimal option tokens for 6-decimal cash, one auction at a time (the handlers act on the
latest), each bidding for one hour: supply 1-100 tokens, reserve 1-1,000 cash a token, bids of a tenth of the supply
up to all of it at one to four times the reserve. Handlers: create, bid, settle at a candidate price (the reserve or a
bid's limit), a bidder's claim, the seller's claim, warp (0-12 steps of 10 min). Invariants: the contract holds
exactly what it owes in both tokens (computed here from the rules), and a settled auction cleared at the brute-force
price.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .harness import FUNDS, BugMachine, bound, bug_handler, bug_invariant, ceil_div, deploy_time

TARGET = ("contracts/auction/BatchAuction.sol", "BatchAuction")
SCAFFOLD = (("contracts/mocks/MockERC20.sol", "MockERC20"),)
FORGE_CONTRACT = "AuctionBugs"

MAX_BIDS = 4
PRICE_SCALE = 10**18


@dataclass
class Bid:
    bidder: object
    size: int
    limit: int
    claimed: bool = False


@dataclass
class Auction:
    supply: int
    reserve: int
    min_bid: int
    bids: list[Bid] = field(default_factory=list)
    settled: bool = False
    seller_claimed: bool = False


def ceil_price(x: int) -> int:
    return ceil_div(x, PRICE_SCALE)


def clearing(g: Auction) -> int:
    """The brute-force clearing price: the highest limit whose demand at or above it covers the supply, else the
    reserve."""
    price = g.reserve
    for b in g.bids:
        q = b.limit
        if q <= price:
            continue
        if sum(o.size for o in g.bids if o.limit >= q) >= g.supply:
            price = q
    return price


def expected(auctions: list[Auction]) -> tuple[int, int]:
    """What the contract must hold in cash and in sold tokens, by the rules."""
    cash = sold = 0
    for g in auctions:
        if not g.settled:
            sold += g.supply
            cash += sum(ceil_price(b.size * b.limit) for b in g.bids)
            continue
        p = clearing(g)
        above = sum(b.size for b in g.bids if b.limit > p)
        tied = sum(b.size for b in g.bids if b.limit == p)
        remaining = g.supply - above
        filled = paid = 0
        for b in g.bids:
            if b.limit > p:
                f = b.size
            elif b.limit < p:
                f = 0
            else:
                f = b.size if tied <= remaining else b.size * remaining // tied
            pay = ceil_price(f * p)
            filled += f
            paid += pay
            if not b.claimed:
                sold += f
                cash += ceil_price(b.size * b.limit) - pay
        if not g.seller_claimed:
            sold += g.supply - filled
            cash += paid
    return cash, sold


def machine(types: dict) -> type[BugMachine]:
    class AuctionWorld(BugMachine):
        @classmethod
        def deploy(cls, chain, actors):
            deploy_time(chain)
            d = actors["deployer"]
            sold = chain.deploy(types["MockERC20"], "Option", "OPT", 18, sender=d)
            cash = chain.deploy(types["MockERC20"], "USD Coin", "USDC", 6, sender=d)
            auction = chain.deploy(types["BatchAuction"], MAX_BIDS, sender=d)
            sold.mint(d, FUNDS, sender=d)
            for label in cls.ACTORS:
                cash.mint(actors[label], FUNDS, sender=d)
            sold.approve(auction, 2**256 - 1, sender=d)
            for label in cls.ACTORS:
                cash.approve(auction, 2**256 - 1, sender=actors[label])
            return {"sold": sold, "cash": cash, "auction": auction}

        def __init__(self) -> None:
            super().__init__()
            self.auctions: list[Auction] = []  # auction id i + 1

        @bug_handler(256, 256)
        def create(self, raw_supply: int, raw_reserve: int) -> None:
            supply = bound(raw_supply, 10**18, 100 * 10**18)
            reserve = bound(raw_reserve, 10**6, 1000 * 10**6)
            c = self.c
            end = self.chain.timestamp + 3600
            made = self.send(
                c.auction.createAuction, c.sold, c.cash, supply, reserve, supply // 10, end, sender=self.deployer
            )
            if made is not None:
                assert made == len(self.auctions) + 1
                self.auctions.append(Auction(supply, reserve, supply // 10))

        @bug_handler(256, 256, 256)
        def bid(self, seed: int, raw_size: int, raw_limit: int) -> None:
            if not self.auctions:
                return
            g = self.auctions[-1]
            a = self.actor(seed)
            size = bound(raw_size, g.min_bid, g.supply)
            limit = bound(raw_limit, g.reserve, 4 * g.reserve)
            bid_id = self.send(self.c.auction.bid, len(self.auctions), size, limit, sender=a)
            if bid_id is not None:
                assert bid_id == len(g.bids)
                g.bids.append(Bid(a, size, limit))

        @bug_handler(256)
        def settle(self, raw: int) -> None:
            if not self.auctions:
                return
            g = self.auctions[-1]
            k = raw % (len(g.bids) + 1)
            hint = g.reserve if k == 0 else g.bids[k - 1].limit
            if self.sends(self.c.auction.settle, len(self.auctions), hint, sender=self.deployer):
                g.settled = True

        @bug_handler(256)
        def claim(self, raw: int) -> None:
            if not self.auctions or not self.auctions[-1].bids:
                return
            g = self.auctions[-1]
            j = raw % len(g.bids)
            b = g.bids[j]
            if self.send(self.c.auction.claim, len(self.auctions), [j], b.bidder, sender=b.bidder) is not None:
                b.claimed = True

        @bug_handler()
        def claimSeller(self) -> None:  # noqa: N802 - the Solidity twin's name
            if not self.auctions:
                return
            d = self.deployer
            if self.send(self.c.auction.claimSeller, len(self.auctions), d, sender=d) is not None:
                self.auctions[-1].seller_claimed = True

        @bug_handler(256)
        def warp(self, raw: int) -> None:
            self.warp_by(raw, 600)

        @bug_invariant
        def owed(self) -> None:
            cash, sold = expected(self.auctions)
            assert self.c.cash.balanceOf(self.c.auction) == cash, "cash held != owed"
            assert self.c.sold.balanceOf(self.c.auction) == sold, "tokens held != owed"

        @bug_invariant
        def price(self) -> None:
            for i, g in enumerate(self.auctions):
                if g.settled:
                    assert self.c.auction.statusOf(i + 1)[3] == clearing(g), "cleared away from the brute-force price"

    return AuctionWorld
