"""ABI encoding of the campaign's arguments, fast for its large arrays.

eth_abi validates and encodes every element of a 2,000-element array of structs one by one (about 5 ms per call on
the ledger's ``applyMany``, 85% of a campaign's time). The generator builds large arrays from a handful of distinct
elements, so this encoder encodes each distinct element once per call. Same output as eth_abi (the tests compare
them); small elementary signatures still go through :meth:`strikeforge.fuzz.abi.Function.encode`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from eth_abi.grammar import ABIType, BasicType, TupleType, parse

_MEMO_FROM = 16  # arrays at least this long memoize their elements' encodings


@lru_cache(maxsize=4096)
def _parsed(kind: str) -> ABIType:
    return parse(kind)


@lru_cache(maxsize=4096)
def _dynamic(kind: str) -> bool:
    return _parsed(kind).is_dynamic


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def _elementary(parsed: BasicType, value: Any) -> bytes:
    base, sub = parsed.base, parsed.sub
    if base == "uint":
        if type(value) is not int or not 0 <= value < 1 << sub:
            raise ValueError(f"uint{sub} out of range: {value!r}")
        return _word(value)
    if base == "int":
        if type(value) is not int or not -(1 << (sub - 1)) <= value < 1 << (sub - 1):
            raise ValueError(f"int{sub} out of range: {value!r}")
        return value.to_bytes(32, "big", signed=True)
    if base == "address":
        raw = bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)
        if len(raw) != 20:
            raise ValueError(f"address expected: {value!r}")
        return bytes(12) + raw
    if base == "bool":
        return _word(1 if value else 0)
    if base == "bytes" and sub is not None:
        if len(value) != sub:
            raise ValueError(f"bytes{sub} expected: {value!r}")
        return bytes(value) + bytes(32 - sub)
    if base in ("bytes", "string"):
        raw = value.encode() if isinstance(value, str) else bytes(value)
        padded = raw + bytes(-len(raw) % 32)
        return _word(len(raw)) + padded
    raise ValueError(f"unsupported ABI type {parsed.to_type_str()}")


def _sequence(kinds: list[str], values: list[Any] | tuple, memo: dict | None) -> bytes:
    """Heads then tails, as for a tuple (also the body of arrays)."""
    encoded = [encode_value(kind, value, memo) for kind, value in zip(kinds, values, strict=True)]
    dynamic = [_dynamic(kind) for kind in kinds]
    offset = sum(32 if d else len(e) for d, e in zip(dynamic, encoded, strict=True))
    heads, tails = [], []
    for is_dynamic, item in zip(dynamic, encoded, strict=True):
        if is_dynamic:
            heads.append(_word(offset))
            tails.append(item)
            offset += len(item)
        else:
            heads.append(item)
    return b"".join(heads) + b"".join(tails)


def encode_value(kind: str, value: Any, memo: dict | None = None) -> bytes:
    """One value of ABI type ``kind``."""
    if memo is not None:
        try:
            key = (kind, value)
            hit = memo.get(key)
        except TypeError:  # unhashable (a list): no memo
            key, hit = None, None
        if hit is not None:
            return hit
    parsed = _parsed(kind)
    if parsed.is_array:
        item = parsed.item_type.to_type_str()
        dims = parsed.arrlist[-1]
        values = list(value)
        inner = memo if memo is not None or len(values) < _MEMO_FROM else {}
        if dims and len(values) != dims[0]:
            raise ValueError(f"{kind} needs {dims[0]} elements, got {len(values)}")
        body = _sequence([item] * len(values), values, inner)
        out = body if dims else _word(len(values)) + body
    elif isinstance(parsed, TupleType):
        components = [c.to_type_str() for c in parsed.components]
        out = _sequence(components, list(value), memo)
    else:
        out = _elementary(parsed, value)
    if memo is not None and key is not None:
        memo[key] = out
    return out


def encode_arguments(kinds: tuple[str, ...], args: tuple) -> bytes:
    """A function's arguments (without the selector)."""
    return _sequence(list(kinds), list(args), None)
