"""Issue 23 review: `--fulfil 0xADDRESS:...` never signs with a key of the user's."""

from __future__ import annotations

from types import SimpleNamespace

from strikeforge.conformance.hooks import _sender


def test_a_fulfil_account_given_by_address_is_impersonated_never_a_keystore_key():
    """`--fulfil 0xADDRESS:roll()` on a fork: the call is sent as an impersonated account. Before the fix the address
    was looked up in the user's accounts first, so a keystore account of that address signed (passphrase prompt, a
    real signature on a transaction for the fork, valid on the forked chain as well)."""
    address = "0x" + "ab" * 20
    keystore, impersonated = SimpleNamespace(kind="keyfile"), SimpleNamespace(kind="impersonated")

    class Accounts:
        test_accounts = ()

        def __getitem__(self, key: str) -> object:  # the user's keystore holds this address
            return keystore

        def impersonate_account(self, key: str) -> object:
            return impersonated

    assert _sender(address, f"{address}:roll()", Accounts()) is impersonated
