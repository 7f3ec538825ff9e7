"""The deployment recipe: what to deploy, with which constructor arguments, and how to set the world up.

A recipe is YAML or JSON (or the same dict in Python)::

    deploy:                       # in order; `name` is how later entries refer to a deployment
      - name: cash
        mock: erc20               # the project's MockERC20 (contracts/mocks): name, symbol, decimals
        args: ["USD Coin", "USDC", 6]
      - name: ledger
        contract: SettlementLedger
        args: ["@cash", 3600, "10**18", 604800, 3600, "@treasury", "@deployer"]
        value: 0                  # wei sent with the constructor (default 0)
        libraries: {}             # library name -> "@deployment" (default none)
    targets: [ledger]             # whose functions the actors call (default: every deployment that is not a mock)
    actors: [alice, bob, carol]   # the honest EOAs (default these three)
    hostile: [rejecter, reenterer, gasburner]   # the hostile contract actors (default all three)
    setup:                        # calls after deployment, in order
      - call: ledger.grantRole
        args: ["@ledger.SEQUENCER_ROLE()", "@each"]
        sender: "@deployer"       # default the deployer; "@each" as sender makes every actor send it
    fund:
      eth: "10**24"               # wei each acting actor starts with (default 10**24)
      tokens: {cash: "10**12"}    # minted to every acting actor and approved (max) to every target (default 10**24)
    payouts: [claim]              # functions whose gains P1 does not count (name or Contract.name)

References are strings starting with ``@``: ``@deployer``; an actor (``@alice``, ``@rejecter``); a deployment
(``@cash``: its address); a zero-argument view of a deployment (``@ledger.SEQUENCER_ROLE()``); ``@each`` (the call is
made once for every acting actor, each time with that actor); any other ``@name`` is a passive EOA created under that
label (``@treasury``: it never acts, and P1 does not track it). Integers may be written ``"10**18"`` or ``"1e18"``.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_ACTORS = ("alice", "bob", "carol")
HOSTILE_KINDS = {"rejecter": "RejectingActor", "reenterer": "ReenteringActor", "gasburner": "GasBurningActor"}
DEFAULT_ETH = 10**24
DEFAULT_TOKENS = 10**24
MOCKS = ("erc20",)
_KEYS = {"deploy", "targets", "actors", "hostile", "setup", "fund", "payouts", "trusted"}
_DEPLOY_KEYS = {"name", "contract", "mock", "args", "value", "libraries", "sender"}
_SETUP_KEYS = {"call", "args", "sender", "value"}
_NUMBER = re.compile(r"^\s*\d[\d_]*(?:\s*(?:\*\*|\*)\s*\d[\d_]*)*\s*$|^\s*\d+(?:\.\d+)?e\d+\s*$", re.IGNORECASE)


class RecipeError(ValueError):
    """A recipe that cannot be used; the message names the entry and the fix."""


@dataclass(frozen=True)
class Deployment:
    name: str
    contract: str = ""  # a compiled contract type's name; empty for a mock
    mock: str = ""  # "erc20"
    args: tuple | None = None  # None: fill the constructor from actors and dictionary values (the fallback)
    value: int = 0
    libraries: dict[str, str] = field(default_factory=dict)
    sender: str = "@deployer"


@dataclass(frozen=True)
class SetupCall:
    deployment: str
    function: str
    args: tuple = ()
    sender: str = "@deployer"
    value: int = 0


@dataclass
class Recipe:
    deploy: list[Deployment]
    targets: list[str] = field(default_factory=list)
    actors: tuple[str, ...] = DEFAULT_ACTORS
    hostile: tuple[str, ...] = tuple(HOSTILE_KINDS)
    trusted: tuple[str, ...] = ("deployer",)
    setup: list[SetupCall] = field(default_factory=list)
    eth: int = DEFAULT_ETH
    tokens: dict[str, int] = field(default_factory=dict)  # mock deployment -> amount each acting actor gets
    payouts: frozenset[str] = frozenset()
    fallback: bool = False  # built by :func:`fallback_recipe`, not written by a person

    @property
    def target_names(self) -> list[str]:
        return self.targets or [d.name for d in self.deploy if not d.mock]


def number(value: Any, where: str) -> int:
    """An integer from YAML: an int, or text like ``10**18``, ``3 * 10**6`` or ``1e18``."""
    if isinstance(value, bool):
        raise RecipeError(f"{where}: {value!r} is a boolean, not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _NUMBER.match(value):
        text = value.strip().lower()
        if "e" in text:
            mantissa, exponent = text.split("e")
            whole, _, fraction = mantissa.partition(".")
            return int(whole + fraction) * 10 ** (int(exponent) - len(fraction))
        return _evaluate(ast.parse(text.replace("_", ""), mode="eval").body)
    raise RecipeError(f"{where}: {value!r} is not an integer (write 1000, '10**18' or '1e18')")


def _evaluate(node: ast.expr) -> int:
    if isinstance(node, ast.Constant) and isinstance(node.value, int):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Pow)):
        left, right = _evaluate(node.left), _evaluate(node.right)
        return left * right if isinstance(node.op, ast.Mult) else left**right
    raise RecipeError(f"unsupported number expression: {ast.unparse(node)}")


def argument(value: Any, where: str) -> Any:
    """One constructor or call argument: references stay text, numeric text becomes an int, lists become tuples."""
    if isinstance(value, list):
        return tuple(argument(v, f"{where}[{i}]") for i, v in enumerate(value))
    if isinstance(value, str) and not value.startswith("@") and _NUMBER.match(value):
        return number(value, where)
    return value


def _unknown(given: dict, allowed: set[str], where: str) -> None:
    extra = sorted(set(given) - allowed)
    if extra:
        raise RecipeError(f"{where}: unknown key(s) {', '.join(extra)}; known: {', '.join(sorted(allowed))}")


def _names(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(n, str) for n in raw):
        raise RecipeError(f"{where}: expected a list of names")
    return tuple(raw)


def parse(data: dict[str, Any], where: str = "recipe") -> Recipe:
    """A recipe from its dict form; raises RecipeError naming the bad entry."""
    if not isinstance(data, dict):
        raise RecipeError(f"{where}: expected a mapping with a 'deploy' list")
    _unknown(data, _KEYS, where)
    entries = data.get("deploy")
    if not isinstance(entries, list) or not entries:
        raise RecipeError(f"{where}: 'deploy' must be a non-empty list of {{name, contract|mock, args}}")
    deploy = []
    for i, entry in enumerate(entries):
        at = f"{where}: deploy[{i}]"
        if not isinstance(entry, dict):
            raise RecipeError(f"{at}: expected a mapping")
        _unknown(entry, _DEPLOY_KEYS, at)
        name = entry.get("name") or entry.get("contract") or entry.get("mock")
        if bool(entry.get("contract")) == bool(entry.get("mock")):
            raise RecipeError(f"{at}: give exactly one of 'contract' (a compiled contract) or 'mock' ({MOCKS})")
        if entry.get("mock") and entry["mock"] not in MOCKS:
            raise RecipeError(f"{at}: unknown mock {entry['mock']!r}; known: {', '.join(MOCKS)}")
        args = entry.get("args")
        if args is not None and not isinstance(args, list):
            raise RecipeError(f"{at}: 'args' must be a list")
        deploy.append(
            Deployment(
                name=str(name),
                contract=str(entry.get("contract") or ""),
                mock=str(entry.get("mock") or ""),
                args=argument(args, f"{at}.args") if args is not None else None,
                value=number(entry.get("value", 0), f"{at}.value"),
                libraries={str(k): str(v) for k, v in (entry.get("libraries") or {}).items()},
                sender=str(entry.get("sender", "@deployer")),
            )
        )
    names = [d.name for d in deploy]
    if len(set(names)) != len(names):
        raise RecipeError(f"{where}: deployment names repeat: {names}")
    setup = []
    for i, entry in enumerate(data.get("setup") or []):
        at = f"{where}: setup[{i}]"
        if not isinstance(entry, dict):
            raise RecipeError(f"{at}: expected a mapping with 'call: deployment.function'")
        _unknown(entry, _SETUP_KEYS, at)
        call = str(entry.get("call", ""))
        deployment, _, function = call.partition(".")
        if deployment not in names or not function:
            raise RecipeError(f"{at}: 'call' must be <deployment>.<function> with a deployment of {names}")
        setup.append(
            SetupCall(
                deployment,
                function,
                argument(entry.get("args") or [], f"{at}.args"),
                str(entry.get("sender", "@deployer")),
                number(entry.get("value", 0), f"{at}.value"),
            )
        )
    fund = data.get("fund") or {}
    _unknown(fund, {"eth", "tokens"}, f"{where}: fund")
    mocks = {d.name for d in deploy if d.mock}
    tokens = {}
    for name, amount in (fund.get("tokens") or {}).items():
        if name not in mocks:
            raise RecipeError(f"{where}: fund.tokens.{name}: not a mock deployment (mocks: {sorted(mocks)})")
        tokens[name] = number(amount, f"{where}: fund.tokens.{name}")
    for name in mocks - set(tokens):
        tokens[name] = DEFAULT_TOKENS
    targets = list(_names(data.get("targets"), f"{where}: targets"))
    for target in targets:
        if target not in names:
            raise RecipeError(f"{where}: targets: {target!r} is not a deployment ({names})")
    hostile = _names(data.get("hostile"), f"{where}: hostile") if "hostile" in data else tuple(HOSTILE_KINDS)
    for label in hostile:
        if label not in HOSTILE_KINDS:
            raise RecipeError(f"{where}: hostile: {label!r} unknown; known: {', '.join(HOSTILE_KINDS)}")
    return Recipe(
        deploy=deploy,
        targets=targets,
        actors=_names(data.get("actors"), f"{where}: actors") or DEFAULT_ACTORS,
        hostile=hostile,
        trusted=_names(data.get("trusted"), f"{where}: trusted") or ("deployer",),
        setup=setup,
        eth=number(fund.get("eth", DEFAULT_ETH), f"{where}: fund.eth"),
        tokens=tokens,
        payouts=frozenset(_names(data.get("payouts"), f"{where}: payouts")),
    )


def load(path: Path) -> Recipe:
    """Read a YAML or JSON recipe file."""
    if not path.is_file():
        raise RecipeError(f"{path}: no such recipe file")
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise RecipeError(f"{path}: not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}") from exc
    return parse(data, str(path))


def fallback_recipe(contracts: list[str]) -> Recipe:
    """No recipe: one ERC-20 mock, then every given contract with its constructor filled by the fallback."""
    deploy = [Deployment(name="token", mock="erc20", args=("Fuzz Token", "FUZZ", 18))]
    deploy += [Deployment(name=c, contract=c) for c in contracts]
    return Recipe(deploy=deploy, tokens={"token": DEFAULT_TOKENS}, fallback=True)
