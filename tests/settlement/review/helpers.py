"""Helpers of the review's regression tests: leaves signed with the ledger's own digest, posting, proofs, time."""

from __future__ import annotations

from dataclasses import replace

from coincurve import PrivateKey
from eth_utils import keccak, to_checksum_address

from strikeforge.settlement.cosign import batch_calldata
from strikeforge.settlement.tree import Leaf, MerkleSumTree
from tests.settlement.conftest import DEADLINE

WINDOW = 3_600
DELAY = 2 * WINDOW  # WITHDRAWAL_DELAY above the window: readyAt and the window's end differ
ESCAPE = 10 * 86_400
BOND = 10**18 + 1  # odd: a slashed bond's half/half split is exercised
USDC = 10**6
SERIES = [11, 12, 13, 14]
ZERO = (0, 0, 0, 0)
DUMMY_SIG = b"\x11" * 65  # 65 bytes, not a valid signature: for accounts nobody needs to sign for
INT256_MIN = -(2**255)
MAX_DELTA = 2**127 - 1
TXPOOL_MAX_TX_BYTES = 128 * 1024  # go-ethereum / reth / erigon default pool limit on a transaction's size


def sign_digest(key: bytes, digest: bytes) -> bytes:
    signature = PrivateKey(key).sign_recoverable(digest, hasher=None)
    return signature[:64] + bytes([signature[64] + 27])


def key_of(account) -> bytes:
    key = account.private_key
    return bytes.fromhex(key[2:]) if isinstance(key, str) else bytes(key)


def keys_for(accounts) -> dict[str, bytes]:
    return {str(a.address).lower(): key_of(a) for a in accounts}


def leaf_args(leaf: Leaf) -> tuple:
    return (leaf.batch, to_checksum_address(leaf.account), leaf.cash, list(leaf.positions))


def address(value: int) -> str:
    return f"0x{value:040x}"


class Batch:
    """A batch's leaves, both trees, its calldata and the posting (nonce, series) its leaves are signed for."""

    def __init__(self, number: int, leaves: list[Leaf], nonce: int, series: list[int]):
        self.number, self.leaves, self.nonce, self.series = number, leaves, nonce, series
        self.tree = MerkleSumTree(leaves)
        self.data = batch_calldata(leaves)

    def index_of(self, account) -> int:
        wanted = str(account).lower()
        return next(i for i, leaf in enumerate(self.leaves) if leaf.account == wanted)

    def args(self, i: int) -> tuple:
        """apply_ / challengeCollateral / PriorLeaf shape: (id, leaf, signature hash, index, proof)."""
        leaf = self.leaves[i]
        return (self.number, leaf_args(leaf), keccak(leaf.signature), i, self.tree.plain_proof(i))

    def proven(self, i: int) -> tuple:
        """settleAccount's ProvenLeaf: (leaf, signature hash, index, proof)."""
        return self.args(i)[1:]

    def signature_args(self, i: int) -> tuple:
        """challengeSignature's arguments."""
        leaf = self.leaves[i]
        return (self.number, leaf_args(leaf), leaf.signature, i, self.tree.plain_proof(i))


def make_batch(ledger, rows, keys=None, series=SERIES, number=None, nonce=None, sign_series=None) -> Batch:
    """rows: [(account, cash, positions)], sorted here by account; an account in `keys` co-signs for the posting
    (`nonce`, `sign_series`; by default the ledger's next posting and `series`), any other gets DUMMY_SIG."""
    number = ledger.batchCount() + 1 if number is None else number
    nonce = ledger.leavesPosted() if nonce is None else nonce
    signed_series = list(series if sign_series is None else sign_series)
    leaves = []
    for account, cash, positions in sorted(rows, key=lambda r: int(str(r[0]), 16)):
        leaf = Leaf(number, str(account).lower(), cash, tuple(positions), DUMMY_SIG)
        if keys is not None and leaf.account in keys:
            digest = ledger.leafDigest(leaf_args(leaf), nonce, signed_series)
            leaf = replace(leaf, signature=sign_digest(keys[leaf.account], bytes(digest)))
        leaves.append(leaf)
    return Batch(number, leaves, nonce, list(series))


def trade(ledger, users, debtor, creditor, amount, **kw) -> Batch:
    """debtor pays `amount` to creditor for one option of column 0, both co-signed."""
    rows = [(debtor.address, -amount, (1, 0, 0, 0)), (creditor.address, amount, (-1, 0, 0, 0))]
    return make_batch(ledger, rows, keys_for(users), **kw)


def zero_rows(n: int, start: int = 1) -> list:
    return [(address(start + i), 0, ZERO) for i in range(n)]


def post(ledger, batch: Batch, sender, root=None, data=None, deadline=DEADLINE, **kw):
    return ledger.postBatch(
        root or batch.tree.root,
        batch.tree.leaves_root,
        batch.series,
        batch.data if data is None else data,
        ledger.leavesPosted(),  # the poster's nonce is the ledger's; what the leaves are signed for may differ
        deadline,
        sender=sender,
        value=BOND,
        **kw,
    )


def warp(chain, seconds: int) -> None:
    chain.mine(1, timestamp=chain.pending_timestamp + seconds)


def apply_leaves(ledger, batch: Batch, indexes, sender) -> None:
    indexes = list(indexes)
    for start in range(0, len(indexes), 256):
        part = indexes[start : start + 256]
        ledger.applyMany(
            batch.number,
            [leaf_args(batch.leaves[i]) for i in part],
            [keccak(batch.leaves[i].signature) for i in part],
            part,
            [batch.tree.plain_proof(i) for i in part],
            sender=sender,
        )


def apply_all(ledger, batch: Batch, sender) -> None:
    apply_leaves(ledger, batch, range(len(batch.leaves)), sender)


def frauds(ledger, tx) -> list[str]:
    return [e.fraud for e in tx.events.filter(ledger.BatchReverted)]


def neighbours(batch: Batch, account) -> list[tuple]:
    """settleAccount's proof that `account` (not a member) has no leaf in `batch`: the adjacent leaves around it."""
    value = int(str(account), 16)
    below = max(i for i, leaf in enumerate(batch.leaves) if int(leaf.account, 16) < value)
    return [batch.proven(below), batch.proven(below + 1)]
