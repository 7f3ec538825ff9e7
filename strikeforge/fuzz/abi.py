"""ABI encoding and decoding for the in-process engine, compiled once per contract type.

Built from Ape's ``ContractType`` (both languages): functions by name (or full signature, for overloads), custom
errors by selector, events by topic 0. Revert data decodes to a :class:`DecodedError`: a custom error of the contract,
Solidity's ``Error(string)``, ``Panic(uint256)``, or raw bytes when nothing matches.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address
from ethpm_types import ContractType
from ethpm_types.abi import ErrorABI, EventABI, MethodABI

ERROR_STRING = keccak(text="Error(string)")[:4]
_PAD12 = bytes(12)
_ELEMENTARY = re.compile(r"^(u?int\d*|address|bool)$")  # one 32-byte word each; arrays, bytes, tuples go to eth_abi
_CHECKSUMS: dict[bytes, str] = {}  # 20-byte address -> checksummed text; keccak once per address seen
_ADDRESS_WORDS: dict[str, bytes] = {}  # address text -> its ABI word
PANIC = keccak(text="Panic(uint256)")[:4]


def _types(params: list) -> list[str]:
    return [p.canonical_type for p in params]


def _normalize(kind: str, value: Any) -> Any:
    """Decoded values as the caller wrote them: checksummed addresses, tuples for arrays and structs."""
    if kind == "address":
        return _checksum(bytes.fromhex(value[2:])) if isinstance(value, str) else _checksum(value)
    if kind.endswith("]") and isinstance(value, (list, tuple)):
        inner = kind[: kind.rindex("[")]
        return tuple(_normalize(inner, v) for v in value)
    return value


def _checksum(raw: bytes) -> str:
    text = _CHECKSUMS.get(raw)
    if text is None:
        text = _CHECKSUMS[raw] = to_checksum_address(raw)
    return text


def _word_encoder(kind: str) -> Callable[[Any], bytes] | None:
    """A direct encoder for a static elementary type (one 32-byte word), or None to use eth_abi.

    As strict as eth_abi: a value out of the type's range raises instead of being truncated.
    """
    if not _ELEMENTARY.match(kind):
        return None
    if kind.startswith("uint"):
        bits = int(kind[4:] or 256)
        top = 1 << bits

        def enc_uint(v: Any) -> bytes:
            if type(v) is not int or not 0 <= v < top:
                raise ValueError(f"{kind} out of range or not an int: {v!r}")
            return v.to_bytes(32, "big")

        return enc_uint
    if kind.startswith("int"):
        bits = int(kind[3:] or 256)
        low, high = -(1 << (bits - 1)), 1 << (bits - 1)

        def enc_int(v: Any) -> bytes:
            if type(v) is not int or not low <= v < high:
                raise ValueError(f"{kind} out of range or not an int: {v!r}")
            return v.to_bytes(32, "big", signed=True)

        return enc_int
    if kind == "address":

        def enc_address(v: Any) -> bytes:
            if type(v) is not str:
                v = getattr(v, "address", v)  # actors and contracts stand for their addresses
            word = _ADDRESS_WORDS.get(v) if type(v) is str else None
            if word is None:
                if not isinstance(v, str) or len(v) != 42 or not v.startswith("0x"):
                    raise ValueError(f"address must be 0x-prefixed 20-byte hex text: {v!r}")
                word = _PAD12 + bytes.fromhex(v[2:])
                if len(_ADDRESS_WORDS) < 65_536:  # the actors and contracts a campaign passes again and again
                    _ADDRESS_WORDS[v] = word
            return word

        return enc_address
    if kind == "bool":

        def enc_bool(v: Any) -> bytes:
            if type(v) is not bool:
                raise ValueError(f"bool expected: {v!r}")
            return (1 if v else 0).to_bytes(32, "big")

        return enc_bool
    return None


def _word_decoder(kind: str) -> Callable[[bytes], Any] | None:
    """A direct decoder for one static elementary word, or None to use eth_abi."""
    if not _ELEMENTARY.match(kind):
        return None
    if kind.startswith("uint"):
        return lambda w: int.from_bytes(w, "big")
    if kind.startswith("int"):
        return lambda w: int.from_bytes(w, "big", signed=True)
    if kind == "address":
        return lambda w: _checksum(w[12:])
    if kind == "bool":
        return lambda w: w[31] == 1
    return None


def plain(value: Any) -> Any:
    """Actors and contracts stand for their addresses (also inside lists and tuples); anything else is unchanged."""
    if hasattr(value, "address") and not isinstance(value, (str, bytes)):
        return value.address
    if isinstance(value, (list, tuple)):
        return type(value)(plain(v) for v in value)
    return value


@dataclass(frozen=True)
class Function:
    """One callable function: its selector, argument and return types, and whether it only reads."""

    name: str
    signature: str
    selector: bytes
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    read_only: bool
    payable: bool
    _encoders: tuple | None = field(default=None, repr=False, compare=False)
    _decoders: tuple | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        encoders = tuple(_word_encoder(t) for t in self.inputs)
        decoders = tuple(_word_decoder(t) for t in self.outputs)
        object.__setattr__(self, "_encoders", encoders if all(encoders) else None)
        object.__setattr__(self, "_decoders", decoders if all(decoders) else None)

    def encode(self, args: tuple) -> bytes:
        """Calldata for ``args`` (static words directly; anything else through eth_abi)."""
        if len(args) != len(self.inputs):
            raise TypeError(f"{self.signature} takes {len(self.inputs)} arguments, got {len(args)}")
        encoders = self._encoders
        if encoders is not None:
            if len(encoders) == 1 and len(args) == 1:  # the common view: balanceOf(who), convertToShares(x)
                try:
                    return self.selector + encoders[0](args[0])
                except ValueError as exc:
                    raise TypeError(f"{self.signature}: {exc}") from None
            parts = [self.selector]
            try:
                for i, enc in enumerate(encoders):
                    parts.append(enc(args[i]))
            except ValueError as exc:
                raise TypeError(f"{self.signature}: {exc}") from None
            return b"".join(parts)
        return self.selector + encode(self.inputs, tuple(plain(a) for a in args))

    def decode(self, data: bytes) -> Any:
        """The return value: None, a single value, or a tuple for several."""
        if not self.outputs:
            return None
        decoders = self._decoders
        if decoders is not None and len(data) >= 32 * len(decoders):
            if len(decoders) == 1:
                return decoders[0](data[:32])
            values = tuple(dec(data[32 * i : 32 * i + 32]) for i, dec in enumerate(decoders))
        else:
            values = tuple(_normalize(t, v) for t, v in zip(self.outputs, decode(self.outputs, data), strict=True))
        return values[0] if len(values) == 1 else values


@dataclass(frozen=True)
class DecodedError:
    """What a revert carried."""

    name: str  # custom error name, "Error" (string reason), "Panic", or "" for unknown or empty data
    args: tuple = ()
    data: bytes = b""

    def __str__(self) -> str:
        if not self.name:
            return f"revert (0x{self.data.hex()})" if self.data else "revert (no data)"
        return f"{self.name}({', '.join(repr(a) for a in self.args)})"


@dataclass(frozen=True)
class DecodedEvent:
    """A log decoded against the emitting contract's ABI."""

    name: str
    address: str
    args: dict[str, Any]


@dataclass
class ContractABI:
    """Every function, error and event of one contract type, ready to encode and decode."""

    name: str
    functions: dict[str, Function] = field(default_factory=dict)
    errors: dict[bytes, tuple[str, tuple[str, ...]]] = field(default_factory=dict)
    events: dict[bytes, EventABI] = field(default_factory=dict)
    constructor_inputs: tuple[str, ...] = ()

    @classmethod
    def from_contract_type(cls, contract_type: ContractType) -> ContractABI:
        """Compile the ABI of an Ape contract type."""
        abi = cls(name=contract_type.name or "")
        overloads: dict[str, int] = {}
        methods = [item for item in contract_type.abi if isinstance(item, MethodABI)]
        for item in methods:
            overloads[item.name] = overloads.get(item.name, 0) + 1
        for item in contract_type.abi:
            if isinstance(item, MethodABI):
                fn = Function(
                    name=item.name,
                    signature=item.selector,
                    selector=keccak(text=item.selector)[:4],
                    inputs=tuple(_types(item.inputs)),
                    outputs=tuple(_types(item.outputs)),
                    read_only=item.stateMutability in ("view", "pure"),
                    payable=item.stateMutability == "payable",
                )
                abi.functions[item.selector] = fn
                if overloads[item.name] == 1:
                    abi.functions[item.name] = fn
            elif isinstance(item, ErrorABI):
                abi.errors[keccak(text=item.selector)[:4]] = (item.name, tuple(_types(item.inputs)))
            elif isinstance(item, EventABI):
                abi.events[keccak(text=item.selector)] = item
            elif getattr(item, "type", None) == "constructor":
                abi.constructor_inputs = tuple(_types(item.inputs))
        return abi

    def function(self, name: str) -> Function:
        """A function by name, or by full signature when the name is overloaded."""
        try:
            return self.functions[name]
        except KeyError:
            candidates = sorted(sig for sig in self.functions if sig.startswith(f"{name}("))
            hint = f": overloaded, use one of {', '.join(candidates)}" if candidates else ""
            raise AttributeError(f"{self.name} has no function {name!r}{hint}") from None

    def encode_constructor(self, args: tuple) -> bytes:
        """ABI-encoded constructor arguments."""
        if len(args) != len(self.constructor_inputs):
            raise TypeError(f"{self.name} constructor takes {len(self.constructor_inputs)} arguments, got {len(args)}")
        return encode(self.constructor_inputs, args) if args else b""

    def decode_error(self, data: bytes) -> DecodedError:
        """Decode revert data: a custom error of this contract, Error(string), Panic(uint256), or raw."""
        selector, body = data[:4], data[4:]
        try:
            if selector == ERROR_STRING:
                return DecodedError("Error", decode(["string"], body), data)
            if selector == PANIC:
                return DecodedError("Panic", decode(["uint256"], body), data)
            if selector in self.errors:
                name, types = self.errors[selector]
                values = tuple(_normalize(t, v) for t, v in zip(types, decode(types, body), strict=True))
                return DecodedError(name, values, data)
        except Exception:
            return DecodedError("", (), data)
        return DecodedError("", (), data)

    def decode_event(self, address: str, topics: list[bytes], data: bytes) -> DecodedEvent | None:
        """Decode one log emitted by this contract; None when topic 0 is not one of its events."""
        if not topics or topics[0] not in self.events:
            return None
        event = self.events[topics[0]]
        indexed = [i for i in event.inputs if i.indexed]
        plain = [i for i in event.inputs if not i.indexed]
        args: dict[str, Any] = {}
        for param, topic in zip(indexed, topics[1:], strict=False):
            kind = param.canonical_type
            dynamic = kind in ("string", "bytes") or kind.endswith("]") or kind.startswith("(")
            args[param.name] = topic if dynamic else _normalize(kind, decode([kind], topic)[0])
        for param, value in zip(plain, decode(_types(plain), data), strict=True):
            args[param.name] = _normalize(param.canonical_type, value)
        return DecodedEvent(event.name, to_checksum_address(address), args)
