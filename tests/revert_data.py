"""Asserting ABI-encoded custom errors raised by Vyper contracts (`raw_revert`), which have no ABI entry to decode."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from contextlib import contextmanager

from ape.exceptions import ContractLogicError, CustomError
from eth_abi import encode
from eth_utils import keccak


def selector(signature: str) -> bytes:
    """The 4-byte selector of an error signature such as "StalePrice(uint256,uint256)"."""
    return keccak(text=signature)[:4]


def custom_error(signature: str, *args: object) -> bytes:
    """The revert data of `signature` with `args`, as Solidity encodes it."""
    types = [t for t in signature[signature.index("(") + 1 : -1].split(",") if t]
    return selector(signature) + (encode(types, list(args)) if types else b"")


def _revert_data(error: ContractLogicError) -> bytes:
    # Ape decodes the data with any known contract type that declares the same error (Solidity adapters share these
    # errors): re-encode what it decoded.
    if isinstance(error, CustomError):
        types = ",".join(i.canonical_type for i in error.abi.inputs)
        return custom_error(f"{error.abi.name}({types})", *error.inputs.values())
    # Otherwise Ape reports the data as hex, or (when it could pass for text) as the repr of the bytes.
    message = error.revert_message or ""
    if message.startswith("0x"):
        return bytes.fromhex(message[2:])
    if message.startswith(("b'", 'b"')):
        data = ast.literal_eval(message)
        if isinstance(data, bytes):
            return data
    raise AssertionError(f"expected raw revert data, got the message {message!r}")


@contextmanager
def reverts_with(signature: str, *args: object) -> Iterator[None]:
    """Expect a revert with exactly the custom error `signature(args)`; with no args, only its selector is checked."""
    try:
        yield
    except ContractLogicError as error:
        data = _revert_data(error)
        if args:
            assert data == custom_error(signature, *args), f"reverted with {data.hex()}"
        else:
            assert data[:4] == selector(signature), f"reverted with {data.hex()}, not {signature}"
        return
    raise AssertionError(f"did not revert (expected {signature})")
