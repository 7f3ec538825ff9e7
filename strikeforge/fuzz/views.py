"""Many read-only calls in one EVM call: what :meth:`RevmChain.view_many` runs, for invariants that read several views.

An invariant that reads six views pays six trips from Python into the EVM (each builds a transaction environment,
runs, and copies the result back) plus six encodings and decodings. :meth:`RevmChain.view_many` sends them as one call
to a small helper contract installed at :data:`MULTIVIEW_ADDRESS` when the chain is created, which ``STATICCALL``s
each target in turn and returns every result with its status; the calldata of a given list of calls is encoded once
and kept (arguments that are the same objects each time, such as actors and contracts, are never encoded again).

Calldata of the helper: per call, the 20-byte target, a 2-byte length and the call's calldata. Return data: per call,
a 32-byte header ``(returndatasize << 1) | success`` followed by the return data.

Inside the batch each view sees ``msg.sender`` = the helper (a view called alone sees the zero address). A view that
fails is run again alone, so it raises exactly what calling it alone raises (:class:`RevertError`, :class:`HaltError`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from strikeforge.fuzz.abi import Function
from strikeforge.fuzz.errors import RevertError

if TYPE_CHECKING:
    from strikeforge.fuzz.chain import Contract

MULTIVIEW_ADDRESS = "0x000000000000000000000000000000005f0c4a11"  # no key: nobody can send from it
MAX_CALLDATA = 0xFFFF  # the 2-byte length of one call's calldata
_MAX_CACHED = 4_096  # distinct call lists kept encoded per chain (invariants use a handful; varying args are capped)


def _assemble(program: list) -> bytes:
    """Opcode names, ``("push", bytes)``, ``"name:"`` labels (JUMPDESTs) and ``("label", name)`` (PUSH1 of a label's
    offset) -> bytecode."""
    ops = (
        {
            "STOP": 0x00,
            "ADD": 0x01,
            "LT": 0x10,
            "AND": 0x16,
            "OR": 0x17,
            "SHL": 0x1B,
            "SHR": 0x1C,
            "CALLDATALOAD": 0x35,
            "CALLDATASIZE": 0x36,
            "CALLDATACOPY": 0x37,
            "RETURNDATASIZE": 0x3D,
            "RETURNDATACOPY": 0x3E,
            "POP": 0x50,
            "MSTORE": 0x52,
            "JUMP": 0x56,
            "JUMPI": 0x57,
            "GAS": 0x5A,
            "JUMPDEST": 0x5B,
            "PUSH0": 0x5F,
            "RETURN": 0xF3,
            "STATICCALL": 0xFA,
        }
        | {f"DUP{n}": 0x7F + n for n in range(1, 17)}
        | {f"SWAP{n}": 0x8F + n for n in range(1, 17)}
    )
    labels: dict[str, int] = {}
    size = 0
    for item in program:  # first pass: where each label lands
        if isinstance(item, str) and item.endswith(":"):
            labels[item[:-1]] = size
            size += 1  # its JUMPDEST
        elif isinstance(item, tuple):
            size += 1 + (1 if item[0] == "label" else len(item[1]))
        else:
            size += 1
    code = bytearray()
    for item in program:
        if isinstance(item, str) and item.endswith(":"):
            code.append(ops["JUMPDEST"])
        elif isinstance(item, tuple) and item[0] == "label":
            code += bytes([0x60, labels[item[1]]])  # PUSH1 target
        elif isinstance(item, tuple):  # ("push", bytes)
            code += bytes([0x5F + len(item[1])]) + item[1]
        else:
            code.append(ops[item])
    return bytes(code)


# Stack comments list the top first. The loop keeps [out, ptr]: where the next result goes in memory, and where the
# next call's record starts in calldata.
_PROGRAM = [
    "PUSH0",  # ptr = 0
    "PUSH0",  # out = 0                                       [out, ptr]
    "loop:",
    "CALLDATASIZE",
    "DUP3",
    "LT",  # ptr < calldatasize
    ("label", "body"),
    "JUMPI",
    "PUSH0",
    "RETURN",  # return(0, out)
    "body:",
    "DUP2",
    "CALLDATALOAD",  # word = calldata[ptr : ptr + 32]     [word, out, ptr]
    "DUP1",
    ("push", b"\x60"),
    "SHR",  # target = word >> 96                         [target, word, out, ptr]
    "SWAP1",
    ("push", b"\x50"),
    "SHR",
    ("push", b"\xff\xff"),
    "AND",  # len = (word >> 80) & 0xffff                 [len, target, out, ptr]
    "DUP1",
    ("push", b"\x16"),
    "DUP6",
    "ADD",
    ("push", b"\x20"),
    "DUP6",
    "ADD",
    "CALLDATACOPY",  # memory[out + 32 :] = calldata[ptr + 22 : ptr + 22 + len]
    "PUSH0",  # retSize
    "PUSH0",  # retOffset
    "DUP3",  # argsSize = len
    ("push", b"\x20"),
    "DUP7",
    "ADD",  # argsOffset = out + 32
    "DUP6",  # target
    "GAS",
    "STATICCALL",  #                                      [success, len, target, out, ptr]
    "RETURNDATASIZE",
    ("push", b"\x01"),
    "SHL",
    "OR",
    "DUP4",
    "MSTORE",  # memory[out] = (returndatasize << 1) | success   [len, target, out, ptr]
    "RETURNDATASIZE",
    "PUSH0",
    ("push", b"\x20"),
    "DUP6",
    "ADD",
    "RETURNDATACOPY",  # memory[out + 32 :] = return data
    "SWAP1",
    "POP",  #                                             [len, out, ptr]
    ("push", b"\x16"),
    "ADD",
    "DUP3",
    "ADD",  #                                             [ptr + 22 + len, out, ptr]
    "SWAP2",
    "POP",  #                                             [out, next ptr]
    "RETURNDATASIZE",
    ("push", b"\x20"),
    "ADD",
    "ADD",  #                                             [out + 32 + returndatasize, next ptr]
    ("label", "loop"),
    "JUMP",
]
MULTIVIEW_CODE = _assemble(_PROGRAM)


class ViewBatch:
    """A list of view calls, encoded once: the helper's calldata and how to decode its answer."""

    __slots__ = ("calldata", "ok", "plan", "uints", "words", "zeros")

    def __init__(self, calls: Iterable[tuple]) -> None:
        parts: list[bytes] = []
        plan: list[tuple[Function, Contract, tuple, bytes]] = []
        for item in calls:
            contract, fn, args = parse_view(item)
            data = fn.encode(args)
            if len(data) > MAX_CALLDATA:
                raise ValueError(f"{fn.signature}: {len(data):,} bytes of calldata; view_many takes up to 65,535")
            parts.append(bytes.fromhex(contract.address[2:]) + len(data).to_bytes(2, "big") + data)
            plan.append((fn, contract, args, data))
        self.calldata = b"".join(parts)
        self.plan = tuple(plan)
        # Every view returns one static word (the common case): results sit at fixed offsets.
        decoders = [fn._decoders for fn, *_ in plan]
        single = all(d is not None and len(d) == 1 for d in decoders)
        self.words = tuple(d[0] for d in decoders) if single else None  # type: ignore[index]
        self.ok, self.zeros = b"A" * len(plan), bytes(len(plan))  # b"A" is 65
        self.uints = single and all(fn.outputs[0].startswith("uint") for fn, *_ in plan)

    def decode(self, out: bytes) -> list[Any] | None:
        """The decoded results; None when a call failed (the caller then re-runs it alone for its exact error)."""
        words = self.words
        count = len(self.plan)
        # Every call returned one word and succeeded: every header is 65 ((32 << 1) | 1; sizes stay below 2**24).
        zeros = self.zeros
        if (
            words is not None
            and len(out) == 64 * count
            and out[31::64] == self.ok
            and out[30::64] == zeros
            and out[29::64] == zeros
            and out[28::64] == zeros
        ):
            if self.uints:  # the commonest invariant reads: balances, totals
                return [int.from_bytes(out[at - 32 : at], "big") for at in range(64, 64 * count + 1, 64)]
            return [dec(out[at + 32 : at + 64]) for at, dec in zip(range(0, 64 * count, 64), words, strict=True)]
        results = []
        at = 0
        for fn, *_ in self.plan:
            header = int.from_bytes(out[at : at + 32], "big")
            size = header >> 1
            if not header & 1:
                return None
            results.append(fn.decode(out[at + 32 : at + 32 + size]))
            at += 32 + size
        return results

    def failure(self, out: bytes) -> tuple[int, bytes]:
        """(index, revert data) of the first failed call."""
        at = 0
        for index in range(len(self.plan)):
            header = int.from_bytes(out[at : at + 32], "big")
            size = header >> 1
            if not header & 1:
                return index, out[at + 32 : at + 32 + size]
            at += 32 + size
        raise AssertionError("no call of the batch failed")


def parse_view(item: tuple) -> tuple[Contract, Function, tuple]:
    """One view call as (contract, function, args) from ``(contract, "name", args)``, ``(contract, "name")`` or
    ``(contract.name, *args)``."""
    from strikeforge.fuzz.chain import BoundFunction, Contract

    if not isinstance(item, tuple) or not item:
        raise TypeError(f"view_many: each call is (contract, 'function', args) or (contract.function, *args): {item!r}")
    head = item[0]
    if isinstance(head, BoundFunction):
        contract, fn, args = head.contract, head.fn, item[1:]
    elif isinstance(head, Contract) and 2 <= len(item) <= 3 and isinstance(item[1], str):
        contract, fn = head, head.abi.function(item[1])
        args = item[2] if len(item) == 3 else ()
        if not isinstance(args, (tuple, list)):
            args = (args,)
        args = tuple(args)
    else:
        raise TypeError(f"view_many: each call is (contract, 'function', args) or (contract.function, *args): {item!r}")
    if not fn.read_only:
        raise TypeError(f"view_many: {contract.abi.name}.{fn.signature} is not a view (it may change state)")
    return contract, fn, args


def view_sequentially(calls: Iterable[tuple]) -> list[Any]:
    """The same results as ``view_many``, one call at a time (for chains without the helper, e.g. Ape's)."""
    from strikeforge.fuzz.chain import BoundFunction

    results = []
    for item in calls:
        contract, fn, args = parse_view(item)
        results.append(BoundFunction(contract, fn)(*args))
    return results


class BatchCache:
    """Encoded batches by their call lists (hashable lists only; others are encoded every time)."""

    __slots__ = ("batches",)

    def __init__(self) -> None:
        self.batches: dict[tuple, ViewBatch] = {}

    def get(self, calls: Iterable[tuple]) -> ViewBatch:
        key = calls if type(calls) is tuple else tuple(calls)
        try:
            return self.batches[key]
        except KeyError:
            batch = ViewBatch(key)
            if len(self.batches) >= _MAX_CACHED:
                self.batches.clear()
            self.batches[key] = batch
            return batch
        except TypeError:  # an unhashable argument (a list): encode this once
            return ViewBatch(key)


def failed_view(batch: ViewBatch, out: bytes, chain: Any) -> BaseException:
    """The exception the batch's first failing view raises when called alone (re-run), else a RevertError."""
    index, data = batch.failure(out)
    fn, contract, _args, calldata = batch.plan[index]
    try:
        chain.call(contract.address, calldata)
    except Exception as exc:
        return exc
    # It failed inside the batch only (it reads msg.sender, which is the helper there).
    call = f"{contract.abi.name}.{fn.signature} in view_many (msg.sender = {MULTIVIEW_ADDRESS})"
    return RevertError(chain.decode_error(data, contract.abi), 0, call)
