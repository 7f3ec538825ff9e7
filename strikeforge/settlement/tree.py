"""The Merkle-sum tree of a settlement batch, encoded exactly as SettlementLedger.sol hashes it.

Leaves and nodes are domain-separated (a leading tag word: 0 for a leaf, 1 for a node), so a node can never be passed
off as a leaf or the reverse (the Merkle second-preimage attack). Every word is 32 bytes, as Solidity's abi.encode
lays out static types:

    sum leaf   = keccak(0, batch, account, cash, position[0..S-1], keccak(signature))
    sum node   = keccak(1, left.hash, left.sums[0..S], right.hash, right.sums[0..S])
    plain leaf = keccak(keccak(abi.encode(index, batch, account, cash, positions, keccak(signature))))
    plain node = keccak(sorted(left, right))

Two trees over the same leaves: the Merkle-sum tree (a node's sums are its children's sums added; a leaf's sums are its
own deltas: cash, then one per series), padded to a power of two with empty nodes (hash 0, sums 0, no preimage), which
fraud proofs of sums climb; and the plain tree, exactly @openzeppelin/merkle-tree's StandardMerkleTree of the values
(index, batch, account, cash, positions, signature hash) with sortLeaves off (leaf i at 2n - 2 - i of its array),
which proves a leaf in one word a level (apply, signature and collateral challenges). The index inside each plain leaf
binds it to one bit of the ledger's bitmap.
"""

from __future__ import annotations

from dataclasses import dataclass

from sha3 import keccak_256  # safe-pysha3: a C keccak, ~4x eth-hash's pycryptodome backend a call


def keccak(data: bytes) -> bytes:
    """keccak256 (the hot path: a million leaves are several million hashes)."""
    return keccak_256(data).digest()


SERIES_PER_BATCH = 4  # must equal SettlementLedger.SERIES_PER_BATCH (the tree's hot loop is unrolled for it)
WIDTH = SERIES_PER_BATCH + 1  # cash, then one per series
INT256_MIN, INT256_MAX = -(2**255), 2**255 - 1
EMPTY = (b"\x00" * 32, (0,) * WIDTH)


def _word(value: int) -> bytes:
    return (value % 2**256).to_bytes(32, "big")


_MASK = 2**256 - 1
_TAG_LEAF = _word(0)
_TAG_NODE = _word(1)
_EMPTY_SIGNATURE_HASH = keccak(b"")


@dataclass(frozen=True)
class Leaf:
    """One account's netted deltas in one batch, with the account's co-signature."""

    batch: int
    account: str
    cash: int
    positions: tuple[int, ...]
    signature: bytes = b""

    def __post_init__(self) -> None:
        if len(self.positions) != SERIES_PER_BATCH:
            raise ValueError(f"positions must have {SERIES_PER_BATCH} entries (got {len(self.positions)})")
        for value in (self.cash, *self.positions):
            if not INT256_MIN <= value <= INT256_MAX:
                raise ValueError(f"delta {value} does not fit int256")

    @property
    def sums(self) -> tuple[int, ...]:
        return (self.cash, *self.positions)

    def encoded(self) -> tuple[bytes, bytes]:
        """(its sums as words, its body): the words both trees hash, batch, account, sums and signature hash. The
        sum leaf puts tag 0 in front of the body, the plain leaf its index (and hashes twice)."""
        sums_bytes = _sums_bytes(self.sums)
        signature_hash = keccak_256(self.signature).digest() if self.signature else _EMPTY_SIGNATURE_HASH
        return sums_bytes, _word(self.batch) + bytes(12) + bytes.fromhex(self.account[2:]) + sums_bytes + signature_hash

    def hash(self) -> bytes:
        """Its hash in the Merkle-sum tree."""
        return keccak(_TAG_LEAF + self.encoded()[1])


def node_hash(left: tuple[bytes, tuple[int, ...]], right: tuple[bytes, tuple[int, ...]]) -> bytes:
    return keccak(b"".join([_word(1), left[0], *(_word(v) for v in left[1]), right[0], *(_word(v) for v in right[1])]))


def add(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(x + y for x, y in zip(a, b, strict=True))


@dataclass(frozen=True)
class ProofStep:
    """A sibling on the way to the root: its hash and sums, and whether it sits on the left."""

    hash: bytes
    sums: tuple[int, ...]
    on_left: bool


def _sums_bytes(sums: tuple[int, ...]) -> bytes:
    return b"".join([(v & _MASK).to_bytes(32, "big") for v in sums])


class MerkleSumTree:
    """All levels of the tree, bottom up; level 0 are the (padded) leaves."""

    def __init__(self, leaves: list[Leaf]) -> None:
        if not leaves:
            raise ValueError("a batch needs at least one leaf")
        size = 1
        while size < len(leaves):
            size *= 2
        k = keccak_256
        count = len(leaves)
        # Each leaf is encoded once for both trees: its batch and account, sums and signature hash are shared by the
        # sum leaf (tag 0 in front) and the plain leaf (its index in front, hashed twice).
        level: list[tuple[bytes, tuple[int, ...]]] = []
        encoded: list[bytes] = []
        plain: list[bytes] = [b""] * (2 * count - 1)
        tag_leaf = _TAG_LEAF
        for i, leaf in enumerate(leaves):
            sums_bytes, body = leaf.encoded()
            level.append((k(tag_leaf + body).digest(), leaf.sums))
            encoded.append(sums_bytes)
            plain[2 * count - 2 - i] = k(k(i.to_bytes(32, "big") + body).digest()).digest()
        level += [EMPTY] * (size - count)
        encoded += [_sums_bytes(EMPTY[1])] * (size - count)
        self.levels: list[list[tuple[bytes, tuple[int, ...]]]] = [level]
        # The hot loop (a million leaves is two million hashes): each node's sums are encoded once and reused by its
        # parent, and the hash is taken over one concatenation.
        tag = _TAG_NODE
        while len(level) > 1:
            parents, parents_encoded = [], []
            append, append_encoded = parents.append, parents_encoded.append
            for i in range(0, len(level), 2):
                (lh, ls), (rh, rs) = level[i], level[i + 1]
                c, p0, p1, p2, p3 = ls[0] + rs[0], ls[1] + rs[1], ls[2] + rs[2], ls[3] + rs[3], ls[4] + rs[4]
                append((k(tag + lh + encoded[i] + rh + encoded[i + 1]).digest(), (c, p0, p1, p2, p3)))
                append_encoded(
                    c.to_bytes(32, "big", signed=True)
                    + p0.to_bytes(32, "big", signed=True)
                    + p1.to_bytes(32, "big", signed=True)
                    + p2.to_bytes(32, "big", signed=True)
                    + p3.to_bytes(32, "big", signed=True)
                )
            level, encoded = parents, parents_encoded
            self.levels.append(level)

        for j in range(count - 2, -1, -1):
            left, right = plain[2 * j + 1], plain[2 * j + 2]
            plain[j] = k(left + right if left < right else right + left).digest()
        self.plain = plain  # @openzeppelin/merkle-tree's array: the root first, leaf i at 2n - 2 - i

    @property
    def root(self) -> bytes:
        return self.levels[-1][0][0]

    @property
    def leaves_root(self) -> bytes:
        """The plain tree's root."""
        return self.plain[0]

    def plain_proof(self, index: int) -> list[bytes]:
        """Leaf `index`'s proof in the plain tree (@openzeppelin/merkle-tree's getProof)."""
        return plain_node_proof(self.plain, len(self.plain) - 1 - index)

    @property
    def root_sums(self) -> tuple[int, ...]:
        return self.levels[-1][0][1]

    @property
    def depth(self) -> int:
        return len(self.levels) - 1

    def node(self, level: int, index: int) -> tuple[bytes, tuple[int, ...]]:
        return self.levels[level][index]

    def proof(self, level: int, index: int) -> list[ProofStep]:
        """Siblings from node (level, index) up to the root."""
        steps = []
        for height in range(level, self.depth):
            sibling = index ^ 1
            node_hash_, sums = self.levels[height][sibling]
            steps.append(ProofStep(node_hash_, sums, on_left=sibling < index))
            index //= 2
        return steps


def verify(root: bytes, node: tuple[bytes, tuple[int, ...]], proof: list[ProofStep]) -> bool:
    """Whether `node` (hash, sums) is under `root` along `proof` (hash linkage only, as on-chain)."""
    current = node
    for step in proof:
        pair = ((step.hash, step.sums), current) if step.on_left else (current, (step.hash, step.sums))
        current = (node_hash(*pair), add(pair[0][1], pair[1][1]))
    return current[0] == root


def plain_leaf_hash(index: int, leaf: Leaf) -> bytes:
    """@openzeppelin/merkle-tree's standard leaf of (index, batch, account, cash, positions, signature hash)."""
    return keccak(keccak(_word(index) + leaf.encoded()[1]))


def plain_node_proof(tree: list[bytes], node: int) -> list[bytes]:
    """Siblings of array position `node` up to the root (@openzeppelin/merkle-tree's getProof)."""
    proof = []
    while node > 0:
        proof.append(tree[node - 1 if node % 2 == 0 else node + 1])
        node = (node - 1) // 2
    return proof


def verify_plain(root: bytes, leaf: Leaf, index: int, proof: list[bytes]) -> bool:
    """Whether `leaf` is leaf `index` under the plain `root` (as OpenZeppelin's MerkleProof.verify in the ledger)."""
    node = plain_leaf_hash(index, leaf)
    for sibling in proof:
        node = keccak(node + sibling if node < sibling else sibling + node)
    return node == root
