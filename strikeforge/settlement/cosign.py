"""Co-signing a netted leaf (EIP-712 NettedLeaf), and the calldata shapes SettlementLedger takes."""

from __future__ import annotations

from typing import Any

from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from strikeforge import eip712
from strikeforge.settlement.tree import Leaf, MerkleSumTree, ProofStep

DOMAIN_NAME = "Strikeforge Settlement"
DOMAIN_VERSION = "1"


def typed_data(chain_id: int, ledger: str, leaf: Leaf) -> dict[str, Any]:
    """The EIP-712 typed data an account signs for its leaf (eth_signTypedData_v4 shape)."""
    message = {
        "batch": leaf.batch,
        "account": to_checksum_address(leaf.account),
        "cash": leaf.cash,
        "positions": list(leaf.positions),
    }
    fields = [("batch", "uint256"), ("account", "address"), ("cash", "int256"), ("positions", "int256[4]")]
    return eip712.typed_data(DOMAIN_NAME, DOMAIN_VERSION, chain_id, ledger, "NettedLeaf", fields, message)


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


def batch_calldata(leaves: list[Leaf]) -> bytes:
    """A batch's leaves in tree order with their co-signatures: `abi.encode(SignedLeaf[])`, as postBatch takes them."""
    rows = [
        (leaf.batch, to_checksum_address(leaf.account), leaf.cash, list(leaf.positions), leaf.signature)
        for leaf in leaves
    ]
    return encode([SIGNED_LEAVES_ABI], [rows])
