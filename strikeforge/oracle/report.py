"""EIP-712 price reports for SignedPriceOracle: the typed data, and its digest computed here from first principles.

The digest is computed independently of eth-account (tests cross-check both, and ethers' npm build, on the same typed
data), so a bug in one cannot silently agree with itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from strikeforge import eip712

DOMAIN_NAME = "Strikeforge SignedPriceOracle"
DOMAIN_VERSION = "1"
DOMAIN_TYPE = "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
REPORT_TYPE = "PriceReport(address base,address quote,uint256 price,uint256 timestamp)"
UINT256_MAX = 2**256 - 1


@dataclass(frozen=True)
class Domain:
    """Where a report is valid: one chain, one oracle contract."""

    chain_id: int
    verifying_contract: str
    name: str = DOMAIN_NAME
    version: str = DOMAIN_VERSION

    def separator(self) -> bytes:
        return keccak(
            encode(
                ["bytes32", "bytes32", "bytes32", "uint256", "address"],
                [
                    keccak(text=DOMAIN_TYPE),
                    keccak(text=self.name),
                    keccak(text=self.version),
                    self.chain_id,
                    self.verifying_contract,
                ],
            )
        )


@dataclass(frozen=True)
class PriceReport:
    """One signer's 1e18-scaled price of `base` in `quote` for the round at `timestamp`."""

    base: str
    quote: str
    price: int
    timestamp: int

    def __post_init__(self) -> None:
        if not 0 < self.price <= UINT256_MAX:
            raise ValueError(f"price must be a positive uint256 (got {self.price})")
        if not 0 < self.timestamp <= UINT256_MAX:
            raise ValueError(f"timestamp must be a positive uint256 (got {self.timestamp})")

    def struct_hash(self) -> bytes:
        return keccak(
            encode(
                ["bytes32", "address", "address", "uint256", "uint256"],
                [keccak(text=REPORT_TYPE), self.base, self.quote, self.price, self.timestamp],
            )
        )


def digest(domain: Domain, report: PriceReport) -> bytes:
    """keccak256(0x1901 || domainSeparator || hashStruct(report)): what each signer signs."""
    return keccak(b"\x19\x01" + domain.separator() + report.struct_hash())


def typed_data(domain: Domain, report: PriceReport) -> dict[str, Any]:
    """The report as EIP-712 typed data (the JSON shape of eth_signTypedData_v4, eth-account and ethers)."""
    message = {
        "base": to_checksum_address(report.base),
        "quote": to_checksum_address(report.quote),
        "price": report.price,
        "timestamp": report.timestamp,
    }
    fields = [("base", "address"), ("quote", "address"), ("price", "uint256"), ("timestamp", "uint256")]
    return eip712.typed_data(
        domain.name, domain.version, domain.chain_id, domain.verifying_contract, "PriceReport", fields, message
    )
