"""Test signers for SignedPriceOracle: deterministic keys, signing with eth-account (the reference implementation)."""

from __future__ import annotations

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from strikeforge.oracle.report import Domain, PriceReport, typed_data


def committee(size: int, label: str = "signer") -> list:
    """`size` deterministic eth-account keys (test only: real signers use keystores or Ape accounts)."""
    return [Account.from_key(keccak(text=f"{label}-{i}")) for i in range(size)]


def sign(account, oracle, price: int, timestamp: int, chain_id: int, verifying_contract: str | None = None) -> bytes:
    """`account`'s 65-byte signature of the report, for `oracle`'s pair, in the given (or the oracle's) domain."""
    domain = Domain(chain_id, verifying_contract or oracle.address)
    report = PriceReport(oracle.BASE(), oracle.QUOTE(), price, timestamp)
    message = encode_typed_data(full_message=typed_data(domain, report))
    return bytes(Account.sign_message(message, account.key).signature)
