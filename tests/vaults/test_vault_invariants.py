"""ThetaVault header invariants as a Hypothesis state machine on the in-process engine, on the batch-auction flow:
requests, claims, rolls over in- and out-of-the-money expiries, donations, and the vault's auctions with hostile
bidders (sizes and limits at and past every bound: the bid floor, the reserve, the uint112/uint104 caps, all of a
bidder's cash; bids after the window; a bidder that revokes its approval, spends its balance or is blacklisted by the
token before it claims; claims twice; a griefer filling the bid cap, and outbids of the full book, dominating or not),
a whale donating all its cash to the vault (past the cap and the auction's bounds), a settler who finishes or settles
the auction with the right or a wrong clearing price, before or after the series' expiry (or never, so that the roll
finishes it), a pricer that moves, reverts, returns short data (or zero) or burns its gas, governance changing the
auction's terms, (M-3) a hostile fee recipient (blacklisted, also in the roll's block) on a token that refuses by
revert or by `false`, and (F4) a hostile guardian pausing and resuming at any moment.

Checked: every due roll succeeds, finishes the auction nobody finished and settles every pending request; options are
written exactly when the vault is not paused, the pricer gives a usable value and the auction's bounds hold, at the
discounted reserve (rounded up) and the bid floor set; an option exists only as filled to a winner (claimed or held for
it by the auction), or in the auction's supply until the vault finishes it, or unsold and held by the vault after expiry
(unsold_held) until the roll redeems it: unsold options are burned before expiry; the vault's collateral is the open
series' supply (1 WETH per call); every settled auction is the brute-force clearing (tests/auction/model.py), its
proceeds plus refunds are its escrow and no winner pays above its limit; the auction holds exactly the escrow it has not
paid out; a full auction demands its whole supply; the vault's asset accounting (invariant (1)); owed fees are pulled; a
redemption requested at any time, paused or not, is settled by the first roll after the open series' expiry."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import ClassVar

import pytest
from eth_abi import encode
from eth_utils import keccak
from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from strikeforge.fuzz.abi import ContractABI
from strikeforge.fuzz.chain import Contract
from strikeforge.fuzz.errors import RevertError
from strikeforge.fuzz.machine import ChainMachine, actor
from tests.auction.model import Clearing, ceil_div, clear, escrow
from tests.options.fixtures import DISPUTE, ONE, engine_options_stack, record_expiry

USERS = ("alice", "bob", "carol")
BIDDERS = ("maker", "whale", "griefer")  # any of them may be blacklisted, revoke its approval or spend its cash
RECEIVER = "stranger"  # anyone: finishes and settles auctions, receives claims a blacklisted winner redirects
OFFSET = 10**6
PREMIUM = ONE // 100  # the pricer's value per option at deployment
DISCOUNT_BPS = 1_000
AUCTION_DURATION = 3_600
MIN_BID_BPS = 100
MAX_BIDS = 256
BID_FLOOR_BPS = -(-10_000 // MAX_BIDS)  # the smallest min_bid_bps set_parameters accepts: 40
CAP = 10**30
# Each bidder's cash (and each refill): winning bids of all of it can fund the vault past its cap (deposits are then
# refused) and its supply past the uint96 bound of the auction's smallest bid (the roll then writes nothing).
BIDDER_FUNDS = 10**30
MAX_SIZE = 2**112 - 1  # BatchAuction's bounds on a bid
MAX_PRICE = 2**104 - 1
MAX_MIN_BID = 2**96 - 1
MAX_VALUE = 10**36  # the largest pricer value the vault uses
ZERO_ADDRESS = "0x" + "00" * 20
SIZES = ("min", "share", "supply", "below min", "all in", "max", "too large", "fill the cap")
DISCOUNTS = st.sampled_from((DISCOUNT_BPS, 0, 1, 2_000, 2_001))
DURATIONS = st.sampled_from((AUCTION_DURATION, 1, 43_200, 0, 43_201))
MIN_BID_BPS_VALUES = st.sampled_from((MIN_BID_BPS, BID_FLOOR_BPS, 10_000, 1, BID_FLOOR_BPS - 1, 10_001))
LIMIT_STEPS = st.integers(-1, 7)
# The settler's clearing price: the auction's (most often), or one off it, the reserve, zero, the highest limit.
HINTS = ("right", "right", "right", "below", "above", "reserve", "zero", "top")


def custom_error(signature: str, *args: object) -> bytes:
    """The revert data of `signature` with `args` (Solidity's encoding; also what the vault's raw_revert sends)."""
    types = [t for t in signature[signature.index("(") + 1 : -1].split(",") if t]
    return keccak(text=signature)[:4] + (encode(types, list(args)) if types else b"")


@contextmanager
def reverts(signature: str | None = None, *args: object):
    """Expect a revert: with `signature`, exactly that custom error with `args`; without, any revert."""
    with pytest.raises(RevertError) as raised:
        yield
    if signature is not None:
        data = raised.value.error.data
        assert data == custom_error(signature, *args), f"reverted with {raised.value.error}, not {signature}{args}"


@dataclass
class Sale:
    """One auction of the vault, as the machine expects it to be."""

    aid: int
    series: int
    token: Contract  # the series' option token
    supply: int
    reserve: int
    min_bid: int
    end: int
    expiry: int
    bids: list[tuple[str, int, int]] = field(default_factory=list)  # the book: (bidder, size, limit) by slot
    outbids: list[tuple[str, int, int]] = field(default_factory=list)  # bids pushed out of a full book, in order
    escrowed: int = 0  # every escrow taken, the outbid bids' included
    claimed: set[int] = field(default_factory=set)
    outbids_refunded: set[int] = field(default_factory=set)
    clearing: Clearing | None = None  # once settled
    finished: bool = False  # the vault took its proceeds and unsold options
    held: int = 0  # unsold options the vault holds (finished at or after expiry), until the roll redeems them
    holders: dict[str, int] = field(default_factory=dict)  # option balances of winners and their receivers

    @property
    def unsold(self) -> int:
        return self.supply - self.clearing.sold

    def in_auction(self) -> int:
        """Options the auction holds: the supply until settled; then unclaimed fills, and unsold until finished."""
        if self.clearing is None:
            return self.supply
        unclaimed = sum(f for i, f in enumerate(self.clearing.fills) if i not in self.claimed)
        return unclaimed + (0 if self.finished else self.unsold)


class VaultMachine(ChainMachine):
    ACTORS = (*USERS, *BIDDERS, RECEIVER, "keeper", "treasury", "guardian")
    types: ClassVar[dict] = {}
    # The admin rule expects a bid floor under BID_FLOOR_BPS to be refused. A subclass that does not (it only checks
    # that a refusal is InvalidConfig("min_bid_bps")) shows the harm itself is found: a griefer filling the bid cap.
    EXPECTS_LOW_BID_FLOOR_REFUSED: ClassVar[bool] = True
    _option_abi: ClassVar[ContractABI | None] = None
    _auction_fields: ClassVar[tuple[str, ...]] = ()  # BatchAuction.auctionOf's struct, by field name

    @classmethod
    def deploy(cls, chain, actors):
        d = actors["deployer"]

        def t(name):  # the assets blacklist and pause like USDC (MockRestrictedERC20 is a MockERC20)
            return cls.contract_type("MockRestrictedERC20" if name == "MockERC20" else name)

        stack = engine_options_stack(chain, t, d)
        weth, usdc, router, engine = stack["weth"], stack["usdc"], stack["router"], stack["engine"]
        selector = chain.deploy(t("PercentOtmStrikeSelector"), router, 1_000, 100 * ONE, sender=d)
        auction = chain.deploy(t("BatchAuction"), MAX_BIDS, sender=d)
        pricer = chain.deploy(t("MockOptionPricer"), PREMIUM, sender=d)
        vault = chain.deploy(
            t("ThetaVault"),
            weth,
            engine,
            weth,
            usdc,
            False,
            CAP,
            selector,
            auction,
            d,
            "Strikeforge ETH Theta",
            "sfETH",
            sender=d,
        )
        engine.grantRole(engine.SERIES_CREATOR_ROLE(), vault, sender=d)
        vault.grantRole(vault.KEEPER_ROLE(), actors["keeper"], sender=d)
        vault.grantRole(vault.GUARDIAN_ROLE(), actors["guardian"], sender=d)
        # No management fee: the share price may then fall only through option payouts.
        vault.set_parameters(
            0, 1_000, actors["treasury"], selector, pricer, DISCOUNT_BPS, AUCTION_DURATION, MIN_BID_BPS, sender=d
        )
        for who in USERS:
            weth.mint(actors[who], 10**9 * ONE, sender=d)
            weth.approve(vault, 2**256 - 1, sender=actors[who])
        for who in BIDDERS:  # bidders approve the auction, not the vault
            weth.mint(actors[who], BIDDER_FUNDS, sender=d)
            weth.approve(auction, 2**256 - 1, sender=actors[who])
        cls._option_abi = ContractABI.from_contract_type(cls.contract_type("OptionToken"))
        [view] = [m for m in cls.contract_type("BatchAuction").abi if getattr(m, "name", None) == "auctionOf"]
        cls._auction_fields = tuple(c.name for c in view.outputs[0].components)
        return {**stack, "selector": selector, "auction": auction, "pricer": pricer, "vault": vault}

    def __init__(self):
        super().__init__()
        self.last_price = None  # (assets + 1, supply + offset) at the last roll
        self.asked_to_leave: dict[str, int] = {}  # user -> shares requested for redemption since the last roll
        self.sales: dict[int, Sale] = {}  # auction id -> what it should be
        self.latest: Sale | None = None  # the vault's last auction (bids go there)
        self.cash_out = 0  # cash the auction paid out: refunds and the vault's proceeds
        self.pricer = (PREMIUM, 0)  # (value, mode)
        self.pricer_on = True
        self.terms = (DISCOUNT_BPS, AUCTION_DURATION, MIN_BID_BPS)

    # -- every example opens with an auction --------------------------------------------------------------------------

    @initialize(
        terms=st.tuples(DISCOUNTS, DURATIONS, MIN_BID_BPS_VALUES),
        value=st.one_of(st.just(PREMIUM), st.integers(1, 10 * PREMIUM)),
        who=actor(*USERS),
        assets=st.one_of(st.sampled_from((1, ONE, 10 * ONE)), st.integers(1, 1_000 * ONE)),
        bids=st.lists(st.tuples(actor(*BIDDERS), st.sampled_from(SIZES), st.integers(1, 10_000), LIMIT_STEPS)),
    )
    def governance_a_deposit_and_a_roll_open_the_first_auction(self, terms, value, who, assets, bids):
        """Every example opens with the auction's terms set (or refused), the pricer's value, a deposit, a roll that
        opens an auction and a random set of bids in it."""
        self.admin_sets_the_auction_terms(*terms, pricer_on=True)
        self.pricer_moves_or_breaks(value, 0)
        self._request_deposit(who, assets)
        self._roll(3_000 * ONE, None, False)
        for bidder, size, share, step in bids:
            self.bid(bidder, size, share, step)

    # -- hostile guardian (F4): pauses or resumes at any moment, e.g. in the block a costly change is scheduled ----

    @rule(paused=st.booleans())
    def guardian_pauses(self, paused):
        self.c.vault.set_paused(paused, sender=self.who("guardian"))

    # -- governance: the auction's terms (bounded) and the pricer --------------------------------------------------

    @rule(
        discount=DISCOUNTS,
        duration=DURATIONS,
        min_bid_bps=MIN_BID_BPS_VALUES,
        pricer_on=st.sampled_from((True, True, False)),
    )
    def admin_sets_the_auction_terms(self, discount, duration, min_bid_bps, pricer_on):
        c = self.c
        reason = (
            "reserve_discount_bps"
            if discount > 2_000
            else "auction_duration"
            if not 1 <= duration <= 43_200
            else "min_bid_bps"
            if not BID_FLOOR_BPS <= min_bid_bps <= 10_000
            else None
        )
        pricer = c.pricer if pricer_on else ZERO_ADDRESS
        args = (0, 1_000, self.who("treasury"), c.selector, pricer, discount, duration, min_bid_bps)
        admin = self.who("deployer")
        refused = custom_error("InvalidConfig(string)", reason or "")
        lenient = reason == "min_bid_bps" and min_bid_bps < BID_FLOOR_BPS and not self.EXPECTS_LOW_BID_FLOOR_REFUSED
        if reason is not None and not lenient:
            with reverts("InvalidConfig(string)", reason):
                c.vault.set_parameters(*args, sender=admin)
            event(f"admin refused: {reason}")
            return
        try:
            c.vault.set_parameters(*args, sender=admin)
        except RevertError as error:  # only a bid floor under BID_FLOOR_BPS, if this machine does not expect it
            assert reason == "min_bid_bps" and error.error.data == refused, error
            return
        self.pricer_on, self.terms = pricer_on, (discount, duration, min_bid_bps)
        assert (c.vault.reserve_discount_bps(), c.vault.auction_duration(), c.vault.min_bid_bps()) == self.terms

    @rule(
        value=st.one_of(
            st.sampled_from((PREMIUM, 0, 1, MAX_VALUE, MAX_VALUE + 1, 2**256 - 1)), st.integers(0, 10 * PREMIUM)
        ),
        mode=st.sampled_from((0, 0, 1, 2, 3)),
    )
    def pricer_moves_or_breaks(self, value, mode):
        """The pricer's value moves, or it reverts (1), returns short data (2) or burns its gas (3)."""
        self.c.pricer.set(value, mode, sender=self.who("deployer"))
        self.pricer = (value, mode)

    # -- hostile bidders ----------------------------------------------------------------------------------------------

    @rule(who=actor(*BIDDERS), approved=st.booleans())
    def bidder_sets_its_approval(self, who, approved):
        self.c.weth.approve(self.c.auction, 2**256 - 1 if approved else 0, sender=self.who(who))

    @rule(who=actor(*BIDDERS), empty=st.booleans())
    def bidder_spends_or_refills_its_cash(self, who, empty):
        weth, bidder = self.c.weth, self.who(who)
        if weth.blacklisted(bidder):
            return  # its balance cannot move
        if empty:
            weth.burn(bidder, weth.balanceOf(bidder), sender=bidder)
        else:
            weth.mint(bidder, BIDDER_FUNDS, sender=bidder)

    @rule(who=actor(*BIDDERS, "treasury"), listed=st.booleans())
    def token_blacklists(self, who, listed):
        self.c.weth.setBlacklisted(self.who(who), listed, sender=self.who("deployer"))

    @rule(with_false=st.booleans())
    def token_refuses_with_false(self, with_false):
        self.c.weth.setRefuseWithFalse(with_false, sender=self.who("deployer"))

    @precondition(lambda self: self.latest is not None)
    @rule(who=actor(*BIDDERS), size=st.sampled_from(SIZES), share=st.integers(1, 10_000), step=LIMIT_STEPS)
    def bid(self, who, size, share, step):
        """A bid in the vault's last auction: of the bid floor, a share of the supply, all of it, one unit under the
        floor, as much as the bidder's cash pays at the limit, uint112's max or past it; at a limit one under the
        reserve (-1), at the reserve (0), on a coarse grid above it (ties, 1-4), at all the bidder's cash over the
        size (5), uint104's max (6) or past it (7). Or a griefer's bids of the floor at the reserve until the bid cap
        ("fill the cap"). Refusals are checked in the auction's order."""
        sale = self.latest
        if sale is None:
            return
        cash = self.c.weth.balanceOf(self.who(who))
        tick = max(1, sale.reserve // 4)
        limit = {-1: sale.reserve - 1, 5: None, 6: MAX_PRICE, 7: MAX_PRICE + 1}.get(step, sale.reserve + step * tick)
        amount = {
            "min": sale.min_bid,
            "share": max(1, sale.supply * share // 10_000),
            "supply": sale.supply,
            "below min": sale.min_bid - 1,
            "all in": max(1, min(MAX_SIZE, cash * ONE // (limit or sale.reserve))),
            "max": MAX_SIZE,
            "too large": MAX_SIZE + 1,
            "fill the cap": sale.min_bid,
        }[size]
        if size == "fill the cap":
            self._fill_the_cap(who, sale)
            return
        if limit is None:  # all the bidder's cash at the highest limit it pays for this size
            limit = max(sale.reserve, min(MAX_PRICE, cash * ONE // max(1, amount)))
        self._bid(who, sale, amount, limit)

    def _fill_the_cap(self, who: str, sale: Sale) -> None:
        """A griefer's bids of the floor at the reserve until the cap: they must demand the whole supply (checked by
        a_full_auction_demands_its_whole_supply), and the next bid is refused."""
        if not self._bid(who, sale, sale.min_bid, sale.reserve):
            return
        c, griefer = self.c, self.who(who)
        cost = escrow(sale.min_bid, sale.reserve)
        while len(sale.bids) < MAX_BIDS and c.weth.balanceOf(griefer) >= cost:
            c.auction.bid(sale.aid, sale.min_bid, sale.reserve, sender=griefer)
            sale.bids.append((who, sale.min_bid, sale.reserve))
            sale.escrowed += cost
        if len(sale.bids) == MAX_BIDS:
            self._bid("maker", sale, sale.supply, sale.reserve)
            event("a griefer filled the bid cap")

    def _bid(self, who: str, sale: Sale, size: int, limit: int) -> bool:
        c, bidder = self.c, self.who(who)
        refusal = self._refusal(sale, size, limit)
        if refusal is None and len(sale.bids) >= MAX_BIDS:
            refusal = ("BidCapReached(uint256)", sale.aid)
        send = lambda: c.auction.bid(sale.aid, size, limit, sender=bidder)  # noqa: E731
        placed = self._pay(who, refusal, "bid", send, size, limit)
        if placed:
            sale.bids.append((who, size, limit))
            sale.escrowed += escrow(size, limit)
        return placed

    def _refusal(self, sale: Sale, size: int, limit: int) -> tuple | None:
        """Why the auction refuses a bid in its window and bounds (BatchAuction's order), or None."""
        if self.chain.timestamp >= sale.end:
            return ("BiddingClosed(uint256)", sale.aid)
        if size < sale.min_bid:
            return ("BidTooSmall(uint256,uint256)", size, sale.min_bid)
        if limit < sale.reserve:
            return ("BelowReserve(uint256,uint256)", limit, sale.reserve)
        if size > MAX_SIZE or limit > MAX_PRICE:
            return ("TooLarge()",)
        return None

    def _pay(self, who: str, refusal: tuple | None, what: str, send, size: int, limit: int) -> bool:
        """Sends a bid (or an outbid): refused with `refusal`, or by the escrow's pull if the bidder cannot pay (a bid
        that cannot pay reverts alone, M-3); else its escrow is taken at once. Whether it was placed."""
        weth, bidder, cost = self.c.weth, self.who(who), escrow(size, limit)
        if refusal is not None:
            with reverts(*refusal):
                send()
            event(f"{what} refused: {refusal[0].split('(')[0]}")
            return False
        if weth.blacklisted(bidder) or weth.allowance(bidder, self.c.auction) < cost or weth.balanceOf(bidder) < cost:
            with reverts():
                send()
            event(f"{what} refused: cannot pay")
            return False
        before = weth.balanceOf(bidder)
        send()
        assert before - weth.balanceOf(bidder) == cost  # escrowed at bid time
        event(f"{what} placed")
        return True

    @precondition(lambda self: self.latest is not None and len(self.latest.bids) == MAX_BIDS)
    @rule(
        who=actor(*BIDDERS),
        slot=st.integers(0, MAX_BIDS),
        size_step=st.sampled_from((0, 1, "supply", -1)),
        limit_step=st.integers(-1, 3),
    )
    def outbid(self, who, slot, size_step, limit_step):
        """In a full book, a bid replaces a slot's bid only if it dominates it (a strictly higher limit, at least its
        size): a book the griefer filled cannot lock higher bids out. The replaced bid's escrow is refundable."""
        sale = self.latest
        c, bidder = self.c, self.who(who)
        _, old_size, old_limit = sale.bids[slot] if slot < MAX_BIDS else (None, 0, 0)
        size = sale.supply if size_step == "supply" else max(0, old_size + size_step)
        limit = max(0, old_limit + limit_step * max(1, sale.reserve // 4))
        refusal = self._refusal(sale, size, limit)
        if refusal is None and (slot >= MAX_BIDS or limit <= old_limit or size < old_size):
            refusal = ("NotDominating(uint256,uint256,uint256)", slot, size, limit)
        send = lambda: c.auction.outbid(sale.aid, slot, size, limit, sender=bidder)  # noqa: E731
        if self._pay(who, refusal, "outbid", send, size, limit):
            sale.outbids.append(sale.bids[slot])
            sale.bids[slot] = (who, size, limit)
            sale.escrowed += escrow(size, limit)

    @precondition(lambda self: self.latest is not None)
    @rule(to=st.sampled_from(("window end", "expiry")))
    def time_passes(self, to):
        """To the end of the last auction's bidding window (bids close, settling opens), or to the open series'
        expiry (unsold options can no longer be burned)."""
        target = self.latest.end if to == "window end" else self.c.vault.current_expiry()
        if target > self.chain.timestamp:
            self.chain.set_time(target)

    @precondition(lambda self: self.sales)
    @rule(who=actor(*BIDDERS), elsewhere=st.booleans(), twice=st.booleans())
    def bidder_claims(self, who, elsewhere, twice):
        """A bidder claims its bids of the last auction it bid in, to itself or to another receiver, and the refunds
        of its outbid bids (at any time); a blacklisted one cannot receive its refund, and locks only its own claim;
        a claim twice is refused."""
        mine_in = [s for s in self.sales.values() if any(w == who for w, _, _ in s.bids + s.outbids)]
        if not mine_in:
            return
        sale = mine_in[-1]
        c, bidder = self.c, self.who(who)
        receiver = RECEIVER if elsewhere else who
        to = self.who(receiver)
        mine = [i for i, (w, _, _) in enumerate(sale.bids) if w == who]
        todo = [i for i in mine if i not in sale.claimed]
        if todo and sale.clearing is None:
            with reverts("NotSettled(uint256)", sale.aid):
                c.auction.claim(sale.aid, todo, to, sender=bidder)
        elif todo:
            model = sale.clearing
            filled = sum(model.fills[i] for i in todo)
            refund = sum(model.refunds[i] for i in todo)
            if refund and c.weth.blacklisted(to):
                with reverts():
                    c.auction.claim(sale.aid, todo, to, sender=bidder)
                event("a blacklisted winner's claim refused")
            else:
                options0, cash0 = sale.token.balanceOf(to), c.weth.balanceOf(to)
                c.auction.claim(sale.aid, todo, to, sender=bidder)
                assert sale.token.balanceOf(to) - options0 == filled
                assert c.weth.balanceOf(to) - cash0 == refund
                sale.claimed.update(todo)
                sale.holders[receiver] = sale.holders.get(receiver, 0) + filled
                self.cash_out += refund
                event("a claim paid" + (" (blacklisted, elsewhere)" if c.weth.blacklisted(bidder) else ""))
        done = sorted(sale.claimed & set(mine))
        if twice and done:
            with reverts("AlreadyClaimed(uint256)", done[0]):
                c.auction.claim(sale.aid, done[:1], bidder, sender=bidder)
        mine = [k for k, (w, _, _) in enumerate(sale.outbids) if w == who]
        todo = [k for k in mine if k not in sale.outbids_refunded]
        if todo:
            refund = sum(escrow(size, limit) for _, size, limit in (sale.outbids[k] for k in todo))
            if c.weth.blacklisted(to):
                with reverts():
                    c.auction.claimOutbid(sale.aid, todo, to, sender=bidder)
            else:
                before = c.weth.balanceOf(to)
                c.auction.claimOutbid(sale.aid, todo, to, sender=bidder)
                assert c.weth.balanceOf(to) - before == refund  # an outbid bid's whole escrow, at once
                sale.outbids_refunded.update(todo)
                self.cash_out += refund
                event("an outbid bid refunded")
        done = sorted(sale.outbids_refunded & set(mine))
        if twice and done:
            with reverts("AlreadyClaimed(uint256)", done[0]):
                c.auction.claimOutbid(sale.aid, done[:1], bidder, sender=bidder)

    @rule(who=actor(*BIDDERS, RECEIVER))
    def holder_redeems_expired_options(self, who):
        """A winner (or its receiver) redeems its options of a settled series for their payout."""
        c, holder = self.c, self.who(who)
        for sale in self.sales.values():
            amount = sale.holders.get(who, 0)
            if not amount or not c.engine.isSettled(sale.series):
                continue
            payout = c.engine.payoutFor(sale.series, amount)
            if payout and c.weth.blacklisted(holder):
                with reverts():
                    c.engine.redeem(sale.series, amount, sender=holder)
                continue
            before = c.weth.balanceOf(holder)
            c.engine.redeem(sale.series, amount, sender=holder)
            assert c.weth.balanceOf(holder) - before == payout
            sale.holders[who] = 0
            event("a winner redeemed " + ("in the money" if payout else "worthless options"))

    # -- the settler: anyone, after the window, with the right or a wrong clearing price ------------------------------

    def _hint(self, hint: str, sale: Sale) -> int:
        price = self._model(sale).price
        return {
            "right": price,
            "below": price - 1,
            "above": price + 1,
            "reserve": sale.reserve,
            "zero": 0,
            "top": max((limit for _, _, limit in sale.bids), default=0),
        }[hint]

    def _auction(self, aid: int) -> dict:
        return dict(zip(self._auction_fields, self.c.auction.auctionOf(aid), strict=True))

    def _model(self, sale: Sale) -> Clearing:
        return sale.clearing or clear(sale.supply, sale.reserve, [(s, p) for _, s, p in sale.bids])

    def _fingerprint(self, sale: Sale) -> tuple:
        c, v = self.c, self.c.vault
        return (
            v.epoch(),
            v.current_auction(),
            v.current_series(),
            v.unsold_held(),
            c.weth.balanceOf(v),
            c.weth.balanceOf(c.auction),
            sale.token.balanceOf(v),
            c.auction.statusOf(sale.aid),
        )

    def _wait_for_the_window(self, sale: Sale) -> None:
        if self.chain.timestamp < sale.end:
            self.chain.set_time(sale.end)

    @precondition(lambda self: self.latest is not None)
    @rule(hint=st.sampled_from(HINTS), wait=st.booleans())
    def stranger_settles_at_the_auction(self, hint, wait):
        """Anyone may settle the auction itself, ahead of the vault (`wait`: once the window ends): only at the
        clearing price."""
        sale = self.latest
        if wait:
            self._wait_for_the_window(sale)
        price = self._hint(hint, sale)
        settle = self.c.auction.settle
        stranger = self.who(RECEIVER)
        if self.chain.timestamp < sale.end:
            with reverts("BiddingOpen(uint256)", sale.aid):
                settle(sale.aid, price, sender=stranger)
        elif sale.clearing is not None:
            with reverts("AlreadySettled(uint256)", sale.aid):
                settle(sale.aid, price, sender=stranger)
        elif price != self._model(sale).price:
            with reverts("WrongClearingPrice(uint256)", price):
                settle(sale.aid, price, sender=stranger)
        else:
            settle(sale.aid, price, sender=stranger)
            self._settled(sale)
            event("settled at the auction, ahead of the vault")

    @rule(who=actor(RECEIVER, *BIDDERS, *USERS), hint=st.sampled_from(HINTS), wait=st.booleans())
    def anyone_finishes_the_auction(self, who, hint, wait):
        """Anyone finishes the vault's open auction (`wait`: once its window ends), with the right clearing price or
        a wrong one (refused, nothing changes; ignored if the auction is already settled)."""
        c, v = self.c, self.c.vault
        finish = getattr(v, "finish_auction(uint256)")
        aid = v.current_auction()
        if aid == 0:
            with reverts("NoOpenAuction()"):
                finish(0, sender=self.who(who))
            return
        sale = self.sales[aid]
        if wait:
            self._wait_for_the_window(sale)
        price = self._hint(hint, sale)
        if self.chain.timestamp < sale.end:
            with reverts("BiddingOpen(uint256)", aid):
                finish(price, sender=self.who(who))
            return
        if sale.clearing is None and price != self._model(sale).price:
            before = self._fingerprint(sale)
            with reverts("WrongClearingPrice(uint256)", price):
                finish(price, sender=self.who(who))
            assert self._fingerprint(sale) == before  # nothing changed
            event("a wrong clearing price refused")
            return
        cash0, assets0 = c.weth.balanceOf(v), v.totalAssets()
        receipt = finish.transact(price, sender=self.who(who))
        self._finished(sale, receipt)
        assert v.current_auction() == 0
        # Proceeds are booked as invested assets; unsold options burned before expiry return their collateral.
        assert c.weth.balanceOf(v) - cash0 == sale.clearing.proceeds + (sale.unsold - sale.held)
        assert v.totalAssets() - assets0 == sale.clearing.proceeds
        event("finished " + ("after expiry" if self.chain.timestamp >= sale.expiry else "before expiry"))

    def _settled(self, sale: Sale) -> Clearing:
        """The auction has just been settled: it must be the brute-force clearing of its bids."""
        if sale.clearing is not None:
            return sale.clearing
        c = self.c
        model = sale.clearing = self._model(sale)
        got = self._auction(sale.aid)
        assert got["settled"], f"auction {sale.aid} was not settled"
        assert (got["clearingPrice"], got["proceeds"], got["unsold"]) == (
            model.price,
            model.proceeds,
            sale.supply - model.sold,
        )
        assert sale.reserve <= model.price and model.sold <= sale.supply
        # Proceeds plus refunds (the outbid bids' whole escrow included) are the escrow; no winner pays above its
        # limit; the price is uniform.
        assert model.proceeds + sum(model.refunds) + sum(escrow(s, p) for _, s, p in sale.outbids) == sale.escrowed
        for i, (_, size, limit) in enumerate(sale.bids):
            filled, paid, refund = c.auction.outcomeOf(sale.aid, i)
            assert (filled, paid, refund) == (model.fills[i], model.payments[i], model.refunds[i])
            assert filled <= size and paid <= escrow(size, limit) and paid == ceil_div(filled * model.price)
            assert filled == 0 or model.price <= limit
        return model

    def _finished(self, sale: Sale, receipt) -> None:
        """The vault has just finished `sale`: settled, proceeds taken, unsold options burned before expiry, else
        held."""
        model = self._settled(sale)
        [finished] = [e.args for e in self.chain.events(receipt) if e.name == "AuctionFinished"]
        assert (
            finished["auction"],
            finished["series"],
            finished["clearing_price"],
            finished["sold"],
            finished["proceeds"],
            finished["unsold"],
        ) == (sale.aid, sale.series, model.price, model.sold, model.proceeds, sale.unsold)
        assert self._auction(sale.aid)["sellerClaimed"], f"the vault did not take auction {sale.aid}'s proceeds"
        sale.finished = True
        self.cash_out += model.proceeds
        sale.held = sale.unsold if self.chain.timestamp >= sale.expiry else 0
        if sale.unsold:
            event("unsold options " + ("held" if sale.held else "burned"))

    # -- fees, requests, claims, donations ----------------------------------------------------------------------------

    @rule()
    def treasury_claims_fees(self):
        """The recipient pulls every owed fee: to itself, or to another receiver while the token blacklists it."""
        c, treasury = self.c, self.who("treasury")
        owed = c.vault.fees_owed()
        if owed == 0:
            with reverts("ZeroAmount()"):
                getattr(c.vault, "claim_fees()")(sender=treasury)
            return
        receiver = self.who("deployer") if c.weth.blacklisted(treasury) else treasury
        before = c.weth.balanceOf(receiver)
        getattr(c.vault, "claim_fees(address)")(receiver, sender=treasury)
        assert c.weth.balanceOf(receiver) - before == owed
        assert c.vault.fees_owed() == 0

    @rule(who=actor(*USERS), assets=st.one_of(st.integers(1, 10**6), st.integers(1, 1_000 * ONE)))
    def request_deposit(self, who, assets):
        self._request_deposit(who, assets)

    def _request_deposit(self, who, assets):
        v, user = self.c.vault, self.who(who)
        if v.paused():  # a pause stops new deposits (new risk), nothing else
            with reverts("Paused()"):
                v.requestDeposit(assets, user, user, sender=user)
            return
        if v.invested_at_roll() + v.total_pending_deposits() + assets > CAP:  # auction proceeds may fill the cap
            with reverts("CapExceeded(uint256)", CAP):
                v.requestDeposit(assets, user, user, sender=user)
            event("deposit refused: the cap")
            return
        v.requestDeposit(assets, user, user, sender=user)

    @rule(who=actor(*USERS), fraction=st.integers(1, 100))
    def request_redeem(self, who, fraction):
        shares = self.c.vault.balanceOf(self.who(who)) * fraction // 100
        if shares == 0:
            with reverts("ZeroAmount()"):
                self.c.vault.requestRedeem(shares, self.who(who), self.who(who), sender=self.who(who))
            return
        # Never paused (F4): whatever the guardian did, the request goes through.
        self.c.vault.requestRedeem(shares, self.who(who), self.who(who), sender=self.who(who))
        self.asked_to_leave[who] = self.asked_to_leave.get(who, 0) + shares

    @rule(who=actor(*USERS), fraction=st.integers(1, 100))
    def claim_shares(self, who, fraction):
        v = self.c.vault
        claimable = v.maxMint(self.who(who))
        shares = claimable * fraction // 100
        if shares == 0:
            return
        before = v.balanceOf(self.who(who))
        getattr(v, "mint(uint256,address,address)")(shares, self.who(who), self.who(who), sender=self.who(who))
        assert v.balanceOf(self.who(who)) - before == shares

    @rule(who=actor(*USERS), fraction=st.integers(1, 100))
    def claim_assets(self, who, fraction):
        v = self.c.vault
        claimable_shares, claimable_assets = v.maxRedeem(self.who(who)), v.maxWithdraw(self.who(who))
        shares = claimable_shares * fraction // 100
        if shares == 0:
            return
        before = self.c.weth.balanceOf(self.who(who))
        v.redeem(shares, self.who(who), self.who(who), sender=self.who(who))
        received = self.c.weth.balanceOf(self.who(who)) - before
        # Never more than the claimable assets' pro-rata share (their roll price, rounded down).
        assert received <= claimable_assets * shares // claimable_shares

    @rule(who=actor(*USERS), assets=st.integers(1, 100 * ONE), whale=st.booleans())
    def donate(self, who, assets, whale):
        """A user's donation, or (`whale`) the whale's whole cash: invested assets past the cap (deposits are then
        refused) and past the auction's bounds at the next roll (it then writes nothing: "supply too large")."""
        weth = self.c.weth
        if whale:
            whale_ = self.who("whale")
            if not weth.blacklisted(whale_) and weth.balanceOf(whale_):
                weth.transfer(self.c.vault, weth.balanceOf(whale_), sender=whale_)
            return
        weth.transfer(self.c.vault, assets, sender=self.who(who))

    # -- the roll -----------------------------------------------------------------------------------------------------

    @rule(
        price=st.one_of(st.integers(2_000 * ONE, 3_300 * ONE), st.integers(3_301 * ONE, 6_000 * ONE)),
        pause=st.sampled_from((None, True, False)),
        wrong_first=st.booleans(),
        treasury_listed=st.sampled_from((None, True, False)),
    )
    def roll(self, price, pause, wrong_first, treasury_listed):
        """The first roll after the open series' expiry (at once if none is open); the guardian may pause or resume
        (`pause`), and the token blacklist or clear the fee recipient (`treasury_listed`), in the same block, just
        before it. The keeper passes the open auction's clearing price (the auction's view), in case nobody finished
        it; a wrong one (`wrong_first`) is refused and changes nothing."""
        if treasury_listed is not None:
            self.token_blacklists("treasury", treasury_listed)
        self._roll(price, pause, wrong_first)

    def _roll(self, price, pause, wrong_first):
        c, v = self.c, self.c.vault
        d = self.who("deployer")
        series = v.current_series()
        closing = self._sale_of(series)
        payout = False
        if series:
            expiry = v.current_expiry()
            self.chain.set_time(max(self.chain.timestamp, expiry + 60))
            c.spot.set(price, expiry, sender=d)  # the round current at expiry
            record_expiry(c.router, c.weth, c.usdc, expiry, d)
            self.chain.warp(DISPUTE)
            payout = price > c.engine.series(series)[7]  # above the call's strike
        if pause is not None:
            v.set_paused(pause, sender=self.who("guardian"))
        paused = v.paused()
        claimable_before = {u: v.maxRedeem(self.who(u)) for u in self.asked_to_leave}
        aid = v.current_auction()
        unfinished = self.sales[aid] if aid else None
        hint = c.auction.clearingPriceOf(aid) if aid else 0
        if unfinished is not None:
            assert hint == self._model(unfinished).price  # the view is the brute-force clearing price
        roll = getattr(v, "roll(uint256)")
        keeper = self.who("keeper")
        if wrong_first and unfinished is not None and unfinished.clearing is None:
            before = self._fingerprint(unfinished)
            with reverts("WrongClearingPrice(uint256)", hint + 1):
                roll(hint + 1, sender=keeper)
            assert self._fingerprint(unfinished) == before
        # Every due roll succeeds, whatever the bidders, the settler, the pricer, the fee recipient and the guardian
        # do (a revert here fails the machine).
        receipt = roll.transact(hint, sender=keeper)
        events = self.chain.events(receipt)
        if unfinished is not None:  # nobody finished the auction: the roll did
            self._finished(unfinished, receipt)
            event("the roll finished the auction")
        else:
            assert not [e for e in events if e.name == "AuctionFinished"]
        if closing is not None:  # the vault redeemed the unsold options it held; it holds none of the old series
            closing.held = 0
            assert closing.token.balanceOf(v) == 0 and v.unsold_held() == 0
            assert c.engine.collateralOf(series, v) == 0 and c.engine.isSettled(series)
        # Every redemption asked for since the last roll, paused or not, is now claimable at this roll's price.
        for u, shares in self.asked_to_leave.items():
            assert v.maxRedeem(self.who(u)) == claimable_before[u] + shares
            assert v.pendingRedeemRequest(0, self.who(u)) == 0  # every request is id 0 (ERC-7540 aggregated)
        if self.asked_to_leave:
            event("roll paid a redemption while paused" if paused else "roll paid a redemption")
        self.asked_to_leave = {}
        event("roll with an in-the-money payout" if payout else "roll without payout")
        # It settled every pending request.
        assert v.total_pending_deposits() == 0 and v.total_pending_redeem_shares() == 0
        self._check_the_new_auction(events, paused)
        # Roll to roll, only a payout may lower the share price (no management fee here; performance fee on gains
        # only). Requests settled at a roll move it by rounding only, always in the vault's favour.
        assets, supply = v.roll_price(v.epoch() - 1)
        price = (assets + 1, supply + OFFSET)
        if self.last_price is not None and not payout:
            previous = self.last_price
            assert price[0] * previous[1] >= previous[0] * price[1] - price[1] - previous[1]
        self.last_price = price

    def _why_not_written(self, invested: int, paused: bool) -> str | None:
        """'' when the roll writes nothing silently (no pricer or nothing invested), a reason when it says why,
        None when it writes the next series."""
        if not self.pricer_on or invested == 0:
            return ""
        if paused:
            return "paused"
        if invested > MAX_SIZE or self._min_bid(invested) > MAX_MIN_BID:
            return "supply too large"
        value, mode = self.pricer
        if mode != 0 or value == 0 or value > MAX_VALUE:  # zero is no price
            return "pricing failed"
        if self._reserve(value) > MAX_PRICE:
            return "reserve too large"
        return None

    def _min_bid(self, supply: int) -> int:
        return max(ceil_div(supply * self.terms[2], 10_000), 1)

    def _reserve(self, value: int) -> int:
        return max(ceil_div(value * (10_000 - self.terms[0]), 10_000), 1)  # rounded up: a floor the vault keeps

    def _check_the_new_auction(self, events, paused) -> None:
        """Options are written exactly when not paused and the pricer's value is usable, all of the invested assets,
        to the vault, and offered in full at the discounted reserve with the bid floor and window set."""
        c, v = self.c, self.c.vault
        invested = v.invested_at_roll()
        started = [e.args for e in events if e.name == "AuctionStarted"]
        skipped = [e.args["reason"] for e in events if e.name == "OptionsNotWritten"]
        why = self._why_not_written(invested, paused)
        if why is not None:
            assert (started, skipped) == ([], [why] if why else [])
            assert (v.current_series(), v.current_auction(), v.current_expiry()) == (0, 0, 0)
            self.latest = None
            event(f"roll wrote nothing: {why or 'nothing invested'}")
            return
        [s] = started
        assert skipped == []
        reserve = self._reserve(self.pricer[0])
        now = self.chain.timestamp
        duration = self.terms[1]
        min_bid = self._min_bid(invested)
        assert (s["options"], s["reserve"], s["end"]) == (invested, reserve, now + duration)
        assert (v.current_auction(), v.current_series()) == (s["auction"], s["series"])
        terms = self._auction(s["auction"])
        token = Contract(self.chain, c.engine.tokenOf(s["series"]), self._option_abi)
        parties = (terms["seller"], terms["sold"], terms["cash"])
        assert tuple(a.lower() for a in parties) == (v.address.lower(), token.address.lower(), c.weth.address.lower())
        assert (terms["minBidSize"], terms["supply"], terms["reserve"]) == (min_bid, invested, reserve)
        assert terms["end"] == now + duration
        assert token.balanceOf(c.auction) == token.totalSupply() == invested  # all of them offered
        sale = Sale(s["auction"], s["series"], token, invested, reserve, min_bid, now + duration, v.current_expiry())
        self.sales[sale.aid] = self.latest = sale
        event("roll opened an auction")

    def _sale_of(self, series: int) -> Sale | None:
        return next((s for s in self.sales.values() if s.series == series), None) if series else None

    # -- invariants ---------------------------------------------------------------------------------------------------

    @invariant()
    def assets_are_idle_plus_locked_minus_pending_minus_reserved_minus_owed_fees(self):
        c = self.c
        v = c.vault
        locked = c.engine.collateralOf(v.current_series(), v) if v.current_series() else 0
        held = c.weth.balanceOf(v) + locked
        assert held == v.totalAssets() + v.total_pending_deposits() + v.reserved_for_redemptions() + v.fees_owed()

    @invariant()
    def claimable_and_pending_sum_to_what_the_vault_holds_for_them(self):
        v = self.c.vault
        epoch = v.epoch()
        assert sum(v.pendingDepositRequest(0, self.who(u)) for u in USERS) == v.total_pending_deposits()
        assert sum(v.pendingRedeemRequest(0, self.who(u)) for u in USERS) == v.total_pending_redeem_shares()
        for u in USERS:  # requestId 0 holds everything; no other id has a request (ERC-7540 "Request Ids")
            assert v.claimableDepositRequest(0, self.who(u)) == v.maxDeposit(self.who(u))
            assert v.claimableRedeemRequest(0, self.who(u)) == v.maxRedeem(self.who(u))
            for other in (1, epoch - 1, epoch):
                assert v.pendingDepositRequest(other, self.who(u)) == v.claimableDepositRequest(other, self.who(u)) == 0
                assert v.pendingRedeemRequest(other, self.who(u)) == v.claimableRedeemRequest(other, self.who(u)) == 0
        assert sum(v.maxMint(self.who(u)) for u in USERS) <= v.unclaimed_deposit_shares()
        assert sum(v.maxWithdraw(self.who(u)) for u in USERS) <= v.reserved_for_redemptions()

    @invariant()
    def options_exist_only_as_sold_to_winners_or_held_for_them(self):
        """Every option of every series the vault wrote is a winner's fill (claimed, or held for it by the auction),
        or in the auction's supply until the vault finishes it, or unsold and held by the vault (unsold_held, only
        when finished at or after expiry, until the roll redeems it). Before expiry unsold options are burned."""
        c, v = self.c, self.c.vault
        current = self._sale_of(v.current_series())
        assert v.unsold_held() == (current.held if current else 0)
        for sale in self.sales.values():
            token = sale.token
            in_auction = sale.in_auction()
            assert token.balanceOf(c.auction) == in_auction
            assert token.balanceOf(v) == sale.held  # the vault holds no option of its own otherwise
            for who, amount in sale.holders.items():
                assert token.balanceOf(self.who(who)) == amount
            assert token.totalSupply() == in_auction + sale.held + sum(sale.holders.values())

    @invariant()
    def the_vaults_collateral_is_the_open_series_supply(self):
        """Fully collateralized calls: the vault's locked collateral is one WETH per option of its open series
        outstanding, and every settled series still holds the payout of its outstanding options."""
        c, v = self.c, self.c.vault
        series = v.current_series()
        if series:
            sale = self._sale_of(series)
            supply = sale.token.totalSupply()
            assert c.engine.collateralOf(series, v) == c.engine.written(series, v) == supply
        for sale in self.sales.values():
            if sale.series != series:
                assert c.engine.seriesCollateral(sale.series) >= c.engine.payoutFor(
                    sale.series, sale.token.totalSupply()
                )

    @invariant()
    def the_auction_holds_every_escrow_not_paid_out(self):
        escrowed = sum(sale.escrowed for sale in self.sales.values())
        assert self.c.weth.balanceOf(self.c.auction) == escrowed - self.cash_out

    @invariant()
    def a_full_auction_demands_its_whole_supply(self):
        """Bids at the cap (each at least the floor, at or above the reserve) demand at least the supply: a griefer
        who fills the cap buys everything at a price the vault accepted."""
        sale = self.latest
        if sale is not None and len(sale.bids) == MAX_BIDS:
            assert sum(size for _, size, _ in sale.bids) >= sale.supply


TYPES = (
    "MockERC20",
    "MockRestrictedERC20",
    "MockPriceSource",
    "OracleRouter",
    "OptionsEngine",
    "OptionToken",
    "PercentOtmStrikeSelector",
    "BatchAuction",
    "MockOptionPricer",
)


@pytest.fixture(scope="module", autouse=True)
def _types(project):
    from strikeforge.fuzz.artifacts import from_project

    VaultMachine.types = from_project(project, *TYPES, "ThetaVault")


TestVaultInvariants = VaultMachine.TestCase
# Three times the profile's examples (ci: 300, about 15 s here): an example reaches a claim, an outbid's refund or a
# late finish only through a few specific steps.
TestVaultInvariants.settings = settings(max_examples=3 * settings.default.max_examples)
