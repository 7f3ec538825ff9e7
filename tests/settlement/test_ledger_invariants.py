"""SettlementLedger's header invariants as a Hypothesis state machine on the in-process engine: deposits,
withdrawals, honest batches of random trades of the OptionsEngine's option tokens (every trader holds deposited
inventory of the four series), each kind of bad batch (found by the watcher's `find_fraud` and challenged), time,
leaves applied in any order (one by one, or in applyMany), the settled cursor advanced, bonds released and claimed.
Everyone here plays by the rules but the bad batches' sequencer; tests/settlement/test_ledger_adversarial.py is the
hostile machine (token deposits, withdrawals, inventory frauds, expiry and claims are exercised there)."""

from __future__ import annotations

from typing import ClassVar

import pytest
from hypothesis import event
from hypothesis import strategies as st
from hypothesis.stateful import invariant, precondition, rule

from strikeforge.fuzz.abi import ContractABI
from strikeforge.fuzz.chain import Contract
from strikeforge.fuzz.errors import RevertError
from strikeforge.fuzz.machine import ChainMachine
from strikeforge.settlement.cosign import Posting, apply_args, batch_calldata, leaf_args, proof_args, signature_hash
from strikeforge.settlement.netting import Trade, net
from strikeforge.settlement.tree import Leaf, MerkleSumTree
from strikeforge.settlement.watcher import find_fraud
from tests.options.fixtures import ONE, engine_options_stack, next_expiry
from tests.settlement.fakes import KEYS, sign

WINDOW = 3_600
BOND = 10**18
DEADLINE = 2**40  # postBatch's deadline: never the subject here
ESCAPE = 30 * 86_400  # far beyond what the machine's time steps reach: escape mode is tested on its own
USDC = 10**6
TRADERS = tuple(f"t{i}" for i in range(4))
SERIES = [1, 2, 3, 4]  # the engine series deploy creates: calls at 3,000 and 3,500, puts at 3,000 and 2,500
SERIES_SPECS = [(3_000 * ONE, False), (3_500 * ONE, False), (3_000 * ONE, True), (2_500 * ONE, True)]
INVENTORY = 1_000 * ONE  # option tokens of each series every trader deposits
MAX_UINT = 2**256 - 1

trades = st.lists(
    st.tuples(
        st.integers(0, 3),  # series column
        st.integers(0, 3),  # buyer
        st.integers(1, 3),  # seller offset (never the buyer)
        st.integers(1, 5 * 10**18),  # size
        st.integers(1, 2_000 * USDC),  # price per 1e18
    ),
    min_size=1,
    max_size=6,
)


class LedgerMachine(ChainMachine):
    ACTORS = ("sequencer", "challenger", "treasury")
    BONDED = ACTORS  # who may be owed ETH: the sequencer (released and returned bonds), challenger, treasury
    types: ClassVar[dict] = {}

    @classmethod
    def deploy(cls, chain, actors):
        d = actors["deployer"]
        t = cls.contract_type
        stack = engine_options_stack(chain, t, d)
        cash, weth, engine = stack["usdc"], stack["weth"], stack["engine"]
        engine.grantRole(engine.SERIES_CREATOR_ROLE(), d, sender=d)
        expiry = next_expiry(chain.timestamp, weeks=20)  # beyond every warp of this machine
        for strike, is_put in SERIES_SPECS:
            engine.createSeries(weth, cash, strike, expiry, is_put, sender=d)
        ledger = chain.deploy(
            t("SettlementLedger"), cash, engine, WINDOW, BOND, ESCAPE, WINDOW, actors["treasury"], d, sender=d
        )
        ledger.grantRole(ledger.SEQUENCER_ROLE(), actors["sequencer"], sender=d)
        weth.mint(d, 10**9 * ONE, sender=d)
        cash.mint(d, 10**15 * USDC, sender=d)
        weth.approve(engine, MAX_UINT, sender=d)
        cash.approve(engine, MAX_UINT, sender=d)
        tokens = {}
        for series in SERIES:
            address = engine.tokenOf(series)
            tokens[f"token{series}"] = Contract(chain, address, ContractABI.from_contract_type(t("OptionToken")))
            chain.deployed[address.lower()] = tokens[f"token{series}"].abi
        for i, label in enumerate(TRADERS):
            actors[label] = chain.actor(label, address=KEYS[i].address)
            cash.mint(actors[label], 10**9 * USDC, sender=d)
            cash.approve(ledger, MAX_UINT, sender=actors[label])
            ledger.deposit(100_000 * USDC, sender=actors[label])  # most honest batches are then fundable
            for series in SERIES:  # the deployer writes (pays the collateral), the trader deposits the options
                engine.write(series, INVENTORY, actors[label], sender=d)
                tokens[f"token{series}"].approve(ledger, MAX_UINT, sender=actors[label])
                ledger.depositOptions(series, INVENTORY, sender=actors[label])
        return {"cash": cash, "ledger": ledger, "engine": engine, **tokens}

    def __init__(self):
        super().__init__()
        self.batches: list[dict] = []  # valid batches on the ledger, in id order
        self.keys = {KEYS[i].address.lower(): KEYS[i] for i in range(4)}
        self.settled = 0  # the ledger's settledThrough as the model expects it
        self.owed = dict.fromkeys(self.BONDED, 0)  # the ledger's bondsOwed as the model expects it

    # ------------------------------------------------------------------------------------------------ helpers

    def _address(self, i: int) -> str:
        return KEYS[i].address.lower()

    def _trades(self, drawn: list[tuple]) -> list[Trade]:
        return [Trade(s, self._address(b), self._address((b + o) % 4), size, price) for s, b, o, size, price in drawn]

    def _unapplied_debits(self, account: str) -> int:
        return sum(
            -leaf.cash
            for b in self.batches
            for i, leaf in enumerate(b["leaves"])
            if leaf.account == account and leaf.cash < 0 and i not in b["applied"]
        )

    def _unapplied_sales(self, account: str, column: int) -> int:
        return sum(
            -leaf.positions[column]
            for b in self.batches
            for i, leaf in enumerate(b["leaves"])
            if leaf.account == account and leaf.positions[column] < 0 and i not in b["applied"]
        )

    def _free_tokens(self, account: str, column: int) -> int:
        """What an honest sequencer lets a leaf sell of a column's series (every batch here has SERIES): the
        inventory less the account's unapplied sales (no option withdrawals in this machine)."""
        return self.c.ledger.positionOf(account, SERIES[column]) - self._unapplied_sales(account, column)

    def _sales(self, account: str, series: int) -> list[tuple[tuple, int]]:
        column = SERIES.index(series)
        return [
            (apply_args(b["number"], leaf, b["tree"], i), -leaf.positions[column])
            for b in self.batches
            for i, leaf in enumerate(b["leaves"])
            if leaf.account == account and leaf.positions[column] < 0 and i not in b["applied"]
        ]

    def _free(self, account: str) -> int:
        """What an honest sequencer lets a leaf debit: balance, less a pending withdrawal (any, whenever it becomes
        ready), less unapplied debits."""
        ledger = self.c.ledger
        balance = ledger.balanceOf(account)
        amount, requested_at = ledger.withdrawals(account)
        if requested_at:
            balance -= min(balance, amount)
        return balance - self._unapplied_debits(account)

    def _available(self, posted_at: int):
        """What challengeCollateral counts for a batch posted at `posted_at`: the balance, less a withdrawal request
        ready (requestedAt + WITHDRAWAL_DELAY) by then."""
        ledger = self.c.ledger

        def available(account: str) -> int:
            balance = ledger.balanceOf(account)
            amount, requested_at = ledger.withdrawals(account)
            if requested_at and requested_at + WINDOW <= posted_at:  # WITHDRAWAL_DELAY == WINDOW here
                balance -= min(balance, amount)
            return balance

        return available

    def _posting(self) -> Posting:
        """The posting the next batch gets: the ledger's leavesPosted now, and the batch's series."""
        return Posting(self.c.ledger.leavesPosted(), tuple(SERIES))

    def _signed(self, leaves: list[Leaf], signer: dict | None = None) -> list[Leaf]:
        out = []
        posting = self._posting()
        for leaf in leaves:
            key = (signer or {}).get(leaf.account, self.keys[leaf.account])
            typed = _leaf_typed(self.chain.chain_id, self.c.ledger.address, leaf, posting)
            out.append(Leaf(leaf.batch, leaf.account, leaf.cash, leaf.positions, sign(typed, key)))
        return out

    def _settled_prefix(self) -> int:
        """The last batch of the fully applied prefix: where applyMany, advanceSettled and withdraw move the cursor."""
        settled = 0
        for b in self.batches:
            if len(b["applied"]) != len(b["leaves"]):
                break
            settled = b["number"]
        return settled

    def _post(self, leaves: list[Leaf], tree: MerkleSumTree) -> int:
        data = batch_calldata(leaves)
        self.c.ledger.postBatch(
            tree.root,
            tree.leaves_root,
            SERIES,
            data,
            self.c.ledger.leavesPosted(),
            DEADLINE,
            sender=self.who("sequencer"),
            value=BOND,
        )
        return self.c.ledger.batchCount()

    def _priors(self, account: str) -> list[tuple]:
        """The account's debit leaves in valid batches not applied yet (PriorLeaf arguments), oldest first."""
        return [
            apply_args(b["number"], leaf, b["tree"], i)
            for b in self.batches
            for i, leaf in enumerate(b["leaves"])
            if leaf.account == account and leaf.cash < 0 and i not in b["applied"]
        ]

    def _find_fraud(self, number: int, tree: MerkleSumTree, leaves: list[Leaf], posted_at: int, posting: Posting):
        data, ledger = batch_calldata(leaves), self.c.ledger
        available = self._available(posted_at)
        chain_id = self.chain.chain_id
        return find_fraud(
            number,
            tree.root,
            tree.leaves_root,
            data,
            chain_id,
            ledger.address,
            posting,
            available,
            self._priors,
            inventory=lambda account, series: ledger.positionOf(account, series),
            prior_sales=self._sales,
        )

    # ------------------------------------------------------------------------------------------------ rules

    @rule(who=st.integers(0, 3), amount=st.integers(1, 10**6 * USDC))
    def deposit(self, who, amount):
        self.c.ledger.deposit(amount, sender=self.who(TRADERS[who]))

    @rule(who=st.integers(0, 3), fraction=st.one_of(st.just(100), st.integers(1, 200)))
    def request_withdrawal(self, who, fraction):
        """A share of the balance (100%: all of it; above: more than it holds)."""
        account = self.who(TRADERS[who])
        amount = max(1, self.c.ledger.balanceOf(account) * fraction // 100)
        self.c.ledger.requestWithdrawal(amount, sender=account)

    @rule(who=st.integers(0, 3), fraction=st.one_of(st.just(100), st.integers(1, 100)))
    def withdraw(self, who, fraction):
        ledger, account = self.c.ledger, self.who(TRADERS[who])
        requested, _ = ledger.withdrawals(account)
        amount = max(1, min(requested, ledger.balanceOf(account)) * fraction // 100)
        try:
            ledger.withdraw(amount, sender=account)
            event("withdrawal executed")
        except RevertError as exc:
            assert exc.error.name in ("WithdrawalNotReady", "UnsettledBatches", "InsufficientBalance"), exc.error
            event(f"withdrawal refused: {exc.error.name}")
            return
        self.settled = self._settled_prefix()  # withdraw advances the cursor first

    @precondition(lambda self: len(self.batches) < 8)
    @rule(drawn=trades)
    def post_honest_batch(self, drawn):
        number = self.c.ledger.batchCount() + 1
        leaves = net(number, self._trades(drawn))
        if not leaves or any(leaf.cash < 0 and -leaf.cash > self._free(leaf.account) for leaf in leaves):
            event("honest batch skipped: a trader lacks the cash")
            return
        if any(
            d < 0 and -d > self._free_tokens(leaf.account, k) for leaf in leaves for k, d in enumerate(leaf.positions)
        ):
            event("honest batch skipped: a trader lacks the option tokens")
            return
        posting = self._posting()
        leaves = self._signed(leaves)
        tree = MerkleSumTree(leaves)
        self._post(leaves, tree)
        posted_at, nonce = self.c.ledger.postingOf(number)
        assert nonce == posting.nonce
        self.batches.append(
            {
                "number": number,
                "leaves": leaves,
                "tree": tree,
                "posted_at": posted_at,
                "applied": set(),
                "released": False,
            }
        )
        event("honest batch posted")
        # The watcher finds nothing to challenge in an honest batch (its own debits are not priors of itself).
        prior = self.batches.pop()
        assert self._find_fraud(number, tree, leaves, posted_at, posting) is None
        self.batches.append(prior)

    @precondition(lambda self: len(self.batches) < 8)
    @rule(kind=st.sampled_from(["data", "sums", "signature", "collateral", "collateral after priors"]), drawn=trades)
    def post_bad_batch_and_challenge(self, kind, drawn):
        ledger = self.c.ledger
        number = ledger.batchCount() + 1
        batch_trades = self._trades(drawn)
        victim, other = self._address(drawn[0][1]), self._address((drawn[0][1] + 1) % 4)
        if kind == "collateral":  # someone buys for far more than it holds
            batch_trades.append(Trade(0, victim, other, 10**18, ledger.balanceOf(victim) + 10**6 * USDC))
        if kind == "collateral after priors":  # a debit its balance covers, but not after its unapplied debits
            spendable = self._available(self.chain.timestamp)
            owing = [a for a in map(self._address, range(4)) if 0 < self._unapplied_debits(a) <= spendable(a)]
            if not owing:
                event("no unapplied debit to build on")
                return
            victim = owing[drawn[0][1] % len(owing)]
            other = next(a for a in map(self._address, range(4)) if a != victim)
            owed = self._unapplied_debits(victim)
            batch_trades = [Trade(0, victim, other, 10**18, spendable(victim) - owed + 1)]
        leaves = net(number, batch_trades)
        signer = None
        if kind == "signature":  # the first leaf co-signed by another trader
            signer = {leaves[0].account: KEYS[(list(self.keys).index(leaves[0].account) + 1) % 4]}
        posting = self._posting()
        leaves = self._signed(leaves, signer)
        tree = MerkleSumTree(leaves)
        if kind == "data":  # roots over other leaves than the posted data
            last = leaves[-1]
            tree = MerkleSumTree([*leaves[:-1], Leaf(number, last.account, last.cash, last.positions, b"\x01")])
        if kind == "sums":  # cash from nowhere, in the root only: postBatch refuses unbalanced calldata
            first = leaves[0]
            tree = MerkleSumTree([Leaf(number, first.account, first.cash + 1, first.positions), *leaves[1:]])
        self._post(leaves, tree)
        posted_at = ledger.postingOf(number)[0]
        fraud = self._find_fraud(number, tree, leaves, posted_at, posting)
        # The watcher sees a root that is not its calldata's (data) before the sums; a challenger holding the
        # forged tree proves the root's sums instead.
        expected = "data" if kind == "sums" else kind.split()[0]
        assert fraud is not None and fraud.kind == expected, (kind, fraud)
        method, args = fraud.method, fraud.args
        if kind == "sums":
            left, right = tree.node(tree.depth - 1, 0), tree.node(tree.depth - 1, 1)
            method, args = "challengeSums", (number, [0] * 5, [], (*left, False), (*right, False))
        owed_before = {who: ledger.bondsOwed(self.who(who)) for who in ("challenger", "treasury")}
        treasury_eth = self.chain.balance(self.who("treasury"))
        getattr(ledger, method)(*args, sender=self.who("challenger"))
        assert ledger.batchCount() == number - 1
        # Bonds are pulled: the slashed bond is owed, half to the challenger, half to the treasury; no ETH moves.
        assert ledger.bondsOwed(self.who("challenger")) - owed_before["challenger"] == BOND // 2
        assert ledger.bondsOwed(self.who("treasury")) - owed_before["treasury"] == BOND - BOND // 2
        assert self.chain.balance(self.who("treasury")) == treasury_eth
        self.owed["challenger"] += BOND // 2
        self.owed["treasury"] += BOND - BOND // 2
        event(f"{kind} fraud challenged")

    @precondition(lambda self: self.batches)
    @rule(which=st.integers(0, 7), leaf=st.integers(0, 50))
    def honest_batches_survive_challenges(self, which, leaf):
        batch = self.batches[which % len(self.batches)]
        if self.chain.timestamp >= batch["posted_at"] + WINDOW:
            return
        index = leaf % len(batch["leaves"])
        chosen, proof = batch["leaves"][index], batch["tree"].plain_proof(index)
        ledger = self.c.ledger
        earlier = [p for p in self._priors(chosen.account) if p[0] < batch["number"]]
        # Any inner node of the Merkle-sum tree, proven up to the root on-chain: its sums are its children's.
        tree = batch["tree"]
        level = 1 + leaf % tree.depth if tree.depth else 0
        at = which % len(tree.levels[level])
        node_sums = list(tree.node(level, at)[1]) if level < tree.depth else [0] * 5
        sum_proof = proof_args(tree.proof(level, at)) if level < tree.depth else []
        children = [(*tree.node(level - 1, 2 * at + k), False) for k in (0, 1)] if level else None
        for method, args in (
            *((("challengeSums", (batch["number"], node_sums, sum_proof, *children)),) if children else ()),
            ("challengeSignature", (batch["number"], leaf_args(chosen), chosen.signature, index, proof)),
            ("challengeCollateral", (*apply_args(batch["number"], chosen, batch["tree"], index), earlier)),
            ("challengeData", (batch["number"], batch_calldata(batch["leaves"]))),
        ):
            with pytest.raises(RevertError) as refused:
                getattr(ledger, method)(*args, sender=self.who("challenger"))
            assert refused.value.error.name == "NoFraud", (method, refused.value.error)

    @rule(seconds=st.one_of(st.just(WINDOW), st.integers(1, 2 * WINDOW)))
    def wait(self, seconds):
        self.chain.warp(seconds)

    @precondition(lambda self: self.batches)
    @rule(which=st.integers(0, 7), leaf=st.integers(0, 50))
    def apply_leaf(self, which, leaf):
        batch = self.batches[which % len(self.batches)]
        index = leaf % len(batch["leaves"])
        chosen = batch["leaves"][index]
        args = apply_args(batch["number"], chosen, batch["tree"], index)
        final = self.chain.timestamp >= batch["posted_at"] + WINDOW
        if not final or index in batch["applied"]:
            with pytest.raises(RevertError) as refused:
                self.c.ledger.apply_(*args, sender=self.who("challenger"))
            assert refused.value.error.name == ("AlreadyApplied" if final else "NotFinal")
            return
        self.c.ledger.apply_(*args, sender=self.who("challenger"))  # an honest leaf always applies
        batch["applied"].add(index)
        event("leaf applied")

    @precondition(lambda self: self.batches)
    @rule(which=st.integers(0, 7), order=st.randoms(use_true_random=False))
    def finalize_and_apply_every_leaf(self, which, order):
        """Time passes the batch's window; its leaves apply one by one, in any order (debits before or after
        credits), each checked by the invariants in between."""
        batch = self.batches[which % len(self.batches)]
        final_at = batch["posted_at"] + WINDOW
        if self.chain.timestamp < final_at:
            self.chain.set_time(final_at)
        indices = [i for i in range(len(batch["leaves"])) if i not in batch["applied"]]
        order.shuffle(indices)
        for index in indices:
            self.apply_leaf(which, index)
            self.cash_is_balances_plus_unapplied_leaves()
        event("a batch fully applied")

    @precondition(lambda self: self.batches)
    @rule(which=st.integers(0, 7), order=st.randoms(use_true_random=False))
    def apply_many(self, which, order):
        """The batch's unapplied leaves in one applyMany call (in any order), which then advances settledThrough
        past every fully applied batch."""
        batch = self.batches[which % len(self.batches)]
        indices = [i for i in range(len(batch["leaves"])) if i not in batch["applied"]]
        order.shuffle(indices)
        leaves, tree = batch["leaves"], batch["tree"]
        args = (
            batch["number"],
            [leaf_args(leaves[i]) for i in indices],
            [signature_hash(leaves[i]) for i in indices],
            indices,
            [tree.plain_proof(i) for i in indices],
        )
        if self.chain.timestamp < batch["posted_at"] + WINDOW:
            with pytest.raises(RevertError) as refused:
                self.c.ledger.applyMany(*args, sender=self.who("challenger"))
            assert refused.value.error.name == "NotFinal"
            return
        self.c.ledger.applyMany(*args, sender=self.who("challenger"))  # honest leaves always apply
        batch["applied"].update(indices)
        self.settled = self._settled_prefix()
        event("a batch applied in applyMany")

    @rule()
    def advance_settled(self):
        self.c.ledger.advanceSettled(sender=self.who("challenger"))
        self.settled = self._settled_prefix()

    @precondition(lambda self: self.batches)
    @rule(which=st.integers(0, 7))
    def release_bond(self, which):
        batch = self.batches[which % len(self.batches)]
        final = self.chain.timestamp >= batch["posted_at"] + WINDOW
        if not final or batch["released"]:
            with pytest.raises(RevertError) as refused:
                self.c.ledger.releaseBond(batch["number"], sender=self.who("challenger"))
            assert refused.value.error.name == ("BondAlreadyReleased" if final else "NotFinal")
            return
        self.c.ledger.releaseBond(batch["number"], sender=self.who("challenger"))  # anyone; owed to the sequencer
        batch["released"] = True
        self.owed["sequencer"] += BOND
        event("bond released")

    @rule(who=st.sampled_from(BONDED))
    def claim_bonds(self, who):
        ledger, account = self.c.ledger, self.who(who)
        if not self.owed[who]:
            with pytest.raises(RevertError) as refused:
                ledger.claimBonds(account, sender=account)
            assert refused.value.error.name == "NothingOwed"
            return
        before = self.chain.balance(account)
        ledger.claimBonds(account, sender=account)
        assert self.chain.balance(account) - before == self.owed[who]
        self.owed[who] = 0
        event("bonds claimed")

    # ------------------------------------------------------------------------------------------------ invariants

    @invariant()
    def cash_is_balances_plus_unapplied_leaves(self):
        ledger = self.c.ledger
        balances = sum(ledger.balanceOf(self.who(t)) for t in TRADERS)
        unapplied = sum(leaf.cash for b in self.batches for i, leaf in enumerate(b["leaves"]) if i not in b["applied"])
        assert self.c.cash.balanceOf(ledger) == balances + unapplied

    @invariant()
    def tokens_held_are_positions_plus_unapplied_leaves(self):
        """Invariant 7: per series, the ledger's token balance == positions + unapplied deltas; none negative."""
        ledger = self.c.ledger
        for column, series in enumerate(SERIES):
            positions = [ledger.positionOf(self.who(t), series) for t in TRADERS]
            assert min(positions) >= 0
            unapplied = sum(
                leaf.positions[column]
                for b in self.batches
                for i, leaf in enumerate(b["leaves"])
                if i not in b["applied"]
            )
            assert getattr(self.c, f"token{series}").balanceOf(ledger) == sum(positions) + unapplied

    @invariant()
    def settled_through_moves_only_over_fully_applied_batches(self):
        """apply_ leaves the cursor; applyMany, advanceSettled and withdraw move it to the end of the fully applied
        prefix."""
        assert self.settled <= self._settled_prefix()
        assert self.c.ledger.settledThrough() == self.settled

    @invariant()
    def the_ledger_holds_a_bond_per_valid_unreleased_batch_and_every_bond_owed(self):
        ledger = self.c.ledger
        assert ledger.batchCount() == len(self.batches)
        for who in self.BONDED:
            assert ledger.bondsOwed(self.who(who)) == self.owed[who], who
        unreleased = sum(1 for b in self.batches if not b["released"])
        assert self.chain.balance(ledger) == BOND * unreleased + sum(self.owed.values())


def _leaf_typed(chain_id, ledger, leaf, posting):
    from strikeforge.settlement.cosign import typed_data

    return typed_data(chain_id, str(ledger), leaf, posting)


TestLedgerInvariants = LedgerMachine.TestCase
