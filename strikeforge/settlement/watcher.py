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
   (challengeCollateral, with those earlier leaves and their proofs).

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

from strikeforge.paths import write_atomically
from strikeforge.settlement.chain import net_of_withdrawal
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
) -> Fraud | None:
    """The first provable fraud in a posted batch, or None for an honest one. `posting` is the batch's posting nonce
    and series (BatchPosted's), which every co-signature must bind. `available(account)` is the balance the ledger
    counts for the account in challengeCollateral (net of a withdrawal whose readyAt is at or before the posting);
    `prior_debits(account)` its debit leaves in earlier valid batches not applied yet, as PriorLeaf tuples."""
    built = build(data)
    if built is None or built[1].root != root or built[1].leaves_root != leaves_root:
        return Fraud("data", number, None, "challengeData", (number, data))
    leaves, tree = built
    if any(tree.root_sums) and tree.depth:  # (a one-leaf batch has no node to prove; postBatch refuses it unbalanced)
        left, right = tree.node(tree.depth - 1, 0), tree.node(tree.depth - 1, 1)
        args = (number, [0] * 5, [], (left[0], list(left[1]), False), (right[0], list(right[1]), False))
        return Fraud("sums", number, None, "challengeSums", args)
    for index, leaf in enumerate(leaves):
        if leaf.batch != number or _signer(chain_id, ledger, leaf, posting) != leaf.account:
            args = (number, leaf_args(leaf), leaf.signature, index, tree.plain_proof(index))
            return Fraud("signature", number, index, "challengeSignature", args)
    for index, leaf in enumerate(leaves):
        if leaf.cash >= 0:
            continue
        priors = prior_debits(leaf.account) if prior_debits else []
        owed = -leaf.cash + sum(-prior[1][2] for prior in priors)
        if owed > available(leaf.account):
            args = (*apply_args(number, leaf, tree, index), priors)
            return Fraud("collateral", number, index, "challengeCollateral", args)
    return None


class Watcher:
    """Follows one ledger's BatchPosted events from `state`'s block on, challenging what `find_fraud` finds."""

    def __init__(self, contract: Any, account: Any, state: Path, start_block: int = 0) -> None:
        from ape import chain

        self.contract = contract
        self.account = account
        self.state = state
        self.chain_id = int(chain.chain_id)
        self.address = str(contract.address)
        self.next_block = start_block
        self.seen: dict[int, tuple[bytes, str]] = {}  # ledger batch -> (root, posting tx): honest and unsettled
        self._built: dict[int, tuple[list[Leaf], MerkleSumTree]] = {}
        if state.exists():
            saved = json.loads(state.read_text())
            self.next_block = int(saved["next_block"])
            self.seen = {int(n): (bytes.fromhex(r), tx) for n, (r, tx) in saved.get("seen", {}).items()}
        self.challenged: list[Fraud] = []
        self.failed: list[Fraud] = []  # challenges that reverted or could not be sent (for metrics and alerts)
        self.checked = 0  # batches rebuilt and checked since start

    def _save(self) -> None:
        seen = {str(n): [r.hex(), tx] for n, (r, tx) in self.seen.items()}
        write_atomically(self.state, json.dumps({"next_block": self.next_block, "seen": seen}))

    def _available(self, posted_at: int) -> Callable[[str], int]:
        return lambda account: net_of_withdrawal(self.contract, account, posted_at=posted_at)

    def _calldata(self, tx_hash: str) -> dict[str, Any]:
        from ape import chain

        tx = chain.provider.web3.eth.get_transaction(tx_hash)
        _, inputs = self.contract.decode_input(bytes(tx["input"]))
        return inputs

    def _leaves_of(self, number: int) -> tuple[list[Leaf], MerkleSumTree] | None:
        if number not in self._built:
            built = build(bytes(self._calldata(self.seen[number][1])["leaves"]))
            if built is None:
                return None
            self._built[number] = built
        return self._built[number]

    def _prior_debits(self, number: int) -> PriorDebits:
        """An account's unapplied debits in the honest batches seen before `number` and not settled yet."""
        settled = int(self.contract.settledThrough())
        count = int(self.contract.batchCount())

        def priors(account: str) -> list[tuple]:
            found = []
            for earlier in sorted(n for n in self.seen if settled < n < number and n <= count):
                if bytes(self.contract.batches(earlier).root) != self.seen[earlier][0]:
                    continue  # reverted since: its leaves never apply
                built = self._leaves_of(earlier)
                if built is None:
                    continue
                leaves, tree = built
                for index, leaf in enumerate(leaves):
                    if leaf.account == account and leaf.cash < 0 and not self.contract.isApplied(earlier, index):
                        found.append(apply_args(earlier, leaf, tree, index))
            return found

        return priors

    def tick(self) -> list[Fraud]:
        """Checks every batch posted since the last tick; returns the frauds it challenged."""
        from ape import chain

        head = chain.blocks.head.number
        if head is None or head < self.next_block:
            return []
        found = []
        for event in self.contract.BatchPosted.range(self.next_block, head + 1):
            fraud = self._check(event)
            if fraud is not None:
                found.append(fraud)
        self.next_block = head + 1
        settled = int(self.contract.settledThrough())
        self.seen = {n: v for n, v in self.seen.items() if n > settled}
        self._built = {n: v for n, v in self._built.items() if n in self.seen}
        self._save()
        return found

    def _check(self, event: Any) -> Fraud | None:
        number = int(event.batch)
        stored = self.contract.batches(number)
        if bytes(stored.root) != bytes(event.root) or int(self.contract.batchCount()) < number:
            return None  # already reverted (by us or by someone else)
        tx_hash = event.transaction_hash
        tx_hash = tx_hash if isinstance(tx_hash, str) else "0x" + bytes(tx_hash).hex()
        try:
            inputs = self._calldata(tx_hash)
        except Exception as exc:  # posted through a contract (a multisig): the transaction's input is not postBatch
            log.error("batch %d: no postBatch call in transaction %s (%s); check it by hand", number, tx_hash, exc)
            return None
        self.checked += 1
        posting = Posting(int(event.postingNonce), tuple(int(s) for s in event.series))
        posted_at = int(self.contract.postingOf(number)[0])
        fraud = find_fraud(
            number,
            bytes(inputs["root"]),
            bytes(inputs["leavesRoot"]),
            bytes(inputs["leaves"]),
            self.chain_id,
            self.address,
            posting,
            self._available(posted_at),
            self._prior_debits(number),
        )
        if fraud is None:
            log.info("batch %d: checked, honest", number)
            self.seen[number] = (bytes(stored.root), tx_hash)
            return None
        log.warning(
            "batch %d: %s fraud%s; challenging",
            number,
            fraud.kind,
            "" if fraud.index is None else f" at leaf {fraud.index}",
        )
        try:
            getattr(self.contract, fraud.method)(*fraud.args, sender=self.account)
        except Exception as exc:  # window over, already reverted by another watcher, out of funds: log and go on
            log.error("batch %d: the %s challenge failed: %s", number, fraud.kind, exc)
            self.failed.append(fraud)
            return None
        self.challenged.append(fraud)
        return fraud
