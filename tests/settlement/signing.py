"""Fast NettedLeaf co-signatures for the state machines: the EIP-712 digest computed directly (the contract's own
formula) and signed with coincurve, ~20x eth-account's typed-data path. `test_fast_signatures_match_eth_account`
(tests/settlement/test_ledger_adversarial.py) keeps it equal to `cosign.typed_data` signed by eth-account."""

from __future__ import annotations

from coincurve import PrivateKey
from eth_abi import encode
from eth_utils import keccak, to_checksum_address

from strikeforge.settlement.cosign import DOMAIN_NAME, DOMAIN_VERSION, Posting
from strikeforge.settlement.tree import Leaf

DOMAIN_TYPEHASH = keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
LEAF_TYPEHASH = keccak(
    text="NettedLeaf(uint256 batch,uint256 postingNonce,address account,int256 cash,uint256[4] series,"
    "int256[4] positions)"
)
# The type before issue 16's fix (no posting nonce, no series): only the H-3 mutation check signs it.
OLD_LEAF_TYPEHASH = keccak(text="NettedLeaf(uint256 batch,address account,int256 cash,int256[4] positions)")


def domain_separator(chain_id: int, ledger: str) -> bytes:
    return keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [DOMAIN_TYPEHASH, keccak(text=DOMAIN_NAME), keccak(text=DOMAIN_VERSION), chain_id, ledger],
        )
    )


def leaf_digest(separator: bytes, leaf: Leaf, posting: Posting, old_type: bool = False) -> bytes:
    positions = keccak(encode(["int256"] * 4, list(leaf.positions)))
    account = to_checksum_address(leaf.account)
    if old_type:
        body = encode(
            ["bytes32", "uint256", "address", "int256", "bytes32"],
            [OLD_LEAF_TYPEHASH, leaf.batch, account, leaf.cash, positions],
        )
    else:
        series = keccak(encode(["uint256"] * 4, list(posting.series)))
        body = encode(
            ["bytes32", "uint256", "uint256", "address", "int256", "bytes32", "bytes32"],
            [LEAF_TYPEHASH, leaf.batch, posting.nonce, account, leaf.cash, series, positions],
        )
    return keccak(b"\x19\x01" + separator + keccak(body))


def sign_digest(key: bytes, digest: bytes) -> bytes:
    """A canonical (low-s) 65-byte signature r || s || v with v in {27, 28}."""
    signature = PrivateKey(key).sign_recoverable(digest, hasher=None)
    return signature[:64] + bytes([signature[64] + 27])


def high_s(signature: bytes) -> bytes:
    """The same signature's malleable twin (n - s, flipped v): valid for ecrecover, refused by OpenZeppelin's ECDSA."""
    n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    s = int.from_bytes(signature[32:64], "big")
    return signature[:32] + (n - s).to_bytes(32, "big") + bytes([55 - signature[64]])
