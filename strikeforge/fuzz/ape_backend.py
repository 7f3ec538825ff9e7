"""The engine's chain surface on Ape's connected provider (EthereumTester or anvil): for replay and differentials.

:class:`ApeChain` offers what :class:`~strikeforge.fuzz.chain.RevmChain` offers (actors, deploy with arguments, value
and libraries, raw transactions and calls, decoded reverts and events, gas used, snapshots, time), so a
:class:`~strikeforge.fuzz.machine.ChainMachine` or a recorded call sequence runs unchanged on the real stack.

How it maps: actors are Ape's test accounts, in order (their addresses are what RevmChain should use for identical
calldata, see :func:`ape_addresses`). A transaction is first simulated with ``eth_call``: if that reverts, the revert
data is decoded and nothing is sent (as on revm, where a reverted call changes no contract state); otherwise it is
sent through the Ape account and the receipt supplies gas used and the raw logs, the simulation the return data.
Gas is paid in ether on Ape's providers (base fee > 0), so actors' ether balances differ from revm's by the fees.
"""

from __future__ import annotations

import ast
import contextlib
import re
from collections.abc import Callable
from typing import Any

from ape.exceptions import APINotImplementedError
from eth_abi import encode
from ethpm_types import ContractType

from strikeforge.fuzz.abi import ERROR_STRING, ContractABI, DecodedError, DecodedEvent, plain
from strikeforge.fuzz.chain import (
    DEFAULT_BALANCE,
    Actor,
    Contract,
    Receipt,
    creation_code,
    decode_error,
    decode_events,
)
from strikeforge.fuzz.errors import RevertError
from strikeforge.fuzz.views import view_sequentially

_BYTES_LITERAL = re.compile(r"execution reverted: (b'.*'|b\".*\")", re.DOTALL)
_REASON = re.compile(r"execution reverted: (?!b['\"])(.+)$", re.DOTALL)


def ape_addresses(count: int) -> list[str]:
    """Addresses of Ape's first ``count`` test accounts (for RevmChain actors that match an ApeChain)."""
    from ape import accounts

    return [a.address for a in accounts.test_accounts[:count]]


def revert_data(exc: BaseException) -> bytes | None:
    """The raw revert data a web3 call failure carries, or None when it was not a revert."""
    data = getattr(exc, "data", None)
    if isinstance(data, str) and data.startswith("0x"):
        return bytes.fromhex(data[2:])
    if isinstance(data, (bytes, bytearray)):
        return bytes(data)
    text = " ".join(str(a) for a in getattr(exc, "args", ()))
    match = _BYTES_LITERAL.search(text)
    if match:  # eth-tester: custom-error data as a Python bytes literal in the message
        return ast.literal_eval(match.group(1))
    reason = _REASON.search(text)
    if reason:  # eth-tester: an Error(string) revert arrives decoded; encode it back exactly
        return ERROR_STRING + encode(["string"], [reason.group(1)])
    if "revert" in text.lower():
        return b""
    return None


class ApeSnapshot:
    """A point to return to on Ape's chain (re-taken after every restore, as Ape's snapshots are single-use)."""

    def __init__(self, snapshot_id: Any, deployed: dict[str, ContractABI]) -> None:
        self.snapshot_id = snapshot_id
        self.deployed = deployed


class ApeChain:
    """RevmChain's surface over the connected Ape provider."""

    def __init__(self) -> None:
        from ape import accounts, chain, networks

        self._chain = chain
        self.provider = networks.provider
        self._ecosystem = self.provider.network.ecosystem
        self._free = list(accounts.test_accounts)
        self._accounts: dict[str, Any] = {}
        self.chain_id = chain.chain_id
        self.deployed: dict[str, ContractABI] = {}
        self.labels: dict[str, str] = {}
        self.on_transaction: Callable[[str], None] | None = None
        self.trace: list[str] | None = None  # Foundry-style lines, as RevmChain.trace
        self.calls = 0
        self.commits = 0  # successful transactions and deployments (as RevmChain counts them)
        self.outputs: list | None = None  # every transaction's return data, when a list (as RevmChain records it)
        self.last_receipt: Receipt | None = None

    # -- accounts ----------------------------------------------------------------------------------------------
    def actor(self, label: str, balance: int = DEFAULT_BALANCE, address: str | None = None) -> Actor:
        """The next free test account (or the one at ``address``), funded with ``balance`` where the provider can."""
        if address is not None:
            matches = [a for a in self._free if a.address.lower() == address.lower()]
            if not matches:
                raise ValueError(f"{address} is not a free Ape test account")
            account = matches[0]
        elif self._free:
            account = self._free[0]
        else:
            raise ValueError("no free Ape test accounts left: raise test.number_of_accounts in ape-config.yaml")
        self._free.remove(account)
        # EthereumTester cannot set balances: there its test accounts keep their pre-funded 10,000 ether.
        with contextlib.suppress(APINotImplementedError):
            self.provider.set_balance(account.address, balance)
        self._accounts[account.address.lower()] = account
        return Actor(label, account.address)

    def nonce(self, address: str | Actor) -> int:
        """An account's transaction count (to give a mirroring RevmChain actor the same one)."""
        return self.provider.get_nonce(plain(address))

    def balance(self, address: str | Actor | Contract) -> int:
        return self.provider.get_balance(plain(address))

    def storage(self, address: str | Contract, slot: int) -> int:
        return int.from_bytes(self.provider.get_storage(plain(address), slot), "big")

    def code(self, address: str | Contract) -> bytes:
        return bytes(self.provider.get_code(plain(address)))

    # -- time and snapshots ------------------------------------------------------------------------------------
    @property
    def timestamp(self) -> int:
        return self._chain.pending_timestamp

    def warp(self, seconds: int) -> None:
        """Move the next block's timestamp forward by ``seconds``."""
        if seconds < 0:
            raise ValueError(f"warp: seconds must be >= 0 (got {seconds}); time never moves back")
        self._chain.pending_timestamp += seconds

    def snapshot(self) -> ApeSnapshot:
        return ApeSnapshot(self._chain.snapshot(), dict(self.deployed))

    def revert(self, snap: ApeSnapshot) -> None:
        self._chain.restore(snap.snapshot_id)
        snap.snapshot_id = self._chain.snapshot()
        self.deployed = dict(snap.deployed)

    # -- deployment and calls ----------------------------------------------------------------------------------
    def _account(self, sender: Actor | str) -> Any:
        address = plain(sender)
        try:
            return self._accounts[address.lower()]
        except KeyError:
            raise ValueError(f"{address} is not an actor of this chain: create it with chain.actor(...)") from None

    def deploy(
        self,
        contract_type: ContractType,
        *args: Any,
        sender: Actor | str,
        value: int = 0,
        libraries: dict[str, str] | None = None,
    ) -> Contract:
        """Deploy through the sender's Ape account; returns a callable :class:`Contract`."""
        abi, code = creation_code(contract_type, args, libraries)
        account = self._account(sender)
        txn = self._ecosystem.create_transaction(data=code, value=value, sender=account.address)
        receipt = account.call(txn)
        self.calls += 1
        self.commits += 1
        address = receipt.contract_address
        self.deployed[address.lower()] = abi
        self.last_receipt = Receipt(b"", receipt.gas_used)
        return Contract(self, address, abi)  # type: ignore[arg-type]

    def _simulate(self, sender: str, to: str, data: bytes, value: int) -> bytes:
        tx = {"from": sender, "to": to, "data": "0x" + data.hex(), "value": value}
        try:
            return bytes(self.provider.web3.eth.call(tx))
        except Exception as exc:
            raw = revert_data(exc)
            if raw is None:
                raise
            abi = self.deployed.get(to.lower())
            raise RevertError(self.decode_error(raw, abi), 0, f"call to {to} (selector 0x{data[:4].hex()})") from None

    def transact(
        self, sender: Actor | str, to: str | Contract, data: bytes, value: int = 0, *, abi: ContractABI | None = None
    ) -> Receipt:
        account = self._account(sender)
        target = plain(to)
        self.calls += 1
        output = self._simulate(account.address, target, data, value)
        txn = self._ecosystem.create_transaction(receiver=target, data=data, value=value, sender=account.address)
        receipt = account.call(txn)
        logs = [(log["address"], [bytes(t) for t in log["topics"]], bytes(log["data"])) for log in (receipt.logs or [])]
        self.commits += 1
        if self.outputs is not None:
            self.outputs.append(output)
        result = Receipt(output, receipt.gas_used, logs)
        self.last_receipt = result
        return result

    def call(self, to: str | Contract, data: bytes, sender: Actor | str | None = None) -> bytes:
        """A read-only call; from the first actor by default (eth-tester refuses calls from an unfunded sender)."""
        self.calls += 1
        if sender is None or plain(sender) == "0x" + "00" * 20:
            sender = next(iter(self._accounts.values())).address
        return self._simulate(plain(sender), plain(to), data, 0)

    def view_many(self, calls: tuple | list) -> list[Any]:
        """RevmChain.view_many's results, one call at a time."""
        return view_sequentially(calls)

    def events(self, receipt: Receipt | None = None) -> list[DecodedEvent]:
        """The decoded events of a receipt (default: the last one)."""
        return decode_events(self.deployed, receipt or self.last_receipt)

    def decode_error(self, data: bytes, abi: ContractABI | None = None) -> DecodedError:
        """Revert data decoded against ``abi``, then every deployed contract."""
        return decode_error(self.deployed, data, abi)
