"""``strikeforge keys``: signing keys held outside the process (PKCS#11 tokens)."""

from __future__ import annotations

import click

ENVIRONMENT_HELP = (
    "The token comes from STRIKEFORGE_PKCS11_LIB (the PKCS#11 module; default SoftHSM2's), STRIKEFORGE_PKCS11_TOKEN"
    " (its label) and the user PIN in STRIKEFORGE_PKCS11_PIN (or the variable STRIKEFORGE_PKCS11_PIN_ENV names)."
)


@click.group()
def keys() -> None:
    """Signing keys held outside the process."""


@keys.group("pkcs11", help=f"secp256k1 keys on a PKCS#11 token (an HSM, a cloud KMS, SoftHSM2). {ENVIRONMENT_HELP}")
def pkcs11_group() -> None:
    pass


def _key(label: str):  # noqa: ANN202 (a Pkcs11Key, imported late: the CLI starts without python-pkcs11 loaded)
    from strikeforge.keys.pkcs11 import Pkcs11Error, Pkcs11Key

    try:
        return Pkcs11Key.from_env(label)
    except Pkcs11Error as exc:
        raise click.ClickException(str(exc)) from None


@pkcs11_group.command("generate")
@click.option("--label", required=True, help="The new key's label on the token (its account is pkcs11:LABEL).")
def generate(label: str) -> None:
    """Generate a secp256k1 key in the token (non-extractable, sensitive) and print its address; a label already on
    the token is refused."""
    from strikeforge.keys.pkcs11 import Pkcs11Error

    try:
        address = _key(label).generate()
    except Pkcs11Error as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(address)


@pkcs11_group.command("address")
@click.option("--label", required=True, help="The key's label on the token.")
def address(label: str) -> None:
    """Print the address of the key labelled LABEL (from its public key)."""
    from strikeforge.keys.pkcs11 import Pkcs11Error

    try:
        click.echo(_key(label).address)
    except Pkcs11Error as exc:
        raise click.ClickException(str(exc)) from None
