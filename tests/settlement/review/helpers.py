"""Helpers of the review's regression tests: leaves signed with the ledger's own digest, posting, proofs, time, and
(second audit pass) raw transactions and a decoy poster contract deployed from bytecode (no .sol file)."""

from __future__ import annotations

from dataclasses import replace

from coincurve import PrivateKey
from eth_abi import encode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address

from strikeforge.settlement.cosign import batch_calldata
from strikeforge.settlement.orders import Order
from strikeforge.settlement.tree import Leaf, MerkleSumTree
from tests.settlement.conftest import DEADLINE

WINDOW = 3_600
DELAY = 2 * WINDOW  # WITHDRAWAL_DELAY above the window: readyAt and the window's end differ
ESCAPE = 10 * 86_400
BOND = 10**18 + 1  # odd: a slashed bond's half/half split is exercised
USDC = 10**6
SERIES = [1, 2, 3, 4]  # the engine series of tests/settlement/conftest.py's `listed` fixture
ZERO = (0, 0, 0, 0)
DUMMY_SIG = b"\x11" * 65  # 65 bytes, not a valid signature: for accounts nobody needs to sign for
INT256_MIN = -(2**255)
MAX_DELTA = 2**127 - 1
TXPOOL_MAX_TX_BYTES = 128 * 1024  # go-ethereum / reth / erigon default pool limit on a transaction's size


def sign_digest(key: bytes, digest: bytes) -> bytes:
    signature = PrivateKey(key).sign_recoverable(digest, hasher=None)
    return signature[:64] + bytes([signature[64] + 27])


def key_of(account) -> bytes:
    key = account.private_key
    return bytes.fromhex(key[2:]) if isinstance(key, str) else bytes(key)


def keys_for(accounts) -> dict[str, bytes]:
    return {str(a.address).lower(): key_of(a) for a in accounts}


def leaf_args(leaf: Leaf) -> tuple:
    return (leaf.batch, to_checksum_address(leaf.account), leaf.cash, list(leaf.positions))


def address(value: int) -> str:
    return f"0x{value:040x}"


class Batch:
    """A batch's leaves, both trees, its calldata and the posting (nonce, series) its leaves are signed for."""

    def __init__(self, number: int, leaves: list[Leaf], nonce: int, series: list[int]):
        self.number, self.leaves, self.nonce, self.series = number, leaves, nonce, series
        self.tree = MerkleSumTree(leaves)
        self.data = batch_calldata(leaves)

    def index_of(self, account) -> int:
        wanted = str(account).lower()
        return next(i for i, leaf in enumerate(self.leaves) if leaf.account == wanted)

    def args(self, i: int) -> tuple:
        """apply_ / challengeCollateral / PriorLeaf shape: (id, leaf, signature hash, index, proof)."""
        leaf = self.leaves[i]
        return (self.number, leaf_args(leaf), keccak(leaf.signature), i, self.tree.plain_proof(i))

    def proven(self, i: int) -> tuple:
        """settleAccount's ProvenLeaf: (leaf, signature hash, index, proof)."""
        return self.args(i)[1:]

    def signature_args(self, i: int) -> tuple:
        """challengeSignature's arguments."""
        leaf = self.leaves[i]
        return (self.number, leaf_args(leaf), leaf.signature, i, self.tree.plain_proof(i))


def make_batch(ledger, rows, keys=None, series=SERIES, number=None, nonce=None, sign_series=None) -> Batch:
    """rows: [(account, cash, positions)], sorted here by account; an account in `keys` co-signs for the posting
    (`nonce`, `sign_series`; by default the ledger's next posting and `series`), any other gets DUMMY_SIG."""
    number = ledger.batchCount() + 1 if number is None else number
    nonce = ledger.leavesPosted() if nonce is None else nonce
    signed_series = list(series if sign_series is None else sign_series)
    leaves = []
    for account, cash, positions in sorted(rows, key=lambda r: int(str(r[0]), 16)):
        leaf = Leaf(number, str(account).lower(), cash, tuple(positions), DUMMY_SIG)
        if keys is not None and leaf.account in keys:
            digest = ledger.leafDigest(leaf_args(leaf), nonce, signed_series)
            leaf = replace(leaf, signature=sign_digest(keys[leaf.account], bytes(digest)))
        leaves.append(leaf)
    return Batch(number, leaves, nonce, list(series))


def trade(ledger, users, debtor, creditor, amount, **kw) -> Batch:
    """debtor pays `amount` to creditor for one option of column 0, both co-signed."""
    rows = [(debtor.address, -amount, (1, 0, 0, 0)), (creditor.address, amount, (-1, 0, 0, 0))]
    return make_batch(ledger, rows, keys_for(users), **kw)


def zero_rows(n: int, start: int = 1) -> list:
    return [(address(start + i), 0, ZERO) for i in range(n)]


def post(ledger, batch: Batch, sender, root=None, data=None, deadline=DEADLINE, **kw):
    return ledger.postBatch(
        root or batch.tree.root,
        batch.tree.leaves_root,
        batch.series,
        batch.data if data is None else data,
        ledger.leavesPosted(),  # the poster's nonce is the ledger's; what the leaves are signed for may differ
        deadline,
        sender=sender,
        value=BOND,
        **kw,
    )


def warp(chain, seconds: int) -> None:
    chain.mine(1, timestamp=chain.pending_timestamp + seconds)


def apply_leaves(ledger, batch: Batch, indexes, sender) -> None:
    indexes = list(indexes)
    for start in range(0, len(indexes), 256):
        part = indexes[start : start + 256]
        ledger.applyMany(
            batch.number,
            [leaf_args(batch.leaves[i]) for i in part],
            [keccak(batch.leaves[i].signature) for i in part],
            part,
            [batch.tree.plain_proof(i) for i in part],
            sender=sender,
        )


def apply_all(ledger, batch: Batch, sender) -> None:
    apply_leaves(ledger, batch, range(len(batch.leaves)), sender)


def frauds(ledger, tx) -> list[str]:
    return [e.fraud for e in tx.events.filter(ledger.BatchReverted)]


def neighbours(batch: Batch, account) -> list[tuple]:
    """settleAccount's proof that `account` (not a member) has no leaf in `batch`: the adjacent leaves around it."""
    value = int(str(account), 16)
    below = max(i for i, leaf in enumerate(batch.leaves) if int(leaf.account, 16) < value)
    return [batch.proven(below), batch.proven(below + 1)]


# ------------------------------------------------------------------------------------------ second audit pass (W, S)

POST_TYPES = ["bytes32", "bytes32", "uint256[4]", "bytes", "uint256", "uint256"]
POST_SELECTOR = keccak(text=f"postBatch({','.join(POST_TYPES)})")[:4]
DEPOSIT_SELECTOR = keccak(text="deposit(uint256)")[:4]


def post_input(batch: Batch, deadline: int = DEADLINE) -> bytes:
    """postBatch's calldata for `batch` at the posting its leaves are signed for."""
    args = [batch.tree.root, batch.tree.leaves_root, list(batch.series), batch.data, batch.nonce, deadline]
    return POST_SELECTOR + encode(POST_TYPES, args)


def send_raw(chain, sender, to: str | None, data: bytes, value: int = 0, gas: int = 15_000_000) -> dict:
    """Signs and sends a transaction from a test account (any `to`, any input); returns the receipt."""
    w3 = chain.provider.web3
    base = w3.eth.get_block("latest")["baseFeePerGas"]
    tx = {
        "chainId": int(chain.chain_id),
        "nonce": w3.eth.get_transaction_count(sender.address),
        "gas": gas,
        "maxFeePerGas": 2 * base + 10**9,
        "maxPriorityFeePerGas": 10**9,
        "value": value,
        "data": data,
    }
    if to is not None:
        tx["to"] = to_checksum_address(to)
    signed = Account.sign_transaction(tx, key_of(sender))
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    return dict(w3.eth.wait_for_transaction_receipt(tx_hash))


def decoy_runtime(target: str, payload: bytes) -> bytes:
    """Runtime code that IGNORES its own calldata and calls `target` with `payload` (embedded in the code) and the
    attached ETH; bubbles a revert. A contract sequencer (a multisig, a smart wallet, an EIP-7702-delegated EOA) can
    run any code like it."""
    size = len(payload).to_bytes(2, "big")
    head = bytearray()
    head += b"\x61" + size + b"\x61" + b"\x00\x00" + b"\x60\x00\x39"  # CODECOPY(0, offset(patched), size)
    head += b"\x60\x00\x60\x00" + b"\x61" + size + b"\x60\x00" + b"\x34"  # retSize, retOff, argsSize, argsOff, value
    head += b"\x73" + bytes.fromhex(target[2:]) + b"\x5a\xf1"  # addr, gas, CALL
    jump_to = len(head) + 3 + 10
    head += b"\x60" + bytes([jump_to]) + b"\x57"  # JUMPI ok
    head += b"\x3d\x60\x00\x60\x00\x3e\x3d\x60\x00\xfd"  # RETURNDATACOPY + REVERT
    head += b"\x5b\x00"  # JUMPDEST STOP
    assert head[jump_to] == 0x5B
    head[4:6] = len(head).to_bytes(2, "big")
    return bytes(head) + payload


def deploy_runtime(chain, sender, runtime: bytes) -> str:
    n = len(runtime).to_bytes(2, "big")
    init = b"\x61" + n + b"\x80\x60\x0c\x60\x00\x39\x60\x00\xf3"  # copy runtime (after these 12 bytes), return it
    assert len(init) == 12
    receipt = send_raw(chain, sender, None, init + runtime)
    assert receipt["status"] == 1
    return to_checksum_address(receipt["contractAddress"])


def post_through_contract(chain, ledger, deployer, owner, batch: Batch, tx_input: bytes) -> tuple[str, dict]:
    """Deploys a decoy poster that posts `batch`, grants it SEQUENCER_ROLE and calls it with `tx_input` (what the
    transaction's input claims) and the bond. Returns the poster's address and the receipt."""
    poster = deploy_runtime(chain, owner, decoy_runtime(str(ledger.address), post_input(batch)))
    ledger.grantRole(ledger.SEQUENCER_ROLE(), poster, sender=deployer)
    receipt = send_raw(chain, owner, poster, tx_input, value=BOND)
    assert receipt["status"] == 1
    return poster, receipt


def fake_call_trace(chain, monkeypatch, calls: dict[str, tuple[str, str, bytes, bytes]]) -> None:
    """Makes the node answer debug_traceTransaction's callTracer as geth does, for the transactions in `calls`
    (tx hash -> (poster, ledger, transaction input, the poster's call to the ledger)); EthereumTester has no debug
    namespace."""
    provider = chain.provider.web3.provider
    real = provider.make_request

    def make_request(method, params):
        if method == "debug_traceTransaction" and str(params[0]).lower() in calls:
            poster, ledger, tx_input, inner = calls[str(params[0]).lower()]
            inner_frame = {"type": "CALL", "to": ledger.lower(), "input": "0x" + inner.hex()}
            frame = {"type": "CALL", "to": poster.lower(), "input": "0x" + tx_input.hex(), "calls": [inner_frame]}
            return {"jsonrpc": "2.0", "id": 1, "result": frame}
        return real(method, params)

    monkeypatch.setattr(provider, "make_request", make_request)


def tx_hash_of(receipt: dict) -> str:
    value = receipt["transactionHash"]
    return value if isinstance(value, str) else "0x" + bytes(value).hex()


def signed_order(key, chain_id: int, ledger: str, series: int, buy: bool, size: int, price: int, nonce: int) -> Order:
    unsigned = Order(key.address.lower(), series, buy, size, price, nonce, 2**40)
    return replace(unsigned, signature=sign_typed(unsigned.typed_data(chain_id, to_checksum_address(ledger)), key))


def sign_typed(typed: dict, key) -> bytes:
    return bytes(Account.sign_message(encode_typed_data(full_message=typed), key.key).signature)
