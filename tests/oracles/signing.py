"""Test signers for SignedPriceOracle: deterministic keys, signing with eth-account (the reference implementation)."""

from __future__ import annotations

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from strikeforge.oracle.report import Domain, PriceReport, digest, typed_data


def committee(size: int, label: str = "signer") -> list:
    """`size` deterministic eth-account keys (test only: real signers use keystores or Ape accounts)."""
    return [Account.from_key(keccak(text=f"{label}-{i}")) for i in range(size)]


def sign(account, oracle, price: int, timestamp: int, chain_id: int, verifying_contract: str | None = None) -> bytes:
    """`account`'s 65-byte signature of the report, for `oracle`'s pair, in the given (or the oracle's) domain."""
    domain = Domain(chain_id, verifying_contract or oracle.address)
    report = PriceReport(oracle.BASE(), oracle.QUOTE(), price, timestamp)
    message = encode_typed_data(full_message=typed_data(domain, report))
    return bytes(Account.sign_message(message, account.key).signature)


def sign_digest(key: bytes, digest: bytes) -> bytes:
    """The 65-byte (r, s, v) signature of a 32-byte digest, with coincurve directly (low s, v = 27 + recovery id, as
    eth-account's). Fuzzing signs thousands of reports: this skips eth-account's typed-data encoding."""
    from coincurve import PrivateKey

    signature = PrivateKey(bytes(key)).sign_recoverable(digest, hasher=None)
    return signature[:64] + bytes([27 + signature[64]])


def sign_fast(account, domain: Domain, base: str, quote: str, price: int, timestamp: int) -> bytes:
    """`account`'s signature of the report in `domain`, digest computed by strikeforge.oracle.report (cross-checked
    against eth-account and ethers in tests/oracle_node)."""
    return sign_digest(account.key, digest(domain, PriceReport(base, quote, price, timestamp)))
