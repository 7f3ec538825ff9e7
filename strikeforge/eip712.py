"""EIP-712 typed data in the JSON shape eth_signTypedData_v4, eth-account and ethers share."""

from __future__ import annotations

from typing import Any

from eth_utils import to_checksum_address

DOMAIN_FIELDS = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]


def typed_data(
    name: str,
    version: str,
    chain_id: int,
    verifying_contract: str,
    primary_type: str,
    fields: list[tuple[str, str]],
    message: dict[str, Any],
) -> dict[str, Any]:
    """`message` of type `primary_type` (its `fields` as (name, type) pairs) in the full domain
    (name, version, chainId, verifyingContract)."""
    return {
        "types": {
            "EIP712Domain": DOMAIN_FIELDS,
            primary_type: [{"name": n, "type": t} for n, t in fields],
        },
        "primaryType": primary_type,
        "domain": {
            "name": name,
            "version": version,
            "chainId": chain_id,
            "verifyingContract": to_checksum_address(verifying_contract),
        },
        "message": message,
    }
