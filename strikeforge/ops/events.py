"""Chain events as plain records: fetch raw logs for a set of addresses (or any address) and decode them with the
project's event ABIs (Ape's ecosystem decoder), normalized to JSON-safe values.

The index, the statements, reconciliation and the sentinel all read events through here, so a log means the same
thing everywhere: `Event(block, log_index, tx, block_hash, contract, name, args)` with lowercase addresses, 0x hex
bytes and Python integers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from eth_utils import keccak

# The contracts whose events operations read; their ABIs come from the compiled project.
PROTOCOL = (
    "ThetaVault",
    "OptionsEngine",
    "OptionToken",
    "BatchAuction",
    "SettlementLedger",
    "SignedPriceOracle",
    "OracleRouter",
    "StrikeforgeTimelock",
    "MockERC20",  # ERC-20 Transfer/Approval, the same ABI as any asset's
)
# ERC-1967 proxy events (no contract of ours is a proxy; the sentinel watches every address for them).
PROXY_EVENTS = (
    ("Upgraded", [("implementation", "address", True)]),
    ("AdminChanged", [("previousAdmin", "address", False), ("newAdmin", "address", False)]),
    ("BeaconUpgraded", [("beacon", "address", True)]),
)


@dataclass(frozen=True)
class Event:
    block: int
    log_index: int
    tx: str
    block_hash: str
    contract: str
    name: str
    args: dict[str, Any]

    @property
    def key(self) -> tuple[int, int]:
        return self.block, self.log_index


def _event_abi(name: str, inputs: list[tuple[str, str, bool]]) -> Any:
    from ethpm_types.abi import EventABI

    fields = [{"name": n, "type": t, "indexed": i} for n, t, i in inputs]
    return EventABI.model_validate({"type": "event", "name": name, "inputs": fields, "anonymous": False})


@cache
def protocol_abis() -> tuple[Any, ...]:
    """Every event ABI of the protocol's contracts and of ERC-1967 proxies, one per selector."""
    from ape import project

    found: dict[str, Any] = {}
    for name in PROTOCOL:
        for abi in getattr(project, name).contract_type.events:
            found.setdefault(abi.selector, abi)
    for name, inputs in PROXY_EVENTS:
        abi = _event_abi(name, inputs)
        found.setdefault(abi.selector, abi)
    return tuple(found.values())


def topic(abi: Any) -> str:
    return "0x" + keccak(text=abi.selector).hex()


def normalize(value: Any) -> Any:
    """JSON-safe: addresses lowercase, bytes 0x hex, sequences lists, integers kept."""
    if isinstance(value, bool | int):
        return value
    if isinstance(value, str):
        return value.lower() if value.startswith("0x") and len(value) == 42 else value
    if isinstance(value, bytes | bytearray):
        return "0x" + bytes(value).hex()
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    if isinstance(value, Iterable):
        return [normalize(v) for v in value]
    return str(value)


def as_hex(value: Any) -> str:
    """A hash as 0x hex, whether the client gave it as bytes or as a string."""
    return value if isinstance(value, str) else "0x" + bytes(value).hex()


def fetch(start: int, stop: int, addresses: Sequence[str] | None, topics: Sequence[str] | None = None) -> list[Event]:
    """Decoded events in blocks [start, stop] emitted by `addresses` (None: any address), optionally only those whose
    first topic is in `topics`; in chain order. Logs no protocol ABI describes are skipped."""
    from ape import chain

    if stop < start or (addresses is not None and not addresses):
        return []
    query: dict[str, Any] = {"fromBlock": start, "toBlock": stop}
    if addresses is not None:
        query["address"] = [chain.provider.web3.to_checksum_address(a) for a in addresses]
    if topics is not None:
        query["topics"] = [list(topics)]
    raw = [dict(log) for log in chain.provider.web3.eth.get_logs(query)]  # type: ignore[arg-type]
    decoded = chain.provider.network.ecosystem.decode_logs(raw, *protocol_abis())
    events = [
        Event(
            int(log.block_number),
            int(log.log_index),
            as_hex(log.transaction_hash),
            as_hex(log.block_hash),
            str(log.contract_address).lower(),
            log.event_name,
            normalize(dict(log.event_arguments)),
        )
        for log in decoded
    ]
    return sorted(events, key=lambda e: e.key)
