"""The watcher: rebuilds every posted batch from its calldata and challenges an invalid one while it is open.

For each BatchPosted event it reads the posting transaction's calldata, decodes the leaves and rebuilds the Merkle-sum
tree, then looks for the first fraud it can prove in one step, in this order:

1. `data`: the calldata is not signed leaves, or their tree's root is not the posted root (challengeData: the
   ledger rebuilds the tree itself);
2. `sums`: the root's sums are not zero (challengeSums at the root; with the root built from the data, every inner
   node's sums are its children's by construction);
3. `signature`: a leaf for another batch, or without a valid co-signature of its account (challengeSignature);
4. `collateral`: a leaf debiting more cash than its account holds, net of a withdrawal requested before the batch
   was posted (challengeCollateral).

Finding the fraud (`find_fraud`) is pure and runs on plain values; `Watcher` is the loop around it on a chain.
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

from strikeforge.settlement.cosign import (
    SIGNED_LEAVES_ABI,
    leaf_args,
    proof_args,
    signature_hash,
    typed_data,
)
from strikeforge.settlement.tree import Leaf, MerkleSumTree

log = logging.getLogger("strikeforge.watch")


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


def _signer(chain_id: int, ledger: str, leaf: Leaf) -> str | None:
    try:
        message = encode_typed_data(full_message=typed_data(chain_id, ledger, leaf))
        return Account.recover_message(message, signature=leaf.signature).lower()
    except Exception:  # a malformed signature recovers to nobody
        return None


def find_fraud(
    number: int,
    root: bytes,
    data: bytes,
    chain_id: int,
    ledger: str,
    available: Callable[[str], int],
) -> Fraud | None:
    """The first provable fraud in a posted batch, or None for an honest one. `available(account)` is the cash the
    ledger would count for the account in challengeCollateral."""
    leaves = decode_leaves(data)
    tree = None
    if leaves:
        try:
            tree = MerkleSumTree(leaves)
        except (OverflowError, ValueError):  # sums beyond int256: the ledger's rebuild reverts on them too
            tree = None
    if tree is None or tree.root != root:
        return Fraud("data", number, None, "challengeData", (number, data))
    if any(tree.root_sums):
        left, right = tree.node(tree.depth - 1, 0), tree.node(tree.depth - 1, 1)
        args = (number, [0] * 5, [], (left[0], list(left[1]), False), (right[0], list(right[1]), False))
        return Fraud("sums", number, None, "challengeSums", args)
    for index, leaf in enumerate(leaves or []):
        if leaf.batch != number or _signer(chain_id, ledger, leaf) != leaf.account:
            proof = proof_args(tree.proof(0, index))
            return Fraud(
                "signature", number, index, "challengeSignature", (number, leaf_args(leaf), leaf.signature, proof)
            )
    for index, leaf in enumerate(leaves or []):
        if leaf.cash < 0 and -leaf.cash > available(leaf.account):
            proof = proof_args(tree.proof(0, index))
            args = (number, leaf_args(leaf), signature_hash(leaf), proof)
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
        self.next_block = self._load() if state.exists() else start_block
        self.challenged: list[Fraud] = []

    def _load(self) -> int:
        return int(json.loads(self.state.read_text())["next_block"])

    def _save(self) -> None:
        self.state.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.state.with_suffix(".tmp")
        tmp.write_text(json.dumps({"next_block": self.next_block}))
        tmp.replace(self.state)  # atomic: a kill leaves the old state or the new one

    def _available(self, posted_at: int) -> Callable[[str], int]:
        def available(account: str) -> int:
            from eth_utils import to_checksum_address

            holder = to_checksum_address(account)
            balance = int(self.contract.balanceOf(holder))
            withdrawal = self.contract.withdrawals(holder)
            requested = int(withdrawal.requestedAt)
            if requested != 0 and requested <= posted_at:
                balance -= min(balance, int(withdrawal.amount))
            return balance

        return available

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
        self._save()
        return found

    def _check(self, event: Any) -> Fraud | None:
        from ape import chain

        number = int(event.batch)
        stored = self.contract.batches(number)
        if bytes(stored.root) != bytes(event.root) or int(self.contract.batchCount()) < number:
            return None  # already reverted (by us or by someone else)
        tx = chain.provider.web3.eth.get_transaction(event.transaction_hash)
        _, inputs = self.contract.decode_input(bytes(tx["input"]))
        fraud = find_fraud(
            number,
            bytes(inputs["root"]),
            bytes(inputs["leaves"]),
            self.chain_id,
            self.address,
            self._available(int(stored.postedAt)),
        )
        if fraud is None:
            log.info("batch %d: checked, honest", number)
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
            return None
        self.challenged.append(fraud)
        return fraud
