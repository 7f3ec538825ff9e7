"""The campaign's world on one :class:`RevmChain`: actors, hostile contracts, mocks and the deployed targets.

Parties, by kind:
- ``eoa``: the honest actors (alice, bob, carol): they act, P1 tracks their balances, P2 retries their calls;
- ``trusted``: the deployer: it acts (privileged functions get called) and P2 retries its calls, P1 ignores it;
- ``rejecter``/``reenterer``/``gasburner``: the hostile contracts (actors/HostileActors.sol); they act through
  ``act`` sent by the ``operator`` EOA, and P1 tracks them;
- ``twin``: one plain EOA per hostile contract, set up the same way (ETH, tokens, approvals, ``@each`` calls) but never
  acting in a campaign: P2's counterfactual replays the hostile contract's calls from it;
- ``passive``: any other ``@name`` of the recipe (a treasury): it never acts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_abi.grammar import BasicType, TupleType, parse
from ethpm_types import ContractType

from strikeforge.audit.abifuzz.recipe import HOSTILE_KINDS, Deployment, Recipe, RecipeError
from strikeforge.fuzz.abi import ContractABI, Function
from strikeforge.fuzz.chain import Contract, RevmChain, Snapshot
from strikeforge.fuzz.errors import TransactionError

GAS_CEILING = 250_000_000  # a transaction's gas here: high enough to measure work beyond a block (P3)
DEPLOYER_ETH = 10**27
ACTING = ("eoa", "trusted", *HOSTILE_KINDS)
MAX_UINT = 2**256 - 1
FALLBACK_UINTS = (1, 3_600, 10**18, 0)
FALLBACK_ADDRESSES = ("token-first", "deployer", "token")


@dataclass(frozen=True)
class Party:
    label: str
    address: str
    kind: str

    @property
    def hostile(self) -> bool:
        return self.kind in HOSTILE_KINDS


@dataclass
class World:
    """Everything a campaign needs to act and to check properties; ``base`` is the snapshot episodes start from."""

    chain: RevmChain
    parties: dict[str, Party]
    deployments: dict[str, Contract]
    targets: list[str]
    tokens: dict[str, Contract]
    twins: dict[str, str]  # hostile label -> twin label
    operator: str
    actor_abi: ContractABI
    reenter_abi: ContractABI
    payouts: frozenset[str]
    receivers: set[str] = field(default_factory=set)  # targets with a receive function or a payable fallback
    sources: dict[str, Path] = field(default_factory=dict)  # contract type name -> source file
    skipped: dict[str, str] = field(default_factory=dict)  # deployment -> why it is not deployed
    base: Snapshot | None = None

    def of_kind(self, *kinds: str) -> list[Party]:
        return [p for p in self.parties.values() if p.kind in kinds]

    @property
    def acting(self) -> list[Party]:
        return self.of_kind(*ACTING)

    @property
    def tracked(self) -> list[Party]:
        """Whose balances P1 checks: the honest EOAs and the hostile contracts."""
        return self.of_kind("eoa", *HOSTILE_KINDS)

    @property
    def honest(self) -> list[Party]:
        """Whose calls P2 retries: the EOAs and the trusted deployer."""
        return self.of_kind("eoa", "trusted")

    def label_of(self, address: str) -> str | None:
        lower = address.lower()
        for party in self.parties.values():
            if party.address.lower() == lower:
                return party.label
        for name, contract in self.deployments.items():
            if contract.address.lower() == lower:
                return name
        return None

    def target_functions(self) -> list[tuple[str, Function]]:
        """(target, function) for every state-changing function of every target; ``receive()`` when payable."""
        out: list[tuple[str, Function]] = []
        for name in self.targets:
            abi = self.deployments[name].abi
            seen = set()
            for fn in abi.functions.values():
                if fn.read_only or fn.signature in seen:
                    continue
                seen.add(fn.signature)
                out.append((name, fn))
            if name in self.receivers:
                out.append((name, RECEIVE))
        return out

    def send(self, sender: str, to: str, data: bytes, value: int = 0) -> Any:
        """One transaction from a party (hostile contracts send through ``act``); raises TransactionError."""
        party = self.parties[sender]
        if party.hostile:
            act = self.actor_abi.function("act")
            return self.chain.transact(self.operator, party.address, act.encode((to, data, value)))
        return self.chain.transact(party.address, to, data, value)


RECEIVE = Function(
    name="receive", signature="receive()", selector=b"", inputs=(), outputs=(), read_only=False, payable=True
)


def accepts_ether(contract_type: ContractType) -> bool:
    """True when the contract has a receive function or a payable fallback."""
    return any(
        getattr(item, "type", "") == "receive"
        or (getattr(item, "type", "") == "fallback" and getattr(item, "stateMutability", "") == "payable")
        for item in contract_type.abi
    )


class Builder:
    """Builds a :class:`World` from a recipe."""

    def __init__(
        self,
        types: dict[str, ContractType],
        recipe: Recipe,
        hostile_types: dict[str, ContractType],
        mock_type: ContractType,
        sources: dict[str, Path] | None = None,
    ) -> None:
        self.types = types
        self.recipe = recipe
        self.hostile_types = hostile_types
        self.mock_type = mock_type
        self.chain = RevmChain(gas_limit=GAS_CEILING)
        self.parties: dict[str, Party] = {}
        self.deployments: dict[str, Contract] = {}
        self.skipped: dict[str, str] = {}
        self.receivers: set[str] = set()
        self.sources = sources or {}
        self.act = ContractABI.from_contract_type(hostile_types["RejectingActor"]).function("act")

    # -- parties -------------------------------------------------------------------------------------------------
    def _eoa(self, label: str, kind: str, balance: int) -> Party:
        actor = self.chain.actor(label, balance=balance)
        party = Party(label, actor.address, kind)
        self.parties[label] = party
        self.chain.labels[actor.address.lower()] = label
        return party

    def _parties(self) -> str:
        recipe = self.recipe
        self._eoa("deployer", "trusted", max(DEPLOYER_ETH, recipe.eth))
        for label in recipe.trusted:
            if label != "deployer":
                self._eoa(label, "trusted", recipe.eth)
        operator = self._eoa("operator", "operator", 0).address
        for label in recipe.actors:
            self._eoa(label, "eoa", recipe.eth)
        for label in recipe.hostile:
            contract = self.chain.deploy(self.hostile_types[HOSTILE_KINDS[label]], sender=operator)
            self.chain.set_balance(contract.address, recipe.eth)
            self.parties[label] = Party(label, contract.address, label)
            self.chain.labels[contract.address.lower()] = label
            self._eoa(f"{label}-eoa", "twin", recipe.eth)
        return operator

    # -- references ----------------------------------------------------------------------------------------------
    def resolve(self, value: Any, each: Party | None = None) -> Any:
        """Replace ``@`` references inside ``value`` (see :mod:`recipe`)."""
        if isinstance(value, tuple):
            return tuple(self.resolve(v, each) for v in value)
        if not isinstance(value, str) or not value.startswith("@"):
            return value
        ref = value[1:]
        if ref == "each":
            if each is None:
                raise RecipeError("@each is only allowed in setup calls")
            return each.address
        if ref.endswith("()") and "." in ref:
            name, _, function = ref[:-2].partition(".")
            if name not in self.deployments:
                raise _MissingError(name)
            return getattr(self.deployments[name], function)()
        if ref in self.deployments:
            return self.deployments[ref].address
        if ref in self.parties:
            return self.parties[ref].address
        if any(d.name == ref for d in self.recipe.deploy):
            raise _MissingError(ref)
        return self._eoa(ref, "passive", 0).address

    # -- deployments ---------------------------------------------------------------------------------------------
    def _deploy(self, entry: Deployment) -> None:
        contract_type = self.mock_type if entry.mock else self.types.get(entry.contract)
        if contract_type is None:
            self.skipped[entry.name] = f"{entry.contract} is not among the compiled contracts"
            return
        if not contract_type.deployment_bytecode or contract_type.deployment_bytecode.bytecode in (None, "", "0x"):
            self.skipped[entry.name] = "no deployment bytecode (an interface or abstract contract)"
            return
        sender = self.resolve(entry.sender)
        try:
            libraries = {k: self.resolve(v) for k, v in entry.libraries.items()}
        except _MissingError as exc:
            self.skipped[entry.name] = f"needs {exc.name}, which did not deploy"
            return
        needed = [ref.name for ref in contract_type.deployment_bytecode.link_references or []]
        unlinked = [n for n in needed if n not in libraries and n.rpartition(":")[2] not in libraries]
        if unlinked:
            self.skipped[entry.name] = f"needs linked libraries {', '.join(unlinked)} (give them in a recipe)"
            return
        if entry.args is not None:
            try:
                args = self.resolve(entry.args)
            except _MissingError as exc:
                self.skipped[entry.name] = f"needs {exc.name}, which did not deploy"
                return
            attempts = [args]
        else:
            attempts = self._fallback_arguments(contract_type)
        error = ""
        for args in attempts:
            try:
                contract = self.chain.deploy(
                    contract_type, *args, sender=sender, value=entry.value, libraries=libraries or None
                )
            except (TransactionError, TypeError, ValueError, OverflowError) as exc:
                error = str(exc)[:300]
                continue
            if accepts_ether(contract_type):
                self.receivers.add(entry.name)
            self.deployments[entry.name] = contract
            self.chain.labels[contract.address.lower()] = entry.name
            return
        how = "with the recipe's arguments" if entry.args is not None else f"with {len(attempts)} fallback fillings"
        self.skipped[entry.name] = f"constructor failed {how}: {error}"

    def _fallback_arguments(self, contract_type: ContractType) -> list[tuple]:
        """Constructor arguments to try: addresses from the deployer and the first mock token, small uints."""
        inputs = ContractABI.from_contract_type(contract_type).constructor_inputs
        if not inputs:
            return [()]
        token = next((c.address for n, c in self.deployments.items() if self._is_mock(n)), None)
        deployer = self.parties["deployer"].address
        attempts = []
        for uint in FALLBACK_UINTS:
            for strategy in FALLBACK_ADDRESSES:
                if token is None and strategy != "deployer":
                    continue
                counter = [0]

                def address(strategy: str = strategy, counter: list[int] = counter) -> str:
                    counter[0] += 1
                    first = counter[0] == 1
                    use_token = strategy == "token" or (strategy == "token-first" and first)
                    return token if use_token and token else deployer

                try:
                    attempts.append(tuple(_fill(kind, uint, address) for kind in inputs))
                except ValueError:
                    return []
        return list(dict.fromkeys(attempts))

    def _is_mock(self, name: str) -> bool:
        return any(d.name == name and d.mock for d in self.recipe.deploy)

    # -- setup ---------------------------------------------------------------------------------------------------
    def _setup(self) -> None:
        acting = [p for p in self.parties.values() if p.kind in (*ACTING, "twin")]
        for call in self.recipe.setup:
            if call.deployment not in self.deployments:
                continue
            contract = self.deployments[call.deployment]
            fn = contract.abi.function(call.function)
            repeats = acting if "@each" in _flatten(call.args) or call.sender == "@each" else [None]
            for each in repeats:
                args = self.resolve(call.args, each)
                sender = each.label if call.sender == "@each" and each else self.label(self.resolve(call.sender))
                try:
                    self._send(sender, contract.address, fn.encode(args), call.value)
                except TransactionError as exc:
                    raise RecipeError(
                        f"setup call {call.deployment}.{call.function} from {sender} failed: {exc}"
                    ) from exc

    def label(self, address: str) -> str:
        for party in self.parties.values():
            if party.address.lower() == address.lower():
                return party.label
        raise RecipeError(f"setup sender {address} is not an actor")

    def _send(self, sender: str, to: str, data: bytes, value: int) -> None:
        party = self.parties[sender]
        if party.hostile:
            self.chain.transact(self.parties["operator"].address, party.address, self.act.encode((to, data, value)))
        else:
            self.chain.transact(party.address, to, data, value)

    def _fund(self, targets: list[str]) -> None:
        holders = [p for p in self.parties.values() if p.kind in (*ACTING, "twin")]
        for name, amount in self.recipe.tokens.items():
            token = self.deployments.get(name)
            if token is None:
                continue
            mint, approve = token.abi.function("mint"), token.abi.function("approve")
            for party in holders:
                self._send("deployer", token.address, mint.encode((party.address, amount)), 0)
                for target in targets:
                    spender = self.deployments[target].address
                    self._send(party.label, token.address, approve.encode((spender, MAX_UINT)), 0)

    def build(self) -> World:
        operator = self._parties()
        for entry in self.recipe.deploy:
            self._deploy(entry)
        targets = [t for t in self.recipe.target_names if t in self.deployments]
        self._fund(targets)
        self._setup()
        return World(
            chain=self.chain,
            parties=self.parties,
            deployments=self.deployments,
            targets=targets,
            tokens={n: c for n, c in self.deployments.items() if self._is_mock(n)},
            twins={label: f"{label}-eoa" for label in self.recipe.hostile},
            operator=operator,
            actor_abi=ContractABI.from_contract_type(self.hostile_types["RejectingActor"]),
            reenter_abi=ContractABI.from_contract_type(self.hostile_types["ReenteringActor"]),
            payouts=self.recipe.payouts,
            receivers=self.receivers,
            sources=self.sources,
            skipped=self.skipped,
        )


class _MissingError(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _flatten(value: Any) -> list[Any]:
    if isinstance(value, tuple):
        return [x for v in value for x in _flatten(v)]
    return [value]


def _fill(kind: str, uint: int, address: Callable[[], str]) -> Any:
    """A constructor argument of ABI type ``kind`` for the fallback."""
    parsed = parse(kind)
    if parsed.is_array:
        dims = parsed.arrlist[-1]
        if not dims:
            return ()
        return tuple(_fill(parsed.item_type.to_type_str(), uint, address) for _ in range(dims[0]))
    if isinstance(parsed, TupleType):
        return tuple(_fill(c.to_type_str(), uint, address) for c in parsed.components)
    assert isinstance(parsed, BasicType)
    base, sub = parsed.base, parsed.sub
    if base == "address":
        return address()
    if base == "uint":
        return min(uint, (1 << sub) - 1)
    if base == "int":
        return 1
    if base == "bool":
        return True
    if base == "bytes":
        return b"" if sub is None else (1).to_bytes(sub, "big")
    if base == "string":
        return "Fuzz"
    raise ValueError(f"cannot fill constructor argument of type {kind}")
