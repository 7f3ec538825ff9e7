"""Co-signing a netted leaf (EIP-712 NettedLeaf), and the calldata shapes SettlementLedger takes.

A co-signature binds everything the sequencer could otherwise choose: the batch id, the posting nonce (the ledger's
`leavesPosted()` when the batch is posted: unique per posting, so a leaf signed for a batch that was reverted never
verifies in the batch that replaces it), the account, its cash, the batch's four series ids and the positions.
Signatures must be canonical (65 bytes, low s, v 27 or 28): OpenZeppelin's ECDSA, which the ledger's signature proof
uses, refuses anything else, so a sequencer that posted one would be slashed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from strikeforge import eip712
from strikeforge.settlement.tree import SERIES_PER_BATCH, Leaf, MerkleSumTree, ProofStep

DOMAIN_NAME = "Strikeforge Settlement"
DOMAIN_VERSION = "1"


@dataclass(frozen=True)
class Posting:
    """What a batch's posting fixes beyond its leaves, and every co-signature binds: the posting nonce (the ledger's
    `leavesPosted()` right before the batch is posted) and the batch's four series ids."""

    nonce: int
    series: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.series) != SERIES_PER_BATCH:
            raise ValueError(f"series must have {SERIES_PER_BATCH} ids (got {len(self.series)})")
        if not 0 <= self.nonce < 2**56:
            raise ValueError(f"posting nonce {self.nonce} outside 0..2^56-1")
        for series in self.series:
            if not 0 <= series < 2**40:
                raise ValueError(f"series id {series} outside 0..2^40-1")


LEAF_FIELDS = [
    ("batch", "uint256"),
    ("postingNonce", "uint256"),
    ("account", "address"),
    ("cash", "int256"),
    ("series", "uint256[4]"),
    ("positions", "int256[4]"),
]


def typed_data(chain_id: int, ledger: str, leaf: Leaf, posting: Posting) -> dict[str, Any]:
    """The EIP-712 typed data an account signs for its leaf in a posting (eth_signTypedData_v4 shape)."""
    message = {
        "batch": leaf.batch,
        "postingNonce": posting.nonce,
        "account": to_checksum_address(leaf.account),
        "cash": leaf.cash,
        "series": list(posting.series),
        "positions": list(leaf.positions),
    }
    return eip712.typed_data(DOMAIN_NAME, DOMAIN_VERSION, chain_id, ledger, "NettedLeaf", LEAF_FIELDS, message)


SECP256K1_HALF_ORDER = 0x7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF5D576E7357A4501DDFE92F46681B20A0


def canonical_signature(signature: bytes) -> bool:
    """Whether OpenZeppelin's ECDSA.tryRecover accepts the signature's form: 65 bytes, s in the lower half, v 27/28."""
    if len(signature) != 65:
        return False
    s = int.from_bytes(signature[32:64], "big")
    return 0 < s <= SECP256K1_HALF_ORDER and signature[64] in (27, 28)


def leaf_args(leaf: Leaf) -> tuple:
    """The Leaf struct as the contract takes it."""
    return (leaf.batch, to_checksum_address(leaf.account), leaf.cash, list(leaf.positions))


def proof_args(proof: list[ProofStep]) -> list[tuple]:
    """Merkle-sum proof steps as the contract's Step[] (hash, sums, onLeft), for challengeSums."""
    return [(step.hash, list(step.sums), step.on_left) for step in proof]


def apply_args(number: int, leaf: Leaf, tree: MerkleSumTree, index: int) -> tuple:
    """apply_'s arguments for leaf `index` of ledger batch `number`: (id, leaf, signature hash, index, plain proof).
    challengeCollateral's first five arguments and a PriorLeaf have the same shape."""
    return (number, leaf_args(leaf), signature_hash(leaf), index, tree.plain_proof(index))


def signature_hash(leaf: Leaf) -> bytes:
    return keccak(leaf.signature)


SIGNED_LEAVES_ABI = "(uint256,address,int256,int256[4],bytes)[]"
MAX_LEAVES = 256  # SettlementLedger.MAX_LEAVES
MAX_DELTA = 2**127 - 1  # SettlementLedger.MAX_DELTA
LEAF_BYTES = 416  # SettlementLedger.LEAF_BYTES: a head offset and a 12-word tuple with a 65-byte signature


def batch_calldata(leaves: list[Leaf]) -> bytes:
    """A batch's leaves in tree order with their co-signatures: `abi.encode(SignedLeaf[])`, as postBatch takes them
    (eth-abi's encoding is the canonical one the ledger requires when every signature has 65 bytes)."""
    rows = [
        (leaf.batch, to_checksum_address(leaf.account), leaf.cash, list(leaf.positions), leaf.signature)
        for leaf in leaves
    ]
    return encode([SIGNED_LEAVES_ABI], [rows])


def canonical_problem(number: int, leaves: list[Leaf]) -> str | None:
    """Why postBatch would refuse these leaves as batch `number` (one line naming the leaf and field), or None."""
    if not 1 <= len(leaves) <= MAX_LEAVES:
        return f"leaves: {len(leaves)} leaves; a batch holds 1..{MAX_LEAVES}"
    previous = 0
    sums = [0] * (SERIES_PER_BATCH + 1)
    for i, leaf in enumerate(leaves):
        if leaf.batch != number:
            return f"leaf {i}: batch {leaf.batch} is not {number}"
        account = int(leaf.account, 16)
        if account <= previous:
            return f"leaf {i}: account {leaf.account} is not above the previous leaf's (sort by account, one leaf each)"
        previous = account
        for value in leaf.sums:
            if abs(value) > MAX_DELTA:
                return f"leaf {i}: delta {value} outside +-(2^127 - 1)"
        sums = [a + b for a, b in zip(sums, leaf.sums, strict=True)]
        if len(leaf.signature) != 65:
            return f"leaf {i}: signature of {len(leaf.signature)} bytes; it must have 65"
    for column, total in enumerate(sums):
        if total:
            return f"column {column}: sums to {total}, not 0"
    return None
