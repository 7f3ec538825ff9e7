"""The hooks a stateful suite needs on a chain it does not own: actors' tokens and the vault's fulfilment step.

`storage_fund`: gives an account tokens by writing its balance slot on a local anvil (found with eth_createAccessList
on balanceOf, as forge-std's `deal` finds it by tracing), leaving totalSupply alone; for the asset a vault takes in,
not for the vault's own shares (the suites get those through the vault's flow). `calls_fulfil`: the calls, each from
a named account, that make pending requests claimable (`test:6:set_paused(bool)=true`, `test:5:roll()`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from eth_abi import encode
from eth_utils import is_address, to_checksum_address

from strikeforge.conformance.core import ConformanceError, attempt, selector

_CALL = re.compile(r"^(test:\d+|0x[0-9a-fA-F]{40}):(\w+)\(([^)]*)\)(?:=(.*))?$")


def storage_fund(provider: Any) -> Callable[[Any, Any, int], None]:
    """fund(token, who, amount) by storage writes (anvil): sets who's balance to at least `amount`."""

    def fund(token: Any, who: Any, amount: int) -> None:
        if token.balanceOf(who) >= amount:
            return
        call = "0x" + (selector("balanceOf(address)") + encode(["address"], [str(who)])).hex()
        found = provider.make_request("eth_createAccessList", [{"to": str(token.address), "data": call}, "latest"])
        word = "0x" + amount.to_bytes(32, "big").hex()
        for entry in found.get("accessList", []):
            for key in entry.get("storageKeys", []):
                old = provider.make_request("eth_getStorageAt", [entry["address"], key, "latest"])
                provider.make_request("anvil_setStorageAt", [entry["address"], key, word])
                if token.balanceOf(who) == amount:
                    return
                provider.make_request("anvil_setStorageAt", [entry["address"], key, old])
        raise ConformanceError(
            f"--fund storage: cannot find {token.address}'s balance slot for {who} (no storage key balanceOf reads"
            " holds it); use --fund mint if the token has an open mint(address,uint256)"
        )

    return fund


def mint_fund(token: Any, who: Any, amount: int) -> None:
    """fund(token, who, amount) through the token's own mint(address,uint256), sent by `who` (mock tokens)."""
    from ape.contracts import ContractInstance
    from ethpm_types import ContractType

    from strikeforge.conformance.abi import human_abi

    have = token.balanceOf(who)
    if have >= amount:
        return
    abi = human_abi(["function mint(address to, uint256 amount)"])
    minter = ContractInstance(token.address, ContractType(abi=abi, contractName="Mintable"))
    done = attempt(minter.mint, who, amount - have, sender=who)
    if done.reverted:
        raise ConformanceError(
            f"--fund mint: {token.address}.mint({who}, {amount - have}) reverted ({done.message}); use --fund storage"
            " on a local anvil"
        )


def _argument(kind: str, text: str, spec: str) -> Any:
    text = text.strip()
    if kind == "bool" and text in ("true", "false"):
        return text == "true"
    if kind == "address" and is_address(text):
        return to_checksum_address(text)
    if re.fullmatch(r"u?int\d*", kind) and re.fullmatch(r"-?\d+", text):
        return int(text)
    raise ConformanceError(
        f"--fulfil {spec}: argument {text!r} is not a {kind}; write integers in decimal, addresses as 0x..., bools as"
        " true/false"
    )


def parse_call(spec: str) -> tuple[str, str, list[str], list[Any]]:
    """`ACCOUNT:FUNCTION(TYPES)[=ARGS]` -> (account, name, types, arguments), checked before connecting anywhere."""
    match = _CALL.match(spec.strip())
    if not match:
        raise ConformanceError(
            f"--fulfil {spec}: not ACCOUNT:FUNCTION(TYPES)[=ARGS]; e.g. --fulfil 'test:5:roll()' or --fulfil"
            " 'test:6:set_paused(bool)=true'"
        )
    who, name, types_text, args_text = match.groups()
    types = [t.strip() for t in types_text.split(",") if t.strip()]
    values = [a for a in (args_text or "").split(",") if a.strip()]
    if len(values) != len(types):
        raise ConformanceError(
            f"--fulfil {spec}: {len(types)} argument types but {len(values)} values; give one value per type after '='"
        )
    return who, name, types, [_argument(t, v, spec) for t, v in zip(types, values, strict=True)]


def _sender(who: str, spec: str, accounts: Any) -> Any:
    if who.startswith("test:"):
        index = int(who.split(":")[1])
        if index >= len(accounts.test_accounts):
            raise ConformanceError(
                f"--fulfil {spec}: there are {len(accounts.test_accounts)} test accounts (test:0 to"
                f" test:{len(accounts.test_accounts) - 1}); name one of them"
            )
        return accounts.test_accounts[index]
    # Always impersonated (local chains and forks only): never a keystore account of that address, whose key would
    # sign a transaction that is valid on the forked chain too.
    from ape.exceptions import AccountsError

    try:
        return accounts.impersonate_account(to_checksum_address(who))
    except AccountsError as exc:
        raise ConformanceError(
            f"--fulfil {spec}: cannot impersonate {who} on this network ({exc}); use a local anvil or fork, or a test"
            " account (test:N)"
        ) from None


def calls_fulfil(target: str, specs: list[str], accounts: Any) -> Callable[[], None]:
    """fulfil(): each call of `specs`, in order, to `target`; a revert stops the suite with one line."""
    from ape.contracts import ContractInstance
    from ethpm_types import ContractType

    from strikeforge.conformance.abi import human_abi

    steps = []
    for spec in specs:
        who, name, types, arguments = parse_call(spec)
        sender = _sender(who, spec, accounts)
        abi = human_abi([f"function {name}({', '.join(types)})"])
        steps.append(
            (spec, sender, ContractInstance(target, ContractType(abi=abi, contractName="Fulfil")), name, arguments)
        )

    def fulfil() -> None:
        for spec, sender, contract, name, arguments in steps:
            done = attempt(getattr(contract, name), *arguments, sender=sender)
            if done.reverted:
                raise ConformanceError(
                    f"--fulfil {spec}: reverted ({done.message or '0x' + (done.data or b'').hex()}); the call that"
                    " makes requests claimable must succeed whenever requests are pending"
                )

    return fulfil
