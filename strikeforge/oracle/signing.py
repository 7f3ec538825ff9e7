"""Report signers. Keys come only from encrypted keystores (password from the environment), Ape accounts, or keys on
a PKCS#11 token (`ape_account: pkcs11:LABEL`, signed in the token by strikeforge.keys).

No key material is ever logged, printed or stored: a signer's repr is its address, the keystore password is read
from the environment once and dropped, and every signature is checked to recover to the signer before use.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Protocol

from eth_account import Account
from eth_account.messages import SignableMessage, encode_typed_data

from strikeforge.accounts import unlock_from_env
from strikeforge.oracle.config import SignerConfig
from strikeforge.oracle.report import Domain, PriceReport, digest, typed_data


class SignerError(RuntimeError):
    """A signer cannot be loaded or produced a bad signature; the message never contains key material."""


class Signer(Protocol):
    address: str

    def sign_report(self, domain: Domain, report: PriceReport) -> bytes: ...


def _message(domain: Domain, report: PriceReport) -> SignableMessage:
    message = encode_typed_data(full_message=typed_data(domain, report))
    # Our own digest and eth-account's must agree before anything is signed.
    expected = digest(domain, report)
    from eth_account.messages import _hash_eip191_message

    if _hash_eip191_message(message) != expected:
        raise SignerError("EIP-712 digest mismatch between strikeforge.oracle.report and eth-account")
    return message


def _checked(signer_address: str, message: SignableMessage, signature: bytes) -> bytes:
    if len(signature) != 65:
        raise SignerError(f"signer {signer_address}: signature is {len(signature)} bytes, expected 65")
    if Account.recover_message(message, signature=signature).lower() != signer_address.lower():
        raise SignerError(f"signer {signer_address}: signature does not recover to the signer")
    return signature


class KeystoreSigner:
    """A key decrypted from an encrypted JSON keystore (EIP-2335-style scrypt/pbkdf2), held in memory only."""

    def __init__(self, keystore: Path, password_env: str) -> None:
        if not keystore.is_file():
            raise SignerError(f"keystore {keystore}: no such file; create it with `ape accounts import` or geth")
        password = os.environ.get(password_env)
        if password is None:
            raise SignerError(f"keystore {keystore.name}: environment variable {password_env} is not set")
        try:
            document = json.loads(keystore.read_text())
            self.__account = Account.from_key(Account.decrypt(document, password))
        except (ValueError, KeyError) as error:
            kind = type(error).__name__
            raise SignerError(f"keystore {keystore.name}: cannot decrypt ({kind}); check {password_env}") from None
        finally:
            del password
        self.address = self.__account.address

    def sign_report(self, domain: Domain, report: PriceReport) -> bytes:
        message = _message(domain, report)
        return _checked(self.address, message, bytes(self.__account.sign_message(message).signature))

    def __repr__(self) -> str:
        return f"KeystoreSigner({self.address})"


class ApeSigner:
    """An Ape account (`ape accounts import`; a passphrase from the environment enables unattended signing), or a
    PKCS#11 key's Pkcs11Account (its token's PIN unlocks it)."""

    def __init__(self, account: Any, password_env: str | None = None) -> None:
        if password_env and not unlock_from_env(account, password_env):
            raise SignerError(f"Ape account {account.alias}: environment variable {password_env} is not set")
        self._account = account
        self.address = str(account.address)

    def sign_report(self, domain: Domain, report: PriceReport) -> bytes:
        message = _message(domain, report)
        signature = self._account.sign_message(message)
        if signature is None:
            raise SignerError(f"Ape account {self.address} declined to sign")
        return _checked(self.address, message, signature.encode_rsv())

    def __repr__(self) -> str:
        return f"ApeSigner({self.address})"


def load(config: SignerConfig) -> Signer:
    """The signer a configuration entry names."""
    if config.keystore is not None:
        return KeystoreSigner(config.keystore, config.password_env or "")
    if config.test_account is not None:
        from ape import accounts, networks

        network = networks.provider.network.name
        if network != "local":
            raise SignerError(f"signers: test_account is for local networks only (connected to {network!r})")
        if config.test_account >= len(accounts.test_accounts):
            raise SignerError(
                f"signers: test_account {config.test_account} is beyond the {len(accounts.test_accounts)} test accounts"
            )
        return ApeSigner(accounts.test_accounts[config.test_account])
    from strikeforge.keys.pkcs11 import Pkcs11Error, label_of

    try:
        if (label := label_of(config.ape_account)) is not None:
            from strikeforge.keys.ape_account import Pkcs11Account

            return ApeSigner(Pkcs11Account.from_env(label))
    except Pkcs11Error as error:
        raise SignerError(str(error)) from None
    from ape import accounts

    try:
        account = accounts.load(config.ape_account)
    except Exception:
        raise SignerError(f"Ape account {config.ape_account!r} not found; add it with `ape accounts import`") from None
    return ApeSigner(account, config.password_env)
