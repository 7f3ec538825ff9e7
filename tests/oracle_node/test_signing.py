"""Signers: encrypted keystores and Ape accounts; every signature recovers to its signer."""

from __future__ import annotations

import json

import pytest
from eth_account import Account
from eth_account.messages import encode_typed_data

from strikeforge.oracle.report import Domain, PriceReport, typed_data
from strikeforge.oracle.signing import ApeSigner, KeystoreSigner, SignerError
from tests.oracle_node.conftest import PASSWORD_ENV, signer_keys

DOMAIN = Domain(1, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
REPORT = PriceReport("0x" + "11" * 20, "0x" + "22" * 20, 3_000 * 10**18, 1_900_000_000)


def _recover(signature: bytes) -> str:
    return Account.recover_message(encode_typed_data(full_message=typed_data(DOMAIN, REPORT)), signature=signature)


def test_a_keystore_signer_signs_as_its_address(keystores):
    signer = KeystoreSigner(keystores[0], PASSWORD_ENV)
    assert signer.address == signer_keys(1)[0].address
    assert _recover(signer.sign_report(DOMAIN, REPORT)) == signer.address


def test_a_wrong_password_is_reported_without_the_password(keystores, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "hunter2")
    with pytest.raises(SignerError) as error:
        KeystoreSigner(keystores[0], PASSWORD_ENV)
    assert "cannot decrypt" in str(error.value) and "hunter2" not in str(error.value)


def test_an_unset_password_variable_is_named(keystores, monkeypatch):
    monkeypatch.delenv(PASSWORD_ENV)
    with pytest.raises(SignerError, match=f"{PASSWORD_ENV} is not set"):
        KeystoreSigner(keystores[0], PASSWORD_ENV)


def test_a_missing_keystore_is_named(tmp_path):
    with pytest.raises(SignerError, match="no such file"):
        KeystoreSigner(tmp_path / "absent.json", PASSWORD_ENV)


def test_a_corrupt_keystore_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv(PASSWORD_ENV, "x")
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"crypto": {}}))
    with pytest.raises(SignerError, match="cannot decrypt"):
        KeystoreSigner(path, PASSWORD_ENV)


def test_an_ape_account_signs_as_its_address(accounts):
    signer = ApeSigner(accounts[3])
    assert _recover(signer.sign_report(DOMAIN, REPORT)) == accounts[3].address


class _WrongKeyAccount:
    """An account whose backend signs with another key: the signer must refuse the signature."""

    address = signer_keys(2)[0].address
    alias = "wrong"

    def sign_message(self, message):
        from ape.types import MessageSignature

        signed = Account.sign_message(message, signer_keys(2)[1].key)
        return MessageSignature(v=signed.v, r=signed.r.to_bytes(32, "big"), s=signed.s.to_bytes(32, "big"))


def test_a_signature_that_does_not_recover_to_the_signer_is_refused():
    with pytest.raises(SignerError, match="does not recover"):
        ApeSigner(_WrongKeyAccount()).sign_report(DOMAIN, REPORT)
