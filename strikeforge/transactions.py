"""Signed transactions: signed once, stored, broadcast (and broadcast again after a crash) without re-signing."""

from __future__ import annotations

from typing import Any

from eth_utils import to_hex


def sign(account: Any, txn: Any) -> tuple[bytes, str]:
    """`txn` (prepared: nonce, gas and fees set) signed by `account`: the raw transaction and its hash."""
    signed = account.sign_transaction(txn)
    if signed is None:
        raise RuntimeError(f"{account.address} refused to sign the transaction")
    return bytes(signed.serialize_transaction()), to_hex(signed.txn_hash)


def broadcast(raw_tx: bytes, tx_hash: str, timeout: int = 300) -> dict[str, Any]:
    """Sends a signed transaction, or finds it already mined (a second broadcast of one signed transaction is refused
    by every node: same nonce). Waits for and returns its receipt (web3's mapping)."""
    from ape import chain

    web3 = chain.provider.web3
    try:
        web3.eth.send_raw_transaction(raw_tx)
    except Exception as refused:  # already known, nonce too low, ...: fine if it is this transaction, mined
        try:
            web3.eth.get_transaction_receipt(tx_hash)
        except Exception:
            raise refused from None
    return dict(web3.eth.wait_for_transaction_receipt(tx_hash, timeout=timeout))
