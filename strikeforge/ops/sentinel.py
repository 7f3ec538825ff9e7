"""The protocol sentinel: watches the chain for what an intruder or a mistake looks like, and turns each sighting into
a metric and a structured alert naming the transaction that caused it.

What it watches (`RULES`, one entry per concern; all addresses of the deployment manifest, plus any proxy anywhere):

| kind | events | severity |
| --- | --- | --- |
| role | RoleGranted, RoleRevoked, RoleAdminChanged, RoleMinterChanged | critical |
| ownership | OwnershipTransferred | critical |
| timelock | CallScheduled (warning), CallExecuted, Cancelled, MinDelayChange | critical |
| pause | Paused (the vault's), OpenZeppelin Paused / Unpaused | critical |
| upgrade | ERC-1967 Upgraded, AdminChanged, BeaconUpgraded on any address | critical |
| oracle-signers | SignersChanged | critical |
| config | RouteSet, DisputerSet, ParametersSet | warning |
| price-dispute | ExpiryPriceDisputed | warning |
| batch-reverted | BatchReverted (a challenge succeeded) | warning |
| price-move | a signed round moving more than the router's max deviation for the pair from the last round | critical |
| outflow | transfers out of the vault, the engine or the ledger summing, within `window` seconds, above | critical |
|   | `share_bps` of what the holder had at the window's start | |

Progress (next block, last price per oracle, recent outflows) lives in one JSON file written atomically; a restart
resumes where it stopped and alerts on nothing twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from strikeforge.ops.events import PROXY_EVENTS, Event, fetch, protocol_abis, topic
from strikeforge.paths import write_atomically

log = logging.getLogger("strikeforge.sentinel")


def _at_block(
    read: Callable[[int | None], Any],
    block: int,
    latest: bool = True,
    pruned: Callable[[int, str], None] | None = None,
) -> Any:
    """`read(block)`; when the node no longer holds that block's state (a pruned chain, a non-archive node), the
    latest state's answer if `latest`, else None, and `pruned(block, what was done)` is told (by default a warning),
    so a sentinel catching up after a restart goes on instead of failing every tick."""
    from strikeforge.ops.statement import state_unavailable

    try:
        return read(block)
    except Exception as exc:
        if not state_unavailable(exc):
            raise
        (pruned or _warn_pruned)(block, "read at the latest block" if latest else "skipped")
        return read(None) if latest else None


def _warn_pruned(block: int, done: str) -> None:
    log.warning("block %s's state is pruned on this node; %s", block, done)


BPS = 10_000

RULES: dict[str, tuple[str, str]] = {  # event name -> (kind, severity)
    "RoleGranted": ("role", "critical"),
    "RoleRevoked": ("role", "critical"),
    "RoleAdminChanged": ("role", "critical"),
    "RoleMinterChanged": ("role", "critical"),
    "OwnershipTransferred": ("ownership", "critical"),
    "CallScheduled": ("timelock", "warning"),
    "CallExecuted": ("timelock", "critical"),
    "Cancelled": ("timelock", "critical"),
    "MinDelayChange": ("timelock", "critical"),
    "Paused": ("pause", "critical"),
    "Unpaused": ("pause", "critical"),
    "Upgraded": ("upgrade", "critical"),
    "AdminChanged": ("upgrade", "critical"),
    "BeaconUpgraded": ("upgrade", "critical"),
    "SignersChanged": ("oracle-signers", "critical"),
    "RouteSet": ("config", "warning"),
    "DisputerSet": ("config", "warning"),
    "ParametersSet": ("config", "warning"),
    "ExpiryPriceDisputed": ("price-dispute", "warning"),
    "BatchReverted": ("batch-reverted", "warning"),
}
KINDS = sorted({k for k, _ in RULES.values()} | {"price-move", "outflow"})
OUTFLOW_HOLDERS = ("ThetaVault", "OptionsEngine", "SettlementLedger")


@dataclass(frozen=True)
class Alert:
    kind: str
    severity: str
    contract: str  # the emitting (or, for outflows, the holding) contract
    source: str  # its artifact name, or "proxy" for an address outside the deployment
    event: str
    tx: str
    block: int
    detail: dict[str, Any]
    message: str

    def to_json(self) -> str:
        return json.dumps({"alert": "strikeforge-sentinel", **asdict(self)}, sort_keys=True)


@dataclass(frozen=True)
class Limits:
    share_bps: int = 1_000  # outflows above 10% of a holder's balance ...
    window: int = 3_600  # ... within an hour

    def __post_init__(self) -> None:
        if not 0 < self.share_bps <= BPS:
            raise ValueError(f"--outflow-share-bps: {self.share_bps} is not in 1..{BPS}; e.g. 1000 for 10%")
        if self.window <= 0:
            raise ValueError(f"--outflow-window: {self.window} must be > 0 seconds")


@dataclass
class Progress:
    next_block: int
    prices: dict[str, int] = field(default_factory=dict)  # oracle -> last round's price
    outflows: dict[str, list[list[Any]]] = field(default_factory=dict)  # holder:token -> [[ts, amount, tx], ...]
    alerting: dict[str, bool] = field(default_factory=dict)  # holder:token -> above the limit already reported


class Sentinel:
    """One deployment's contracts (address -> artifact name) and the limits; `tick()` scans new blocks."""

    def __init__(
        self,
        contracts: dict[str, str],
        state: Path,
        limits: Limits,
        start_block: int = 0,
        emit: Callable[[Alert], None] | None = None,
    ) -> None:
        self.contracts = {a.lower(): s for a, s in contracts.items()}
        self.state, self.limits, self.emit = state, limits, emit
        self.progress = Progress(start_block)
        if state.exists():
            saved = json.loads(state.read_text())
            self.progress = Progress(
                int(saved["next_block"]), saved.get("prices", {}), saved.get("outflows", {}), saved.get("alerting", {})
            )
        self.alerts: list[Alert] = []
        self._pruned_seen = False  # the pruned-state warning is given once; later ones are debug lines
        self._head = start_block  # the tick's head, and the holders' token transfers it fetched (oldest first)
        self._transfers: list[Event] = []
        self._holdings = self._outflow_pairs()
        proxy_events = {name for name, _ in PROXY_EVENTS}
        self._proxy_topics = [topic(a) for a in protocol_abis() if a.name in proxy_events]
        self._transfer_topic = topic(_transfer_abi())
        self._routers = [a for a, source in self.contracts.items() if source == "OracleRouter"]

    def _outflow_pairs(self) -> dict[str, list[str]]:
        """Token -> the protocol holders whose outflows of it are watched."""
        from ape import project

        pairs: dict[str, list[str]] = {}
        for address, source in self.contracts.items():
            if source == "ThetaVault":
                vault = project.ThetaVault.at(address)
                asset = str(vault.asset()).lower()
                pairs.setdefault(asset, []).append(address)
                pairs[asset].append(str(vault.ENGINE()).lower())
            elif source == "SettlementLedger":
                cash = str(project.SettlementLedger.at(address).CASH()).lower()
                pairs.setdefault(cash, []).append(address)
        return {token: sorted(set(holders)) for token, holders in pairs.items()}

    def _save(self) -> None:
        write_atomically(self.state, json.dumps(asdict(self.progress)))

    # -- the loop ----------------------------------------------------------------------------------------------

    def tick(self) -> list[Alert]:
        from ape import chain

        head = int(chain.blocks.height)
        start = self.progress.next_block
        if head < start:
            return []
        found: list[Alert] = []
        events = fetch(start, head, list(self.contracts))
        proxies = [e for e in fetch(start, head, None, self._proxy_topics) if e.contract not in self.contracts]
        transfers = fetch(start, head, list(self._holdings), [self._transfer_topic]) if self._holdings else []
        unique = {e.key: e for e in events + proxies + transfers}  # an asset in the manifest is fetched twice
        ordered = sorted(unique.values(), key=lambda e: e.key)
        self._head = head
        self._transfers = [e for e in ordered if e.name == "Transfer" and e.contract in self._holdings]
        for event in ordered:
            found += self._check(event)
        self.progress.next_block = head + 1
        self._save()
        for alert in found:
            log.warning("%s", alert.message)
            if self.emit:
                self.emit(alert)
        self.alerts += found
        return found

    def _pruned(self, block: int, done: str) -> None:
        """A read at `block` found its state gone: a warning the first time, then debug lines (not one per read)."""
        if self._pruned_seen:
            log.debug("block %s's state is pruned on this node; %s", block, done)
            return
        self._pruned_seen = True
        log.warning(
            "block %s's state is pruned on this node (and older blocks' likely too); %s. Said once: later reads of"
            " pruned state are logged at debug level",
            block,
            done,
        )

    def _holder_balance(self, token_address: str, holder: str, block: int) -> int:
        """`holder`'s balance of the token at the end of `block`. When that block's state is gone, the balance at the
        tick's head less the transfers into it and plus those out of it after `block`: the tick fetched every Transfer
        of the token from its first block to its head. (The latest state alone would hide a drain refilled later, or
        make an outflow look large when the holder paid out more after it.)"""
        from ape import project

        from strikeforge.ops.statement import state_unavailable

        token = project.MockERC20.at(token_address)  # any ERC-20's balanceOf
        try:
            return int(token.balanceOf(holder, block_id=block))
        except Exception as exc:
            if not state_unavailable(exc):
                raise
        self._pruned(block, f"an outflow's holder balance is block {self._head}'s less the transfers after it")
        balance = int(token.balanceOf(holder, block_id=self._head))
        for later in self._transfers:
            if later.contract == token_address and later.block > block:
                value = int(later.args["value"])
                if later.args["sender"] == holder:
                    balance += value
                if later.args["receiver"] == holder:
                    balance -= value
        return balance

    def _check(self, event: Event) -> list[Alert]:
        source = self.contracts.get(event.contract, "proxy")
        if event.name == "Transfer" and event.contract in self._holdings:
            return self._outflow(event)
        if event.name == "PriceUpdated" and source == "SignedPriceOracle":
            return self._price_move(event)
        rule = RULES.get(event.name)
        if rule is None or (source == "proxy" and rule[0] != "upgrade"):
            return []
        kind, severity = rule
        if kind == "timelock" and event.name == "CallScheduled":
            detail = f"target {event.args.get('target')}, delay {event.args.get('delay')}s"
        else:
            detail = ", ".join(f"{k}={v}" for k, v in event.args.items())
        message = f"{severity.upper()} {kind}: {event.name} on {source} {event.contract} ({detail}) in tx {event.tx}"
        return [self._alert(kind, severity, event, source, event.args, message)]

    def _alert(self, kind: str, severity: str, event: Event, source: str, detail: dict, message: str) -> Alert:
        return Alert(kind, severity, event.contract, source, event.name, event.tx, event.block, detail, message)

    def _price_move(self, event: Event) -> list[Alert]:
        from ape import project

        price = int(event.args["price"])
        oracle = project.SignedPriceOracle.at(event.contract)
        previous = self.progress.prices.get(event.contract)
        if previous is None and event.block > 0:
            # The price before this round; a pruned chain may no longer hold that block's state, and then this first
            # round has nothing to be compared with (later rounds compare with the ones the sentinel saw).
            before = _at_block(
                lambda block: oracle.latest_price(block_id=block), event.block - 1, latest=False, pruned=self._pruned
            )
            previous = int(before) if before is not None else None
            previous = previous or None
        self.progress.prices[event.contract] = price
        if not previous:
            return []
        bound = self._max_deviation(str(oracle.BASE()), str(oracle.QUOTE()), event.block)
        move = abs(price - previous) * BPS // previous
        if bound is None or move <= bound:
            return []
        detail = {"previous": previous, "price": price, "move_bps": move, "max_deviation_bps": bound}
        message = (
            f"CRITICAL price-move: {event.contract} moved {move} bps ({previous} -> {price}), beyond the router's"
            f" {bound} bps for the pair, in tx {event.tx}"
        )
        return [self._alert("price-move", "critical", event, "SignedPriceOracle", detail, message)]

    def _max_deviation(self, base: str, quote: str, block: int) -> int | None:
        from ape import project

        for address in self._routers:
            router = project.OracleRouter.at(address)
            route = _at_block(lambda at, r=router: r.routes(base, quote, block_id=at), block, pruned=self._pruned)
            if int(route.max_deviation_bps):
                return int(route.max_deviation_bps)
        return None

    def _outflow(self, event: Event) -> list[Alert]:
        from ape import chain

        sender = event.args["sender"]
        holders = self._holdings[event.contract]
        if sender not in holders or event.args["receiver"] in holders:
            return []  # not an outflow, or a move between protocol contracts
        key = f"{sender}:{event.contract}"
        now = int(chain.blocks[event.block].timestamp)
        recent = [r for r in self.progress.outflows.get(key, []) if r[0] > now - self.limits.window]
        recent.append([now, int(event.args["value"]), event.tx])
        self.progress.outflows[key] = recent
        total = sum(int(r[1]) for r in recent)
        balance = self._holder_balance(event.contract, sender, event.block)
        before = balance + total  # what the holder had when the window's first outflow left (inflows aside)
        above = total * BPS > self.limits.share_bps * before
        was_above = self.progress.alerting.get(key, False)
        self.progress.alerting[key] = above
        if not above or was_above:
            return []
        source = self.contracts.get(sender, "?")
        detail = {
            "holder": sender,
            "token": event.contract,
            "window_outflow": total,
            "holder_balance_before": before,
            "share_bps": total * BPS // before if before else BPS,
            "limit_bps": self.limits.share_bps,
            "window_seconds": self.limits.window,
            "transactions": [r[2] for r in recent],
        }
        message = (
            f"CRITICAL outflow: {source} {sender} sent {total} of token {event.contract} within"
            f" {self.limits.window}s, {detail['share_bps']} bps of its {before} (limit {self.limits.share_bps} bps);"
            f" last tx {event.tx}"
        )
        return [Alert("outflow", "critical", sender, source, "Transfer", event.tx, event.block, detail, message)]


def _transfer_abi() -> Any:
    return next(a for a in protocol_abis() if a.selector == "Transfer(address,address,uint256)")


def manifest_contracts(manifest: dict[str, Any]) -> tuple[dict[str, str], int]:
    """The manifest's deployed contracts (address -> artifact name) and its first block."""
    steps = [s for s in manifest["steps"].values() if s.get("status") == "done" and s.get("address")]
    contracts = {s["address"]: s["contract"] for s in steps if s.get("contract")}
    first = min((int(s.get("block") or 0) for s in steps), default=0)
    return contracts, first
