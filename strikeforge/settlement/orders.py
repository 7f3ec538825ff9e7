"""Signed orders and cancels: EIP-712 messages in the ledger's domain, checked before the sequencer accepts them.

An order is signed by its account; the sequencer never holds a key that can trade for anyone. Orders and leaves share
the domain ("Strikeforge Settlement", "1", chain id, ledger) and differ by type, so neither can be replayed as the
other, on another chain or against another ledger.

    Order(address account,uint256 series,bool buy,uint256 size,uint256 price,uint256 nonce,uint256 expiry)
    Cancel(address account,uint256 nonce)

`series` is the OptionsEngine series id; `size` is in 1e18 units of options; `price` is cash units (the ledger's
cash token) per 1e18 options; `expiry` is a unix time after which the order neither matches nor rests.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import is_hex_address, to_checksum_address

from strikeforge import eip712
from strikeforge.settlement.cosign import DOMAIN_NAME, DOMAIN_VERSION, MAX_DELTA

UINT256_MAX = 2**256 - 1
ORDER_FIELDS = [
    ("account", "address"),
    ("series", "uint256"),
    ("buy", "bool"),
    ("size", "uint256"),
    ("price", "uint256"),
    ("nonce", "uint256"),
    ("expiry", "uint256"),
]
CANCEL_FIELDS = [("account", "address"), ("nonce", "uint256")]


class OrderError(ValueError):
    """An order, cancel or co-signature the sequencer refuses; the message names the field and the fix."""


@dataclass(frozen=True)
class Order:
    """What an account asks for; `signature` is its EIP-712 signature of the other fields."""

    account: str
    series: int
    buy: bool
    size: int
    price: int
    nonce: int
    expiry: int
    signature: bytes = b""

    def message(self) -> dict[str, Any]:
        fields = asdict(self)
        del fields["signature"]
        fields["account"] = to_checksum_address(self.account)
        return fields

    def typed_data(self, chain_id: int, ledger: str) -> dict[str, Any]:
        return eip712.typed_data(DOMAIN_NAME, DOMAIN_VERSION, chain_id, ledger, "Order", ORDER_FIELDS, self.message())

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Order:
        """An order from the API's JSON (numbers as integers or decimal strings, signature as 0x hex)."""
        account = _field(body, "account", str)
        if not is_hex_address(account):
            raise OrderError(f"account: {account!r} is not an address; send a 0x-prefixed 20-byte hex address")
        buy = _field(body, "buy", bool)
        numbers = {name: _uint(body, name) for name in ("series", "size", "price", "nonce", "expiry")}
        return cls(account.lower(), buy=buy, signature=parse_signature(body), **numbers)

    def to_json(self) -> dict[str, Any]:
        body = self.message()
        body["signature"] = "0x" + self.signature.hex()
        return body


@dataclass(frozen=True)
class Cancel:
    """An account's signed request to cancel its order `nonce`."""

    account: str
    nonce: int
    signature: bytes = b""

    def typed_data(self, chain_id: int, ledger: str) -> dict[str, Any]:
        message = {"account": to_checksum_address(self.account), "nonce": self.nonce}
        return eip712.typed_data(DOMAIN_NAME, DOMAIN_VERSION, chain_id, ledger, "Cancel", CANCEL_FIELDS, message)

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> Cancel:
        account = _field(body, "account", str)
        if not is_hex_address(account):
            raise OrderError(f"account: {account!r} is not an address; send a 0x-prefixed 20-byte hex address")
        return cls(account.lower(), _uint(body, "nonce"), parse_signature(body))


def check_fields(order: Order, now: int) -> None:
    """The checks an order's fields must pass before its signature is even looked at (OrderError names the field)."""
    if not 0 < order.series < 2**40:
        raise OrderError(
            f"series: {order.series} is not a series id (OptionsEngine ids run from 1; the ledger takes them"
            " below 2^40)"
        )
    if order.size == 0:
        raise OrderError("size: must be > 0 (in 1e18 units of options)")
    if order.price == 0:
        raise OrderError("price: must be > 0 (cash units per 1e18 options)")
    for name in ("size", "price"):
        if getattr(order, name) > MAX_DELTA:
            raise OrderError(f"{name}: {getattr(order, name)} is above the ledger's bound on a delta (2^127 - 1)")
    if order.expiry >= 2**62:
        raise OrderError(f"expiry: {order.expiry} is not a unix time; send seconds since 1970")
    if order.expiry <= now:
        raise OrderError(f"expiry: {order.expiry} is not after now ({now}); send a later unix time")


def signer_of(typed: dict[str, Any], signature: bytes) -> str:
    """The lower-case address that signed `typed` (EIP-712), or OrderError for a signature that does not parse."""
    try:
        return Account.recover_message(encode_typed_data(full_message=typed), signature=signature).lower()
    except Exception as exc:  # eth-account raises several types for malformed signatures
        raise OrderError(
            f"signature: does not recover ({exc}); sign the EIP-712 message with the account's key"
        ) from None


def check_signed(account: str, typed: dict[str, Any], signature: bytes, what: str) -> None:
    if not signature:
        raise OrderError(f"signature: missing; sign the EIP-712 {what} with the account's key")
    require_signer(account, signer_of(typed, signature), what)


def require_signer(account: str, signer: str, what: str) -> None:
    """OrderError unless `signer` (lower-case) is `account`."""
    if signer != account.lower():
        raise OrderError(
            f"signature: signed by {signer}, not by account {account.lower()}; sign the {what} with the account's "
            "own key, in this ledger's domain (chain id and ledger address)"
        )


def _field(body: dict[str, Any], name: str, kind: type) -> Any:
    if name not in body:
        raise OrderError(f"{name}: missing")
    value = body[name]
    if kind is bool and not isinstance(value, bool):
        raise OrderError(f"{name}: {value!r} is not a boolean; send true or false")
    if kind is str and not isinstance(value, str):
        raise OrderError(f"{name}: {value!r} is not a string")
    return value


def _uint(body: dict[str, Any], name: str) -> int:
    if name not in body:
        raise OrderError(f"{name}: missing")
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise OrderError(f"{name}: {value!r} is not an integer; send an integer or a decimal string")
    try:
        number = int(value) if isinstance(value, int) else int(value, 10)
    except ValueError:
        raise OrderError(f"{name}: {value!r} is not a decimal integer; send digits only (no decimals)") from None
    if not 0 <= number <= UINT256_MAX:
        raise OrderError(f"{name}: {number} is outside uint256")
    return number


def parse_signature(body: dict[str, Any]) -> bytes:
    """`body["signature"]`: 65 bytes as 0x hex, or OrderError naming the field."""
    raw = body.get("signature", "")
    if not isinstance(raw, str) or not raw.startswith("0x"):
        raise OrderError("signature: send the 65-byte signature as 0x-prefixed hex")
    try:
        signature = bytes.fromhex(raw[2:])
    except ValueError:
        raise OrderError("signature: not hex; send the 65-byte signature as 0x-prefixed hex") from None
    if len(signature) != 65:
        raise OrderError(f"signature: {len(signature)} bytes; an EIP-712 signature is 65 bytes (r, s, v)")
    return signature
