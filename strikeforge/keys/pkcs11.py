"""A secp256k1 key inside a PKCS#11 token (a hardware HSM, a cloud KMS's PKCS#11 library, or SoftHSM2).

The key is generated in the token as non-extractable and sensitive, and it signs there: this process sends the token
a 32-byte digest (CKM_ECDSA) and gets (r, s) back. Nothing here reads or exports the private key; the Ethereum
address is derived from the public key's CKA_EC_POINT. Signatures are normalised to low s and given their recovery
id, and a signature that does not recover to the key's address is refused. A key is used only if the token says it
was generated there and was never extractable or readable, and only once it has signed a random challenge that
recovers to its public key: a public key object planted or replaced under the label (a R/W public session needs no
PIN) is never taken for the key's address.

Configuration (see `Pkcs11Key.from_env`): STRIKEFORGE_PKCS11_LIB (the PKCS#11 module; default SoftHSM2's),
STRIKEFORGE_PKCS11_TOKEN (the token's label) and STRIKEFORGE_PKCS11_PIN_ENV (the name of the variable holding the
user PIN; default STRIKEFORGE_PKCS11_PIN). One session per token is opened and logged in per process and shared by
every key of that token; the PIN is read from the environment when it logs in and is not kept.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import pkcs11
from asn1crypto.algos import DSASignature
from asn1crypto.core import OctetString
from coincurve import PublicKey
from eth_utils import keccak, to_checksum_address
from pkcs11 import Attribute, KeyType, Mechanism, MechanismFlag, ObjectClass
from pkcs11 import exceptions as p11
from pkcs11.util.ec import encode_named_curve_parameters

from strikeforge.accounts import AccountError

if TYPE_CHECKING:
    from pkcs11._pkcs11 import lib as module_type

LIB_ENV = "STRIKEFORGE_PKCS11_LIB"
TOKEN_ENV = "STRIKEFORGE_PKCS11_TOKEN"  # noqa: S105 (a variable name, not a secret)
PIN_ENV_ENV = "STRIKEFORGE_PKCS11_PIN_ENV"
DEFAULT_PIN_ENV = "STRIKEFORGE_PKCS11_PIN"
ALIAS_PREFIX = "pkcs11:"
# Where SoftHSM2's module is installed (Debian/Ubuntu, other Linux layouts, Homebrew).
SOFTHSM_LIBRARIES = (
    "/usr/lib/softhsm/libsofthsm2.so",
    "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
    "/usr/lib64/softhsm/libsofthsm2.so",
    "/usr/local/lib/softhsm/libsofthsm2.so",
    "/opt/homebrew/lib/softhsm/libsofthsm2.so",
)
SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
SECP256K1_PARAMS = encode_named_curve_parameters("secp256k1")
# The private key's attributes at generation: kept on the token, usable only to sign, never readable or wrappable,
# and not modifiable (no later CKA_DERIVE or relabelling). CKA_WRAP_WITH_TRUSTED adds nothing to a non-extractable key.
PRIVATE_TEMPLATE = {
    Attribute.TOKEN: True,
    Attribute.MODIFIABLE: False,
    Attribute.PRIVATE: True,
    Attribute.SENSITIVE: True,
    Attribute.EXTRACTABLE: False,
    Attribute.SIGN: True,
    Attribute.DERIVE: False,
    Attribute.DECRYPT: False,
    Attribute.UNWRAP: False,
}
PUBLIC_TEMPLATE = {Attribute.TOKEN: True, Attribute.PRIVATE: False, Attribute.MODIFIABLE: False, Attribute.VERIFY: True}
# What the token must say of a private key before it is used: generated there, never extractable, always sensitive.
PROVENANCE = (Attribute.LOCAL, Attribute.NEVER_EXTRACTABLE, Attribute.ALWAYS_SENSITIVE)
# A session that went away (the HSM restarted, a network HSM reconnected): logged in again once, then an error.
_STALE = (
    p11.SessionHandleInvalid,
    p11.SessionClosed,
    p11.DeviceRemoved,
    p11.TokenNotPresent,
    p11.UserNotLoggedIn,
    p11.ObjectHandleInvalid,
    p11.KeyHandleInvalid,
)

T = TypeVar("T")


class Pkcs11Error(AccountError):
    """A PKCS#11 key cannot be used; the message is one line naming the problem and the fix, never a secret."""


_LOCK = threading.RLock()
_SESSIONS: dict[tuple[str, str], pkcs11.Session] = {}


def default_library() -> str | None:
    """SoftHSM2's PKCS#11 module, if installed."""
    return next((path for path in SOFTHSM_LIBRARIES if Path(path).is_file()), None)


def label_of(alias: str | None) -> str | None:
    """The key label of a `pkcs11:LABEL` account alias; None for any other alias."""
    if alias is None or not alias.startswith(ALIAS_PREFIX):
        return None
    label = alias[len(ALIAS_PREFIX) :]
    if not label.strip():
        raise Pkcs11Error(f"{alias!r} names no key: write pkcs11:LABEL with the key's label on the token")
    return label


def close_sessions() -> None:
    """Log out of and close every token session this process opened (a clean shutdown; tests)."""
    with _LOCK:
        sessions = list(_SESSIONS.values())
        _SESSIONS.clear()
        for session in sessions:
            with contextlib.suppress(p11.PKCS11Error):
                session.close()


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return f"{type(error).__name__}: {text[0]}" if text else type(error).__name__


def _module(lib_path: str) -> module_type:
    if not Path(lib_path).is_file():
        raise Pkcs11Error(
            f"PKCS#11 library {lib_path} not found: install softhsm2 (make install) or set {LIB_ENV} to your HSM's"
            " PKCS#11 module (.so)"
        )
    try:
        return pkcs11.lib(lib_path)
    except p11.PKCS11Error as error:
        raise Pkcs11Error(
            f"PKCS#11 library {lib_path} cannot be loaded ({_first_line(error)}): set {LIB_ENV} to a PKCS#11"
            " module built for this machine"
        ) from None


def _token(lib_path: str, token_label: str) -> pkcs11.Token:
    module = _module(lib_path)
    try:
        return module.get_token(token_label=token_label)
    except p11.NoSuchToken:
        labels = []
        with contextlib.suppress(p11.PKCS11Error):
            labels = sorted(token.label for token in module.get_tokens() if token.label)
        raise Pkcs11Error(
            f"no token labelled {token_label!r} in {lib_path} (tokens: {', '.join(labels) or 'none'}): set {TOKEN_ENV}"
            f" to the token's label, or initialise it (SoftHSM2: softhsm2-util --init-token --free --label"
            f" {token_label})"
        ) from None
    except p11.MultipleTokensReturned:
        raise Pkcs11Error(
            f"several tokens in {lib_path} are labelled {token_label!r}: relabel them so that {TOKEN_ENV} names one"
        ) from None


def _session(lib_path: str, token_label: str, pin_env: str) -> pkcs11.Session:
    """The process's logged-in session on the token (opened on first use; call with _LOCK held)."""
    key = (lib_path, token_label)
    if (session := _SESSIONS.get(key)) is not None:
        return session
    token = _token(lib_path, token_label)
    pin = os.environ.get(pin_env)
    if not pin:
        raise Pkcs11Error(
            f"{pin_env} is not set: export the user PIN of token {token_label!r} in it (or name the variable that"
            f" holds it in {PIN_ENV_ENV})"
        )
    where = f"token {token_label!r}"
    try:
        session = token.open(rw=True, user_pin=pin)
    except (p11.PinIncorrect, p11.PinInvalid, p11.PinLenRange):
        raise Pkcs11Error(
            f"{where}: wrong PIN in {pin_env}: set it to the token's user PIN (repeated failures can lock the token)"
        ) from None
    except p11.PinLocked:
        raise Pkcs11Error(f"{where}: the user PIN is locked: unlock it with the SO PIN, then set {pin_env}") from None
    except p11.PinExpired:
        raise Pkcs11Error(f"{where}: the user PIN has expired: change it with the token's tools") from None
    except p11.UserPinNotInitialized:
        raise Pkcs11Error(f"{where}: no user PIN is set: initialise the token's user PIN (--pin)") from None
    except p11.UserAlreadyLoggedIn:  # this process logged in without us (another PKCS#11 user): share its login
        session = token.open(rw=True)
    except p11.PKCS11Error as error:
        raise Pkcs11Error(f"{where}: cannot log in ({_first_line(error)}): check the token with its tools") from None
    finally:
        del pin
    _SESSIONS[key] = session
    return session


def _forget(lib_path: str, token_label: str) -> None:
    """Drop the token's session (gone stale); the next use logs in again."""
    session = _SESSIONS.pop((lib_path, token_label), None)
    if session is not None:
        with contextlib.suppress(p11.PKCS11Error):
            session.close()


def _point(encoded: bytes, where: str) -> bytes:
    """X||Y from CKA_EC_POINT: a DER OCTET STRING around 0x04||X||Y (some modules give the bare point)."""
    point = encoded
    if not (len(encoded) == 65 and encoded[0] == 4):
        try:
            point = OctetString.load(encoded).native
        except ValueError:
            point = b""
    if len(point) != 65 or point[0] != 4:
        raise Pkcs11Error(f"{where}: CKA_EC_POINT is not an uncompressed secp256k1 point: regenerate the key")
    return point[1:]


def _rs(raw: bytes, where: str) -> tuple[int, int]:
    """(r, s) from CKM_ECDSA's output: r||s (the standard), or a DER ECDSA-Sig-Value (some modules)."""
    if len(raw) == 64:
        return int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    try:
        parsed = DSASignature.load(raw).native
        return int(parsed["r"]), int(parsed["s"])
    except (ValueError, TypeError, KeyError):
        raise Pkcs11Error(f"{where}: the token returned a {len(raw)}-byte signature, expected r||s (64)") from None


def _recovery_id(digest: bytes, r: int, s: int, public: bytes) -> int | None:
    """The v (0 or 1) with which (r, s) over `digest` recovers to the public key X||Y; None if neither does."""
    for v in (0, 1):
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big") + bytes([v])
        try:
            recovered = PublicKey.from_signature_and_message(signature, digest, hasher=None)
        except ValueError:
            continue
        if recovered.format(compressed=False)[1:] == public:
            return v
    return None


class Pkcs11Key:
    """A secp256k1 key on a PKCS#11 token, named by its label (CKA_LABEL). Signs 32-byte digests in the token."""

    def __init__(self, key_label: str, lib_path: str, token_label: str, pin_env: str = DEFAULT_PIN_ENV) -> None:
        if not key_label:
            raise Pkcs11Error("the key label is empty: name the key (pkcs11:LABEL, --label LABEL)")
        self.key_label = key_label
        self.lib_path = lib_path
        self.token_label = token_label
        self.pin_env = pin_env
        self._cached: tuple[pkcs11.Session, pkcs11.PrivateKey, bytes] | None = None

    @classmethod
    def from_env(cls, key_label: str) -> Pkcs11Key:
        """The key labelled `key_label` on the token the STRIKEFORGE_PKCS11_* environment variables name."""
        lib_path = os.environ.get(LIB_ENV) or default_library()
        if lib_path is None:
            raise Pkcs11Error(
                f"{LIB_ENV} is not set and SoftHSM2 is not installed: set it to your HSM's PKCS#11 module (.so), or"
                " install softhsm2 (make install)"
            )
        token_label = os.environ.get(TOKEN_ENV)
        if not token_label:
            raise Pkcs11Error(f"{TOKEN_ENV} is not set: set it to the label of the token holding key {key_label!r}")
        return cls(key_label, lib_path, token_label, os.environ.get(PIN_ENV_ENV) or DEFAULT_PIN_ENV)

    @property
    def where(self) -> str:
        return f"key {self.key_label!r} on token {self.token_label!r}"

    @property
    def public_key(self) -> bytes:
        """The uncompressed public key X||Y (64 bytes), from the public key object's CKA_EC_POINT."""
        return self._in_token(lambda _: None)[1]

    @property
    def address(self) -> str:
        """The checksummed Ethereum address: the last 20 bytes of keccak(X||Y)."""
        return to_checksum_address(keccak(self.public_key)[-20:])

    def sign_digest(self, digest: bytes) -> tuple[int, int, int]:
        """(v, r, s) of an ECDSA signature of the 32-byte `digest`, made in the token: v is the recovery id (0 or
        1) and s is low (<= n/2), the only form Ethereum accepts."""
        if len(digest) != 32:
            raise ValueError(f"a digest is 32 bytes (got {len(digest)})")
        digest = bytes(digest)
        raw, public = self._in_token(lambda private: private.sign(digest, mechanism=Mechanism.ECDSA))
        r, s = _rs(raw, self.where)
        if not (0 < r < SECP256K1_N and 0 < s < SECP256K1_N):
            raise Pkcs11Error(f"{self.where}: the token returned an invalid signature: check the key is secp256k1")
        if s > SECP256K1_N // 2:
            s = SECP256K1_N - s
        if (v := _recovery_id(digest, r, s, public)) is not None:
            return v, r, s
        raise Pkcs11Error(
            f"{self.where}: the token's signature does not recover to {self.address}: its public and private keys"
            " do not match; regenerate the key"
        )

    def generate(self) -> str:
        """Generate the key in the token (non-extractable, sensitive, stored) and return its address. A label
        already in use on the token is refused: an existing key is never overwritten."""
        with _LOCK:
            session = _session(self.lib_path, self.token_label, self.pin_env)
            if list(session.get_objects({Attribute.LABEL: self.key_label})):
                raise Pkcs11Error(
                    f"token {self.token_label!r} already holds a key labelled {self.key_label!r} (keys are never"
                    " overwritten): choose another --label"
                )
            params = session.create_domain_parameters(KeyType.EC, {Attribute.EC_PARAMS: SECP256K1_PARAMS}, local=True)
            try:
                public, private = params.generate_keypair(
                    id=secrets.token_bytes(16),
                    label=self.key_label,
                    store=True,
                    capabilities=MechanismFlag.SIGN | MechanismFlag.VERIFY,
                    public_template=PUBLIC_TEMPLATE,
                    private_template=PRIVATE_TEMPLATE,
                )
            except (p11.MechanismInvalid, p11.DomainParamsInvalid, p11.FunctionNotSupported):
                raise Pkcs11Error(
                    f"token {self.token_label!r} cannot generate secp256k1 keys: use a token or HSM that supports the"
                    " secp256k1 curve"
                ) from None
            except p11.PKCS11Error as error:
                raise Pkcs11Error(
                    f"token {self.token_label!r}: key generation failed ({_first_line(error)}): check the token's"
                    " free space and policy"
                ) from None
            if private[Attribute.EXTRACTABLE] or not private[Attribute.SENSITIVE]:
                private.destroy()
                public.destroy()
                raise Pkcs11Error(
                    f"token {self.token_label!r} made key {self.key_label!r} exportable despite the template: it was"
                    " destroyed; use a token that honours CKA_EXTRACTABLE=false and CKA_SENSITIVE=true"
                )
            self._cached = None
        return self.address

    def _open(self) -> tuple[pkcs11.Session, pkcs11.PrivateKey, bytes]:
        """The session, private key object and public key X||Y (call with _LOCK held)."""
        session = _session(self.lib_path, self.token_label, self.pin_env)
        if self._cached is None or self._cached[0] is not session:
            self._cached = (session, *self._find(session))
        return self._cached

    def _find(self, session: pkcs11.Session) -> tuple[pkcs11.PrivateKey, bytes]:
        try:
            private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=self.key_label)
            public = session.get_key(object_class=ObjectClass.PUBLIC_KEY, label=self.key_label)
        except p11.NoSuchKey:
            raise Pkcs11Error(
                f"no key labelled {self.key_label!r} (private and public) on token {self.token_label!r}: generate it"
                f" (strikeforge keys pkcs11 generate --label {self.key_label}) or correct the label (pkcs11:LABEL)"
            ) from None
        except p11.MultipleObjectsReturned:
            raise Pkcs11Error(
                f"several keys are labelled {self.key_label!r} on token {self.token_label!r}: give each key a distinct"
                " label"
            ) from None
        if private.key_type != KeyType.EC or bytes(private[Attribute.EC_PARAMS]) != SECP256K1_PARAMS:
            raise Pkcs11Error(f"{self.where} is not a secp256k1 EC key: generate one with strikeforge keys pkcs11")
        if not all(private[attribute] is True for attribute in PROVENANCE):
            raise Pkcs11Error(
                f"{self.where} was not generated in the token as non-extractable and sensitive (CKA_LOCAL,"
                " CKA_NEVER_EXTRACTABLE, CKA_ALWAYS_SENSITIVE): its private key may exist outside the token; generate"
                " a new key (strikeforge keys pkcs11 generate --label LABEL)"
            )
        point = _point(bytes(public[Attribute.EC_POINT]), self.where)
        # The public key object proves nothing by itself: the private key signs a challenge that must recover to it.
        challenge = secrets.token_bytes(32)
        r, s = _rs(private.sign(challenge, mechanism=Mechanism.ECDSA), self.where)
        s = min(s, SECP256K1_N - s)
        if not (0 < r < SECP256K1_N and 0 < s < SECP256K1_N) or _recovery_id(challenge, r, s, point) is None:
            raise Pkcs11Error(
                f"{self.where}: its public key object does not match its private key (planted or replaced on the"
                " token): its address is not trusted; restore the key's public key object or generate a new key"
            )
        return private, point

    def _in_token(self, operation: Callable[[pkcs11.PrivateKey], T]) -> tuple[T, bytes]:
        """`operation` on the private key object, and the public key; a stale session is logged in again once."""
        with _LOCK:
            for attempt in (1, 2):
                try:
                    _, private, public = self._open()
                    return operation(private), public
                except _STALE as error:
                    _forget(self.lib_path, self.token_label)
                    if attempt == 2:
                        raise Pkcs11Error(
                            f"{self.where}: the token session was lost twice ({_first_line(error)}): check the HSM"
                            " and its connection"
                        ) from None
                except p11.PKCS11Error as error:
                    raise Pkcs11Error(
                        f"{self.where}: the token failed ({_first_line(error)}): check that it supports CKM_ECDSA on"
                        " secp256k1"
                    ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def __repr__(self) -> str:
        return f"Pkcs11Key({self.key_label!r} on token {self.token_label!r})"
