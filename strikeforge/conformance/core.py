"""What every suite shares: properties, the subject they run against, Hypothesis inside a chain snapshot, and the
reading of revert data.

A property is a function of a `Subject` that raises `Violation` (naming what the standard requires and what the
contract did) or returns a note. A suite is an ordered list of properties. `run_suite` runs one and collects an
`Outcome` per property; the command line and the pytest suites in tests/conformance both go through it.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from eth_abi import encode
from eth_utils import keccak, to_checksum_address
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

MUST = "MUST"
SHOULD = "SHOULD"


class ConformanceError(RuntimeError):
    """Bad input (an address, an ABI, a hook) or a harness step that could not run: one line naming the field, the
    value and the fix. Not a finding about the contract."""


class Violation(AssertionError):  # noqa: N818 (a finding about the contract, not an error of ours)
    """The contract does not do what the property's standard requires."""


class NotApplicable(Exception):  # noqa: N818 (an outcome, not an error)
    """The property does not apply to this contract (e.g. a flow it declares synchronous); the message says why."""


@dataclass(frozen=True)
class Property:
    """One requirement of a standard, checked from outside the contract."""

    id: str
    standard: str  # "ERC-7540"
    section: str  # the section of the standard's text the requirement is in
    level: str  # MUST, SHOULD, or a named convention ("OpenZeppelin")
    text: str  # the requirement, in the standard's words where possible
    check: Callable[[Subject], str | None]
    stateful: bool = False  # sends transactions: local chains and forks only (inside snapshots)
    needs: tuple[str, ...] = ()  # hooks it cannot run without: "fund", "fulfil"

    @property
    def cite(self) -> str:
        return f"{self.standard} §{self.section}"


@dataclass
class Outcome:
    prop: Property
    # "pass", "fail", "n/a" (does not apply to this contract), "not run" (needs a hook or a local chain), "error" (the
    # property could not complete: a call it needs reverted, or the harness raised; never counted as a pass)
    status: str
    detail: str = ""
    seconds: float = 0.0


@dataclass
class Subject:
    """What a suite runs against: the contract (an Ape instance built from the standard's ABI or the user's), the
    accounts it may act as, and the hooks a stateful property needs.

    fund(token, who, amount): gives `who` at least `amount` of `token` (a local chain's storage write, a mock's mint,
    or the vault's own flow for its shares). fulfil(): makes every pending request claimable (the vault's keeper
    step). Either may be None: the properties that need it are reported as not run, with the option that supplies it.
    """

    contract: Any
    chain: Any
    actors: Sequence[Any] = ()
    fund: Callable[[Any, Any, int], None] | None = None
    fulfil: Callable[[], None] | None = None
    examples: int = 10
    seed: int = 0
    stateful: bool = True
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def address(self) -> str:
        return str(self.contract.address)

    @contextmanager
    def isolated(self) -> Iterator[None]:
        """Runs the body in a chain snapshot, restored afterwards whatever happened. Where no transaction may be sent
        (`stateful` false: a public network, whose nodes cannot snapshot) only read-only properties run, and they
        need none."""
        if not self.stateful:
            yield
            return
        snapshot = self.chain.snapshot()
        try:
            yield
        finally:
            self.chain.restore(snapshot)

    def explore(self, strategy: st.SearchStrategy[Any], body: Callable[[Any], None]) -> None:
        """`body(drawn)` for `examples` values drawn by Hypothesis (seeded: the same run draws the same values), each
        inside its own snapshot; a Violation is shrunk to the simplest example and re-raised with it."""
        broken: list[ConformanceError] = []  # a harness step that failed: not a finding, not shrunk

        @seed(self.seed)
        @settings(
            max_examples=self.examples,
            deadline=None,
            database=None,
            derandomize=False,
            phases=(Phase.explicit, Phase.generate, Phase.shrink),
            suppress_health_check=list(HealthCheck),
            report_multiple_bugs=False,
            print_blob=False,
        )
        @given(strategy)
        def run(drawn: Any) -> None:
            if broken:
                return
            with self.isolated():
                try:
                    body(drawn)
                except ConformanceError as exc:
                    broken.append(exc)

        try:
            run()
        except Violation as exc:
            raise Violation(str(exc)) from None
        if broken:
            raise broken[0]


SUITES: dict[str, list[Property]] = {}


def suite(name: str) -> Callable[[Property], Property]:
    """Registers a property in suite `name` (order kept)."""

    def add(prop: Property) -> Property:
        SUITES.setdefault(name, []).append(prop)
        return prop

    return add


def prop(
    suite_name: str,
    id: str,
    standard: str,
    section: str,
    level: str,
    text: str,
    *,
    stateful: bool = False,
    needs: tuple[str, ...] = (),
) -> Callable[[Callable[[Subject], str | None]], Property]:
    """Decorator: the function becomes a Property registered in `suite_name`."""

    def wrap(function: Callable[[Subject], str | None]) -> Property:
        return suite(suite_name)(Property(id, standard, section, level, text, function, stateful, needs))

    return wrap


HOOK_OPTIONS = {
    "fund": "--fund (how actors get tokens: storage on a local anvil, or mint)",
    "fulfil": "--fulfil ACCOUNT:FUNCTION (the call that makes pending requests claimable, e.g. the keeper's roll)",
}


def run_suite(
    name: str, subject: Subject, only: Sequence[str] = (), report: Callable[[Outcome], None] | None = None
) -> list[Outcome]:
    """Runs suite `name` (or the properties whose ids are in `only`) against `subject`."""
    if name not in SUITES:
        raise ConformanceError(f"suite {name!r} does not exist: use one of {', '.join(sorted(SUITES))}")
    outcomes: list[Outcome] = []
    for p in SUITES[name]:
        if only and p.id not in only:
            continue
        missing = [n for n in p.needs if getattr(subject, n) is None]
        if p.stateful and not subject.stateful:
            outcome = Outcome(p, "not run", "sends transactions: run it on a local chain or a fork")
        elif missing:
            outcome = Outcome(p, "not run", "needs " + "; ".join(HOOK_OPTIONS[n] for n in missing))
        else:
            start = time.monotonic()
            try:
                note = p.check(subject)
                outcome = Outcome(p, "pass", note or "", time.monotonic() - start)
            except Violation as exc:
                outcome = Outcome(p, "fail", str(exc), time.monotonic() - start)
            except NotApplicable as exc:
                outcome = Outcome(p, "n/a", str(exc), time.monotonic() - start)
            except ConformanceError:
                raise  # bad input or a hook that cannot work: the command's one line, exit 2
            except Exception as exc:  # any other failure is this property's outcome, not a traceback
                outcome = Outcome(p, "error", _unexpected(exc, subject), time.monotonic() - start)
        outcomes.append(outcome)
        if report:
            report(outcome)
    return outcomes


def _unexpected(error: Exception, subject: Subject) -> str:
    """One line for an exception a property did not expect: the contract's revert of a call the property needs to
    succeed (named by its function when the subject's ABI has it), or the harness' own error."""
    from ape.exceptions import ContractLogicError

    if not isinstance(error, ContractLogicError):
        first = (str(error).splitlines() or [""])[0]
        return f"could not complete: {type(error).__name__}: {first}"
    data = revert_data(error)
    reason = "0x" + data.hex() if data is not None else str(error.revert_message or "no revert data")
    calldata = bytes(getattr(getattr(error, "txn", None), "data", b"") or b"")
    call = _function_name(subject.contract, calldata) or ("0x" + calldata[:4].hex() if calldata else "a call")
    return f"could not complete: {call} reverted ({reason}), a step the property needs to succeed"


def _function_name(contract: Any, calldata: bytes) -> str | None:
    """The name of the subject's function `calldata` calls, if its ABI has one with that selector."""
    for entry in getattr(getattr(contract, "contract_type", None), "abi", []):
        if getattr(entry, "type", "") == "function" and selector(entry.selector) == calldata[:4]:
            return str(entry.name)
    return None


def require(condition: bool, message: str) -> None:
    """Raises Violation(message) unless `condition`."""
    if not condition:
        raise Violation(message)


# -- revert data ------------------------------------------------------------------------------------------------------


def selector(signature: str) -> bytes:
    return keccak(text=signature)[:4]


def custom_error(signature: str, *args: object) -> bytes:
    types = [t for t in signature[signature.index("(") + 1 : -1].split(",") if t]
    return selector(signature) + (encode(types, list(args)) if types else b"")


def revert_data(error: BaseException) -> bytes | None:
    """The raw revert data of an Ape ContractLogicError (custom errors Ape decoded are re-encoded), or None when the
    revert carried a plain message or nothing readable."""
    from ape.exceptions import CustomError

    if isinstance(error, CustomError):
        types = ",".join(i.canonical_type for i in error.abi.inputs)
        return custom_error(f"{error.abi.name}({types})", *error.inputs.values())
    message = getattr(error, "revert_message", None) or ""
    if message.startswith("0x"):
        try:
            return bytes.fromhex(message[2:])
        except ValueError:
            return None
    if message.startswith(("b'", 'b"')):
        data = ast.literal_eval(message)
        return data if isinstance(data, bytes) else None
    return None


@dataclass
class Call:
    """The result of a call that may revert: `value` or the revert (`reverted`, its `data`)."""

    value: Any = None
    reverted: bool = False
    data: bytes | None = None
    message: str = ""


def attempt(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Call:
    """Calls (or transacts) and catches a contract revert."""
    from ape.exceptions import ContractLogicError

    try:
        return Call(function(*args, **kwargs))
    except ContractLogicError as exc:
        data = revert_data(exc)
        if data is None:  # a node's revert reaches Ape without its data: ask for it once more
            data = _raw_revert_data(function, args, kwargs.get("sender"))
        return Call(reverted=True, data=data, message=str(exc.revert_message or exc))


def _raw_revert_data(function: Any, args: tuple[Any, ...], sender: Any) -> bytes | None:
    """The revert data of the same call made with a plain eth_call (web3 keeps the JSON-RPC error's data)."""
    from ape import chain
    from web3.exceptions import ContractLogicError as Web3LogicError

    try:
        calldata = function.encode_input(*args)
        params = {"to": str(function.contract.address), "data": "0x" + bytes(calldata).hex()}
        if sender is not None:
            params["from"] = str(getattr(sender, "address", sender))
        chain.provider.web3.eth.call(params)
    except Web3LogicError as exc:
        data = exc.data
        if isinstance(data, str) and data.startswith("0x"):
            return bytes.fromhex(data[2:])
        return None
    except Exception:  # a provider without web3, an argument web3 cannot encode: no data, as before
        return None
    return None


def checksum(address: Any) -> str:
    return to_checksum_address(str(address))


def events(receipt: Any, contract: Any, name: str) -> list[dict[str, Any]]:
    """The `name` events `contract` emitted in `receipt`, as dicts of their arguments (other contracts' logs left
    out)."""
    # Decoded with the ABI given here: a node's receipt decodes only with the contract types Ape has cached.
    found = receipt.decode_logs(getattr(contract, name))
    address = checksum(contract.address)
    return [dict(e.event_arguments) for e in found if checksum(e.contract_address) == address]


def normal(value: Any) -> Any:
    """Event and call values compared plainly: addresses checksummed, bytes as bytes, ints as ints."""
    if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
        return checksum(value)
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if hasattr(value, "address"):
        return checksum(value.address)
    return value


def same_event(got: dict[str, Any], expected: dict[str, Any]) -> bool:
    """By position, as the standard's event is (topics and data by type; a contract may name its fields otherwise)."""
    return [normal(v) for v in got.values()] == [normal(v) for v in expected.values()]


def one_event(receipt: Any, contract: Any, name: str, expected: dict[str, Any], cite: str) -> None:
    """Exactly one `name` event from the contract, with exactly the `expected` arguments."""
    found = events(receipt, contract, name)
    require(
        len(found) == 1 and same_event(found[0], expected),
        f"{cite}: expected one {name}{_show(expected)}, got {[_show(e) for e in found] or 'none'}",
    )


def _show(values: dict[str, Any]) -> str:
    return "(" + ", ".join(f"{k}={normal(v)}" for k, v in values.items()) + ")"
