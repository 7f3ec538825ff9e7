"""The account a service sends transactions from: an Ape account, a key on a PKCS#11 token (`pkcs11:LABEL`), or a
test account on a local network only."""

from __future__ import annotations

import os
from typing import Any


class AccountError(RuntimeError):
    """The sending account cannot be used; the message names the setting and the fix."""


def sending_account(
    alias: str | None,
    test_account: int | None,
    password_env: str | None = None,
    *,
    alias_setting: str,
    test_setting: str,
    unlock_setting: str = "password_env",
) -> Any:
    """The Ape account `alias` (unlocked for unattended signing from `password_env`, if given), or test account
    `test_account` when connected to a local network. The `*_setting` names are how the caller's user spells each
    setting (a config field or a command-line option), so errors point at the right one.

    An alias `pkcs11:LABEL` is the key labelled LABEL on a PKCS#11 token (strikeforge.keys): the token is named by
    the STRIKEFORGE_PKCS11_* environment variables and unlocked by its PIN, so `password_env` does not apply."""
    from ape import accounts, networks

    if test_account is not None:
        network = networks.provider.network.name
        if network != "local":
            raise AccountError(f"{test_setting} is for local networks only (connected to {network!r})")
        return accounts.test_accounts[test_account]
    from strikeforge.keys.pkcs11 import label_of

    if (label := label_of(alias)) is not None:
        from strikeforge.keys.ape_account import Pkcs11Account

        return Pkcs11Account.from_env(label)
    try:
        account = accounts.load(alias)
    except Exception:  # Ape raises several types for a missing alias
        raise AccountError(f"{alias_setting} {alias!r} not found; `ape accounts import` it") from None
    if password_env and not unlock_from_env(account, password_env):
        raise AccountError(f"{unlock_setting}: {password_env} is not set")
    return account


def unlock_from_env(account: Any, password_env: str) -> bool:
    """Unattended signing for an Ape account with the passphrase in environment variable `password_env`; False
    (and nothing changed) when the variable is not set. The passphrase is never kept."""
    passphrase = os.environ.get(password_env)
    if passphrase is None:
        return False
    account.set_autosign(True, passphrase=passphrase)
    return True
