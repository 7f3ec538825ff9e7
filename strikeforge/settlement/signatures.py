"""Who signed an order or a cancel: the EIP-712 digest computed directly and the signer recovered with coincurve.

The sequencer checks a signature on every order, so this is its hot path. The digest is the EIP-712 formula itself,
keccak256("\\x19\\x01" || domainSeparator || hashStruct(message)), with the domain separator and the type hashes
computed once per (chain id, ledger) and every field encoded as its 32-byte word by hand (the C keccak of safe-pysha3,
no typed-data dictionaries, no checksum addresses). The public key is recovered with libsecp256k1 (coincurve), the
backend eth-account itself uses, for every v eth-account takes (27/28, 0/1, 35+). A signature whose v it refuses, or
that coincurve cannot recover from, goes through eth-account's own path instead, so what is accepted and what is
refused (and how the refusal reads) are eth-account's. tests/settlement/test_signatures.py holds the two paths equal.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from coincurve import PublicKey
from sha3 import keccak_256

from strikeforge.settlement.cosign import DOMAIN_NAME, DOMAIN_VERSION
from strikeforge.settlement.orders import CANCEL_FIELDS, ORDER_FIELDS, Cancel, Order, check_signed, require_signer


def _keccak(data: bytes) -> bytes:
    return keccak_256(data).digest()


def _type_hash(name: str, fields: list[tuple[str, str]]) -> bytes:
    return _keccak(f"{name}({','.join(f'{t} {n}' for n, t in fields)})".encode())


DOMAIN_TYPEHASH = _keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
ORDER_TYPEHASH = _type_hash("Order", ORDER_FIELDS)
CANCEL_TYPEHASH = _type_hash("Cancel", CANCEL_FIELDS)
_PAD = bytes(12)


def _address_word(address: str) -> bytes:
    """A 0x-prefixed 20-byte hex address as its ABI word (the caller checked its shape)."""
    return _PAD + bytes.fromhex(address[2:])


@lru_cache(maxsize=64)
def domain_separator(chain_id: int, ledger: str) -> bytes:
    """The settlement domain's separator (the ledger's own `_domainSeparatorV4`): computed once per ledger."""
    return _keccak(
        DOMAIN_TYPEHASH
        + _keccak(DOMAIN_NAME.encode())
        + _keccak(DOMAIN_VERSION.encode())
        + chain_id.to_bytes(32, "big")
        + _address_word(ledger)
    )


def order_digest(separator: bytes, order: Order) -> bytes:
    """The EIP-712 digest an account signs for `order` (fields are uint256 and checked by Order.from_json)."""
    body = b"".join(
        (
            ORDER_TYPEHASH,
            _address_word(order.account),
            order.series.to_bytes(32, "big"),
            (1 if order.buy else 0).to_bytes(32, "big"),
            order.size.to_bytes(32, "big"),
            order.price.to_bytes(32, "big"),
            order.nonce.to_bytes(32, "big"),
            order.expiry.to_bytes(32, "big"),
        )
    )
    return _keccak(b"\x19\x01" + separator + _keccak(body))


def cancel_digest(separator: bytes, cancel: Cancel) -> bytes:
    body = CANCEL_TYPEHASH + _address_word(cancel.account) + cancel.nonce.to_bytes(32, "big")
    return _keccak(b"\x19\x01" + separator + _keccak(body))


def _recovery_id(v: int) -> int | None:
    """The recovery id eth-account reads from v (27/28, 0/1, or EIP-155's 35+ by parity); None for a v it refuses."""
    if v in (27, 28):
        return v - 27
    if v in (0, 1):
        return v
    if v >= 35:
        return (v - 35) % 2
    return None


def recover(digest: bytes, signature: bytes) -> str | None:
    """The lower-case 0x address that signed `digest`, or None when the fast path does not apply (a v eth-account
    refuses, or a signature libsecp256k1 will not recover from): the caller then asks eth-account, for its words."""
    recovery = _recovery_id(signature[64]) if len(signature) == 65 else None
    if recovery is None:
        return None
    try:
        public = PublicKey.from_signature_and_message(signature[:64] + bytes((recovery,)), digest, hasher=None).format(
            compressed=False
        )
    except Exception:  # coincurve raises ValueError or its own errors for unrecoverable input
        return None
    return "0x" + _keccak(public[1:])[12:].hex()


@dataclass(frozen=True)
class Verified:
    """An order whose signature `verify` checked for the ledger `domain` (chain id, lower-case ledger address)."""

    order: Order
    domain: tuple[int, str]


def verify(order: Order, chain_id: int, ledger: str) -> Verified:
    """The order, marked as signed by its account in the ledger's domain; OrderError otherwise."""
    check_order(order, chain_id, ledger)
    return Verified(order, (chain_id, ledger.lower()))


def check_order(order: Order, chain_id: int, ledger: str) -> None:
    """OrderError unless `order` is signed by its account in the ledger's domain (orders.check_signed's refusals)."""
    digest = order_digest(domain_separator(chain_id, ledger.lower()), order)
    _check(order.account, digest, order.signature, "Order", lambda: order.typed_data(chain_id, ledger))


def check_cancel(cancel: Cancel, chain_id: int, ledger: str) -> None:
    digest = cancel_digest(domain_separator(chain_id, ledger.lower()), cancel)
    _check(cancel.account, digest, cancel.signature, "Cancel", lambda: cancel.typed_data(chain_id, ledger))


def _check(account: str, digest: bytes, signature: bytes, what: str, typed: Any) -> None:
    signer = recover(digest, signature)
    if signer is None:  # none or another shape: eth-account's path, its acceptance and its error text
        check_signed(account, typed(), signature, what)
    else:
        require_signer(account, signer, what)
