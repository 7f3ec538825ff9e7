"""LedgerAuctionDesk against hostile actors: a Hypothesis state machine on the in-process engine (issue 18 §3).

The world: the OptionsEngine with three series (1: a put far from expiry, 2: a put expiring within the examples'
reach, 3: a call), a SettlementLedger in USDC, a BatchAuction with a small bid cap, and the desk. A seller writes
puts and auctions them; three ledger accounts bid from their ledger cash (withdrawal requests of any size, then
withdrawAndCall with the exact escrow, a wrong amount, wrong series ids, other auctions, extreme sizes and prices,
outbids of a full book); a wallet bidder bids and outbids them; a stranger is hostile: it calls the desk's callback
and the accounts' bidders directly (with the escrow sent along), claims other accounts' bids, twice, under wrong
series, and sends tokens to the desk. Time jumps past bidding ends and past the near series' expiry, so fills arrive
after expiry and are owed.

Invariants after every step:
1. each account's ledger cash and option inventory equal the model exactly: cash leaves only by its own bid, for
   exactly the escrow, and returns as its refunds (and outbid escrows); options arrive as its own fills;
2. the ledger's cash == the sum of its accounts' balances; its option tokens == the sum of positions;
3. the desk holds, per token, exactly what it owes plus what was sent to it by mistake; the accounts' bidders hold
   nothing;
4. a delivery goes to the bids' own account, never to the caller; a ready, exact, valid bid succeeds; everything
   else reverts and moves nothing.

`tests/settlement/test_ledger_desk_mutants.py` breaks each of these rules in the desk and shows this machine fails.
"""

from __future__ import annotations

from typing import ClassVar

import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import initialize, invariant, precondition, rule

from strikeforge.fuzz.abi import ContractABI
from strikeforge.fuzz.chain import Contract
from strikeforge.fuzz.errors import RevertError
from strikeforge.fuzz.machine import ChainMachine
from tests.options.fixtures import ONE, engine_options_stack, next_expiry
from tests.settlement.desk import bid_data, escrow_of

WINDOW = 3_600
DELAY = 2 * WINDOW
ESCAPE = 400 * 86_400
BOND = 10**18
USDC = 10**6
MAX_UINT = 2**256 - 1
MAX_BIDS = 4
ACCOUNTS = ("l0", "l1", "l2")
FAR_PUT, NEAR_PUT, CALL = 1, 2, 3
CASH = 10**12 * USDC  # each account's ledger deposit


class LedgerDeskMachine(ChainMachine):
    ACTORS = ("seller", "wallet", "stranger", *ACCOUNTS)
    types: ClassVar[dict] = {}

    @classmethod
    def deploy(cls, chain, actors):
        d, t = actors["deployer"], cls.contract_type
        stack = engine_options_stack(chain, t, d)
        cash, weth, engine = stack["usdc"], stack["weth"], stack["engine"]
        engine.grantRole(engine.SERIES_CREATOR_ROLE(), d, sender=d)
        far, near = next_expiry(chain.timestamp, weeks=30), next_expiry(chain.timestamp)
        engine.createSeries(weth, cash, 3_000 * ONE, far, True, sender=d)
        engine.createSeries(weth, cash, 3_000 * ONE, near, True, sender=d)
        engine.createSeries(weth, cash, 3_000 * ONE, far, False, sender=d)
        ledger = chain.deploy(t("SettlementLedger"), cash, engine, WINDOW, BOND, ESCAPE, DELAY, d, d, sender=d)
        auction = chain.deploy(t("BatchAuction"), MAX_BIDS, sender=d)
        desk = chain.deploy(t("LedgerAuctionDesk"), ledger, auction, sender=d)
        seller = actors["seller"]
        weth.mint(seller, 10**12 * ONE, sender=d)
        cash.mint(seller, 10**24, sender=d)
        weth.approve(engine, MAX_UINT, sender=seller)
        cash.approve(engine, MAX_UINT, sender=seller)
        contracts = {"ledger": ledger, "auction": auction, "desk": desk, "cash": cash, "weth": weth, "engine": engine}
        for series in (FAR_PUT, NEAR_PUT, CALL):
            address = engine.tokenOf(series)
            token = Contract(chain, address, ContractABI.from_contract_type(t("OptionToken")))
            chain.deployed[address.lower()] = token.abi
            token.approve(auction, MAX_UINT, sender=seller)
            contracts[f"token{series}"] = token
        for label in ACCOUNTS:
            cash.mint(actors[label], CASH, sender=d)
            cash.approve(ledger, MAX_UINT, sender=actors[label])
            ledger.deposit(CASH, sender=actors[label])
        for label in ("wallet", "stranger"):
            cash.mint(actors[label], 10**40, sender=d)
            cash.approve(auction, MAX_UINT, sender=actors[label])
        return contracts

    def __init__(self):
        super().__init__()
        self.auctions: dict[int, dict] = {}
        self.cash = dict.fromkeys(ACCOUNTS, CASH)  # model: ledger cash
        self.positions = {(a, s): 0 for a in ACCOUNTS for s in (FAR_PUT, NEAR_PUT, CALL)}
        self.requests = dict.fromkeys(ACCOUNTS, (0, 0))  # (amount, requestedAt)
        self.owed = {(a, s): 0 for a in ACCOUNTS for s in (FAR_PUT, NEAR_PUT, CALL)}
        self.started = self.chain.timestamp
        self.strays = {"cash": 0, FAR_PUT: 0, NEAR_PUT: 0, CALL: 0}  # sent to the desk by mistake

    # -- helpers ----------------------------------------------------------------------------------------------------

    def token(self, series):
        return getattr(self.c, f"token{series}")

    def bidder_of(self, label) -> str:
        return self.c.desk.bidderOf(self.who(label))

    def expiry(self, series) -> int:
        return self.c.engine.series(series)[2]

    def snapshot_state(self):
        return (
            [self.c.ledger.balanceOf(self.who(a)) for a in ACCOUNTS],
            [self.c.ledger.withdrawals(self.who(a)) for a in ACCOUNTS],
            [self.c.ledger.positionOf(self.who(a), s) for a in ACCOUNTS for s in (FAR_PUT, NEAR_PUT, CALL)],
            self.c.cash.balanceOf(self.c.desk),
        )

    def expect_revert(self, call, *args, **kwargs):
        before = self.snapshot_state()
        with pytest.raises(RevertError):
            call(*args, **kwargs)
        assert self.snapshot_state() == before

    # -- rules ------------------------------------------------------------------------------------------------------

    @initialize(
        series=st.sampled_from([FAR_PUT, NEAR_PUT]),
        bids=st.lists(st.tuples(st.sampled_from(ACCOUNTS), st.sampled_from([1, 2, 3]), st.integers(0, 3)), max_size=3),
    )
    def open_an_auction(self, series, bids):
        """Every example starts with a put auction in the ledger's cash, open for many withdrawal delays (of the
        near series too: its fills are claimed after expiry once time jumps), and up to three honest ledger bids."""
        self.create(series, 10 * ONE, 100 * USDC, 10 * DELAY, False)
        for who, share, step in bids:
            self.honest_ledger_bid(who, share, step, False, 0)

    @rule(
        series=st.sampled_from([FAR_PUT, NEAR_PUT, CALL]),
        supply=st.sampled_from([1, 10 * ONE, 10**6 * ONE]),
        reserve=st.sampled_from([1, 100 * USDC, 10**9 * USDC]),
        duration=st.sampled_from([DELAY + 1, 3 * DELAY, 10 * DELAY]),
        weth_cash=st.booleans(),
    )
    def create(self, series, supply, reserve, duration, weth_cash):
        if self.chain.timestamp + duration >= self.expiry(series):
            return
        self.c.engine.write(series, supply, self.who("seller"), sender=self.who("seller"))
        cash = self.c.weth if weth_cash else self.c.cash
        end = self.chain.timestamp + duration
        self.c.auction.createAuction(
            self.token(series), cash, supply, reserve, max(1, supply // 8), end, sender=self.who("seller")
        )
        aid = self.c.auction.auctionCount()
        self.auctions[aid] = {
            "series": series,
            "usdc": not weth_cash,
            "reserve": reserve,
            "min": max(1, supply // 8),
            "end": end,
            "slots": [],  # (owner label or "wallet"/"stranger", size, limit, via_ledger)
            "outbids": [],
            "claimed": set(),
            "outbid_claimed": set(),
            "settled": False,
        }

    @precondition(lambda self: self.auctions)
    @rule(
        who=st.sampled_from(ACCOUNTS),
        planned=st.booleans(),
        size_share=st.sampled_from([1, 2, 8]),
        step=st.integers(0, 3),
        extra=st.sampled_from([0, 1, -1, 10**30]),
    )
    def request(self, who, planned, size_share, step, extra):
        """A withdrawal request: the escrow of a bid the account plans (plus a wrong amount sometimes), or any."""
        a = self.auctions[max(self.auctions)]
        size = max(a["min"], a["min"] * size_share)
        limit = a["reserve"] + step
        amount = max(1, escrow_of(size, limit) + extra) if planned else max(1, extra)
        if amount >= 2**128:
            self.expect_revert(self.c.ledger.requestWithdrawal, amount, sender=self.who(who))
            return
        self.c.ledger.requestWithdrawal(amount, sender=self.who(who))
        self.requests[who] = (amount, self.chain.timestamp)

    @precondition(lambda self: self.auctions)
    @rule(
        who=st.sampled_from(ACCOUNTS),
        pick=st.integers(0, 10),
        size_mode=st.sampled_from(["min", "double", "dust", "huge", "request"]),
        step=st.integers(-1, 3),
        amount_mode=st.sampled_from(["escrow", "escrow", "plus", "minus"]),
        series_mode=st.sampled_from(["right", "right", "right", "other", "zero", "unknown"]),
        replace=st.booleans(),
        slot=st.integers(0, MAX_BIDS),
    )
    def ledger_bid(self, who, pick, size_mode, step, amount_mode, series_mode, replace, slot):
        ids = sorted(self.auctions)
        aid = ids[pick % len(ids)]
        a = self.auctions[aid]
        limit = max(0, a["reserve"] + step * max(1, a["reserve"] // 4))
        size = {"min": a["min"], "double": 2 * a["min"], "dust": a["min"] - 1, "huge": 2**112}.get(size_mode)
        if size is None:  # the largest size the request pays for at this limit
            size = self.requests[who][0] * ONE // max(1, limit)
        escrow = escrow_of(size, limit) if size < 2**112 and limit < 2**104 else 0
        amount = {"escrow": escrow, "plus": escrow + 1, "minus": max(0, escrow - 1)}[amount_mode]
        series = {"right": a["series"], "other": CALL if a["series"] != CALL else FAR_PUT, "zero": 0, "unknown": 9}[
            series_mode
        ]
        self._attempt(who, aid, size, limit, amount, series, replace, slot)

    @precondition(lambda self: self.auctions)
    @rule(
        who=st.sampled_from(ACCOUNTS),
        size_share=st.sampled_from([1, 2, 3]),
        step=st.integers(0, 3),
        replace=st.booleans(),
        slot=st.integers(0, MAX_BIDS - 1),
        overpay=st.sampled_from([0, 0, 0, 1, 10**6]),
        wrong_series=st.sampled_from([None, None, None, FAR_PUT, NEAR_PUT, CALL]),
    )
    def honest_ledger_bid(self, who, size_share, step, replace, slot, overpay=0, wrong_series=None):
        """The honest path: request exactly the escrow, wait the delay, bid in the newest auction (outbidding a slot
        of a full book with a dominating bid). Sometimes the request and the withdrawal overpay the escrow, or the
        data names another series: refused, nothing moves."""
        aid = max(self.auctions)
        a = self.auctions[aid]
        full = len(a["slots"]) >= MAX_BIDS
        old = a["slots"][slot] if full else (None, 0, 0, False)
        size = max(a["min"] * size_share, old[1])
        limit = max(a["reserve"], old[2] + 1 if full else 0) + step * max(1, a["reserve"] // 4)
        escrow = escrow_of(size, limit)
        if escrow == 0 or escrow >= 2**128:
            return
        self.c.ledger.requestWithdrawal(escrow + overpay, sender=self.who(who))
        self.requests[who] = (escrow + overpay, self.chain.timestamp)
        self.chain.warp(DELAY)
        series = a["series"] if wrong_series is None else wrong_series
        self._attempt(who, aid, size, limit, escrow + overpay, series, full and replace, slot)

    def _attempt(self, who, aid, size, limit, amount, series, replace, slot):
        """withdrawAndCall into the desk: it succeeds exactly when the request is ready and covers the exact escrow,
        the account holds it, and the bid is valid in an auction in the ledger's cash of that series."""
        a = self.auctions[aid]
        escrow = escrow_of(size, limit) if size < 2**112 and limit < 2**104 else 0
        data = bid_data(aid, series, size, limit, replace, slot)
        requested, at = self.requests[who]
        full = len(a["slots"]) >= MAX_BIDS
        old = a["slots"][slot] if replace and slot < len(a["slots"]) else None
        ok = (
            escrow > 0
            and amount == escrow
            and 0 < amount <= requested
            and self.chain.timestamp >= at + DELAY
            and amount <= self.cash[who]
            and a["usdc"]
            and series == a["series"]
            and self.chain.timestamp < a["end"]
            and a["min"] <= size < 2**112
            and a["reserve"] <= limit < 2**104
            and (
                (not replace and not full)
                or (replace and full and old is not None and limit > old[2] and size >= old[1])
            )
        )
        if not ok:
            if amount == 0:
                return  # ZeroAmount: nothing to check beyond the ledger's own tests
            self.expect_revert(self.c.ledger.withdrawAndCall, self.c.desk, amount, data, sender=self.who(who))
            event("ledger bid refused")
            return
        bidder = self.bidder_of(who)
        self.c.ledger.withdrawAndCall(self.c.desk, amount, data, sender=self.who(who))
        self.cash[who] -= escrow
        self.requests[who] = (requested - escrow, at)
        if replace:
            a["outbids"].append(old)
            a["slots"][slot] = (who, size, limit, True)
        else:
            a["slots"].append((who, size, limit, True))
        assert self.c.auction.bidderId(bidder) != 0
        event("ledger bid placed" + (" (outbid)" if replace else ""))

    @precondition(lambda self: self.auctions)
    @rule(who=st.sampled_from(["wallet", "stranger"]), step=st.integers(0, 4), slot=st.integers(0, MAX_BIDS - 1))
    def wallet_bid(self, who, step, slot):
        """A wallet bid, or, in a full book, a dominating outbid of a slot (often an account's ledger bid)."""
        aid = max(self.auctions)
        a = self.auctions[aid]
        if self.chain.timestamp >= a["end"] or not a["usdc"]:
            return
        limit = a["reserve"] + step * max(1, a["reserve"] // 4)
        if len(a["slots"]) < MAX_BIDS:
            self.c.auction.bid(aid, a["min"], limit, sender=self.who(who))
            a["slots"].append((who, a["min"], limit, False))
            return
        old = a["slots"][slot]
        if limit <= old[2] or limit >= 2**104:
            return
        size = max(old[1], a["min"])
        self.c.auction.outbid(aid, slot, size, limit, sender=self.who(who))
        a["outbids"].append(old)
        a["slots"][slot] = (who, size, limit, False)
        event("wallet outbid")

    @rule(seconds=st.sampled_from([1, WINDOW, DELAY, 10 * DELAY, 30 * 86_400]))
    def warp(self, seconds):
        if self.chain.timestamp + seconds < self.started + ESCAPE // 2:  # never into escape mode (its exits differ)
            self.chain.warp(seconds)

    @precondition(lambda self: self.auctions)
    @rule(pick=st.integers(0, 10), wait=st.booleans())
    def settle(self, pick, wait):
        """Anyone settles an ended auction (waiting for its end first, sometimes)."""
        ids = sorted(self.auctions)
        aid = ids[pick % len(ids)]
        a = self.auctions[aid]
        if wait and self.chain.timestamp < a["end"]:
            self.chain.warp(a["end"] - self.chain.timestamp)
        if a["settled"] or self.chain.timestamp < a["end"]:
            return
        self.c.auction.settle(aid, self.c.auction.clearingPriceOf(aid), sender=self.who("stranger"))
        a["settled"] = True
        event("settled")

    @precondition(lambda self: self.auctions)
    @rule(
        caller=st.sampled_from(["stranger", *ACCOUNTS]),
        account=st.sampled_from(ACCOUNTS),
        pick=st.integers(0, 10),
        mode=st.sampled_from(["own", "own", "theirs", "again", "wrong series"]),
    )
    def claim(self, caller, account, pick, mode):
        """Anyone claims an account's settled bids into the ledger; others' bids, claimed ones, unsettled auctions
        and wrong series revert and move nothing."""
        ready = [
            (aid, who)
            for aid, a in sorted(self.auctions.items())
            for who in ACCOUNTS
            if a["settled"] and any(s[0] == who and s[3] and i not in a["claimed"] for i, s in enumerate(a["slots"]))
        ]
        if mode == "own" and ready:
            aid, account = ready[pick % len(ready)]
        else:
            ids = sorted(self.auctions)
            aid = ids[pick % len(ids)]
        a = self.auctions[aid]
        mine = [i for i, s in enumerate(a["slots"]) if s[0] == account and s[3]]
        theirs = [i for i, s in enumerate(a["slots"]) if not (s[0] == account and s[3])]
        todo = [i for i in mine if i not in a["claimed"]]
        series = a["series"]
        if mode == "theirs" and theirs:
            bids, ok = theirs[:1], False
        elif mode == "again" and set(mine) & a["claimed"]:
            bids, ok = sorted(set(mine) & a["claimed"])[:1], False
        elif mode == "wrong series" and todo:
            bids, ok, series = todo, False, (CALL if series != CALL else FAR_PUT)
        elif todo:
            bids, ok = todo, a["settled"] and a["usdc"]
        else:
            event("claim: nothing to claim")
            return
        args = (self.who(account), aid, series, bids)
        if not ok:
            self.expect_revert(self.c.desk.claim, *args, sender=self.who(caller))
            return
        outcomes = [self.c.auction.outcomeOf(aid, i) for i in bids]
        filled, refund = sum(o[0] for o in outcomes), sum(o[2] for o in outcomes)
        self.c.desk.claim(*args, sender=self.who(caller))
        a["claimed"].update(bids)
        self.cash[account] += refund
        if filled and self.chain.timestamp >= self.expiry(series):
            self.owed[(account, series)] += filled
            event("fill owed (expired)")
        else:
            self.positions[(account, series)] += filled
        event("claimed into the ledger")

    @precondition(lambda self: self.auctions)
    @rule(caller=st.sampled_from(["stranger", *ACCOUNTS]), late=st.booleans())
    def finish_and_deliver(self, caller, late):
        """The honest end: the newest auction's window ends (or, `late`, thirty days later: past the near series'
        expiry), anyone settles it and delivers every account's bids."""
        aid = max(self.auctions)
        a = self.auctions[aid]
        target = a["end"] + (30 * 86_400 if late else 0)
        if self.chain.timestamp < target and target < self.started + ESCAPE // 2:
            self.chain.warp(target - self.chain.timestamp)
        self.settle(len(self.auctions) - 1, False)
        for who in ACCOUNTS:
            self.claim(caller, who, 0, "own")

    @precondition(lambda self: self.auctions)
    @rule(caller=st.sampled_from(["stranger", *ACCOUNTS]), account=st.sampled_from(ACCOUNTS), again=st.booleans())
    def claim_outbid(self, caller, account, again):
        aid = max(self.auctions)
        a = self.auctions[aid]
        mine = [k for k, s in enumerate(a["outbids"]) if s[0] == account and s[3]]
        done = [k for k in mine if k in a["outbid_claimed"]]
        todo = [k for k in mine if k not in a["outbid_claimed"]]
        if again and done:
            self.expect_revert(self.c.desk.claimOutbid, self.who(account), aid, done[:1], sender=self.who(caller))
            return
        if not todo:
            return
        self.c.desk.claimOutbid(self.who(account), aid, todo, sender=self.who(caller))
        a["outbid_claimed"].update(todo)
        self.cash[account] += sum(escrow_of(a["outbids"][k][1], a["outbids"][k][2]) for k in todo)
        event("outbid refunded into the ledger")

    @rule(who=st.sampled_from(["stranger", *ACCOUNTS]), series=st.sampled_from([FAR_PUT, NEAR_PUT, CALL]))
    def withdraw_owed(self, who, series):
        owed = self.owed.get((who, series), 0)
        to = self.who("stranger")
        if owed == 0:
            self.expect_revert(self.c.desk.withdrawOwed, self.token(series), to, sender=self.who(who))
            return
        before = self.token(series).balanceOf(to)
        self.c.desk.withdrawOwed(self.token(series), to, sender=self.who(who))
        assert self.token(series).balanceOf(to) - before == owed
        self.owed[(who, series)] = 0

    @precondition(lambda self: self.auctions)
    @rule(victim=st.sampled_from(ACCOUNTS), amount=st.sampled_from([None, None, 1, 10**6 * USDC]))
    def stranger_calls_the_callback(self, victim, amount):
        """The stranger sends cash (the bid's exact escrow, mostly) to the desk and calls its callback as if the
        ledger had, for a victim: refused; its cash stays a stray of the desk."""
        aid = max(self.auctions)
        a = self.auctions[aid]
        if amount is None:
            amount = escrow_of(a["min"], a["reserve"])
        self.c.cash.transfer(self.c.desk, amount, sender=self.who("stranger"))
        self.strays["cash"] += amount
        data = bid_data(aid, a["series"], a["min"], a["reserve"])
        self.expect_revert(self.c.desk.onLedgerWithdrawal, self.who(victim), amount, data, sender=self.who("stranger"))

    @precondition(lambda self: any(s[3] for a in self.auctions.values() for s in a["slots"]))
    @rule(victim=st.sampled_from(ACCOUNTS))
    def stranger_commands_a_bidder(self, victim):
        bidder = self.bidder_of(victim)
        if self.c.auction.bidderId(bidder) == 0:
            return
        abi = ContractABI.from_contract_type(self.contract_type("LedgerBidder"))
        contract = Contract(self.chain, bidder, abi)
        aid = max(self.auctions)
        self.expect_revert(contract.claim, aid, [0], sender=self.who("stranger"))
        self.expect_revert(contract.claimOutbid, aid, [0], sender=self.who("stranger"))

    # -- invariants ---------------------------------------------------------------------------------------------------

    @invariant()
    def the_model_holds(self):
        ledger = self.c.ledger
        for who in ACCOUNTS:
            assert ledger.balanceOf(self.who(who)) == self.cash[who], f"{who}'s ledger cash"
            for series in (FAR_PUT, NEAR_PUT, CALL):
                assert ledger.positionOf(self.who(who), series) == self.positions[(who, series)], f"{who} {series}"
                assert self.c.desk.owedOf(self.who(who), self.token(series)) == self.owed[(who, series)]
            bidder = self.bidder_of(who)
            assert self.c.cash.balanceOf(bidder) == 0
            assert all(self.token(s).balanceOf(bidder) == 0 for s in (FAR_PUT, NEAR_PUT, CALL))
        assert self.c.cash.balanceOf(ledger) == sum(self.cash.values())
        assert self.c.cash.balanceOf(self.c.desk) == self.strays["cash"]
        for series in (FAR_PUT, NEAR_PUT, CALL):
            held = sum(self.positions[(who, series)] for who in ACCOUNTS)
            assert self.token(series).balanceOf(ledger) == held
            owed = sum(self.owed[(who, series)] for who in ACCOUNTS)
            assert self.token(series).balanceOf(self.c.desk) == owed + self.strays[series]


TestLedgerDeskMachine = LedgerDeskMachine.TestCase
