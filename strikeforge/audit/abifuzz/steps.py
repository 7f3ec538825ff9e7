"""One step of a call sequence, how it runs on the world, and how it reads in a finding."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from strikeforge.audit.abifuzz.encode import encode_arguments
from strikeforge.audit.abifuzz.world import RECEIVE, World
from strikeforge.fuzz.abi import DecodedError, Function
from strikeforge.fuzz.errors import HaltError, InvalidTransactionError, RevertError, TransactionError

BLOCK_GAS = 30_000_000
MAX_CALLDATA = 256 * 1024  # larger inputs would not fit a transaction anyone can send (128 KiB mempool limit, x2)


@dataclass(frozen=True)
class Step:
    """``actor`` calls ``target.signature(*args)`` with ``value`` wei, after warping ``warp`` seconds (None: same
    block). An ``arm`` step sets the re-entering actor's callback to that call instead (``value`` = times)."""

    actor: str
    target: str
    signature: str
    args: tuple = ()
    value: int = 0
    warp: int | None = None
    arm: bool = False

    def function(self, world: World) -> Function:
        if self.signature == RECEIVE.signature:
            return RECEIVE
        return world.deployments[self.target].abi.functions[self.signature]

    def calldata(self, world: World) -> bytes:
        fn = self.function(world)
        if fn is RECEIVE:
            return b""
        if fn._encoders is not None:  # every argument one word: Function's own fast path
            return fn.encode(self.args)
        return fn.selector + encode_arguments(fn.inputs, self.args)

    @property
    def name(self) -> str:
        return self.signature.partition("(")[0]

    @classmethod
    def pause(cls, warp: int | None) -> Step:
        """A step that only moves time (what is left of a dropped step)."""
        return cls("", "", "", warp=warp)


@dataclass
class Outcome:
    """What one step did."""

    ok: bool
    gas: int
    output: bytes = b""
    error: DecodedError | None = None
    halt: str = ""
    logs: list = None  # type: ignore[assignment]

    @property
    def reason(self) -> str:
        if self.ok:
            return "success"
        if self.halt:
            return f"halt {self.halt}"
        return str(self.error) if self.error else "revert"

    def same_as(self, other: Outcome) -> bool:
        """Same result: both succeed, or both fail the same way."""
        if self.ok or other.ok:
            return self.ok == other.ok
        return self.halt == other.halt and (self.error.data if self.error else b"") == (
            other.error.data if other.error else b""
        )


def execute(world: World, step: Step) -> Outcome:
    """Run one step (warp first); never raises for a failed transaction."""
    chain = world.chain
    if step.warp is not None:
        chain.warp(step.warp)
    if not step.signature:  # a pause: only the time warp
        return Outcome(True, 0)
    target = world.deployments[step.target].address
    try:
        data = step.calldata(world)
    except (TypeError, ValueError, OverflowError) as exc:
        return Outcome(False, 0, halt=f"unencodable arguments: {exc}")
    if len(data) > MAX_CALLDATA:
        return Outcome(False, 0, halt=f"not sent: {len(data):,} bytes of calldata")
    try:
        if step.arm:
            reenterer = world.parties[step.actor].address
            arm = world.reenter_abi.function("arm")
            receipt = chain.transact(world.operator, reenterer, arm.encode((target, data, step.value)))
        else:
            receipt = world.send(step.actor, target, data, step.value)
    except RevertError as exc:
        return Outcome(False, exc.gas_used, error=exc.error)
    except HaltError as exc:
        return Outcome(False, exc.gas_used, halt=exc.reason)
    except InvalidTransactionError as exc:
        return Outcome(False, 0, halt=f"invalid transaction: {exc.reason}")
    except TransactionError as exc:  # pragma: no cover - every subclass is handled above
        return Outcome(False, getattr(exc, "gas_used", 0), halt=str(exc))
    except RuntimeError as exc:  # refused before execution in a form RevmChain does not classify (value > balance)
        return Outcome(False, 0, halt=f"invalid transaction: {str(exc)[:120]}")
    return Outcome(True, receipt.gas_used, receipt.output, logs=receipt.logs)


def execute_with_gas(world: World, step: Step, gas: int) -> Outcome:
    """Run one step with exactly ``gas`` for the transaction (P3's check against a block's gas).

    RevmChain sends every transaction with the chain's gas limit, so this one call goes to its pyrevm EVM directly.
    """
    chain = world.chain
    if step.warp is not None:
        chain.warp(step.warp)
    party = world.parties[step.actor]
    target = world.deployments[step.target].address
    data = step.calldata(world)
    sender, to, value = party.address, target, step.value
    if party.hostile:
        sender, to, value = world.operator, party.address, 0
        data = world.actor_abi.function("act").encode((target, data, step.value))
    try:
        chain.evm.message_call(sender, to, data, value=value or None, gas=gas)
    except RuntimeError as exc:
        text = str(exc)
        return Outcome(False, gas, halt=text[:160] if text.startswith("Halt") else "", error=_revert_data(text))
    result = chain.evm.result
    return Outcome(True, result.gas_used if result else 0)


def _revert_data(text: str) -> DecodedError | None:
    if "output: 0x" not in text:
        return None
    raw = text.split("output: 0x", 1)[1]
    hexdigits = raw[: len(raw) - len(raw.lstrip("0123456789abcdefABCDEF"))]
    return DecodedError("", (), bytes.fromhex(hexdigits[: len(hexdigits) // 2 * 2]))


def substitute(value: Any, mapping: dict[str, str]) -> Any:
    """``value`` with every address in ``mapping`` (lower-case keys) replaced, inside tuples too."""
    if isinstance(value, tuple):
        return tuple(substitute(v, mapping) for v in value)
    if isinstance(value, str) and value.lower() in mapping:
        return mapping[value.lower()]
    return value


def mentions(value: Any, addresses: set[str]) -> bool:
    """True when any address of ``addresses`` (lower-case) appears in ``value``."""
    if isinstance(value, tuple):
        return any(mentions(v, addresses) for v in value)
    return isinstance(value, str) and value.lower() in addresses


def retarget(step: Step, actor: str, mapping: dict[str, str]) -> Step:
    return replace(step, actor=actor, args=substitute(step.args, mapping))


# -- how a step reads -------------------------------------------------------------------------------------------
def show_value(world: World, value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return world.label_of(value) or value
    if isinstance(value, int):
        return _number(value)
    if isinstance(value, bytes):
        if len(value) > 48:
            return f"0x{value[:24].hex()}...({len(value)} bytes)"
        return f"0x{value.hex()}"
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:40] + f"...({len(value)} chars)")
    if isinstance(value, tuple):
        if len(value) > 6:
            shown = ", ".join(show_value(world, v) for v in value[:3])
            return f"[{shown}, ... {len(value)} items]"
        return f"[{', '.join(show_value(world, v) for v in value)}]"
    return repr(value)


_NAMED = {
    -(2**255): "int256.min",
    -(2**255) + 1: "int256.min+1",
    2**255 - 1: "int256.max",
    2**255 - 2: "int256.max-1",
    2**256 - 1: "2**256-1",
    2**256 - 2: "2**256-2",
    2**128 - 1: "2**128-1",
    2**64 - 1: "2**64-1",
}


def _number(value: int) -> str:
    return _NAMED.get(value, str(value))


def describe(world: World, step: Step) -> str:
    if not step.signature:
        return "[next block]" if step.warp == 0 else f"[+{step.warp or 0:,} s]"
    contract = world.deployments[step.target].abi.name if step.target in world.deployments else step.target
    call = f"{contract}.{step.name}({', '.join(show_value(world, a) for a in step.args)})"
    when = ""
    if step.warp is not None:
        when = "[next block] " if step.warp == 0 else f"[+{step.warp:,} s] "
    if step.arm:
        return f"{when}{step.actor} arms its callback: re-enter {call} (up to {step.value}x per call)"
    paid = f" {{value: {step.value}}}" if step.value else ""
    return f"{when}{step.actor} -> {call}{paid}"


def describe_all(world: World, steps: list[Step]) -> str:
    return "\n".join(f"  {i}. {describe(world, s)}" for i, s in enumerate(steps, 1))
