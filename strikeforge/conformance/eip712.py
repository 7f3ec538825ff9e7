"""EIP-712 typed data (https://eips.ethereum.org/EIPS/eip-712) and the ERC-5267 domain view
(https://eips.ethereum.org/EIPS/eip-5267), compared with eth-account, the signer wallets and our services use.

The domain: eip712Domain() against the chain and the address, and (if exposed) DOMAIN_SEPARATOR() against
eth-account's hash of that domain. Each signed type the contract declares (a known digest view, see TYPES) is checked
twice: its *_TYPEHASH constant against the type's encodeType, and the contract's digest of drawn messages against
eth-account's `encode_typed_data` of the same message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eth_account.messages import _hash_eip191_message, encode_typed_data
from eth_utils import keccak
from hypothesis import strategies as st

from strikeforge.conformance.abi import human_abi
from strikeforge.conformance.core import MUST, NotApplicable, Subject, attempt, checksum, prop, require

SUITE = "eip712"
DOMAIN_TYPES = [
    ("name", "string"),
    ("version", "string"),
    ("chainId", "uint256"),
    ("verifyingContract", "address"),
    ("salt", "bytes32"),
]
INT256 = st.integers(-(2**255), 2**255 - 1)
UINT = st.one_of(st.integers(0, 10**30), st.integers(0, 2**256 - 1))
ADDRESS = st.integers(0, 2**160 - 1).map(lambda n: checksum("0x" + n.to_bytes(20, "big").hex()))


@dataclass(frozen=True)
class SignedType:
    """A signed type a contract exposes a digest view of.

    fields: the EIP-712 struct; typehash: the contract's constant naming its hash; digest: the view's signature;
    draw: a strategy of (message, the digest view's arguments) given the contract (for fields it fixes itself).
    """

    primary: str
    fields: tuple[tuple[str, str], ...]
    typehash: str
    digest: str
    draw: Callable[[Any], st.SearchStrategy[tuple[dict[str, Any], tuple[Any, ...]]]]

    @property
    def encode_type(self) -> str:
        return f"{self.primary}({','.join(f'{t} {n}' for n, t in self.fields)})"


def _report(contract: Any) -> st.SearchStrategy[tuple[dict[str, Any], tuple[Any, ...]]]:
    base, quote = checksum(contract.BASE()), checksum(contract.QUOTE())
    return st.tuples(UINT, UINT).map(
        lambda d: ({"base": base, "quote": quote, "price": d[0], "timestamp": d[1]}, (d[0], d[1]))
    )


def _leaf(contract: Any) -> st.SearchStrategy[tuple[dict[str, Any], tuple[Any, ...]]]:
    four_uint, four_int = st.lists(UINT, min_size=4, max_size=4), st.lists(INT256, min_size=4, max_size=4)

    def build(d: tuple[int, int, str, int, list[int], list[int]]) -> tuple[dict[str, Any], tuple[Any, ...]]:
        batch, nonce, account, cash, series, positions = d
        message = {
            "batch": batch,
            "postingNonce": nonce,
            "account": account,
            "cash": cash,
            "series": series,
            "positions": positions,
        }
        return message, ((batch, account, cash, positions), nonce, series)

    return st.tuples(UINT, UINT, ADDRESS, INT256, four_uint, four_int).map(build)


TYPES = {
    "SignedPriceOracle price report": SignedType(
        "PriceReport",
        (("base", "address"), ("quote", "address"), ("price", "uint256"), ("timestamp", "uint256")),
        "REPORT_TYPEHASH",
        "function report_digest(uint256 price, uint256 timestamp) view returns (bytes32)",
        _report,
    ),
    "SettlementLedger netted leaf": SignedType(
        "NettedLeaf",
        (
            ("batch", "uint256"),
            ("postingNonce", "uint256"),
            ("account", "address"),
            ("cash", "int256"),
            ("series", "uint256[4]"),
            ("positions", "int256[4]"),
        ),
        "LEAF_TYPEHASH",
        "function leafDigest((uint256 batch, address account, int256 cash, int256[4] positions) leaf,"
        " uint256 postingNonce, uint256[4] series) view returns (bytes32)",
        _leaf,
    ),
}


def _at(s: Subject, lines: list[str]) -> Any:
    from ape.contracts import ContractInstance
    from ethpm_types import ContractType

    return ContractInstance(s.address, ContractType(abi=_abi(lines), contractName="TypedData"))


def _abi(lines: list[str]) -> list[dict[str, Any]]:
    abi = []
    for line in lines:
        if "leafDigest(" in line:  # a tuple argument: written out, the human parser takes flat types only
            abi.append(
                {
                    "type": "function",
                    "name": "leafDigest",
                    "stateMutability": "view",
                    "inputs": [
                        {
                            "name": "leaf",
                            "type": "tuple",
                            "components": [
                                {"name": "batch", "type": "uint256"},
                                {"name": "account", "type": "address"},
                                {"name": "cash", "type": "int256"},
                                {"name": "positions", "type": "int256[4]"},
                            ],
                        },
                        {"name": "postingNonce", "type": "uint256"},
                        {"name": "series", "type": "uint256[4]"},
                    ],
                    "outputs": [{"name": "", "type": "bytes32"}],
                }
            )
        else:
            abi += human_abi([line])
    return abi


def _domain(s: Subject) -> dict[str, Any]:
    call = attempt(s.contract.eip712Domain)
    if call.reverted:
        raise NotApplicable("no ERC-5267 eip712Domain() view")
    fields, name, version, chain_id, verifying, salt, extensions = call.value
    present = int.from_bytes(bytes(fields), "big")
    values = [name, version, chain_id, checksum(verifying), bytes(salt)]
    domain = {n: v for i, ((n, _), v) in enumerate(zip(DOMAIN_TYPES, values, strict=True)) if present >> i & 1}
    s.options["domain_types"] = [(n, t) for i, (n, t) in enumerate(DOMAIN_TYPES) if present >> i & 1]
    s.options["extensions"] = list(extensions)
    return domain


def _declared(s: Subject) -> list[tuple[str, SignedType]]:
    """The known signed types whose digest view the contract answers."""
    found = []
    for label, kind in TYPES.items():
        typed = _at(s, [kind.digest, f"function {kind.typehash}() view returns (bytes32)"])
        name = kind.digest.split()[1].split("(")[0]
        if not attempt(getattr(typed, kind.typehash)).reverted and hasattr(typed, name):
            found.append((label, kind))
    return found


def _typed(s: Subject, kind: SignedType, domain: dict[str, Any], message: dict[str, Any]) -> dict[str, Any]:
    return {
        "types": {
            "EIP712Domain": [{"name": n, "type": t} for n, t in s.options["domain_types"]],
            kind.primary: [{"name": n, "type": t} for n, t in kind.fields],
        },
        "primaryType": kind.primary,
        "domain": domain,
        "message": message,
    }


@prop(
    SUITE,
    "domain",
    "ERC-5267",
    "Specification eip712Domain; EIP-712 §Definition of domainSeparator",
    MUST,
    "eip712Domain() gives the fields present, the chain id of the chain and this contract as verifyingContract,"
    " no extensions; a DOMAIN_SEPARATOR() equals eth-account's hash of that domain",
)
def domain(s: Subject) -> str:
    from ape import chain

    values = _domain(s)
    if "chainId" in values:
        require(
            values["chainId"] == chain.chain_id,
            f"eip712Domain chainId {values['chainId']} is not the chain's {chain.chain_id}",
        )
    if "verifyingContract" in values:
        require(
            values["verifyingContract"] == s.address,
            f"eip712Domain verifyingContract {values['verifyingContract']} is not the contract {s.address}",
        )
    require(s.options["extensions"] == [], f"ERC-5267: extensions {s.options['extensions']} (none expected)")
    separator = attempt(_at(s, ["function DOMAIN_SEPARATOR() view returns (bytes32)"]).DOMAIN_SEPARATOR)
    header = encode_typed_data(
        full_message={
            "types": {"EIP712Domain": [{"name": n, "type": t} for n, t in s.options["domain_types"]], "Empty": []},
            "primaryType": "Empty",
            "domain": values,
            "message": {},
        }
    ).header
    if not separator.reverted:
        require(
            bytes(separator.value) == bytes(header),
            f"DOMAIN_SEPARATOR() 0x{bytes(separator.value).hex()} is not eth-account's 0x{bytes(header).hex()}",
        )
    return f"{values.get('name')!r} v{values.get('version')!r}, fields {[n for n, _ in s.options['domain_types']]}"


@prop(
    SUITE,
    "signed-types",
    "EIP-712",
    "Definition of encodeType, hashStruct; Specification of the eth_signTypedData JSON RPC",
    MUST,
    "each signed type's *_TYPEHASH is keccak256(encodeType) and the contract's digest of any message equals"
    " eth-account's encode_typed_data digest of it (what a wallet signs)",
)
def signed_types(s: Subject) -> str:
    domain_values = _domain(s)
    kinds = _declared(s)
    if not kinds:
        raise NotApplicable(f"none of the known signed types ({', '.join(TYPES)}) has a digest view here")
    for label, kind in kinds:
        typed = _at(s, [kind.digest, f"function {kind.typehash}() view returns (bytes32)"])
        constant = bytes(getattr(typed, kind.typehash)())
        require(
            constant == keccak(text=kind.encode_type),
            f"{label}: {kind.typehash} 0x{constant.hex()} is not keccak256({kind.encode_type!r})",
        )
        digest = getattr(typed, kind.digest.split()[1].split("(")[0])

        def body(drawn: tuple[dict[str, Any], tuple[Any, ...]], kind: SignedType = kind, digest: Any = digest) -> None:
            message, args = drawn
            expected = _hash_eip191_message(encode_typed_data(full_message=_typed(s, kind, domain_values, message)))
            got = bytes(digest(*args))
            require(
                got == bytes(expected),
                f"{kind.primary} {message}: the contract's digest 0x{got.hex()}, eth-account's"
                f" 0x{bytes(expected).hex()}",
            )

        views = _at(s, ["function BASE() view returns (address)", "function QUOTE() view returns (address)"])
        s.explore(kind.draw(views), body)
    return ", ".join(label for label, _ in kinds)
