"""Runs a deployment plan against the connected chain: preflight checks before any transaction, then each step once
(signed, recorded as pending, broadcast, recorded as done), or a dry run that sends nothing.

Dry runs: where the provider can snapshot (local chains, forks) the whole plan runs inside a snapshot that is then
restored, so every step's gas is exact; on live networks each step is estimated with eth_estimateGas where its inputs
exist, and steps that need contracts not deployed yet are counted at a stated allowance.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_utils import keccak, to_checksum_address, to_hex

from strikeforge.deploy import artifacts
from strikeforge.deploy.config import AddressRef, ConfigError, DeployConfig
from strikeforge.deploy.manifest import Manifest
from strikeforge.deploy.plan import Call, Deploy, Step
from strikeforge.transactions import broadcast, sign
from strikeforge.units import format_units

# Allowances for steps a live dry run cannot estimate (their inputs are not deployed yet): above every measured step.
DEPLOY_ALLOWANCE = 6_000_000
CALL_ALLOWANCE = 150_000
FUNDS_MARGIN_PERCENT = 130

# Addresses the config may give instead of a deployment: the ABI each is called through, and its config field.
CONFIGURED = {
    "Underlying": ("MockERC20", "assets.underlying.address"),
    "StrikeAsset": ("MockERC20", "assets.strike_asset.address"),
    "ChainlinkFeed": ("MockChainlinkFeed", "oracle.chainlink.feed"),
    "Safe": ("Safe", "governance.safe.address"),
}


class DeployError(RuntimeError):
    """The deployment cannot go on; the message names what and the fix."""


@dataclass(frozen=True)
class StepResult:
    key: str
    label: str
    status: str  # sent | resumed | skipped | found | simulated | estimated | allowance
    gas: int | None = None
    tx: str | None = None
    address: str | None = None


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        return to_hex(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, bool | int) or value is None:
        return value
    return str(value.address) if hasattr(value, "address") else str(value)


class Run:
    """One deployment run: the config, the manifest, the deployer; resolves keys to addresses and contracts."""

    def __init__(
        self, config: DeployConfig, manifest: Manifest, deployer: Any, root: Path, test_accounts: Any = None
    ) -> None:
        self.config = config
        self.manifest = manifest
        self.deployer = deployer
        self.root = root
        self.test_accounts = test_accounts
        self.contract_of: dict[str, str] = {key: abi for key, (abi, _) in CONFIGURED.items()}
        self._decimals: dict[str, int] = {}
        self._containers: dict[str, Any] = {}

    # -- Context -----------------------------------------------------------------------------------------------

    def configured(self, key: str) -> str | None:
        """An address the config gives instead of a deployment."""
        refs = {
            "Underlying": self.config.underlying.address,
            "StrikeAsset": self.config.strike_asset.address,
            "ChainlinkFeed": self.config.oracle.chainlink.feed,
            "Safe": self.config.governance.safe.address,
        }
        ref = refs.get(key)
        return self.resolve(ref) if ref is not None else None

    def address(self, key: str) -> str:
        found = self.manifest.address(key) or self.configured(key)
        if found is None:
            raise DeployError(f"{key}: not deployed yet")
        return to_checksum_address(found)

    def container(self, name: str) -> Any:
        if name not in self._containers:
            self._containers[name] = artifacts.container(name, self.root)
        return self._containers[name]

    def at(self, key: str) -> Any:
        return self.container(self.contract_of.get(key, key)).at(self.address(key))

    def resolve(self, ref: AddressRef) -> str:
        return to_checksum_address(ref.resolve(self.test_accounts))

    def decimals(self, key: str) -> int:
        if key not in self._decimals:
            self._decimals[key] = int(self.at(key).decimals())
        return self._decimals[key]

    # -- steps -------------------------------------------------------------------------------------------------

    def learn(self, steps: list[Step]) -> None:
        for step in steps:
            if isinstance(step, Deploy):
                self.contract_of[step.key] = step.contract
            elif step.creates:
                self.contract_of[step.creates] = "Safe"

    def is_done(self, step: Step) -> bool:
        if isinstance(step, Deploy):
            return self.manifest.done(step.key) is not None
        if step.creates:
            return self.manifest.done(step.creates) is not None
        try:
            return step.done(self)
        except DeployError:  # its target (or an argument) is not deployed yet
            return False

    def execute(self, step: Step) -> StepResult:
        """Sends the step unless the chain already has it; resumes a step left pending by an interrupted run."""
        if self.is_done(step):
            if isinstance(step, Call) and not step.creates and not self.manifest.done(step.key):
                self.manifest.record(step.key, status="done", tx=None, note="found on chain")
                return StepResult(step.key, step.label, "found")
            return StepResult(step.key, step.label, "skipped")
        pending = self.manifest.pending(step.key)
        if pending is not None:
            receipt = self._resume(step.key, pending)
            if receipt is not None:
                return self._finish(step, receipt, "resumed")
        args = step.args(self)
        txn = self._transaction(step, args)
        raw, tx_hash = sign(self.deployer, txn)
        self.manifest.record(
            step.key,
            status="pending",
            label=step.label,
            tx=tx_hash,
            nonce=int(txn.nonce),
            raw=to_hex(raw),
            **({"contract": step.contract, "args": _jsonable(args)} if isinstance(step, Deploy) else {}),
        )
        return self._finish(step, broadcast(raw, tx_hash), "sent")

    def _transaction(self, step: Step, args: list[Any] | None = None) -> Any:
        """The step's prepared (unsigned) transaction; `args` default to the step's, computed now."""
        args = step.args(self) if args is None else args
        if isinstance(step, Deploy):
            container = self.container(step.contract)
            txn = container.constructor.serialize_transaction(*args, sender=self.deployer)
            return self.deployer.prepare_transaction(txn)
        method = getattr(self.at(step.target), step.method)
        return method.as_transaction(*args, sender=self.deployer)

    def _resume(self, key: str, pending: dict[str, Any]) -> dict[str, Any] | None:
        """The receipt of a step's stored transaction, broadcast again; None when it can never be mined (its nonce
        went to another transaction), so the step is signed anew."""
        from ape import chain

        try:
            return broadcast(bytes.fromhex(pending["raw"].removeprefix("0x")), pending["tx"], timeout=120)
        except Exception as error:
            if chain.provider.get_nonce(self.deployer.address) > int(pending["nonce"]):
                self.manifest.record(key, status="dropped", raw=None)
                return None
            raise DeployError(f"{key}: the stored transaction {pending['tx']} was not mined ({error})") from None

    def _finish(self, step: Step, receipt: dict[str, Any], how: str) -> StepResult:
        from ape import chain

        tx_hash = to_hex(receipt["transactionHash"])
        if int(receipt["status"]) != 1:
            self.manifest.record(step.key, status="failed", raw=None)
            raise DeployError(f"{step.label}: transaction {tx_hash} reverted; nothing after it was sent")
        facts = {"status": "done", "tx": tx_hash, "block": int(receipt["blockNumber"]), "raw": None}
        facts["gas_used"] = int(receipt["gasUsed"])
        address = None
        if isinstance(step, Deploy):
            address = to_checksum_address(receipt["contractAddress"])
            facts |= self._code_facts(step.contract, address)
        elif step.creates and step.created:
            address = step.created(self, chain.get_receipt(tx_hash))
            self.manifest.record(
                step.creates,
                status="done",
                tx=tx_hash,
                block=facts["block"],
                address=address,
                **self._code_facts("SafeProxy", address),
            )
        self.manifest.record(step.key, address=address, **facts)
        if isinstance(step, Call) and not step.creates and not step.done(self):
            raise DeployError(f"{step.label}: mined in {tx_hash} but the chain does not show its effect")
        return StepResult(step.key, step.label, how, facts["gas_used"], tx_hash, address)

    def _code_facts(self, contract: str, address: str) -> dict[str, Any]:
        from ape import chain

        container = self.container(contract)
        code = bytes(chain.provider.get_code(address))
        return {
            "contract": contract,
            "bytecode_hash": to_hex(keccak(code)),
            "initcode_hash": to_hex(keccak(artifacts.creation_code(container))),
            "compiler": compiler_of(container),
        }

    # -- checks ------------------------------------------------------------------------------------------------

    def code_status(self) -> list[tuple[str, str, str, str]]:
        """Per deployed contract (per the manifest): key, address, artifact name, and "same", "different" or
        "missing" for its on-chain code against the current artifact's."""
        from ape import chain

        statuses = []
        for key, address in self.manifest.contracts().items():
            contract = self.manifest.steps[key]["contract"]
            code = bytes(chain.provider.get_code(address))
            if not code:
                status = "missing"
            elif artifacts.code_matches(artifacts.runtime_code(self.container(contract)), code):
                status = "same"
            else:
                status = "different"
            statuses.append((key, address, contract, status))
        return statuses

    def drift(self) -> list[str]:
        """Deployed contracts whose on-chain code is not the current artifact's, each with what is wrong."""
        problems = []
        for key, address, contract, status in self.code_status():
            if status == "missing":
                problems.append(f"{key} at {address}: no code (the manifest is from a chain that was reset)")
            elif status == "different":
                problems.append(f"{key} at {address}: on-chain code differs from the current {contract} artifact")
        return problems


def compiler_versions() -> dict[str, str]:
    """The compiler versions the project pins (ape-config.yaml), e.g. {"solc": "0.8.28", "vyper": "0.4.3"}."""
    from ape import project

    return {"solc": str(project.config.solidity.version), "vyper": str(project.config.vyper.version).lstrip("=~")}


def compiler_of(container: Any) -> str:
    """The compiler that built an artifact, as the project configures it."""
    source = str(container.contract_type.source_id or "")
    if source.endswith(".vy"):
        return f"vyper {compiler_versions()['vyper']}"
    if source.endswith(".sol"):
        return f"solc {compiler_versions()['solc']}"
    return "solc 0.7.6 (@safe-global/safe-contracts 1.4.1 shipped artifact)"


def address_refs(config: DeployConfig) -> list[tuple[str, AddressRef]]:
    """Every address the config names, with its field path."""
    found: list[tuple[str, AddressRef]] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, AddressRef):
            found.append((path, value))
        elif dataclasses.is_dataclass(value):
            for item in dataclasses.fields(value):
                walk(getattr(value, item.name), f"{path}.{item.name}" if path else item.name)
        elif isinstance(value, tuple):
            for i, item in enumerate(value):
                walk(item, f"{path}[{i}]")

    walk(config, "")
    return found


def preflight(run: Run) -> list[str]:
    """Everything that must hold before the first transaction; each problem names the field and the fix."""
    from ape import chain

    problems: list[str] = []
    config = run.config
    if config.chain_id is not None and config.chain_id != chain.chain_id:
        problems.append(
            f"chain_id: the config is for chain {config.chain_id}, the connected chain is {chain.chain_id}; connect"
            f" to {config.network} or use its config"
        )
        return problems
    for path, ref in address_refs(config):
        try:
            run.resolve(ref)
        except ConfigError as error:
            problems.append(f"{path}: {error}")
    if problems:
        return problems
    for key, probe in (
        ("Underlying", "decimals"),
        ("StrikeAsset", "decimals"),
        ("ChainlinkFeed", "decimals"),
        ("Safe", "getThreshold"),
    ):
        problems += _existing(run, key, probe)
    problems += run.drift()
    return problems


def _existing(run: Run, key: str, probe: str) -> list[str]:
    """A configured address (none: nothing to check) must hold a contract that answers `probe`."""
    from ape import chain

    address = run.configured(key)
    if address is None:
        return []
    abi, field = CONFIGURED[key]
    if not bytes(chain.provider.get_code(address)):
        return [f"{field}: {address} has no code on chain {chain.chain_id}; give the contract's address on this chain"]
    try:
        getattr(run.container(abi).at(address), probe)()
    except Exception:
        return [f"{field}: {address} does not answer {probe}(); give the right contract's address"]
    return []


def estimate(run: Run, steps: list[Step]) -> list[StepResult]:
    """Gas of every step not yet done. Snapshot-capable providers run the plan and restore; others estimate."""
    from ape import chain

    try:
        # The provider's snapshot, not the ChainManager's: Ape's test isolation keeps its own snapshots in the manager's
        # list, keyed by id, and on EthereumTester an id is the head block's hash. A manager snapshot taken at the
        # block a test scope snapshotted would, on restore, drop that scope's snapshot from the list, and the scope
        # would then never be reverted (its chain state leaking into every later test).
        snapshot = chain.provider.snapshot()
    except Exception:
        snapshot = None
    if snapshot is not None:
        saved = run.manifest.save
        run.manifest.save = lambda: None  # type: ignore[method-assign]
        steps_before = {k: dict(v) for k, v in run.manifest.steps.items()}
        results = []
        try:
            for step in steps:
                try:
                    result = run.execute(step)
                except Exception as error:
                    if "balance" not in str(error).lower():
                        raise
                    balance = format_units(int(chain.provider.get_balance(run.deployer.address)), 18, 6)
                    raise DeployError(
                        f"deployer: {run.deployer.address} holds {balance} of the native currency; the plan needs more"
                        f" (the simulation ran out at {step.label!r}); fund it and run again"
                    ) from None
                results.append(dataclasses.replace(result, status="simulated") if result.status == "sent" else result)
        finally:
            chain.provider.restore(snapshot)
            run.manifest.steps = steps_before
            run.manifest.save = saved  # type: ignore[method-assign]
        return results
    results = []
    for step in steps:
        if run.is_done(step):
            results.append(StepResult(step.key, step.label, "skipped"))
            continue
        try:
            txn = run._transaction(step)
            results.append(StepResult(step.key, step.label, "estimated", int(txn.gas_limit)))
        except Exception:
            allowance = DEPLOY_ALLOWANCE if isinstance(step, Deploy) else CALL_ALLOWANCE
            results.append(StepResult(step.key, step.label, "allowance", allowance))
    return results


def check_funds(run: Run, planned: list[StepResult]) -> str | None:
    """None when the deployer can pay for the plan (with a margin), else the problem and the fix."""
    from ape import chain

    gas = sum(r.gas or 0 for r in planned if r.status not in {"skipped", "found"})
    if gas == 0:
        return None
    price = int(chain.provider.gas_price)
    needed = gas * price * FUNDS_MARGIN_PERCENT // 100
    balance = int(chain.provider.get_balance(run.deployer.address))
    if balance < needed:
        return (
            f"deployer: {run.deployer.address} holds {format_units(balance, 18, 6)} of the native currency; the plan"
            f" needs about {format_units(needed, 18, 6)} ({gas:,} gas at {format_units(price, 9)} gwei, +30%); fund it"
            " and run again"
        )
    return None
