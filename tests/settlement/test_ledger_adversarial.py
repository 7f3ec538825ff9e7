"""SettlementLedger against hostile actors: a Hypothesis state machine on the in-process engine (issues 16 and 18).

The ledger trades the OptionsEngine's option tokens: eight engine series (six far from expiry, calls and puts; two,
NEAR_SERIES, expiring within the examples' reach), every trader holding deposited inventory of each.

Actors:
- the sequencer is hostile: a contract that rejects ETH (RejectingForwarder), holding the keys of two sock-puppet
  accounts. Besides honest batches it posts forged, relabelled, reposted, overdrawing, unbalanced, extreme-valued,
  wrong-rooted and maximal batches, raw calldata with aliased, overlapping, out-of-order or truncated encodings,
  high-s signatures, and (issue 18) naked shorts (a puppet selling tokens it does not hold), oversales that only
  earlier unapplied sales or a ready option withdrawal make uncovered, deltas in a column without a series, the same
  series in two columns, unknown and expired series; once it posts a naked short that nobody challenges in its window
  (the watcher asleep) and the short's leaf must then fail to apply (InsufficientBalance);
- three honest traders co-sign only their own honestly netted leaves, deposit cash and option tokens, request cash
  and option withdrawals in the same second as postings (before or after them), withdraw, and exit (in escape mode
  too) by their own actions; after NEAR_SERIES expire anyone redeems them (once; before expiry or before the price
  is final it reverts) and claims any account's share (once, only when the account is settled through the batches
  posted before expiry), and holders withdraw call payouts;
- the watcher (`find_fraud`, the product's code) checks every accepted batch and challenges what it finds, sometimes
  from a contract that rejects ETH;
- a griefing challenger throws every challenge, with genuine data, at every batch inside its window;
- the treasury rejects ETH.

Invariants after every step (the contract header's, issue 16's numbering):
1. an honest account's balance, positions and payouts move only by its own deposits and withdrawals, by applying
   leaves it co-signed for that posting and by its share of an expired series (exact model);
2. no honest batch is reverted, by anyone (checked where a challenge succeeds);
3. every leaf of a final batch applies (checked where leaves are applied; the unwatched naked short excepted, whose
   selling leaf must not), and no account owes more cash or tokens in unapplied debits than it holds;
4. cash held == balances + unapplied leaves' cash + unclaimed cash payouts; ETH held == bonds of valid unreleased
   batches + bonds owed;
5. an honest account can always leave with its cash and tokens within a bounded number of its own transactions
   (honest_exit, escape_exit);
6. the on-chain rebuild of every batch the ledger accepts costs at most 15M gas (measured on each);
7. per series until redeemed, the ledger's tokens == positions + unapplied deltas; no position is negative; after
   redemption claimed <= payout; the WETH held == call payouts owed (payoutOf) + unclaimed call payouts.

`tests/settlement/test_ledger_mutants.py` reverts each of the review's fixes in the contract and shows this machine
fails on each.
"""

from __future__ import annotations

import random
from typing import ClassVar

from coincurve import PublicKey
from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak
from hypothesis import event, note
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from strikeforge.fuzz.abi import ContractABI
from strikeforge.fuzz.chain import Contract
from strikeforge.fuzz.errors import HaltError, RevertError
from strikeforge.fuzz.machine import ChainMachine
from strikeforge.settlement.cosign import Posting, apply_args, batch_calldata, leaf_args, proof_args, typed_data
from strikeforge.settlement.netting import Trade, net
from strikeforge.settlement.tree import Leaf, MerkleSumTree
from strikeforge.settlement.watcher import find_fraud
from tests.options.fixtures import DISPUTE, ONE, engine_options_stack, next_expiry, record_expiry
from tests.settlement.fakes import KEYS
from tests.settlement.signing import domain_separator, high_s, leaf_digest, sign_digest

WINDOW = 3_600
DELAY = 2 * WINDOW  # the withdrawal delay, and the notice after which a request counts against new batches
ESCAPE = 10 * 86_400
BOND = 10**18
USDC = 10**6
REBUILD_GAS_LIMIT = 15_000_000
MAX_UINT = 2**256 - 1
INT256_MIN, INT256_MAX = -(2**255), 2**255 - 1
# Engine series 1..8 (created in this order): (strike, put, near). 1-6 expire far beyond any warp; 7 and 8 at NEAR
# (the first Friday 08:00 at least a day after deployment), which `expire` reaches.
SERIES_SPECS = (
    (3_000 * ONE, False, False),
    (3_500 * ONE, False, False),
    (3_000 * ONE, True, False),
    (2_500 * ONE, True, False),
    (4_000 * ONE, False, False),
    (2_000 * ONE, True, False),
    (3_000 * ONE, False, True),
    (3_000 * ONE, True, True),
)
ALL_SERIES = tuple(range(1, len(SERIES_SPECS) + 1))
NEAR_SERIES = (7, 8)  # a call (pays WETH) and a put (pays USDC, the ledger's cash)
SERIES_SETS = ([1, 2, 3, 4], [5, 6, 1, 2], [1, 2, 3, 6], [7, 8, 1, 0], [0, 3, 0, 7])
INVENTORY = 100 * ONE  # option tokens of each series every trader deposits at deployment
HONEST = ("h0", "h1", "h2")
PUPPETS = ("p0", "p1")  # the sequencer holds their keys
TRADERS = HONEST + PUPPETS
KEY_OF = dict(zip(TRADERS, KEYS[:5], strict=True))
EXTREMES = (INT256_MIN, INT256_MIN + 1, -(2**127), -(2**127) + 1, 2**127 - 1, 2**127, 2**254, INT256_MAX)

trades = st.lists(
    st.tuples(
        st.integers(0, 3),  # series column
        st.integers(0, len(TRADERS) - 1),  # buyer
        st.integers(1, len(TRADERS) - 1),  # seller offset (never the buyer)
        st.integers(1, 5 * 10**18),  # size
        st.integers(0, 3_000 * USDC),  # price per 1e18
    ),
    min_size=1,
    max_size=5,
)


class AdversarialLedgerMachine(ChainMachine):
    ACTORS = ("operator", "watcher", "griefer", "anyone", "writer")
    OLD_LEAF_TYPE: ClassVar[bool] = False  # the H-3 mutation check signs the type before the fix
    types: ClassVar[dict] = {}

    @classmethod
    def deploy(cls, chain, actors):
        d, t = actors["deployer"], cls.contract_type
        stack = engine_options_stack(chain, t, d)
        cash, weth, engine = stack["usdc"], stack["weth"], stack["engine"]
        engine.grantRole(engine.SERIES_CREATOR_ROLE(), d, sender=d)
        far, near = next_expiry(chain.timestamp, weeks=30), next_expiry(chain.timestamp)
        for strike, is_put, is_near in SERIES_SPECS:
            engine.createSeries(weth, cash, strike, near if is_near else far, is_put, sender=d)
        sequencer = chain.deploy(t("RejectingForwarder"), sender=actors["operator"])
        rejecting_challenger = chain.deploy(t("RejectingForwarder"), sender=actors["watcher"])
        treasury = chain.deploy(t("RejectingForwarder"), sender=d)
        ledger = chain.deploy(t("SettlementLedger"), cash, engine, WINDOW, BOND, ESCAPE, DELAY, treasury, d, sender=d)
        ledger.grantRole(ledger.SEQUENCER_ROLE(), sequencer, sender=d)
        writer = actors["writer"]  # writes every option the traders deposit (pays the collateral)
        weth.mint(writer, 10**12 * ONE, sender=d)
        cash.mint(writer, 10**18 * USDC, sender=d)
        weth.approve(engine, MAX_UINT, sender=writer)
        cash.approve(engine, MAX_UINT, sender=writer)
        tokens = {}
        for series in ALL_SERIES:
            address = engine.tokenOf(series)
            tokens[f"token{series}"] = Contract(chain, address, ContractABI.from_contract_type(t("OptionToken")))
            chain.deployed[address.lower()] = tokens[f"token{series}"].abi
        for label in TRADERS:
            actors[label] = chain.actor(label, address=KEY_OF[label].address)
            cash.mint(actors[label], 10**9 * USDC, sender=d)
            cash.approve(ledger, MAX_UINT, sender=actors[label])
            ledger.deposit(50_000 * USDC, sender=actors[label])
            for series in ALL_SERIES:
                engine.write(series, INVENTORY, actors[label], sender=writer)
                tokens[f"token{series}"].approve(ledger, MAX_UINT, sender=actors[label])
                ledger.depositOptions(series, INVENTORY, sender=actors[label])
        trees = Contract(chain, ledger.TREES(), ContractABI.from_contract_type(t("BatchTrees")))
        chain.deployed[trees.address.lower()] = trees.abi
        return {
            "trees": trees,  # the ledger's BatchTrees: challengeData's rebuild, callable by anyone
            "cash": cash,
            "weth": weth,
            "engine": engine,
            "spot": stack["spot"],
            "router": stack["router"],
            "ledger": ledger,
            "sequencer": sequencer,
            "rejecting_challenger": rejecting_challenger,
            "treasury": treasury,
            **tokens,
        }

    def __init__(self):
        super().__init__()
        ledger = self.c.ledger
        self.separator = domain_separator(self.chain.chain_id, ledger.address)
        self.batches: list[dict] = []  # valid batches, in id order
        self.model_cash = {h: ledger.balanceOf(self.who(h)) for h in HONEST}
        self.model_positions: dict[tuple[str, int], int] = {
            (self._addr(h), series): ledger.positionOf(self.who(h), series) for h in HONEST for series in ALL_SERIES
        }
        self.model_payouts = dict.fromkeys(HONEST, 0)  # WETH payouts of expired calls owed to each honest account
        self.near = self.c.engine.series(NEAR_SERIES[0])[2]  # the near series' expiry
        self.price_final = False  # the near series' expiry price is recorded and final
        self.redeemed: dict[int, tuple[str, int, int]] = {}  # series -> (asset, tokens, payout)
        self.poisoned = False  # the unwatched naked short stands (its batch never fully applies)
        self.refusal = ""  # the error of the last refused posting
        self.signed: dict[str, set] = {self._addr(h): set() for h in HONEST}  # what each honest account co-signed
        self.pool: list[tuple[Leaf, Posting]] = []  # honest co-signed leaves seen in postings (for reposts)
        self.accounts = {self._addr(label) for label in TRADERS}
        self.posted = 0  # batches the ledger accepted (honest or not), for statistics
        self.rebuild_gas_max = 0

    # ------------------------------------------------------------------------------------------------ helpers

    def _addr(self, label: str) -> str:
        return KEY_OF[label].address.lower()

    def _posting(self, series: list[int]) -> Posting:
        return Posting(self.c.ledger.leavesPosted(), tuple(series))

    def _sign(self, leaf: Leaf, posting: Posting, key=None, separator: bytes | None = None) -> Leaf:
        key = key or next(k for k in KEYS[:5] if k.address.lower() == leaf.account)
        digest = leaf_digest(separator or self.separator, leaf, posting, old_type=type(self).OLD_LEAF_TYPE)
        signed = Leaf(leaf.batch, leaf.account, leaf.cash, leaf.positions, sign_digest(key.key, digest))
        if leaf.account in self.signed and key.address.lower() == leaf.account and separator is None:
            self.signed[leaf.account].add(_signed_key(leaf, posting))
            self.pool.append((signed, posting))
        return signed

    def _seq(self, method: str, *args, value: int = 0):
        """The hostile sequencer (a contract that rejects ETH) calls the ledger."""
        ledger = self.c.ledger
        data = getattr(ledger, method).fn.encode(args)
        return self.c.sequencer.execute(ledger.address, data, sender=self.who("operator"), value=value)

    def _post_raw(self, root: bytes, leaves_root: bytes, series: list[int], data: bytes) -> bool:
        try:
            deadline = self.chain.timestamp + DELAY  # the state it checked is this block's
            nonce = self.c.ledger.leavesPosted()
            self._seq("postBatch", root, leaves_root, series, data, nonce, deadline, value=BOND)
        except RevertError as exc:
            refusals = ("BadEncoding", "BadLeaf", "Unbalanced", "Escaped", "TooManyPending")
            series_refusals = ("InvalidConfig", "UnknownSeries", "SeriesExpired")  # issue 18: the batch's series
            assert exc.error.name in refusals + series_refusals, exc.error
            self.refusal = exc.error.name
            event(f"posting refused: {exc.error.name}")
            return False
        self.posted += 1
        return True

    def _unapplied_debits(self, account: str, before: int | None = None) -> int:
        return sum(
            -leaf.cash
            for b in self.batches
            if before is None or b["number"] < before
            for i, leaf in enumerate(b["leaves"])
            if leaf.account == account and leaf.cash < 0 and i not in b["applied"]
        )

    def _unapplied_sales(self, account: str, series: int, poisoned: bool = True) -> int:
        """The account's sales of `series` in valid batches not applied yet (optionally without the poisoned one)."""
        return sum(
            -leaf.positions[column]
            for b in self.batches
            if poisoned or not b.get("poisoned")
            for column, s in enumerate(b["posting"].series)
            if s == series
            for i, leaf in enumerate(b["leaves"])
            if leaf.account == account and leaf.positions[column] < 0 and i not in b["applied"]
        )

    def _free_tokens(self, account: str, series: int) -> int:
        """What an honest sequencer lets a leaf sell: inventory, less any pending option withdrawal request, less
        the account's unapplied sales of the series."""
        ledger = self.c.ledger
        held = ledger.positionOf(account, series)
        amount, requested_at = ledger.optionWithdrawals(account, series)
        if requested_at:
            held -= min(held, amount)
        return held - self._unapplied_sales(account, series)

    def _inventory(self, posted_at: int):
        """What challengeInventory counts for a batch posted at `posted_at`: a request counts from its readyAt."""
        ledger = self.c.ledger

        def inventory(account: str, series: int) -> int:
            held = ledger.positionOf(account, series)
            amount, requested_at = ledger.optionWithdrawals(account, series)
            if requested_at and requested_at + DELAY <= posted_at:
                held -= min(held, amount)
            return held

        return inventory

    def _sales(self, before: int):
        def sales(account: str, series: int) -> list[tuple[tuple, int]]:
            return [
                (apply_args(b["number"], leaf, b["tree"], i), -leaf.positions[column])
                for b in self.batches
                if b["number"] < before
                for column, s in enumerate(b["posting"].series)
                if s == series
                for i, leaf in enumerate(b["leaves"])
                if leaf.account == account and leaf.positions[column] < 0 and i not in b["applied"]
            ]

        return sales

    def _expired(self, series: int) -> bool:
        return series in NEAR_SERIES and self.chain.timestamp >= self.near

    def _free(self, account: str) -> int:
        """What an honest sequencer lets a leaf debit: balance, less any pending request, less unapplied debits."""
        ledger = self.c.ledger
        balance = ledger.balanceOf(account)
        amount, requested_at = ledger.withdrawals(account)
        if requested_at:
            balance -= min(balance, amount)
        return balance - self._unapplied_debits(account)

    def _available(self, posted_at: int):
        ledger = self.c.ledger

        def available(account: str) -> int:
            balance = ledger.balanceOf(account)
            amount, requested_at = ledger.withdrawals(account)
            if requested_at and requested_at + DELAY <= posted_at:
                balance -= min(balance, amount)
            return balance

        return available

    def _priors(self, before: int):
        def priors(account: str) -> list[tuple]:
            return [
                apply_args(b["number"], leaf, b["tree"], i)
                for b in self.batches
                if b["number"] < before
                for i, leaf in enumerate(b["leaves"])
                if leaf.account == account and leaf.cash < 0 and i not in b["applied"]
            ]

        return priors

    def _batch(self, number: int) -> dict | None:
        return next((b for b in self.batches if b["number"] == number), None)

    def _challenge(self, method: str, args: tuple, by: str) -> bool:
        """A challenge from the watcher, the griefer or the rejecting challenger; True if it reverted a batch."""
        ledger, number = self.c.ledger, args[0]
        try:
            if by == "rejecting":
                data = getattr(ledger, method).fn.encode(args)
                self.c.rejecting_challenger.execute(ledger.address, data, sender=self.who("watcher"))
            else:
                getattr(ledger, method)(*args, sender=self.who(by))
        except RevertError as exc:
            return exc.error.name != "NoFraud" and _unexpected(exc)
        target = self._batch(number)  # None: the batch just posted, not tracked yet (the watcher's own challenge)
        assert target is None or not target["honest"], f"{by} reverted honest batch {number} by {method}"
        self.batches = [b for b in self.batches if b["number"] < number]
        assert ledger.batchCount() == number - 1
        event(f"fraud proven by {method}")
        return True

    def _after_post(self, leaves: list[Leaf], tree: MerkleSumTree | None, posting: Posting, data: bytes, honest: bool):
        """Measure the rebuild, let the watcher check the batch, and track it if it stands."""
        ledger = self.c.ledger
        number = ledger.batchCount()
        root, leaves_root, *_ = ledger.batches(number)
        posted_at, nonce = ledger.postingOf(number)
        assert nonce == posting.nonce, (
            f"batch {number} landed at posting {nonce}; its leaves are signed for {posting.nonce}"
        )
        try:
            trees = self.c.trees
            gas = self.chain.transact(self.who("anyone"), trees, trees.dataRoot.fn.encode((data,))).gas_used
        except HaltError as exc:
            gas = exc.gas_used or self.chain.gas_limit
        except RevertError as exc:
            raise AssertionError(
                f"batch {number}: accepted calldata its own rebuild cannot process ({exc.error})"
            ) from None
        self.rebuild_gas_max = max(self.rebuild_gas_max, gas)
        assert gas <= REBUILD_GAS_LIMIT, f"batch {number}: its on-chain rebuild costs {gas:,} gas"
        fraud = find_fraud(
            number,
            bytes(root),
            bytes(leaves_root),
            data,
            self.chain.chain_id,
            ledger.address,
            posting,
            self._available(posted_at),
            self._priors(number),
            recover=self._recover_old(posting) if type(self).OLD_LEAF_TYPE else None,
            inventory=self._inventory(posted_at),
            prior_sales=self._sales(number),
        )
        if honest:
            assert fraud is None, f"the watcher flags honest batch {number}: {fraud}"
        if fraud is not None:
            by = "rejecting" if number % 2 else "watcher"
            assert self._challenge(fraud.method, fraud.args, by), f"{fraud.kind} fraud in {number} is not provable"
            return
        if tree is None:  # accepted, unflagged data the machine did not build: rebuild it from the calldata
            from strikeforge.settlement.watcher import build

            built = build(data)
            assert built is not None, f"batch {number}: accepted calldata that does not decode"
            leaves, tree = built
        self.accounts |= {leaf.account for leaf in leaves}
        self.batches.append(
            {
                "number": number,
                "leaves": leaves,
                "tree": tree,
                "posting": Posting(nonce, tuple(ledger.seriesOf(number))),
                "posted_at": posted_at,
                "applied": set(),
                "honest": honest,
                "released": False,
            }
        )
        event("honest batch stands" if honest else "hostile batch stands unflagged")

    def _recover_old(self, posting: Posting):
        """H-3's check: the watcher of the world before the fix recovers the co-signature type it had."""

        def recover(leaf: Leaf) -> str | None:
            try:
                digest = leaf_digest(self.separator, leaf, posting, old_type=True)
                key = PublicKey.from_signature_and_message(
                    leaf.signature[:64] + bytes([leaf.signature[64] - 27]), digest, hasher=None
                )
            except Exception:  # a malformed signature recovers to nobody
                return None
            return "0x" + keccak(key.format(compressed=False)[1:])[-20:].hex()

        return recover

    def _trades(self, drawn) -> list[Trade]:
        return [
            Trade(s, self._addr(TRADERS[b]), self._addr(TRADERS[(b + o) % len(TRADERS)]), size, price)
            for s, b, o, size, price in drawn
        ]

    def _honest_leaves(self, number: int, drawn, posting: Posting) -> list[Leaf] | None:
        """The honest sequencer's leaves: trades only in columns with a series, none of an expired series, every
        debit and every sale covered."""
        if any(self._expired(series) for series in posting.series):
            return None
        leaves = net(number, self._trades([d for d in drawn if posting.series[d[0]] != 0]))
        if not leaves or any(leaf.cash < 0 and -leaf.cash > self._free(leaf.account) for leaf in leaves):
            return None
        for leaf in leaves:
            for column, delta in enumerate(leaf.positions):
                if delta < 0 and -delta > self._free_tokens(leaf.account, posting.series[column]):
                    return None
        return [self._sign(leaf, posting) for leaf in leaves]

    def _post_leaves(self, leaves, series, honest, posting, tree=None) -> bool:
        try:
            tree = tree or MerkleSumTree(leaves)
            roots = (tree.root, tree.leaves_root)
        except OverflowError:  # sums beyond int256 at an inner node: a hostile sequencer posts roots of its own
            tree, roots = None, (b"\x01" * 32, b"\x02" * 32)
        data = batch_calldata(leaves)
        if not self._post_raw(*roots, series, data):
            return False
        self._after_post(leaves, tree, posting, data, honest)
        return True

    # ------------------------------------------------------------------------------------------------ traders

    @rule(who=st.sampled_from(TRADERS), amount=st.integers(1, 10**6 * USDC))
    def deposit(self, who, amount):
        self.c.ledger.deposit(amount, sender=self.who(who))
        if who in HONEST:
            self.model_cash[who] += amount

    @rule(who=st.sampled_from(TRADERS), fraction=st.sampled_from([1, 50, 100, 150]))
    def request_withdrawal(self, who, fraction):
        """In the same second as whatever comes next or came before (postings included)."""
        amount = max(1, self.c.ledger.balanceOf(self.who(who)) * fraction // 100)
        self.c.ledger.requestWithdrawal(amount, sender=self.who(who))

    @rule(who=st.sampled_from(TRADERS), fraction=st.sampled_from([1, 100]))
    def withdraw(self, who, fraction):
        ledger, account = self.c.ledger, self.who(who)
        requested, _ = ledger.withdrawals(account)
        amount = max(1, min(requested, ledger.balanceOf(account)) * fraction // 100)
        try:
            ledger.withdraw(amount, sender=account)
        except RevertError as exc:
            assert exc.error.name in ("WithdrawalNotReady", "UnsettledBatches", "InsufficientBalance"), exc.error
            return
        if who in HONEST:
            self.model_cash[who] -= amount
        event("withdrawal executed")

    @rule(who=st.sampled_from(TRADERS), series=st.sampled_from(ALL_SERIES), amount=st.integers(1, 20 * ONE))
    def deposit_options(self, who, series, amount):
        """The writer writes (fully collateralized) to the trader, who deposits; refused once the series expired."""
        ledger, account = self.c.ledger, self.who(who)
        if self._expired(series):
            try:
                ledger.depositOptions(series, amount, sender=account)
            except RevertError as exc:
                assert exc.error.name == "SeriesExpired", exc.error
                return
            raise AssertionError(f"deposited options of series {series} after its expiry")
        self.c.engine.write(series, amount, account, sender=self.who("writer"))
        ledger.depositOptions(series, amount, sender=account)
        if who in HONEST:
            self.model_positions[(self._addr(who), series)] += amount
        event("options deposited")

    @rule(who=st.sampled_from(TRADERS), series=st.sampled_from(ALL_SERIES), fraction=st.sampled_from([1, 50, 100, 150]))
    def request_option_withdrawal(self, who, series, fraction):
        """In the same second as whatever comes next or came before (postings included)."""
        amount = max(1, self.c.ledger.positionOf(self.who(who), series) * fraction // 100)
        self.c.ledger.requestOptionWithdrawal(series, amount, sender=self.who(who))

    @rule(who=st.sampled_from(TRADERS), series=st.sampled_from(ALL_SERIES), fraction=st.sampled_from([1, 100]))
    def withdraw_options(self, who, series, fraction):
        ledger, account = self.c.ledger, self.who(who)
        requested, _ = ledger.optionWithdrawals(account, series)
        amount = max(1, min(requested, ledger.positionOf(account, series)) * fraction // 100)
        token = getattr(self.c, f"token{series}")
        before = token.balanceOf(account)
        try:
            ledger.withdrawOptions(series, amount, sender=account)
        except RevertError as exc:
            allowed = ("WithdrawalNotReady", "UnsettledBatches", "InsufficientBalance", "SeriesExpired")
            assert exc.error.name in allowed, exc.error
            assert exc.error.name != "SeriesExpired" or series in self.redeemed, exc.error
            return
        assert series not in self.redeemed, f"withdrew options of series {series} after its redemption"
        assert token.balanceOf(account) - before == amount
        if who in HONEST:
            self.model_positions[(self._addr(who), series)] -= amount
        event("option withdrawal executed")

    @precondition(lambda self: not self.c.ledger.escaped())
    @rule(who=st.sampled_from(HONEST), roll=st.integers(0, 3))
    def honest_exit(self, who, roll):
        """Request everything, wait, settle its own leaves, withdraw: at most 2 transactions per batch, plus 2.
        (Drawn one time in four: it moves time past every window, which ends the races the other rules play.)"""
        if roll:
            return
        ledger, account = self.c.ledger, self.who(who)
        amount = ledger.balanceOf(account)
        held = {s: ledger.positionOf(account, s) for s in ALL_SERIES if s not in self.redeemed}
        held = {s: h for s, h in held.items() if h}
        if amount == 0 and not held:
            return
        if amount:
            ledger.requestWithdrawal(amount, sender=account)
        for series, tokens in held.items():
            ledger.requestOptionWithdrawal(series, tokens, sender=account)
        ready_at = self.chain.timestamp + DELAY
        self.chain.set_time(max(ready_at, max((b["posted_at"] + WINDOW for b in self.batches), default=0)))
        for b in list(self.batches):
            if b["posted_at"] < ready_at:
                self._settle_own(who, b)
        amount = min(amount, ledger.balanceOf(account))  # its own debits landed meanwhile
        if amount:
            ledger.withdraw(amount, sender=account)
            self.model_cash[who] -= amount
        for series, tokens in held.items():
            tokens = min(tokens, ledger.positionOf(account, series))  # its own sales landed meanwhile
            if series in self.redeemed or not tokens:  # (redeemed meanwhile: the payout is claimed instead)
                continue
            ledger.withdrawOptions(series, tokens, sender=account)
            self.model_positions[(self._addr(who), series)] -= tokens
        event("honest exit")

    @precondition(lambda self: len(self.batches) < 6)
    @rule(series=st.sampled_from(SERIES_SETS), drawn=trades)
    def post_honest_batch(self, series, drawn):
        ledger = self.c.ledger
        if ledger.escaped():
            return
        number, posting = ledger.batchCount() + 1, self._posting(series)
        leaves = self._honest_leaves(number, drawn, posting)
        if leaves is None:
            event("honest batch skipped: a trader lacks the cash")
            return
        self._post_leaves(leaves, series, True, posting)

    # ------------------------------------------------------------------------------------------------ the sequencer

    @precondition(lambda self: len(self.batches) < 6)
    @rule(
        kind=st.sampled_from(
            [
                "forged",
                "relabel",
                "repost",
                "overdraw",
                "overdraw after priors",
                "wrong root",
                "high s",
                "foreign domain",
                "unbalanced",
                "naked short",
                "oversell after priors",
                "oversell after request",
                "zero column",
                "duplicate series",
                "unknown series",
                "expired series",
            ]
        ),
        series=st.sampled_from(SERIES_SETS),
        drawn=trades,
        victim=st.sampled_from(HONEST),
        amount=st.one_of(st.sampled_from([1, 10**6 * USDC, 2**127 - 1]), st.integers(1, 10**9 * USDC)),
    )
    def post_hostile_batch(self, kind, series, drawn, victim, amount):
        ledger = self.c.ledger
        if ledger.escaped():
            return
        number, posting = ledger.batchCount() + 1, self._posting(series)
        p0, p1, v = self._addr("p0"), self._addr("p1"), self._addr(victim)
        puppet_key = KEY_OF["p0"]
        tree = None
        if kind == "forged":  # the victim pays a puppet, "signed" with the puppet's key
            leaves = [
                Leaf(number, v, -amount, (0, 0, 0, 0)),
                Leaf(number, p0, amount, (0, 0, 0, 0)),
            ]
            leaves = [self._sign(x, posting, key=puppet_key) for x in sorted(leaves, key=lambda x: int(x.account, 16))]
        elif kind == "relabel":  # honest leaves co-signed for other series, posted under these
            other = next(s for s in SERIES_SETS if s != series)
            leaves = self._honest_leaves(number, drawn, Posting(posting.nonce, tuple(other)))
            if leaves is None:
                return
        elif kind == "repost":  # honest leaves co-signed for an earlier posting of this batch id
            old = [(leaf, p) for leaf, p in self.pool if leaf.batch == number and p.nonce != posting.nonce]
            if not old:
                event("nothing to repost")
                return
            leaf, old_posting = old[-1]
            series = list(old_posting.series)
            counter = Leaf(number, p0 if leaf.account != p0 else p1, -leaf.cash, tuple(-x for x in leaf.positions))
            leaves = sorted([leaf, self._sign(counter, posting)], key=lambda x: int(x.account, 16))
        elif kind in ("overdraw", "overdraw after priors"):  # a puppet debits more than it can pay
            owed = self._unapplied_debits(p0) if kind == "overdraw after priors" else 0
            debit = max(1, ledger.balanceOf(p0) - owed + (1 if owed else amount))
            leaves = sorted(
                [Leaf(number, p0, -debit, (10**18, 0, 0, 0)), Leaf(number, p1, debit, (-(10**18), 0, 0, 0))],
                key=lambda x: int(x.account, 16),
            )
            leaves = [self._sign(x, posting) for x in leaves]
        elif kind == "wrong root":  # roots over leaves the calldata does not carry
            leaves = self._honest_leaves(number, drawn, posting)
            if leaves is None:
                return
            hidden = [Leaf(number, leaves[0].account, leaves[0].cash - 1, leaves[0].positions, leaves[0].signature)]
            tree = MerkleSumTree(hidden + leaves[1:])
        elif kind == "high s":  # a puppet's co-signature in its malleable form
            leaves = sorted(
                [Leaf(number, p0, -1, (1, 0, 0, 0)), Leaf(number, p1, 1, (-1, 0, 0, 0))],
                key=lambda x: int(x.account, 16),
            )
            leaves = [self._sign(x, posting) for x in leaves]
            first = leaves[0]
            leaves[0] = Leaf(first.batch, first.account, first.cash, first.positions, high_s(first.signature))
        elif kind == "foreign domain":  # the victim's co-signature for the same leaf on another ledger
            foreign = domain_separator(self.chain.chain_id + 1, ledger.address)
            leaves = sorted(
                [Leaf(number, v, -1, (0, 0, 0, 0)), Leaf(number, p0, 1, (0, 0, 0, 0))],
                key=lambda x: int(x.account, 16),
            )
            leaves = [
                self._sign(x, posting, key=KEY_OF[victim], separator=foreign)
                if x.account == v
                else self._sign(x, posting)
                for x in leaves
            ]
        elif kind == "unbalanced":  # one puppet credited from nowhere (a single leaf, or sums that do not cancel)
            leaves = [self._sign(Leaf(number, p0, amount, (0, 0, 0, 0)), posting)]
        else:
            self._post_token_fraud(kind, series, amount)
            return
        if self._post_leaves(leaves, series, False, posting, tree):
            event(f"hostile {kind} accepted")

    def _sale(self, number: int, posting: Posting, column: int, tokens: int, cash: int = 0) -> list[Leaf]:
        """p0 sells `tokens` of `column`'s series to p1 (for `cash`), both leaves signed by their puppets."""
        p0, p1 = self._addr("p0"), self._addr("p1")
        deltas = [0, 0, 0, 0]
        deltas[column] = tokens
        rows = [Leaf(number, p0, cash, tuple(-d for d in deltas)), Leaf(number, p1, -cash, tuple(deltas))]
        return [self._sign(x, posting) for x in sorted(rows, key=lambda x: int(x.account, 16))]

    def _post_token_fraud(self, kind: str, series: list[int], amount: int) -> None:
        """Issue 18's hostile postings: a sale beyond the seller's inventory (provable by challengeInventory), or a
        batch whose series postBatch refuses by name."""
        ledger = self.c.ledger
        p0 = self._addr("p0")
        column = next((k for k, s in enumerate(series) if s and not self._expired(s)), None)
        if column is None:
            return
        sold = series[column]
        tokens = amount % (50 * ONE) + 1
        refused = {
            "zero column": ("BadLeaf", [1, 0, 3, 0]),
            "duplicate series": ("InvalidConfig", [sold, sold, 0, 0]),
            "unknown series": ("UnknownSeries", [len(SERIES_SPECS) + 1, *series[1:]]),
            "expired series": ("SeriesExpired", [NEAR_SERIES[0], 1, 2, 3]),
        }
        if kind in refused:
            expected, bad = refused[kind]
            if kind == "expired series" and not self._expired(NEAR_SERIES[0]):
                return
            posting = self._posting(bad)
            number = ledger.batchCount() + 1
            at = bad.index(0) if kind == "zero column" else 0  # the column without a series, or the bad one
            leaves = self._sale(number, posting, at, 1)
            assert not self._post_leaves(leaves, bad, False, posting), f"{kind}: posted"
            assert self.refusal in (expected, "Escaped", "TooManyPending"), (kind, self.refusal)
            return
        if kind == "oversell after priors":  # a covered sale first, then one only its predecessor leaves uncovered
            first = max(1, min(tokens, self._free_tokens(p0, sold)))
            number, posting = ledger.batchCount() + 1, self._posting(series)
            if not self._post_leaves(self._sale(number, posting, column, first), series, False, posting):
                return
            if ledger.batchCount() < number:  # the first sale was itself a fraud (proven and reverted)
                return
        if kind == "oversell after request":  # a request of half the inventory, ready before the posting
            ledger.requestOptionWithdrawal(sold, max(1, ledger.positionOf(p0, sold) // 2), sender=self.who("p0"))
            self.chain.warp(DELAY)
            if ledger.escaped():
                return
        number, posting = ledger.batchCount() + 1, self._posting(series)
        held = self._inventory(self.chain.timestamp)(p0, sold)
        owed = sum(sold_ for _, sold_ in self._sales(number)(p0, sold))
        excess = tokens if kind == "naked short" else 1
        sale = held - owed + excess if held - owed + excess > 0 else held + excess
        if kind == "naked short":
            sale = ledger.positionOf(p0, sold) + excess
        if self._post_leaves(self._sale(number, posting, column, sale), series, False, posting):
            event(f"hostile {kind} accepted")

    @precondition(lambda self: len(self.batches) < 6)
    @rule(series=st.sampled_from(SERIES_SETS), drawn=trades)
    def nonce_race(self, series, drawn):
        """S1: an honest posting is signed and pending; a hostile poster lands first with a batch it gets reverted,
        which moves the posting nonce but not the batch id. The honest posting must fail, never land as a fraud."""
        ledger = self.c.ledger
        if ledger.escaped():
            return
        number, posting = ledger.batchCount() + 1, self._posting(series)
        leaves = self._honest_leaves(number, drawn, posting)
        if leaves is None:
            return
        p0, p1 = self._addr("p0"), self._addr("p1")
        junk = sorted([Leaf(number, p0, -1, (0, 0, 0, 0)), Leaf(number, p1, 1, (0, 0, 0, 0))], key=lambda x: x.account)
        junk = [self._sign(x, posting, key=KEY_OF["p1"]) for x in junk]  # p0's leaf "signed" by p1: provable
        if not self._post_leaves(junk, series, False, posting) or ledger.batchCount() >= number:
            return
        tree, data = MerkleSumTree(leaves), batch_calldata(leaves)
        try:
            deadline = self.chain.timestamp + DELAY - 1
            self._seq("postBatch", tree.root, tree.leaves_root, series, data, posting.nonce, deadline, value=BOND)
        except RevertError as exc:
            assert exc.error.name == "WrongPostingNonce", exc.error
            event("a stale posting refused")
            return
        self.posted += 1
        self._after_post(leaves, tree, posting, data, True)

    @precondition(lambda self: len(self.batches) < 6)
    @rule(
        values=st.lists(st.sampled_from(EXTREMES), min_size=1, max_size=3),
        series=st.sampled_from(SERIES_SETS),
    )
    def post_extreme_batch(self, values, series):
        """Puppet leaves whose deltas are extreme integers that still sum to zero in int256 (e.g. [min, 2^254,
        2^254]): C-2's shape."""
        ledger = self.c.ledger
        if ledger.escaped():
            return
        number, posting = ledger.batchCount() + 1, self._posting(series)
        total = sum(values)
        balancing = -total
        while not INT256_MIN <= balancing <= INT256_MAX:  # wrap as int256 arithmetic would
            balancing += 2**256 if balancing < INT256_MIN else -(2**256)
        cash = [*values, balancing]
        accounts = sorted(f"0x{0x1000 + i:040x}" for i in range(len(cash) - 2))
        accounts = sorted([self._addr("p0"), self._addr("p1"), *accounts], key=lambda a: int(a, 16))[: len(cash)]
        leaves = []
        for account, c in zip(accounts, cash, strict=True):
            leaf = Leaf(number, account, c, (0, 0, 0, 0))
            key = next((k for k in KEYS[:5] if k.address.lower() == account), KEY_OF["p0"])
            leaves.append(self._sign(leaf, posting, key=key))
        if self._post_leaves(leaves, series, False, posting):
            event("extreme batch accepted")

    @precondition(lambda self: len(self.batches) < 6)
    @rule(
        count=st.one_of(st.sampled_from([1, 2, 256, 257, 2_000]), st.integers(1, 300)),
        layout=st.sampled_from(
            ["canonical", "aliased", "overlapping", "out of order", "short signature", "padding", "count", "duplicate"]
        ),
        seed=st.integers(0, 2**32 - 1),
    )
    def post_raw_batch(self, count, layout, seed):
        """Raw calldata: `count` zero-sum leaves of unknown accounts (fake signatures) in some layout."""
        ledger = self.c.ledger
        if ledger.escaped():
            return
        number, series = ledger.batchCount() + 1, SERIES_SETS[0]
        rng = random.Random(seed)
        accounts = sorted({rng.getrandbits(160) | 1 for _ in range(count)})
        cash = [rng.randrange(-(10**12), 10**12) for _ in accounts]
        cash[-1] -= sum(cash)
        leaves = [
            Leaf(number, f"0x{a:040x}", c, (0, 0, 0, 0), bytes([rng.randrange(256) for _ in range(64)]) + b"\x1b")
            for a, c in zip(accounts, cash, strict=True)
        ]
        if layout == "duplicate" and len(leaves) > 1:
            leaves[1] = Leaf(number, leaves[0].account, leaves[1].cash, leaves[1].positions, leaves[1].signature)
        if layout == "short signature":
            leaves[0] = Leaf(number, leaves[0].account, leaves[0].cash, leaves[0].positions, leaves[0].signature[:64])
        if layout == "out of order" and len(leaves) > 1:
            leaves[0], leaves[1] = leaves[1], leaves[0]
        data = batch_calldata(leaves)
        n = len(leaves)
        if layout == "aliased":  # every head points at the first tuple: n leaves, one tuple's bytes
            data = encode(["uint256", "uint256"], [32, n]) + b"".join((32 * n).to_bytes(32, "big") for _ in range(n))
            data += batch_calldata(leaves[:1])[96:]
        elif layout == "overlapping" and n > 1:  # the second head points one word into the first tuple
            heads = bytearray(data)
            heads[96:128] = (32 * n + 32).to_bytes(32, "big")
            data = bytes(heads)
        elif layout == "padding":  # a byte after the last signature's v
            data = data[:-1] + b"\x01"
        elif layout == "count":  # the header claims one leaf more than the data holds
            data = data[:32] + (n + 1).to_bytes(32, "big") + data[64:]
        tree = MerkleSumTree(leaves) if leaves else None
        root = tree.root if tree else b"\x01" * 32
        if not self._post_raw(root, tree.leaves_root if tree else root, series, data):
            return
        event(f"raw {layout} accepted")
        posting = Posting(ledger.postingOf(ledger.batchCount())[1], tuple(series))
        self._after_post(leaves, tree if layout == "canonical" else None, posting, data, False)

    # ------------------------------------------------------------------------------------------------ challengers

    @precondition(lambda self: self.batches)
    @rule(which=st.integers(0, 7), pick=st.integers(0, 2**16), by=st.sampled_from(["griefer", "rejecting"]))
    def grief(self, which, pick, by):
        """Every challenge, with genuine data, against a batch inside its window: only a fraud may revert it."""
        batch = self.batches[which % len(self.batches)]
        number, tree, leaves = batch["number"], batch["tree"], batch["leaves"]
        if self.chain.timestamp >= batch["posted_at"] + WINDOW:
            return
        debits = [i for i, leaf in enumerate(leaves) if leaf.cash < 0]
        index = debits[pick % len(debits)] if debits and pick % 4 else pick % len(leaves)  # debits are the targets
        leaf = leaves[index]
        priors = self._priors(number)(leaf.account)
        level = 1 + pick % tree.depth if tree.depth else 0
        attempts = [
            ("challengeSignature", (number, leaf_args(leaf), leaf.signature, index, tree.plain_proof(index))),
            ("challengeCollateral", (*apply_args(number, leaf, tree, index), priors)),
            ("challengeData", (number, batch_calldata(leaves))),
        ]
        for column, delta in enumerate(leaf.positions):
            if delta < 0:
                sales = [prior for prior, _ in self._sales(number)(leaf.account, batch["posting"].series[column])]
                attempts.append(
                    ("challengeInventory", (number, column, *apply_args(number, leaf, tree, index)[1:], sales))
                )
        if level:
            at = pick % len(tree.levels[level])
            node_sums = list(tree.node(level, at)[1]) if level < tree.depth else [0] * 5
            sum_proof = proof_args(tree.proof(level, at)) if level < tree.depth else []
            children = [(*tree.node(level - 1, 2 * at + k), False) for k in (0, 1)]
            attempts.append(("challengeSums", (number, node_sums, sum_proof, *children)))
        for method, args in attempts:
            if self._challenge(method, args, by):
                return

    @precondition(lambda self: self.batches)
    @rule(who=st.sampled_from(TRADERS), fraction=st.sampled_from([100, 200]))
    def racing_trader(self, who, fraction):
        """H-1's attack: in the same second as the postings before it, a trader requests to withdraw everything and
        challenges its own debits as unpayable, hoping to slash the batch and take half the bond."""
        ledger, account = self.c.ledger, self.who(who)
        ledger.requestWithdrawal(max(1, ledger.balanceOf(account) * fraction // 100), sender=account)
        for series in ALL_SERIES:  # and every option it holds (issue 18: the same race on inventory)
            held = ledger.positionOf(account, series)
            if held:
                ledger.requestOptionWithdrawal(series, max(1, held * fraction // 100), sender=account)
        for batch in list(self.batches):
            if self.chain.timestamp >= batch["posted_at"] + WINDOW:
                continue
            for index, leaf in enumerate(batch["leaves"]):
                if leaf.account != account.address.lower():
                    continue
                args = apply_args(batch["number"], leaf, batch["tree"], index)
                if leaf.cash < 0:
                    priors = self._priors(batch["number"])(leaf.account)
                    if self._challenge("challengeCollateral", (*args, priors), who):
                        return
                for column, delta in enumerate(leaf.positions):
                    if delta < 0:
                        series = batch["posting"].series[column]
                        sales = [prior for prior, _ in self._sales(batch["number"])(leaf.account, series)]
                        if self._challenge("challengeInventory", (args[0], column, *args[1:], sales), who):
                            return

    # ------------------------------------------------------------------------------------------------ time, claims

    @rule(seconds=st.sampled_from([0, 1, WINDOW - 1, WINDOW, DELAY, DELAY + WINDOW]))
    def wait(self, seconds):
        self.chain.warp(seconds)

    def _apply(self, batch: dict, index: int, by: str = "anyone") -> None:
        leaf = batch["leaves"][index]
        self.c.ledger.apply_(*apply_args(batch["number"], leaf, batch["tree"], index), sender=self.who(by))
        batch["applied"].add(index)
        self._account_for(leaf, batch["posting"])

    def _account_for(self, leaf: Leaf, posting: Posting) -> None:
        """Invariant 1's model: a leaf of an honest account applies only if that account co-signed it."""
        if leaf.account not in self.signed:
            return
        assert _signed_key(leaf, posting) in self.signed[leaf.account], f"applied a leaf {leaf} nobody co-signed"
        label = next(h for h in HONEST if self._addr(h) == leaf.account)
        self.model_cash[label] += leaf.cash
        for column, delta in enumerate(leaf.positions):
            key = (leaf.account, posting.series[column])
            self.model_positions[key] = self.model_positions.get(key, 0) + delta

    @precondition(lambda self: self.batches)
    @rule(which=st.integers(0, 7), order=st.randoms(use_true_random=False), many=st.booleans())
    def finalize_and_apply(self, which, order, many):
        """Past its window every leaf applies, in any order, one by one or in applyMany (the unwatched naked short's
        batch aside: see unwatched_naked_short)."""
        batch = self.batches[which % len(self.batches)]
        if batch.get("poisoned"):
            return
        final_at = batch["posted_at"] + WINDOW
        if self.chain.timestamp < final_at:
            self.chain.set_time(final_at)
        indices = [i for i in range(len(batch["leaves"])) if i not in batch["applied"]]
        order.shuffle(indices)
        if many and indices:
            rows = [apply_args(batch["number"], batch["leaves"][i], batch["tree"], i) for i in indices]
            self.c.ledger.applyMany(
                batch["number"], *[list(col) for col in list(zip(*rows, strict=True))[1:]], sender=self.who("anyone")
            )
            for i in indices:
                batch["applied"].add(i)
                self._account_for(batch["leaves"][i], batch["posting"])
        else:
            for i in indices:
                self._apply(batch, i)
        event("a batch fully applied")

    @precondition(lambda self: self.batches)
    @rule(which=st.integers(0, 7))
    def release_bond(self, which):
        batch = self.batches[which % len(self.batches)]
        try:
            self.c.ledger.releaseBond(batch["number"], sender=self.who("anyone"))
        except RevertError as exc:
            assert exc.error.name in ("NotFinal", "BondAlreadyReleased"), exc.error
            return
        batch["released"] = True

    @rule(who=st.sampled_from(["sequencer", "rejecting_challenger", "treasury", "watcher", "griefer"]))
    def claim_bonds(self, who):
        """A contract that rejects ETH can only fail its own claim, and can always name another receiver."""
        ledger = self.c.ledger
        contract = getattr(self.c, who, None)
        address = contract.address if contract is not None else self.who(who).address
        owed = ledger.bondsOwed(address)
        if owed == 0:
            return
        to = self.who("anyone").address
        if contract is None:
            ledger.claimBonds(to, sender=self.who(who))
        elif who == "treasury":
            return  # the treasury is governance's; it claims through its own execute (not modelled)
        else:
            owner = self.who("operator" if who == "sequencer" else "watcher")
            contract.execute(ledger.address, ledger.claimBonds.fn.encode((to,)), sender=owner)
        assert ledger.bondsOwed(address) == 0

    def _settle_own(self, who: str, batch: dict) -> None:
        """The account proves it has no unapplied leaf in `batch` (applying its own first), by itself."""
        ledger, account = self.c.ledger, self._addr(who)
        number = batch["number"]
        through = max(ledger.settledThrough(), ledger.accountSettledThrough(account))
        if number <= through:
            return
        leaves, tree = batch["leaves"], batch["tree"]
        mine = next((i for i, leaf in enumerate(leaves) if leaf.account == account), None)
        if mine is not None:
            if mine not in batch["applied"]:
                self._apply(batch, mine, by=who)
            proven = [mine]
        else:
            above = next((i for i, leaf in enumerate(leaves) if int(leaf.account, 16) > int(account, 16)), None)
            proven = [len(leaves) - 1] if above is None else [above] if above == 0 else [above - 1, above]
        rows = [
            (leaf_args(leaves[i]), apply_args(number, leaves[i], tree, i)[2], i, tree.plain_proof(i)) for i in proven
        ]
        ledger.settleAccount(self.who(who), number, rows, sender=self.who(who))

    @precondition(lambda self: not self.c.ledger.escaped())
    @rule(who=st.sampled_from(HONEST), roll=st.integers(0, 7))
    def escape_exit(self, who, roll):
        """No batch finalizes for ESCAPE_PERIOD: the account settles its own leaves and leaves with its balance,
        whatever the other accounts' leaves (at most 2 transactions per batch, plus 1). Drawn one time in eight:
        nothing is posted after it."""
        if roll:
            return
        ledger = self.c.ledger
        last = max((b["posted_at"] for b in self.batches), default=self.chain.timestamp)
        self.chain.set_time(max(self.chain.timestamp, last) + WINDOW + ESCAPE + 1)
        assert ledger.escaped()
        for batch in self.batches:
            self._settle_own(who, batch)
        amount = ledger.balanceOf(self.who(who))
        if amount:
            ledger.withdraw(amount, sender=self.who(who))
            self.model_cash[who] -= amount
        for series in ALL_SERIES:
            tokens = ledger.positionOf(self.who(who), series)
            if tokens and series not in self.redeemed:
                ledger.withdrawOptions(series, tokens, sender=self.who(who))
                self.model_positions[(self._addr(who), series)] -= tokens
        event("escape exit")

    @precondition(lambda self: len(self.batches) < 6 and not self.poisoned)
    @rule(excess=st.integers(1, 10 * ONE), roll=st.integers(0, 3))
    def unwatched_naked_short(self, excess, roll):
        """The watcher sleeps through one window: a puppet's naked short (p0 sells more than it holds to p1) stands.
        Its selling leaf must then fail to apply (InsufficientBalance: a position never goes negative); the batch
        never fully applies, and everyone else still settles and exits around it. (One time in four: it ends every
        open window.)"""
        ledger = self.c.ledger
        if roll or ledger.escaped():
            return
        series = SERIES_SETS[0]
        number, posting = ledger.batchCount() + 1, self._posting(series)
        leaves = self._sale(number, posting, 0, ledger.positionOf(self._addr("p0"), series[0]) + excess)
        tree, data = MerkleSumTree(leaves), batch_calldata(leaves)
        if not self._post_raw(tree.root, tree.leaves_root, series, data):
            return
        posted_at, nonce = ledger.postingOf(number)
        self.batches.append(
            {
                "number": number,
                "leaves": leaves,
                "tree": tree,
                "posting": Posting(nonce, tuple(series)),
                "posted_at": posted_at,
                "applied": set(),
                "honest": False,
                "released": False,
                "poisoned": True,
            }
        )
        self.poisoned = True
        self.chain.set_time(max(self.chain.timestamp, posted_at + WINDOW))
        short = next(i for i, leaf in enumerate(leaves) if leaf.account == self._addr("p0"))
        try:
            ledger.apply_(*apply_args(number, leaves[short], tree, short), sender=self.who("anyone"))
        except RevertError as exc:
            assert exc.error.name == "InsufficientBalance", exc.error
            event("an unproven naked short cannot apply")
            return
        raise AssertionError(f"batch {number}: a sale beyond the seller's inventory applied")

    # ------------------------------------------------------------------------------------------------ expiry

    @precondition(lambda self: not self.price_final)
    @rule(
        price=st.sampled_from([2_000 * ONE, 2_999 * ONE, 3_000 * ONE, 3_001 * ONE, 4_500 * ONE]),
        redeem=st.booleans(),
    )
    def expire(self, price, redeem):
        """NEAR_SERIES expire and their price becomes final; redeeming before expiry, and before the price is final,
        reverts by name, and so does a claim before the redemption. With `redeem`, anyone redeems both at once."""
        c, ledger, d = self.c, self.c.ledger, self.who("deployer")
        if self.chain.timestamp < self.near:
            self._expect(ledger.redeemExpired, (NEAR_SERIES[0],), "SeriesNotExpired")
        self.chain.set_time(max(self.chain.timestamp, self.near + 1))
        c.spot.set(price, self.near, sender=d)  # the round current at expiry
        self._expect(ledger.redeemExpired, (NEAR_SERIES[1],), "SettlementPriceNotFinal")
        record_expiry(c.router, c.weth, c.cash, self.near, d)
        self._expect(ledger.redeemExpired, (NEAR_SERIES[0],), "SettlementPriceNotFinal")  # in its dispute period
        self.chain.warp(DISPUTE)
        self.price_final = True
        self._expect(ledger.claimExpired, (self.who("h0"), NEAR_SERIES[0]), "NotRedeemed")
        event("near series expired")
        if redeem:
            for series in NEAR_SERIES:
                self.redeem_expired(series)

    def _expect(self, fn, args: tuple, error: str, by: str = "anyone") -> None:
        try:
            fn(*args, sender=self.who(by))
        except RevertError as exc:
            assert exc.error.name == error, (error, exc.error)
            return
        raise AssertionError(f"{fn} {args} did not revert {error}")

    def _asset(self, series: int):
        return self.c.cash if SERIES_SPECS[series - 1][1] else self.c.weth

    @precondition(lambda self: self.price_final)
    @rule(series=st.sampled_from(NEAR_SERIES))
    def redeem_expired(self, series):
        """Anyone, once: the ledger's whole token balance of the series is redeemed at the engine."""
        ledger, token, asset = self.c.ledger, getattr(self.c, f"token{series}"), self._asset(series)
        if series in self.redeemed:
            self._expect(ledger.redeemExpired, (series,), "AlreadyRedeemed")
            return
        tokens, before = token.balanceOf(ledger), asset.balanceOf(ledger)
        ledger.redeemExpired(series, sender=self.who("anyone"))
        payout = self.c.engine.payoutFor(series, tokens) if tokens else 0
        assert asset.balanceOf(ledger) - before == payout
        assert token.balanceOf(ledger) == 0
        recorded = ledger.redemptions(series)
        assert (recorded[0].lower(), *recorded[1:]) == (asset.address.lower(), tokens, payout, 0)
        self.redeemed[series] = (asset.address.lower(), tokens, payout)
        event("redeemed with a payout" if payout else "redeemed worthless")

    def _settled_prefix(self) -> int:
        settled = 0
        for b in self.batches:
            if len(b["applied"]) != len(b["leaves"]):
                break
            settled = b["number"]
        return settled

    @precondition(lambda self: self.redeemed)
    @rule(who=st.sampled_from(TRADERS), series=st.sampled_from(NEAR_SERIES), settle=st.booleans())
    def claim_expired(self, who, series, settle):
        """Anyone claims an account's share: floor(position * payout / tokens), once, only when the account is
        settled through every batch posted before expiry (an honest account settles its own leaves first when
        `settle`)."""
        ledger, account = self.c.ledger, self.who(who)
        if series not in self.redeemed:
            self._expect(ledger.claimExpired, (account, series), "NotRedeemed")
            return
        if settle and who in HONEST:
            for b in list(self.batches):
                if b["posted_at"] < self.near:
                    self._settle_own(who, b)
        through = max(self._settled_prefix(), ledger.accountSettledThrough(account))
        following = self._batch(through + 1)
        ready = following is None or following["posted_at"] >= self.near
        position = ledger.positionOf(account, series)
        asset, tokens, payout = self.redeemed[series]
        claimed = ledger.redemptions(series)[3]
        cash_before, owed_before = ledger.balanceOf(account), ledger.payoutOf(account, self.c.weth)
        try:
            ledger.claimExpired(account, series, sender=self.who("anyone"))
        except RevertError as exc:
            expected = "UnsettledBatches" if not ready else "NothingToClaim"
            assert exc.error.name == expected and (not ready or position == 0), (exc.error, ready, position)
            event(f"claim refused: {exc.error.name}")
            return
        assert ready and position > 0, (ready, position)
        share = min(min(position, tokens) * payout // tokens, payout - claimed) if tokens else 0
        assert position * payout // tokens >= share if tokens else share == 0  # rounded against the holder
        assert ledger.positionOf(account, series) == 0
        assert ledger.redemptions(series)[3] == claimed + share
        if asset == self.c.cash.address.lower():
            assert ledger.balanceOf(account) - cash_before == share
        else:
            assert ledger.payoutOf(account, self.c.weth) - owed_before == share
        if who in HONEST:
            self.model_positions[(self._addr(who), series)] = 0
            if asset == self.c.cash.address.lower():
                self.model_cash[who] += share
            else:
                self.model_payouts[who] += share
        event("expired share claimed")

    @precondition(lambda self: self.redeemed)
    @rule(who=st.sampled_from(TRADERS), fraction=st.sampled_from([1, 100, 101]))
    def withdraw_payout(self, who, fraction):
        """A call's payout (WETH) leaves at once; never more than owed."""
        ledger, account, weth = self.c.ledger, self.who(who), self.c.weth
        owed = ledger.payoutOf(account, weth)
        amount = max(1, owed * fraction // 100)
        if amount > owed:
            self._expect(ledger.withdrawPayout, (weth, amount), "InsufficientBalance", by=who)
            return
        before = weth.balanceOf(account)
        ledger.withdrawPayout(weth, amount, sender=account)
        assert weth.balanceOf(account) - before == amount
        if who in HONEST:
            self.model_payouts[who] -= amount
        event("payout withdrawn")

    # ------------------------------------------------------------------------------------------------ invariants

    @invariant()
    def honest_accounts_move_only_by_their_own_signatures(self):
        ledger = self.c.ledger
        for h in HONEST:
            assert ledger.balanceOf(self.who(h)) == self.model_cash[h], h
        for (account, series), value in self.model_positions.items():
            assert ledger.positionOf(account, series) == value, (account, series)
        for h in HONEST:
            assert ledger.payoutOf(self.who(h), self.c.weth) == self.model_payouts[h], h

    @invariant()
    def cash_is_balances_plus_unapplied_leaves(self):
        ledger = self.c.ledger
        balances = sum(ledger.balanceOf(a) for a in self.accounts)
        unapplied = sum(leaf.cash for b in self.batches for i, leaf in enumerate(b["leaves"]) if i not in b["applied"])
        unclaimed = sum(
            payout - ledger.redemptions(series)[3]
            for series, (asset, _, payout) in self.redeemed.items()
            if asset == self.c.cash.address.lower()
        )
        assert self.c.cash.balanceOf(ledger) == balances + unapplied + unclaimed

    def _holders(self) -> set[str]:
        """Every account that can hold a position: the traders, and any account a leaf moved tokens for."""
        moved = {leaf.account for b in self.batches for leaf in b["leaves"] if any(leaf.positions)}
        return {self._addr(label) for label in TRADERS} | moved

    @invariant()
    def tokens_held_are_positions_plus_unapplied_leaves(self):
        """Invariant 7: until a series is redeemed, the ledger holds its tokens for exactly the positions plus the
        unapplied leaves' deltas; no position is negative; after redemption nothing is left of it and the claims
        never exceed its payout; the WETH held is exactly the call payouts owed and unclaimed."""
        ledger, holders = self.c.ledger, self._holders()
        for series in ALL_SERIES:
            positions = [ledger.positionOf(a, series) for a in holders]
            assert min(positions) >= 0, series
            held = getattr(self.c, f"token{series}").balanceOf(ledger)
            if series in self.redeemed:
                assert held == 0 and ledger.redemptions(series)[3] <= self.redeemed[series][2], series
                continue
            unapplied = sum(
                leaf.positions[column]
                for b in self.batches
                for column, s in enumerate(b["posting"].series)
                if s == series
                for i, leaf in enumerate(b["leaves"])
                if i not in b["applied"]
            )
            assert held == sum(positions) + unapplied, series
        owed = sum(ledger.payoutOf(a, self.c.weth) for a in holders)
        unclaimed = sum(
            payout - ledger.redemptions(series)[3]
            for series, (asset, _, payout) in self.redeemed.items()
            if asset == self.c.weth.address.lower()
        )
        assert self.c.weth.balanceOf(ledger) == owed + unclaimed

    @invariant()
    def no_account_owes_more_than_it_holds(self):
        ledger = self.c.ledger
        for account in self.accounts:
            owed = self._unapplied_debits(account)
            if owed:
                assert owed <= ledger.balanceOf(account), account
        for account in self._holders():  # tokens too (the unwatched naked short's unappliable sale aside)
            for series in ALL_SERIES:
                sold = self._unapplied_sales(account, series, poisoned=False)
                if sold:
                    assert sold <= ledger.positionOf(account, series), (account, series)

    @invariant()
    def eth_is_bonds_held_plus_bonds_owed(self):
        ledger = self.c.ledger
        parties = [self.c.sequencer, self.c.rejecting_challenger, self.c.treasury, *map(self.who, self.ACTORS)]
        owed = sum(ledger.bondsOwed(p) for p in parties)
        held = BOND * sum(1 for b in self.batches if not b["released"])
        assert self.chain.balance(ledger) == held + owed

    @invariant()
    def valid_batches_are_the_ledgers(self):
        """Every batch the ledger holds is one the machine posted and tracks (none stands unseen)."""
        assert [b["number"] for b in self.batches] == list(range(1, self.c.ledger.batchCount() + 1))

    def teardown(self):
        note(f"accepted postings: {self.posted}; largest rebuild: {self.rebuild_gas_max:,} gas")
        super().teardown()


def _signed_key(leaf: Leaf, posting: Posting) -> tuple:
    return (posting.nonce, leaf.batch, leaf.cash, tuple(leaf.positions), tuple(posting.series))


def _unexpected(exc: RevertError) -> bool:
    """A challenge that fails other than by NoFraud (for genuine data): only these reasons are expected."""
    assert exc.error.name in ("ChallengeWindowOver", "UnknownBatch", "BadPrior", "NotInTree"), exc.error
    return False


TestAdversarialLedger = AdversarialLedgerMachine.TestCase


def test_fast_signatures_match_eth_account():
    """The machines' fast signer signs exactly what cosign.typed_data asks eth-account to sign."""
    ledger = "0x" + "5e" * 20
    leaf = Leaf(7, KEYS[0].address.lower(), -(10**6), (1, -2, 0, 3))
    posting = Posting(41, (11, 12, 13, 14))
    expected = Account.sign_message(
        encode_typed_data(full_message=typed_data(31337, ledger, leaf, posting)), KEYS[0].key
    )
    assert sign_digest(KEYS[0].key, leaf_digest(domain_separator(31337, ledger), leaf, posting)) == bytes(
        expected.signature
    )
