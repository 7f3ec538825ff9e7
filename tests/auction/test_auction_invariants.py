"""BatchAuction as a Hypothesis state machine on the in-process engine: random bid sets (ties, dust, bids at the cap,
bids after the window, outbids of a full book, dominating or not) by honest and hostile bidders (a griefer squatting
the book, a blacklisted bidder, a settler with wrong hints, claims of other bids and twice), with the clearing
compared to the brute-force Python clearing of tests/auction/model.py
and the escrow invariants checked after every step."""

from __future__ import annotations

from typing import ClassVar

import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from strikeforge.fuzz.errors import RevertError
from strikeforge.fuzz.machine import ChainMachine
from tests.auction.model import ceil_div, clear, escrow

MAX_BIDS = 8  # a small cap so that sequences reach it
BIDDERS = ("alice", "bob", "griefer", "listed")  # "listed" is blacklisted by the cash token at times
FUNDS = 10**50  # above the largest escrow a valid bid can take (2**112 * 2**104 / 1e18 ~ 1e47)
HOUR = 3_600


class AuctionMachine(ChainMachine):
    ACTORS = ("seller", *BIDDERS)
    types: ClassVar[dict] = {}

    @classmethod
    def deploy(cls, chain, actors):
        d = actors["deployer"]
        auction = chain.deploy(cls.contract_type("BatchAuction"), MAX_BIDS, sender=d)
        option = chain.deploy(cls.contract_type("MockERC20"), "OPT", "OPT", 18, sender=d)
        cash = chain.deploy(cls.contract_type("MockRestrictedERC20"), "USD", "USD", 6, sender=d)
        option.mint(actors["seller"], FUNDS, sender=d)
        option.approve(auction, 2**256 - 1, sender=actors["seller"])
        for who in BIDDERS:
            cash.mint(actors[who], FUNDS, sender=d)
            cash.approve(auction, 2**256 - 1, sender=actors[who])
        return {"auction": auction, "option": option, "cash": cash}

    def __init__(self):
        super().__init__()
        self.auctions: dict[int, dict] = {}  # id -> terms, bids [(who, size, limit)], clearing, claimed
        self.current = 0
        self.cash_out = 0  # cash the contract has paid out (refunds, proceeds)
        self.options_out = 0
        self.listed = False

    @initialize(
        supply=st.integers(1, 10**21),
        reserve=st.integers(1, 10**9),
        min_share=st.integers(1, 64),
        bids=st.lists(
            st.tuples(st.sampled_from(BIDDERS), st.sampled_from([1, 2, 3, 4, 8, 1000]), st.integers(0, 4)),
            max_size=MAX_BIDS + 2,
        ),
    )
    def open_with_a_random_bid_set(self, supply, reserve, min_share, bids):
        """Every example starts with an auction and a random bid set (ties are common: a coarse price grid)."""
        self.create(supply, reserve, min_share, 2 * HOUR)
        for who, share, step in bids:
            self.bid(who, share, "share", step, 0)

    # -- rules ----------------------------------------------------------------------------------------------------

    @rule(
        supply=st.integers(1, 10**21),
        reserve=st.integers(1, 10**9),
        min_share=st.integers(1, 64),
        duration=st.integers(1, 2 * HOUR),
    )
    def create(self, supply, reserve, min_share, duration):
        min_bid = max(1, supply // min_share)
        end = self.chain.timestamp + duration
        self.c.auction.createAuction(
            self.c.option, self.c.cash, supply, reserve, min_bid, end, sender=self.who("seller")
        )
        self.current = self.c.auction.auctionCount()
        self.auctions[self.current] = {
            "supply": supply,
            "reserve": reserve,
            "min_bid": min_bid,
            "end": end,
            "bids": [],
            "outbids": [],  # (who, size, limit) pushed out of the book, in outbid order
            "outbid_claimed": set(),
            "clearing": None,
            "claimed": set(),
            "seller_claimed": False,
        }

    @precondition(lambda self: self.current)
    @rule(
        who=st.sampled_from(BIDDERS),
        share=st.sampled_from([1, 2, 3, 4, 8, 1000]),
        size_mode=st.sampled_from(["share", "dust", "min", "huge", "random"]),
        step=st.integers(-2, 6),
        random_size=st.integers(0, 2**113),
    )
    def bid(self, who, share, size_mode, step, random_size):
        a = self.auctions[self.current]
        supply, reserve = a["supply"], a["reserve"]
        size = {
            "share": max(1, supply // share),
            "dust": max(0, a["min_bid"] - 1),
            "min": a["min_bid"],
            "huge": 2**112,
            "random": random_size,
        }[size_mode]
        limit = max(0, reserve + step * max(1, reserve // 4))  # a coarse grid (ties); negative steps: below
        if who == "griefer" and step > 4:
            limit = 2**104 - 1 + (step - 5)  # at and beyond the price bound
        ok = (
            self.chain.timestamp < a["end"]
            and len(a["bids"]) < MAX_BIDS
            and a["min_bid"] <= size < 2**112
            and reserve <= limit < 2**104
            and not (who == "listed" and self.listed)
        )
        if not ok:
            with pytest.raises(RevertError):
                self.c.auction.bid(self.current, size, limit, sender=self.who(who))
            event("bid refused")
            return
        self.c.auction.bid(self.current, size, limit, sender=self.who(who))
        a["bids"].append((who, size, limit))
        event("bid placed")

    @precondition(lambda self: self.current)
    @rule(
        who=st.sampled_from(BIDDERS),
        slot=st.integers(0, MAX_BIDS),
        size_step=st.sampled_from([-1, 0, 1, 10**18]),
        limit_step=st.integers(-1, 3),
    )
    def outbid(self, who, slot, size_step, limit_step):
        """Replaces a slot's bid in a full book: accepted only if it dominates (strictly higher limit, at least the
        size), the window is open and the bid itself is valid; the replaced bid becomes fully refundable."""
        a = self.auctions[self.current]
        old = a["bids"][slot] if slot < len(a["bids"]) else (None, 0, 0)
        size = max(0, old[1] + size_step)
        limit = max(0, old[2] + limit_step * max(1, a["reserve"] // 4))
        ok = (
            self.chain.timestamp < a["end"]
            and len(a["bids"]) == MAX_BIDS
            and slot < MAX_BIDS
            and a["min_bid"] <= size < 2**112
            and a["reserve"] <= limit < 2**104
            and limit > old[2]
            and size >= old[1]
            and not (who == "listed" and self.listed)
        )
        if not ok:
            with pytest.raises(RevertError):
                self.c.auction.outbid(self.current, slot, size, limit, sender=self.who(who))
            event("outbid refused")
            return
        self.c.auction.outbid(self.current, slot, size, limit, sender=self.who(who))
        a["outbids"].append(old)
        a["bids"][slot] = (who, size, limit)
        event("outbid")

    @precondition(lambda self: self.current)
    @rule(who=st.sampled_from(BIDDERS), steal=st.booleans(), again=st.booleans())
    def claim_outbid(self, who, steal, again):
        aid = self.current
        a = self.auctions[aid]
        mine = [k for k, (w, _, _) in enumerate(a["outbids"]) if w == who]
        theirs = [k for k, (w, _, _) in enumerate(a["outbids"]) if w != who]
        me = self.who(who)
        if steal and theirs:
            with pytest.raises(RevertError):
                self.c.auction.claimOutbid(aid, theirs[:1], me, sender=me)
        if again and a["outbid_claimed"] & set(mine):
            with pytest.raises(RevertError):
                self.c.auction.claimOutbid(aid, sorted(a["outbid_claimed"] & set(mine))[:1], me, sender=me)
        todo = [k for k in mine if k not in a["outbid_claimed"]]
        if not todo:
            return
        refund = sum(escrow(a["outbids"][k][1], a["outbids"][k][2]) for k in todo)
        to = self.who("alice") if (self.listed and who == "listed") else me
        cash0 = self.c.cash.balanceOf(to)
        self.c.auction.claimOutbid(aid, todo, to, sender=me)
        assert self.c.cash.balanceOf(to) - cash0 == refund  # the whole escrow, before or after settlement
        a["outbid_claimed"].update(todo)
        self.cash_out += refund
        event("outbid refunded")

    @rule(seconds=st.sampled_from([1, 60, HOUR, 3 * HOUR]))
    def warp(self, seconds):
        self.chain.warp(seconds)

    @precondition(lambda self: self.current)
    @rule(wrong=st.sampled_from([-1, 1, "reserve", "top", None]), close=st.booleans())
    def settle(self, wrong, close):
        """A hostile settler tries a wrong hint first; then anyone settles with the view's hint, which must be the
        brute-force clearing price."""
        aid = self.current
        a = self.auctions[aid]
        if close and self.chain.timestamp < a["end"]:
            self.chain.warp(a["end"] - self.chain.timestamp)
        model = clear(a["supply"], a["reserve"], [(s, p) for _, s, p in a["bids"]])
        open_ = self.chain.timestamp < a["end"]
        if wrong is not None:
            hint = {
                -1: model.price - 1,
                1: model.price + 1,
                "reserve": a["reserve"],
                "top": max([p for _, _, p in a["bids"]], default=0),
            }[wrong]
            if hint != model.price or open_ or a["clearing"]:
                with pytest.raises(RevertError):
                    self.c.auction.settle(aid, hint, sender=self.who("griefer"))
        hint = self.c.auction.clearingPriceOf(aid)
        assert hint == model.price
        if open_ or a["clearing"]:  # too early, or settling twice
            with pytest.raises(RevertError):
                self.c.auction.settle(aid, hint, sender=self.who("bob"))
            return
        self.c.auction.settle(aid, hint, sender=self.who("bob"))
        a["clearing"] = model
        event(f"settled {'with' if a['bids'] else 'without'} bids")
        if any(0 < f < s for f, (_, s, _) in zip(model.fills, a["bids"], strict=True)):
            event("settled with a pro-rata fill")

    @precondition(lambda self: self.current)
    @rule(who=st.sampled_from(BIDDERS), elsewhere=st.booleans(), steal=st.booleans(), again=st.booleans())
    def claim(self, who, elsewhere, steal, again):
        aid = self.current
        a = self.auctions[aid]
        mine = [i for i, (w, _, _) in enumerate(a["bids"]) if w == who]
        theirs = [i for i, (w, _, _) in enumerate(a["bids"]) if w != who]
        me, to = self.who(who), self.who("alice" if elsewhere else who)
        if steal and theirs:
            with pytest.raises(RevertError):
                self.c.auction.claim(aid, theirs[:1], me, sender=me)
        todo = [i for i in mine if i not in a["claimed"]]
        if again and a["claimed"] & set(mine):
            with pytest.raises(RevertError):
                self.c.auction.claim(aid, sorted(a["claimed"] & set(mine))[:1], me, sender=me)
        if not todo:
            return
        model = a["clearing"]
        if model is None:
            with pytest.raises(RevertError):
                self.c.auction.claim(aid, todo, to, sender=me)
            return
        filled = sum(model.fills[i] for i in todo)
        refund = sum(model.refunds[i] for i in todo)
        if self.listed and to == self.who("listed") and refund:
            with pytest.raises(RevertError):  # the blacklisted bidder cannot receive, and blocks only itself
                self.c.auction.claim(aid, todo, to, sender=me)
            event("blacklisted claim refused")
            return
        opt0, cash0 = self.c.option.balanceOf(to), self.c.cash.balanceOf(to)
        self.c.auction.claim(aid, todo, to, sender=me)
        assert self.c.option.balanceOf(to) - opt0 == filled
        assert self.c.cash.balanceOf(to) - cash0 == refund
        a["claimed"].update(todo)
        self.cash_out += refund
        self.options_out += filled

    @precondition(lambda self: self.current)
    @rule(intruder=st.booleans())
    def claim_seller(self, intruder):
        aid = self.current
        a = self.auctions[aid]
        if intruder:
            with pytest.raises(RevertError):
                self.c.auction.claimSeller(aid, self.who("griefer"), sender=self.who("griefer"))
        seller = self.who("seller")
        if a["clearing"] is None or a["seller_claimed"]:
            with pytest.raises(RevertError):
                self.c.auction.claimSeller(aid, seller, sender=seller)
            return
        model = a["clearing"]
        self.c.auction.claimSeller(aid, seller, sender=seller)
        a["seller_claimed"] = True
        self.cash_out += model.proceeds
        self.options_out += a["supply"] - model.sold

    @rule()
    def toggle_blacklist(self):
        self.listed = not self.listed
        self.c.cash.setBlacklisted(self.who("listed"), self.listed, sender=self.who("seller"))

    # -- invariants -----------------------------------------------------------------------------------------------

    @invariant()
    def the_contract_holds_exactly_what_it_owes(self):
        escrowed = sum(escrow(s, p) for a in self.auctions.values() for _, s, p in a["bids"] + a["outbids"])
        assert self.c.cash.balanceOf(self.c.auction) == escrowed - self.cash_out
        supplied = sum(a["supply"] for a in self.auctions.values())
        assert self.c.option.balanceOf(self.c.auction) == supplied - self.options_out

    @invariant()
    def a_settled_auction_is_the_brute_force_clearing(self):
        for aid, a in self.auctions.items():
            model = a["clearing"]
            if model is None:
                continue
            got = self.c.auction.auctionOf(aid)  # (seller, end, bidCount, cash, minBidSize, supply, reserve, sold,
            # settled, sellerClaimed, outbidCount, clearingPrice, remaining, tied, proceeds, unsold)
            assert (got[11], got[14], got[15]) == (model.price, model.proceeds, a["supply"] - model.sold)
            assert got[10] == len(a["outbids"])
            # proceeds + refunds == the book's escrow (an outbid bid's refund is its escrow); sold + unsold == supply
            assert model.proceeds + sum(model.refunds) == sum(escrow(s, p) for _, s, p in a["bids"])
            assert model.sold <= a["supply"]
            for i, (_, size, limit) in enumerate(a["bids"]):
                filled, paid, refund = self.c.auction.outcomeOf(aid, i)
                assert (filled, paid, refund) == (model.fills[i], model.payments[i], model.refunds[i])
                # no winner pays above its limit, nor more than its escrow; the price is uniform
                assert filled <= size and paid <= ceil_div(filled * limit) and paid == ceil_div(filled * model.price)
                if filled:
                    assert model.price <= limit
            assert model.price >= a["reserve"]


TestAuctionInvariants = AuctionMachine.TestCase
