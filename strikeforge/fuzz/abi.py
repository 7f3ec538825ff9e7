"""ABI encoding and decoding for the in-process engine, compiled once per contract type.

Built from Ape's ``ContractType`` (both languages): functions by name (or full signature, for overloads), custom
errors by selector, events by topic 0. Revert data decodes to a :class:`DecodedError`: a custom error of the contract,
Solidity's ``Error(string)``, ``Panic(uint256)``, or raw bytes when nothing matches.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address
from ethpm_types import ContractType
from ethpm_types.abi import ErrorABI, EventABI, MethodABI

ERROR_STRING = keccak(text="Error(string)")[:4]
PANIC = keccak(text="Panic(uint256)")[:4]


def _types(params: list) -> list[str]:
    return [p.canonical_type for p in params]


def _normalize(kind: str, value: Any) -> Any:
    """Decoded values as the caller wrote them: checksummed addresses, tuples for arrays and structs."""
    if kind == "address":
        return to_checksum_address(value)
    if kind.endswith("]") and isinstance(value, (list, tuple)):
        inner = kind[: kind.rindex("[")]
        return tuple(_normalize(inner, v) for v in value)
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

    def encode(self, args: tuple) -> bytes:
        """Calldata for ``args``."""
        if len(args) != len(self.inputs):
            raise TypeError(f"{self.signature} takes {len(self.inputs)} arguments, got {len(args)}")
        return self.selector + encode(self.inputs, args)

    def decode(self, data: bytes) -> Any:
        """The return value: None, a single value, or a tuple for several."""
        if not self.outputs:
            return None
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
