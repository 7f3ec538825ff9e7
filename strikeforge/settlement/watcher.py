"""The watcher: rebuilds every posted batch from its calldata and challenges an invalid one while it is open.

For each BatchPosted event it reads the posting transaction's calldata, decodes the leaves and rebuilds both trees
(Merkle-sum and plain), then looks for the first fraud it can prove in one step, in this order:

1. `data`: the posted Merkle-sum root or plain root is not the calldata's (challengeData: the ledger rebuilds both
   trees itself), or the calldata does not decode (which postBatch, checking the canonical encoding, never accepts);
2. `sums`: the root's sums are not zero (challengeSums at the root; with the root built from the data, every inner
   node's sums are its children's by construction; postBatch refuses calldata whose columns do not sum to zero, so a
   batch the ledger accepted never gets here);
3. `signature`: a leaf for another batch, or without a valid co-signature of its account for the batch's posting
   (its posting nonce and series, from the BatchPosted event), or with a signature OpenZeppelin's ECDSA refuses
   (challengeSignature);
4. `collateral`: a leaf debiting more cash than its account can pay: its balance, net of a withdrawal request whose
   readyAt is at or before the batch's posting, less its debits in earlier batches not applied yet
   (challengeCollateral, with those earlier leaves and their proofs);
5. `inventory`: a leaf selling more option tokens of a column's series than its account holds: its position, net of
   an option withdrawal request of that series ready by the posting, less its sales of the same series in earlier
   batches not applied yet (challengeInventory, with the column, those earlier leaves and their proofs).

Finding the fraud (`find_fraud`) is pure and runs on plain values; `Watcher` is the loop around it on a chain. The
watcher keeps the leaves of the batches it has seen and not yet settled (to prove earlier debits), and its progress,
in one JSON file written atomically.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_abi import decode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from strikeforge.paths import write_atomically
from strikeforge.settlement.chain import net_of_option_withdrawal, net_of_withdrawal
from strikeforge.settlement.cosign import (
    SIGNED_LEAVES_ABI,
    Posting,
    apply_args,
    canonical_signature,
    leaf_args,
    typed_data,
)
from strikeforge.settlement.tree import Leaf, MerkleSumTree

log = logging.getLogger("strikeforge.watch")

PriorDebits = Callable[[str], list[tuple]]  # account -> its unapplied debit leaves in earlier batches (PriorLeaf args)
# (account, series) -> its unapplied sales of the series in earlier batches: (PriorLeaf args, tokens sold)
PriorSales = Callable[[str, int], list[tuple[tuple, int]]]
Inventory = Callable[[str, int], int]  # (account, series) -> what challengeInventory counts as held


@dataclass(frozen=True)
class Fraud:
    """A provable fraud in batch `number`: its kind, the leaf index (if a leaf's), and the challenge's arguments."""

    kind: str
    number: int
    index: int | None
    method: str
    args: tuple


def decode_leaves(data: bytes) -> list[Leaf] | None:
    """The leaves of a batch's calldata, or None if it is not `abi.encode(SignedLeaf[])` with int256-safe sums."""
    try:
        (rows,) = decode([SIGNED_LEAVES_ABI], data)
        return [Leaf(b, a.lower(), c, tuple(p), bytes(s)) for b, a, c, p, s in rows]
    except Exception:  # eth-abi raises several types for malformed data
        return None


def build(data: bytes) -> tuple[list[Leaf], MerkleSumTree] | None:
    """The leaves and trees of a batch's calldata, or None if the ledger's own rebuild would fail on it."""
    leaves = decode_leaves(data)
    if not leaves:
        return None
    try:
        return leaves, MerkleSumTree(leaves)
    except (OverflowError, ValueError):  # sums beyond int256: the ledger's rebuild reverts on them too
        return None


def _signer(chain_id: int, ledger: str, leaf: Leaf, posting: Posting) -> str | None:
    """Who signed the leaf for this posting, as OpenZeppelin's ECDSA.tryRecover sees it (None: no valid signer, which
    includes a malleable high-s or a v other than 27/28 that ecrecover alone would accept)."""
    if not canonical_signature(leaf.signature):
        return None
    try:
        message = encode_typed_data(full_message=typed_data(chain_id, ledger, leaf, posting))
        return Account.recover_message(message, signature=leaf.signature).lower()
    except Exception:  # a malformed signature recovers to nobody
        return None


def find_fraud(
    number: int,
    root: bytes,
    leaves_root: bytes,
    data: bytes,
    chain_id: int,
    ledger: str,
    posting: Posting,
    available: Callable[[str], int],
    prior_debits: PriorDebits | None = None,
    recover: Callable[[Leaf], str | None] | None = None,
    inventory: Inventory | None = None,
    prior_sales: PriorSales | None = None,
) -> Fraud | None:
    """The first provable fraud in a posted batch, or None for an honest one. `posting` is the batch's posting nonce
    and series (BatchPosted's), which every co-signature must bind. `available(account)` is the balance the ledger
    counts for the account in challengeCollateral (net of a withdrawal whose readyAt is at or before the posting);
    `prior_debits(account)` its debit leaves in earlier valid batches not applied yet, as PriorLeaf tuples.
    `recover(leaf)` is who signed a leaf (default: the NettedLeaf co-signature for `posting`, as the ledger checks
    it). `inventory(account, series)` is the option-token position challengeInventory counts (net of an option
    withdrawal ready by the posting; without it, token sales are not checked) and `prior_sales(account, series)` the
    account's sales of the series in earlier valid batches not applied yet, as (PriorLeaf tuple, tokens sold)."""
    built = build(data)
    if built is None or built[1].root != root or built[1].leaves_root != leaves_root:
        return Fraud("data", number, None, "challengeData", (number, data))
    leaves, tree = built
    if any(tree.root_sums) and tree.depth:  # (a one-leaf batch has no node to prove; postBatch refuses it unbalanced)
        left, right = tree.node(tree.depth - 1, 0), tree.node(tree.depth - 1, 1)
        args = (number, [0] * 5, [], (left[0], list(left[1]), False), (right[0], list(right[1]), False))
        return Fraud("sums", number, None, "challengeSums", args)
    for index, leaf in enumerate(leaves):
        signer = recover(leaf) if recover is not None else _signer(chain_id, ledger, leaf, posting)
        if leaf.batch != number or signer != leaf.account:
            args = (number, leaf_args(leaf), leaf.signature, index, tree.plain_proof(index))
            return Fraud("signature", number, index, "challengeSignature", args)
    for index, leaf in enumerate(leaves):
        if leaf.cash >= 0:
            continue
        priors = prior_debits(leaf.account) if prior_debits else []
        owed = -leaf.cash + sum(-prior[1][2] for prior in priors)
        if owed > available(leaf.account):
            chosen = select_priors(-leaf.cash, available(leaf.account), priors)
            args = (*apply_args(number, leaf, tree, index), chosen)
            return Fraud("collateral", number, index, "challengeCollateral", args)
    if inventory is None:
        return None
    for index, leaf in enumerate(leaves):
        for column, delta in enumerate(leaf.positions):
            if delta >= 0:
                continue
            series = posting.series[column]
            sales = prior_sales(leaf.account, series) if prior_sales else []
            held = inventory(leaf.account, series)
            if -delta + sum(sold for _, sold in sales) > held:
                chosen = select_priors(-delta, held, sales, amount=lambda sale: sale[1])
                args = (number, column, *apply_args(number, leaf, tree, index)[1:], [prior for prior, _ in chosen])
                return Fraud("inventory", number, index, "challengeInventory", args)
    return None


MAX_PRIORS = 32  # SettlementLedger.MAX_PENDING: challengeCollateral takes at most this many earlier debits


def select_priors(debit: int, available: int, priors: list, amount: Callable[[Any], int] | None = None) -> list:
    """The fewest earlier debits (largest first, at most MAX_PRIORS) that put `debit` beyond `available`, in the
    strictly increasing (batch, index) order challengeCollateral and challengeInventory require. When even MAX_PRIORS
    of them do not, the largest MAX_PRIORS: the watcher then applies the account's final debits first (they leave the
    balance instead) and tries again. Without `amount`, a prior is a PriorLeaf tuple debiting its cash; with it, a
    prior is (PriorLeaf tuple, ...) debiting `amount(prior)`."""
    amount_of = amount or (lambda prior: -prior[1][2])
    leaf_of = (lambda prior: prior) if amount is None else (lambda prior: prior[0])
    chosen, owed = [], debit
    for prior in sorted(priors, key=amount_of, reverse=True):  # the largest debit first
        if owed > available or len(chosen) == MAX_PRIORS:
            break
        chosen.append(prior)
        owed += amount_of(prior)
    return sorted(chosen, key=lambda prior: (leaf_of(prior)[0], leaf_of(prior)[3]))


@dataclass(frozen=True)
class Posted:
    """What the ledger stored for a batch (BatchPosted): its roots, data hash and posting, and the transaction."""

    number: int
    root: bytes
    leaves_root: bytes
    data_hash: bytes
    posting: Posting
    tx_hash: str

    def to_json(self) -> list:
        return [
            self.number,
            self.root.hex(),
            self.leaves_root.hex(),
            self.data_hash.hex(),
            self.posting.nonce,
            list(self.posting.series),
            self.tx_hash,
        ]

    @classmethod
    def from_json(cls, row: list) -> Posted:
        number, root, leaves_root, data_hash, nonce, series, tx_hash = row
        posting = Posting(int(nonce), tuple(series))
        return cls(
            int(number), bytes.fromhex(root), bytes.fromhex(leaves_root), bytes.fromhex(data_hash), posting, tx_hash
        )


class DataUnavailableError(Exception):
    """The batch's leaves cannot be found: no postBatch call whose data hashes to the stored dataHash, in the
    transaction's input or (posted through a contract) in its call trace."""


class Watcher:
    """Follows one ledger's BatchPosted events from `state`'s block on, challenging what `find_fraud` finds.

    It checks what the ledger stored, never what a transaction claims: the roots come from the event, and the leaves
    are the postBatch data whose keccak is the stored dataHash, found in the transaction's input or, for a batch
    posted through a contract (a multisig, an EIP-7702 account), in its call trace. A batch that cannot be resolved
    yet (data not found, an RPC failure, a challenge that failed) stays `pending` and is tried again every tick while
    its window is open; one bad event never stops the others. Pending batches are never counted as honest.
    """

    def __init__(self, contract: Any, account: Any, state: Path, start_block: int = 0) -> None:
        from ape import chain

        self.contract = contract
        self.account = account
        self.state = state
        self.chain_id = int(chain.chain_id)
        self.address = str(contract.address)
        self.window = int(contract.CHALLENGE_WINDOW())
        self.next_block = start_block
        self.seen: dict[int, Posted] = {}  # honest batches not settled yet (their debits are priors of later ones)
        self.pending: dict[int, Posted] = {}  # batches not resolved yet: retried every tick inside their window
        self._built: dict[int, tuple[list[Leaf], MerkleSumTree]] = {}
        if state.exists():
            saved = json.loads(state.read_text())
            self.next_block = int(saved["next_block"])
            self.seen = {int(n): Posted.from_json(row) for n, row in saved.get("seen", {}).items()}
            self.pending = {int(n): Posted.from_json(row) for n, row in saved.get("pending", {}).items()}
        self.challenged: list[Fraud] = []
        self.failed: list[Fraud] = []  # challenges that reverted or could not be sent (for metrics and alerts)
        self.unavailable: list[int] = []  # batches whose data could not be found (alerts)
        self.checked = 0  # batches rebuilt and checked since start

    def _save(self) -> None:
        state = {
            "next_block": self.next_block,
            "seen": {str(n): p.to_json() for n, p in self.seen.items()},
            "pending": {str(n): p.to_json() for n, p in self.pending.items()},
        }
        write_atomically(self.state, json.dumps(state))

    def _available(self, posted_at: int) -> Callable[[str], int]:
        return lambda account: net_of_withdrawal(self.contract, account, posted_at=posted_at)

    def _inventory(self, posted_at: int) -> Inventory:
        return lambda account, series: net_of_option_withdrawal(self.contract, account, series, posted_at=posted_at)

    def _data(self, posted: Posted) -> bytes:
        """The batch's leaves: postBatch data in the transaction (or its call trace) that hashes to dataHash."""
        from ape import chain

        tx = chain.provider.web3.eth.get_transaction(posted.tx_hash)
        for call in [bytes(tx["input"]), *self._traced_calls(posted.tx_hash)]:
            leaves = self._post_batch_data(call)
            if leaves is not None and keccak(leaves) == posted.data_hash:
                return leaves
        raise DataUnavailableError(f"batch {posted.number}: no postBatch data hashing to the stored dataHash")

    def _post_batch_data(self, calldata: bytes) -> bytes | None:
        try:
            method, inputs = self.contract.decode_input(calldata)
        except Exception:  # not a call of the ledger's ABI
            return None
        return bytes(inputs["leaves"]) if "postBatch" in str(method) and "leaves" in inputs else None

    def _traced_calls(self, tx_hash: str) -> list[bytes]:
        """Inputs of the calls to the ledger inside the transaction (debug_traceTransaction's callTracer), or none
        where the node does not trace."""
        from ape import chain

        try:
            trace = chain.provider.web3.provider.make_request(
                "debug_traceTransaction", [tx_hash, {"tracer": "callTracer"}]
            )
        except Exception as exc:  # a node without the debug namespace
            log.debug("no call trace for %s: %s", tx_hash, exc)
            return []
        found: list[bytes] = []
        stack = [trace.get("result") or {}]
        while stack:
            frame = stack.pop()
            if str(frame.get("to", "")).lower() == self.address.lower() and frame.get("input"):
                found.append(bytes.fromhex(str(frame["input"]).removeprefix("0x")))
            stack.extend(frame.get("calls") or [])
        return found

    def _leaves_of(self, number: int) -> tuple[list[Leaf], MerkleSumTree] | None:
        if number not in self._built:
            built = build(self._data(self.seen[number]))
            if built is None:
                return None
            self._built[number] = built
        return self._built[number]

    def _earlier_leaves(self, number: int, account: str) -> list[tuple[int, Posting, int, Leaf, MerkleSumTree]]:
        """The account's unapplied leaves in the honest batches seen before `number` that are valid and not settled
        yet: (batch, posting, index, leaf, tree)."""
        settled = int(self.contract.settledThrough())
        count = int(self.contract.batchCount())
        found = []
        for earlier in sorted(n for n in self.seen if settled < n < number and n <= count):
            if bytes(self.contract.batches(earlier).root) != self.seen[earlier].root:
                continue  # reverted since: its leaves never apply
            built = self._leaves_of(earlier)
            if built is None:
                continue
            leaves, tree = built
            for index, leaf in enumerate(leaves):
                if leaf.account == account and not self.contract.isApplied(earlier, index):
                    found.append((earlier, self.seen[earlier].posting, index, leaf, tree))
        return found

    def _prior_debits(self, number: int) -> PriorDebits:
        """An account's unapplied debits in the honest batches seen before `number` and not settled yet."""

        def priors(account: str) -> list[tuple]:
            return [
                apply_args(earlier, leaf, tree, index)
                for earlier, _, index, leaf, tree in self._earlier_leaves(number, account)
                if leaf.cash < 0
            ]

        return priors

    def _prior_sales(self, number: int) -> PriorSales:
        """An account's unapplied sales of a series in the honest batches seen before `number` and not settled yet."""

        def sales(account: str, series: int) -> list[tuple[tuple, int]]:
            return [
                (apply_args(earlier, leaf, tree, index), -leaf.positions[column])
                for earlier, posting, index, leaf, tree in self._earlier_leaves(number, account)
                for column in range(len(posting.series))
                if posting.series[column] == series and leaf.positions[column] < 0
            ]

        return sales

    def tick(self) -> list[Fraud]:
        """Checks every batch posted since the last tick and retries the pending ones; returns the frauds proven."""
        from ape import chain

        head = chain.blocks.head.number
        if head is None:
            return []
        if head >= self.next_block:
            for event in self.contract.BatchPosted.range(self.next_block, head + 1):
                posted = _posted(event)
                self.pending[posted.number] = posted  # replaces a reverted batch's entry under the same id
            self.next_block = head + 1
        found = []
        for number in sorted(self.pending):
            fraud = self._resolve(self.pending[number])
            if fraud is not None:
                found.append(fraud)
        settled = int(self.contract.settledThrough())
        self.seen = {n: v for n, v in self.seen.items() if n > settled}
        self._built = {n: v for n, v in self._built.items() if n in self.seen}
        self._save()
        return found

    def _resolve(self, posted: Posted) -> Fraud | None:
        """One try at a pending batch: it leaves `pending` once it is honest, proven, reverted or out of its window."""
        from ape import chain

        number = posted.number
        try:
            stored = self.contract.batches(number)
            if bytes(stored.leavesRoot) != posted.leaves_root or int(self.contract.batchCount()) < number:
                del self.pending[number]  # reverted (by us or by someone else)
                return None
            posted_at = int(self.contract.postingOf(number)[0])
            open_ = int(chain.blocks.head.timestamp) < posted_at + self.window
            try:
                data = self._data(posted)
            except DataUnavailableError as exc:
                if number not in self.unavailable:
                    self.unavailable.append(number)
                if open_:
                    log.error("%s; retrying every tick until its window closes", exc)
                else:
                    del self.pending[number]
                    log.error("%s, and its window has closed: it stands unverified", exc)
                return None
            self.checked += 1
            fraud = find_fraud(
                number,
                posted.root,
                posted.leaves_root,
                data,
                self.chain_id,
                self.address,
                posted.posting,
                self._available(posted_at),
                self._prior_debits(number),
                inventory=self._inventory(posted_at),
                prior_sales=self._prior_sales(number),
            )
        except Exception as exc:  # an RPC failure on one batch must not stop the others: retry next tick
            log.error("batch %d: could not be checked (%s); retrying next tick", number, exc)
            return None
        if fraud is None:  # honest (also when checked after its window: its debits are priors of later batches)
            log.info("batch %d: checked, honest", number)
            self.seen[number] = posted
            del self.pending[number]
            return None
        if not open_:
            del self.pending[number]
            log.error("batch %d: %s fraud found after its window closed: it cannot be challenged", number, fraud.kind)
            self.failed.append(fraud)
            return None
        return self._challenge(fraud)

    def _challenge(self, fraud: Fraud) -> Fraud | None:
        number = fraud.number
        log.warning(
            "batch %d: %s fraud%s; challenging",
            number,
            fraud.kind,
            "" if fraud.index is None else f" at leaf {fraud.index}",
        )
        try:
            getattr(self.contract, fraud.method)(*fraud.args, sender=self.account)
        except Exception as exc:  # front-run, already reverted, out of funds: retried next tick while the window lasts
            log.error("batch %d: the %s challenge failed: %s; retrying next tick", number, fraud.kind, exc)
            self.failed.append(fraud)
            if fraud.kind in ("collateral", "inventory"):
                self._apply_final_priors(fraud)
            return None
        self.pending.pop(number, None)
        self.challenged.append(fraud)
        return fraud

    def _apply_final_priors(self, fraud: Fraud) -> None:
        """Applies the debtor's final earlier debits (cash, or sales of the challenged series; permissionless), so the
        next try needs fewer priors: a debtor with more than MAX_PRIORS unapplied debits, or a front-runner applying
        one, cannot make the proof fail."""
        from ape import chain

        leaf = fraud.args[2] if fraud.kind == "inventory" else fraud.args[1]
        account = str(leaf[1]).lower()
        now = int(chain.blocks.head.timestamp)
        if fraud.kind == "inventory":
            series = int(self.contract.seriesOf(fraud.number)[fraud.args[1]])
            priors = [prior for prior, _ in self._prior_sales(fraud.number)(account, series)]
        else:
            priors = self._prior_debits(fraud.number)(account)
        for prior in priors:
            number = prior[0]
            if now >= int(self.contract.postingOf(number)[0]) + self.window:
                try:
                    self.contract.apply_(*prior, sender=self.account)
                except Exception as exc:  # applied meanwhile: fine
                    log.info("batch %d: prior debit not applied (%s)", number, exc)


def _posted(event: Any) -> Posted:
    tx_hash = event.transaction_hash
    tx_hash = tx_hash if isinstance(tx_hash, str) else "0x" + bytes(tx_hash).hex()
    return Posted(
        int(event.batch),
        bytes(event.root),
        bytes(event.leavesRoot),
        bytes(event.dataHash),
        Posting(int(event.postingNonce), tuple(int(s) for s in event.series)),
        tx_hash,
    )
