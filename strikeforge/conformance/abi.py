"""The standards' interfaces as ABIs, written from human-readable signatures, and the binding of a user's address (with
the standard's ABI or their own) to an Ape contract instance, refusing bad input in one line."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from eth_utils import is_address, to_checksum_address

from strikeforge.conformance.core import ConformanceError

_SIGNATURE = re.compile(
    r"^\s*(function|event|error)\s+(\w+)\((.*?)\)\s*(view|pure|nonpayable)?\s*(?:returns\s*\((.*)\))?\s*$"
)


def _params(text: str, event: bool = False) -> list[dict[str, Any]]:
    params = []
    for i, part in enumerate(p.strip() for p in text.split(",") if p.strip()):
        words = part.split()
        entry: dict[str, Any] = {"type": words[0], "name": words[-1] if len(words) > 1 else f"arg{i}"}
        if event:
            entry["indexed"] = "indexed" in words[1:-1] or (len(words) == 3 and words[1] == "indexed")
        params.append(entry)
    return params


def human_abi(lines: list[str]) -> list[dict[str, Any]]:
    """ABI entries from lines like `function balanceOf(address owner) view returns (uint256)`."""
    abi: list[dict[str, Any]] = []
    for line in lines:
        match = _SIGNATURE.match(line)
        if not match:
            raise ValueError(f"not a signature: {line}")
        kind, name, inputs, mutability, outputs = match.groups()
        if kind == "event":
            abi.append({"type": "event", "name": name, "inputs": _params(inputs, True), "anonymous": False})
        elif kind == "error":
            abi.append({"type": "error", "name": name, "inputs": _params(inputs)})
        else:
            abi.append(
                {
                    "type": "function",
                    "name": name,
                    "inputs": _params(inputs),
                    "outputs": _params(outputs or ""),
                    "stateMutability": mutability or "nonpayable",
                }
            )
    return abi


ERC20 = [
    "function name() view returns (string)",
    "function symbol() view returns (string)",
    "function decimals() view returns (uint8)",
    "function totalSupply() view returns (uint256)",
    "function balanceOf(address owner) view returns (uint256)",
    "function allowance(address owner, address spender) view returns (uint256)",
    "function transfer(address to, uint256 value) returns (bool)",
    "function transferFrom(address from, address to, uint256 value) returns (bool)",
    "function approve(address spender, uint256 value) returns (bool)",
    "event Transfer(address indexed from, address indexed to, uint256 value)",
    "event Approval(address indexed owner, address indexed spender, uint256 value)",
]

ERC4626 = [
    *ERC20,
    "function asset() view returns (address)",
    "function totalAssets() view returns (uint256)",
    "function convertToShares(uint256 assets) view returns (uint256)",
    "function convertToAssets(uint256 shares) view returns (uint256)",
    "function maxDeposit(address receiver) view returns (uint256)",
    "function maxMint(address receiver) view returns (uint256)",
    "function maxWithdraw(address owner) view returns (uint256)",
    "function maxRedeem(address owner) view returns (uint256)",
    "function previewDeposit(uint256 assets) view returns (uint256)",
    "function previewMint(uint256 shares) view returns (uint256)",
    "function previewWithdraw(uint256 assets) view returns (uint256)",
    "function previewRedeem(uint256 shares) view returns (uint256)",
    "function withdraw(uint256 assets, address receiver, address owner) returns (uint256)",
    "function redeem(uint256 shares, address receiver, address owner) returns (uint256)",
    "event Deposit(address indexed sender, address indexed owner, uint256 assets, uint256 shares)",
    "event Withdraw(address indexed sender, address indexed receiver, address indexed owner, uint256 assets,"
    " uint256 shares)",
]

ERC7540 = [
    *ERC4626,
    "function share() view returns (address)",
    "function supportsInterface(bytes4 interfaceId) view returns (bool)",
    "function requestDeposit(uint256 assets, address controller, address owner) returns (uint256)",
    "function requestRedeem(uint256 shares, address controller, address owner) returns (uint256)",
    "function pendingDepositRequest(uint256 requestId, address controller) view returns (uint256)",
    "function claimableDepositRequest(uint256 requestId, address controller) view returns (uint256)",
    "function pendingRedeemRequest(uint256 requestId, address controller) view returns (uint256)",
    "function claimableRedeemRequest(uint256 requestId, address controller) view returns (uint256)",
    "function isOperator(address controller, address operator) view returns (bool)",
    "function setOperator(address operator, bool approved) returns (bool)",
    "function deposit(uint256 assets, address receiver, address controller) returns (uint256)",
    "function mint(uint256 shares, address receiver, address controller) returns (uint256)",
    "event DepositRequest(address indexed controller, address indexed owner, uint256 indexed requestId,"
    " address sender, uint256 assets)",
    "event RedeemRequest(address indexed controller, address indexed owner, uint256 indexed requestId,"
    " address sender, uint256 shares)",
    "event OperatorSet(address indexed controller, address indexed operator, bool approved)",
]

ERC7726 = ["function getQuote(uint256 baseAmount, address base, address quote) view returns (uint256)"]

ERC5267 = [
    "function eip712Domain() view returns (bytes1 fields, string name, string version, uint256 chainId,"
    " address verifyingContract, bytes32 salt, uint256[] extensions)"
]

INTERFACES = {"erc7540": ERC7540, "erc20": ERC20, "erc7726": ERC7726, "eip712": ERC5267}


def _key(entry: dict[str, Any]) -> tuple[str, str, str]:
    return entry["type"], entry.get("name", ""), ",".join(i["type"] for i in entry.get("inputs", []))


def load_abi(path: str) -> list[dict[str, Any]]:
    """A JSON ABI file: a list of entries, or an object with an `abi` list (Ape, Foundry and Hardhat artifacts)."""
    file = Path(path)
    if not file.is_file():
        raise ConformanceError(f"--abi {path}: no such file; give the path of the contract's JSON ABI or artifact")
    try:
        data = json.loads(file.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ConformanceError(f"--abi {path}: not JSON ({exc}); give the contract's JSON ABI or artifact") from None
    abi = data.get("abi") if isinstance(data, dict) else data
    if not isinstance(abi, list) or not all(isinstance(e, dict) and "type" in e for e in abi):
        raise ConformanceError(
            f"--abi {path}: no ABI in it (a list of entries, or an object with an 'abi' list); give the contract's"
            " JSON ABI or artifact"
        )
    return abi


def merged_abi(suite: str, user: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """The user's ABI plus every entry of the standard's interface it lacks (by name and input types); overloads the
    user declares are kept."""
    standard = human_abi(INTERFACES[suite])
    if not user:
        return standard
    have = {_key(e) for e in user}
    return [*user, *(e for e in standard if _key(e) not in have)]


def checked_address(value: str, option: str = "--address") -> str:
    if not is_address(value):
        raise ConformanceError(
            f"{option} {value}: not an address; give the contract's 0x-prefixed 20-byte hex address (40 hex digits)"
        )
    return to_checksum_address(value)


def bind(suite: str, address: str, abi: list[dict[str, Any]] | None = None, option: str = "--address") -> Any:
    """An Ape contract instance at `address` with the suite's ABI (merged into the user's, if given); refuses an
    address without code."""
    from ape import chain
    from ape.contracts import ContractInstance
    from ethpm_types import ContractType

    address = checked_address(address, option)
    if not chain.provider.get_code(address):
        raise ConformanceError(
            f"{option} {address}: no contract code there on this network (chain id {chain.chain_id}); check the"
            " address and --network"
        )
    # Not through ape.Contract, which would cache this ABI as the address' contract type for the whole session.
    return ContractInstance(address, ContractType(abi=merged_abi(suite, abi), contractName=f"Conformance_{suite}"))
