"""Co-signing a netted leaf (EIP-712 NettedLeaf), and the calldata shapes SettlementLedger takes."""

from __future__ import annotations

from typing import Any

from eth_utils import keccak, to_checksum_address

from strikeforge.settlement.tree import Leaf, ProofStep

DOMAIN_NAME = "Strikeforge Settlement"
DOMAIN_VERSION = "1"


def typed_data(chain_id: int, ledger: str, leaf: Leaf) -> dict[str, Any]:
    """The EIP-712 typed data an account signs for its leaf (eth_signTypedData_v4 shape)."""
    return {
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"},
            ],
            "NettedLeaf": [
                {"name": "batch", "type": "uint256"},
                {"name": "account", "type": "address"},
                {"name": "cash", "type": "int256"},
                {"name": "positions", "type": "int256[4]"},
            ],
        },
        "primaryType": "NettedLeaf",
        "domain": {
            "name": DOMAIN_NAME,
            "version": DOMAIN_VERSION,
            "chainId": chain_id,
            "verifyingContract": to_checksum_address(ledger),
        },
        "message": {
            "batch": leaf.batch,
            "account": to_checksum_address(leaf.account),
            "cash": leaf.cash,
            "positions": list(leaf.positions),
        },
    }


def leaf_args(leaf: Leaf) -> tuple:
    """The Leaf struct as the contract takes it."""
    return (leaf.batch, to_checksum_address(leaf.account), leaf.cash, list(leaf.positions))


def proof_args(proof: list[ProofStep]) -> list[tuple]:
    """Proof steps as the contract's Step[] (hash, sums, onLeft)."""
    return [(step.hash, list(step.sums), step.on_left) for step in proof]


def signature_hash(leaf: Leaf) -> bytes:
    return keccak(leaf.signature)
