"""An Ape account whose key is on a PKCS#11 token: messages, EIP-712 data and transactions are signed in the token.

Services resolve it from the account alias `pkcs11:LABEL` (strikeforge.accounts.sending_account); it then sends
transactions, deploys and signs like any Ape account, unattended (the token's PIN unlocks it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ape.api.accounts import AccountAPI
from ape.exceptions import SignatureError
from ape.types.address import AddressType
from ape.types.signatures import MessageSignature, TransactionSignature
from eip712.messages import EIP712Message
from eth_account._utils.legacy_transactions import (
    Transaction,
    UnsignedTransaction,
    serializable_unsigned_transaction_from_dict,
)
from eth_account.messages import SignableMessage, _hash_eip191_message, encode_defunct
from eth_pydantic_types import HexBytes
from eth_utils import to_hex
from pydantic import PrivateAttr

from strikeforge.keys.pkcs11 import ALIAS_PREFIX, Pkcs11Key

if TYPE_CHECKING:
    from ape.api.transactions import TransactionAPI


def _signable(msg: Any) -> SignableMessage | None:
    """What KeyfileAccount signs for each message type: text, int and bytes as EIP-191 personal messages, EIP-712
    models and SignableMessage as they are."""
    if isinstance(msg, str):
        return encode_defunct(text=msg)
    if isinstance(msg, int):
        return encode_defunct(hexstr=to_hex(msg))
    if isinstance(msg, bytes):
        return encode_defunct(primitive=msg)
    if isinstance(msg, EIP712Message):
        return msg.signable_message
    if isinstance(msg, SignableMessage):
        return msg
    return None


class Pkcs11Account(AccountAPI):
    """The Ape account of a `Pkcs11Key`."""

    key_label: str
    _key: Pkcs11Key = PrivateAttr()

    def __init__(self, key: Pkcs11Key) -> None:
        super().__init__(key_label=key.key_label)
        self._key = key

    @classmethod
    def from_env(cls, key_label: str) -> Pkcs11Account:
        """The account of key `key_label` on the token the environment names; opened now, so that a wrong PIN or a
        missing token or key is reported before any work starts."""
        account = cls(Pkcs11Key.from_env(key_label))
        _ = account.address
        return account

    @property
    def key(self) -> Pkcs11Key:
        return self._key

    @property
    def alias(self) -> str:
        return f"{ALIAS_PREFIX}{self.key_label}"

    @property
    def address(self) -> AddressType:
        return AddressType(self._key.address)

    @property
    def public_key(self) -> HexBytes:
        return HexBytes(self._key.public_key)

    def _sign(self, digest: bytes) -> MessageSignature:
        v, r, s = self._key.sign_digest(digest)
        return MessageSignature(v=27 + v, r=r.to_bytes(32, "big"), s=s.to_bytes(32, "big"))

    def sign_raw_msghash(self, msghash: HexBytes) -> MessageSignature:
        return self._sign(bytes(msghash))

    def sign_message(self, msg: Any, **signer_options: Any) -> MessageSignature | None:
        message = _signable(msg)
        return None if message is None else self._sign(_hash_eip191_message(message))

    def sign_transaction(self, txn: TransactionAPI, **signer_options: Any) -> TransactionAPI | None:
        """Sign the transaction's signing hash in the token and set `txn.signature` (v as its type wants: the y
        parity for typed transactions, 35 + 2 * chainId + parity for EIP-155 legacy ones, 27 + parity before)."""
        data = txn.model_dump(mode="json", by_alias=True, exclude={"sender"})
        if not data.get("chainId"):  # no chain id (None, or Ape's default 0): a legacy signature valid on every chain
            raise SignatureError("the transaction has no chain id: prepare it for the connected chain", transaction=txn)
        try:
            unsigned = serializable_unsigned_transaction_from_dict(data)
        except TypeError as error:  # a field needed to sign is missing
            raise SignatureError(str(error), transaction=txn) from error
        parity, r, s = self._key.sign_digest(unsigned.hash())
        if isinstance(unsigned, Transaction):  # legacy with a chain id: its v field holds the chain id (EIP-155)
            v = 35 + 2 * unsigned.v + parity
        elif isinstance(unsigned, UnsignedTransaction):
            v = 27 + parity
        else:
            v = parity
        txn.signature = TransactionSignature(v=v, r=r.to_bytes(32, "big"), s=s.to_bytes(32, "big"))
        return txn

    def __repr__(self) -> str:
        return f"<Pkcs11Account {self.alias}>"
