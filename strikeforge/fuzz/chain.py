"""An in-process EVM (revm through pyrevm) for fuzz campaigns, loaded from Ape's compiled contract types.

One :class:`RevmChain` is one chain: funded actors, deployments (constructor arguments, ``msg.value``, linked
libraries), transactions and static calls with decoded return values, reverts and events, gas used, snapshots,
and time and block warps. It runs Cancun, the EVM version the project compiles for (Vyper 0.4's ``@nonreentrant``
uses transient storage). Gas is priced at 0, so actors' ether moves only by ``value``.

Gas used is NOT a chain's figure after the first transactions. pyrevm 0.3.7 keeps one journal across transactions
(that is what makes snapshots possible) and with it EIP-2929 warmth and the EIP-2200/3529 "original value" of every
slot, so later transactions are priced as if inside one long transaction: measured, an identical second deposit
costs 10,000 gas less, and a mint 6,800 less than on EthereumTester. (pyrevm's ``commit()``, which would finalize
the journal, leaves the EVM unusable: "CallTooDeep".) Behaviour (return data, reverts, events, storage) is exact,
which tests/fuzz/test_differential.py checks against Ape's EthereumTester. Use Ape's providers for gas figures.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyrevm
from eth_utils import keccak, to_checksum_address
from ethpm_types import ContractType

from strikeforge.fuzz.abi import ContractABI, DecodedError, DecodedEvent, Function, plain
from strikeforge.fuzz.errors import HaltError, InvalidTransactionError, RevertError, TransactionError
from strikeforge.fuzz.views import MULTIVIEW_ADDRESS, MULTIVIEW_CODE, BatchCache, failed_view

SPEC = "CANCUN"
DEFAULT_CHAIN_ID = 1337
DEFAULT_TIMESTAMP = 1_767_254_400  # 2026-01-01T08:00:00Z
DEFAULT_BALANCE = 10**24
ZERO_ADDRESS = "0x" + "00" * 20
_FAILURE = re.compile(r"^(Revert|Halt) \{(.*)\}$", re.DOTALL)
_OUTPUT = re.compile(r"output: 0x([0-9a-fA-F]*)")
_GAS = re.compile(r"gas_used: (\d+)")
_REASON = re.compile(r"reason: ([^,}]+(?:\([^)]*\))?)")


@dataclass(frozen=True)
class Actor:
    """A funded externally owned account with a readable label."""

    label: str
    address: str

    def __str__(self) -> str:
        return self.label


class Receipt:
    """The outcome of one successful transaction. ``logs`` are (address, topics, data), converted on first use.

    ``gas_used`` and ``raw_logs`` (pyrevm Log objects, or already converted tuples) are read from pyrevm's execution
    result on first use when one is given (``result=``): most transactions of a campaign never look at them.
    """

    __slots__ = ("_gas_used", "_logs", "_raw_logs", "_result", "events", "output")

    def __init__(
        self,
        output: bytes,
        gas_used: int = 0,
        raw_logs: list | None = None,
        events: list[DecodedEvent] | None = None,
        *,
        result: Any = None,
    ) -> None:
        self.output = output
        self._gas_used = gas_used
        self._raw_logs = raw_logs
        self.events = [] if events is None else events
        self._result = result
        self._logs: list[tuple[str, list[bytes], bytes]] | None = None

    @property
    def gas_used(self) -> int:
        if self._result is not None:
            self._take_result()
        return self._gas_used

    @property
    def raw_logs(self) -> list:
        if self._result is not None:
            self._take_result()
        if self._raw_logs is None:
            self._raw_logs = []
        return self._raw_logs

    def _take_result(self) -> None:
        result, self._result = self._result, None
        self._gas_used, self._raw_logs = result.gas_used, result.logs

    @property
    def logs(self) -> list[tuple[str, list[bytes], bytes]]:
        if self._logs is None:
            self._logs = [log if isinstance(log, tuple) else _convert_log(log) for log in self.raw_logs]
        return self._logs

    def __repr__(self) -> str:
        return f"Receipt(output=0x{self.output.hex()}, gas_used={self.gas_used}, events={self.events!r})"


def _convert_log(log: Any) -> tuple[str, list[bytes], bytes]:
    """A pyrevm Log as (address, topics, data)."""
    return log.address, [bytes.fromhex(t[2:]) for t in log.topics], log.data[1]


@dataclass
class Snapshot:
    """A point to return to: EVM journal plus the block environment."""

    checkpoint: Any
    timestamp: int
    number: int
    deployed: dict[str, ContractABI]


def link(contract_type: ContractType, libraries: dict[str, str]) -> bytes:
    """Deployment bytecode with every library reference (EthPM ``linkReferences``) set to its deployed address.

    ``libraries`` maps fully qualified names (``Lib.sol:Lib``) or bare library names to addresses.
    """
    bytecode = contract_type.deployment_bytecode
    code = bytearray(bytes.fromhex(bytecode.bytecode.removeprefix("0x")))
    for ref in bytecode.link_references or []:
        bare = ref.name.rpartition(":")[2]
        address = libraries.get(ref.name) or libraries.get(bare)
        if address is None:
            raise ValueError(f"{contract_type.name} needs library {ref.name}: pass libraries={{{bare!r}: address}}")
        raw = bytes.fromhex(_address(address).removeprefix("0x"))
        for offset in ref.offsets:
            code[offset : offset + ref.length] = raw
    return bytes(code)


def creation_code(
    contract_type: ContractType, args: tuple, libraries: dict[str, str] | None = None
) -> tuple[ContractABI, bytes]:
    """The contract's ABI and its creation code: linked bytecode followed by the encoded constructor arguments."""
    abi = ContractABI.from_contract_type(contract_type)
    bytecode = contract_type.deployment_bytecode.bytecode if contract_type.deployment_bytecode else None
    if not bytecode or bytecode == "0x":
        raise ValueError(f"{contract_type.name} has no deployment bytecode (an interface or abstract contract?)")
    return abi, link(contract_type, libraries or {}) + abi.encode_constructor(tuple(plain(a) for a in args))


def decode_error(deployed: dict[str, ContractABI], data: bytes, abi: ContractABI | None = None) -> DecodedError:
    """Revert data decoded against ``abi`` first, then any deployed contract's errors (they bubble up from callees)."""
    first = (abi or ContractABI(name="")).decode_error(data)
    if first.name or len(data) < 4:
        return first
    for other in deployed.values():
        if other is not abi and data[:4] in other.errors:
            return other.decode_error(data)
    return first


def decode_events(deployed: dict[str, ContractABI], receipt: Receipt | None) -> list[DecodedEvent]:
    """A receipt's logs decoded against the emitting contracts' ABIs (cached on the receipt); unknown logs skipped."""
    if receipt is None:
        return []
    if not receipt.events and receipt.logs:
        for address, topics, data in receipt.logs:
            abi = deployed.get(address.lower())
            if abi and (event := abi.decode_event(address, topics, data)):
                receipt.events.append(event)
    return receipt.events


class RevmChain:
    """One in-process chain. Not thread-safe; one per worker process."""

    def __init__(
        self,
        chain_id: int = DEFAULT_CHAIN_ID,
        timestamp: int = DEFAULT_TIMESTAMP,
        block_number: int = 1,
        gas_limit: int = 30_000_000,
    ) -> None:
        self.chain_id = chain_id
        self.gas_limit = gas_limit
        self._timestamp = timestamp
        self._number = block_number
        env = pyrevm.Env(cfg=pyrevm.CfgEnv(chain_id=chain_id), block=self._block_env())
        self.evm = pyrevm.EVM(env=env, spec_id=SPEC, gas_limit=gas_limit)
        self.deployed: dict[str, ContractABI] = {}  # lower-case address -> ABI, to decode any log
        self.calls = 0  # transactions and calls executed, for campaign statistics
        self.commits = 0  # successful transactions and deployments: state may have changed
        self.outputs: list | None = None  # when a list, every transaction's return data is appended (dictionary)
        self.last_receipt: Receipt | None = None
        self.labels: dict[str, str] = {}  # lower-case address -> readable name, for transaction notes
        self.on_transaction: Callable[[str], None] | None = None  # receives one readable line per transaction
        self.trace: list[str] | None = None  # when a list, Foundry-style lines: sender -> C.fn(args) [gas] -> result
        self.evm.insert_account_info(MULTIVIEW_ADDRESS, pyrevm.AccountInfo(code=MULTIVIEW_CODE))  # for view_many
        self._views = BatchCache()
        self._last_views: tuple | None = None
        self._last_batch = None

    # -- block environment -------------------------------------------------------------------------------------
    def _block_env(self) -> pyrevm.BlockEnv:
        return pyrevm.BlockEnv(number=self._number, timestamp=self._timestamp, gas_limit=self.gas_limit, basefee=0)

    @property
    def timestamp(self) -> int:
        """Current block timestamp (seconds)."""
        return self._timestamp

    @property
    def block_number(self) -> int:
        """Current block number."""
        return self._number

    def warp(self, seconds: int) -> None:
        """Move time forward by ``seconds`` (and the block number by one)."""
        if seconds < 0:
            raise ValueError(f"warp: seconds must be >= 0 (got {seconds}); time never moves back")
        self.set_time(self._timestamp + seconds, self._number + 1)

    def set_time(self, timestamp: int, block_number: int | None = None) -> None:
        """Set the block timestamp (and optionally the number) for the next transactions."""
        self._timestamp = timestamp
        if block_number is not None:
            self._number = block_number
        self.evm.set_block_env(self._block_env())

    def mine(self, blocks: int = 1, seconds_per_block: int = 12) -> None:
        """Advance ``blocks`` blocks of ``seconds_per_block`` each."""
        self.set_time(self._timestamp + blocks * seconds_per_block, self._number + blocks)

    # -- accounts ----------------------------------------------------------------------------------------------
    def actor(self, label: str, balance: int = DEFAULT_BALANCE, address: str | None = None, nonce: int = 0) -> Actor:
        """A funded account; its address is derived from ``label`` unless given (the same label, the same address).

        ``nonce`` sets the account's nonce, and so the addresses of the contracts it deploys (to mirror another chain).
        """
        address = to_checksum_address(address or keccak(text=f"strikeforge.actor.{label}")[-20:])
        if nonce:
            self.evm.insert_account_info(address, pyrevm.AccountInfo(nonce=nonce))
        self.evm.set_balance(address, balance)
        return Actor(label, address)

    def balance(self, address: str | Actor) -> int:
        """Ether balance in wei."""
        return self.evm.get_balance(_address(address))

    def set_balance(self, address: str | Actor, wei: int) -> None:
        """Set an account's ether balance."""
        self.evm.set_balance(_address(address), wei)

    def storage(self, address: str | Contract, slot: int) -> int:
        """One storage slot."""
        return self.evm.storage(_address(address), slot)

    def code(self, address: str | Contract) -> bytes:
        """Runtime code at an address."""
        return self.evm.get_code(_address(address)) or b""

    # -- snapshots ---------------------------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """Remember the current state (storage, balances, code, block environment)."""
        return Snapshot(self.evm.snapshot(), self._timestamp, self._number, dict(self.deployed))

    def revert(self, snap: Snapshot) -> None:
        """Return to a snapshot. A snapshot can be returned to any number of times.

        pyrevm's journal checkpoints are single-use, so the checkpoint is taken again right after reverting to it.
        """
        try:
            self.evm.revert(snap.checkpoint)
        except OverflowError as exc:  # pyrevm's message dumps the whole journal: name the cause instead
            raise RuntimeError(
                "snapshot is no longer valid (an earlier snapshot was reverted to after it was taken)"
            ) from exc.__class__(str(exc)[:120])
        snap.checkpoint = self.evm.snapshot()
        self.deployed = dict(snap.deployed)
        self.set_time(snap.timestamp, snap.number)

    # -- deployment --------------------------------------------------------------------------------------------
    def deploy(
        self,
        contract_type: ContractType,
        *args: Any,
        sender: Actor | str,
        value: int = 0,
        libraries: dict[str, str] | None = None,
    ) -> Contract:
        """Deploy a compiled contract with constructor ``args``; returns a callable :class:`Contract`."""
        abi, code = creation_code(contract_type, args, libraries)
        call = f"deploy {contract_type.name}"
        try:
            address = self.evm.deploy(_address(sender), code, value=value or None)
        except RuntimeError as exc:
            raise self._failure(exc, abi, call) from None
        self.calls += 1
        self.commits += 1
        result = self.evm.result
        self.deployed[address.lower()] = abi
        self.last_receipt = Receipt(b"", result.gas_used if result else 0)
        return Contract(self, to_checksum_address(address), abi)

    # -- calls -------------------------------------------------------------------------------------------------
    def transact(
        self, sender: Actor | str, to: str | Contract, data: bytes, value: int = 0, *, abi: ContractABI | None = None
    ) -> Receipt:
        """Send a state-changing call; raises RevertError or HaltError when it fails (then nothing changes)."""
        target = _address(to)
        try:
            output = self.evm.message_call(_address(sender), target, data, value=value or None)
        except RuntimeError as exc:
            raise self._failure(exc, abi or self.deployed.get(target.lower()), _describe(target, data)) from None
        finally:
            self.calls += 1
        self.commits += 1
        if self.outputs is not None:
            self.outputs.append(output)
        receipt = self.last_receipt = Receipt(output, result=self.evm.result)
        return receipt

    def call(self, to: str | Contract, data: bytes, sender: Actor | str = ZERO_ADDRESS) -> bytes:
        """A read-only call (state is not changed); raises :class:`RevertError` on revert."""
        target = to if type(to) is str else to.address
        self.calls += 1
        try:
            output = bytes(
                self.evm.message_call(sender if type(sender) is str else sender.address, target, data, is_static=True)
            )
        except RuntimeError as exc:
            raise self._failure(exc, self.deployed.get(target.lower()), _describe(target, data)) from None
        return output

    def view_many(self, calls: tuple | list) -> list[Any]:
        """Several read-only calls in one EVM call; their decoded results, in order.

        Each call is ``(contract, "function", args)``, ``(contract, "function")`` or ``(contract.function, *args)``:
        ``total, held = chain.view_many(((vault, "totalAssets"), (token.balanceOf, vault)))``. The calldata of a call
        list is encoded once and kept (pass the same tuple, or equal ones, each time). Inside the batch ``msg.sender``
        is the helper contract (see :mod:`strikeforge.fuzz.views`); a failing view raises what it raises alone.
        """
        if calls is self._last_views:  # the same tuple again (an invariant's): no hashing
            batch = self._last_batch
        else:
            batch = self._views.get(calls)
            if type(calls) is tuple:
                self._last_views, self._last_batch = calls, batch
        self.calls += 1
        try:
            out = self.evm.message_call(ZERO_ADDRESS, MULTIVIEW_ADDRESS, batch.calldata, is_static=True)
        except RuntimeError as exc:  # the batch as a whole ran out of gas
            raise self._failure(exc, None, f"view_many of {len(batch.plan)} calls") from None
        results = batch.decode(out)
        if results is None:
            raise failed_view(batch, bytes(out), self)
        return results

    def events(self, receipt: Receipt | None = None) -> list[DecodedEvent]:
        """The decoded events of a receipt (default: the last one); logs of unknown contracts are skipped."""
        return decode_events(self.deployed, receipt or self.last_receipt)

    def _failure(
        self, exc: RuntimeError, abi: ContractABI | None, call: str
    ) -> RevertError | HaltError | InvalidTransactionError:
        text = str(exc)
        match = _FAILURE.match(text)
        if not match:
            if "Error: Transaction(" in text or text.startswith("Initial gas spend"):
                return InvalidTransactionError(text.split(" Error: ")[0], call)
            raise exc
        gas = int(g.group(1)) if (g := _GAS.search(text)) else 0
        if match.group(1) == "Halt":
            reason = r.group(1) if (r := _REASON.search(text)) else text
            return HaltError(reason, gas, call)
        data = bytes.fromhex(o.group(1)) if (o := _OUTPUT.search(text)) else b""
        return RevertError(self.decode_error(data, abi), gas, call)

    def decode_error(self, data: bytes, abi: ContractABI | None = None) -> DecodedError:
        """Decode revert data against ``abi`` first, then every deployed contract (errors bubble up from callees)."""
        return decode_error(self.deployed, data, abi)


class Contract:
    """A deployed contract: ``vault.deposit(assets, receiver, sender=alice)`` sends, view functions read."""

    def __init__(self, chain: RevmChain, address: str, abi: ContractABI) -> None:
        self.chain = chain
        self.address = address
        self.abi = abi

    def __getattr__(self, name: str) -> BoundFunction:
        """Only called on the first access of a function: the bound function is then kept as an attribute."""
        if name.startswith("_"):
            raise AttributeError(name)
        bound = BoundFunction(self, self.abi.function(name))
        setattr(self, name, bound)
        return bound

    def __repr__(self) -> str:
        return f"<{self.abi.name} {self.address}>"

    def __str__(self) -> str:
        return self.address


class BoundFunction:
    """One function of a deployed contract."""

    __slots__ = ("contract", "fn")

    def __init__(self, contract: Contract, fn: Function) -> None:
        self.contract = contract
        self.fn = fn

    def __call__(self, *args: Any, sender: Actor | str | None = None, value: int = 0) -> Any:
        """Read-only functions are called; others are sent as a transaction (``sender`` required)."""
        fn = self.fn
        contract = self.contract
        if fn.read_only and not value:
            return fn.decode(contract.chain.call(contract.address, fn.encode(args), sender or ZERO_ADDRESS))
        if sender is None:
            raise TypeError(f"{fn.signature} changes state: pass sender=")
        chain = contract.chain
        if chain.on_transaction is None and chain.trace is None and not value:  # the campaign's path: no notes
            return fn.decode(chain.transact(sender, contract.address, fn.encode(args), abi=contract.abi).output)
        return fn.decode(self.transact(*args, sender=sender, value=value).output)

    def call(self, *args: Any, sender: Actor | str = ZERO_ADDRESS) -> Any:
        """Call without changing state; the decoded return value."""
        return self.fn.decode(self.contract.chain.call(self.contract.address, self.fn.encode(args), sender))

    def transact(self, *args: Any, sender: Actor | str, value: int = 0) -> Receipt:
        """Send as a transaction; the receipt (raw output, gas used, logs)."""
        if value and not self.fn.payable:
            raise TypeError(f"{self.fn.signature} is not payable: value={value} would always revert")
        data = self.fn.encode(args)
        chain = self.contract.chain
        note, trace = chain.on_transaction, getattr(chain, "trace", None)
        if note is None and trace is None:
            return chain.transact(sender, self.contract.address, data, value, abi=self.contract.abi)
        head = self._describe(args, sender, value)
        try:
            receipt = chain.transact(sender, self.contract.address, data, value, abi=self.contract.abi)
        except TransactionError as exc:
            why = getattr(exc, "error", getattr(exc, "reason", ""))
            if note is not None:
                note(f"{head} -> {type(exc).__name__}: {why}")
            if trace is not None:
                kind = {"RevertError": "revert", "HaltError": "halt"}.get(type(exc).__name__, "invalid")
                trace.append(f"{head} [{exc.gas_used:,}] -> {kind}: {why}")
            raise
        result = self.fn.decode(receipt.output) if self.fn.outputs else None
        if note is not None:
            note(f"{head}{'' if result is None else f' = {result!r}'} (gas {receipt.gas_used:,})")
        if trace is not None:
            trace.append(f"{head} [{receipt.gas_used:,}] -> {'()' if result is None else repr(result)}")
        return receipt

    def _describe(self, args: tuple, sender: Actor | str, value: int) -> str:
        labels = self.contract.chain.labels

        def show(v: Any) -> str:
            address = plain(v)
            if isinstance(address, str) and address.lower() in labels:
                return labels[address.lower()]
            return repr(v)

        who = show(sender)
        paid = f" {{value: {value}}}" if value else ""
        return f"{who} -> {self.contract.abi.name}.{self.fn.name}({', '.join(show(a) for a in args)}){paid}"


def _address(value: str | Actor | Contract) -> str:
    return value if isinstance(value, str) else value.address


def _describe(target: str, data: bytes) -> str:
    return f"call to {target} (selector 0x{data[:4].hex()})"
