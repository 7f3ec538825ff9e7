"""The sequencer benchmark's order flow: accounts, pre-signed orders and a permissive ledger stand-in.

Orders come from ACCOUNTS deterministic keys (benchmark keys, never funded anywhere) on SERIES series, buy or sell at
random, priced around a mid so that about 28% of them cross the book. They are signed once, before any clock starts,
with coincurve on the EIP-712 digest (strikeforge.settlement.signatures, held equal to eth-account's by its tests).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace

from coincurve import PrivateKey
from sha3 import keccak_256

from strikeforge.settlement.orders import Order
from strikeforge.settlement.signatures import domain_separator, order_digest

CHAIN_ID = 31337
LEDGER = "0x" + "5e" * 20
ACCOUNTS, SERIES = 50, (1, 2, 3)
MID, WAD = 1_000_000, 10**18
EXPIRY = 2**40  # orders and series expire far after any run


def _address(key: PrivateKey) -> str:
    return "0x" + keccak_256(key.public_key.format(compressed=False)[1:]).digest()[12:].hex()


def _sign(key: PrivateKey, order: Order) -> Order:
    signature = key.sign_recoverable(order_digest(domain_separator(CHAIN_ID, LEDGER), order), hasher=None)
    return replace(order, signature=signature[:64] + bytes((signature[64] + 27,)))


def signed_orders(count: int, seed: int = 22, first_nonce: int = 1) -> list[Order]:
    """`count` signed orders: random account, series, side, size (0.1..0.5 options) and price (buys mostly below
    the mid, sells mostly above; the overlap is what crosses)."""
    rng = random.Random(seed)  # noqa: S311 (reproducible benchmark data; the keys below are benchmark keys)
    keys = [PrivateKey(keccak_256(f"strikeforge sequencer load {i}".encode()).digest()) for i in range(ACCOUNTS)]
    addresses = [_address(key) for key in keys]
    orders = []
    for nonce in range(first_nonce, first_nonce + count):
        who = rng.randrange(ACCOUNTS)
        buy = rng.random() < 0.5
        offset = rng.randint(-20, 10)  # about 28% of orders cross
        price = MID + offset if buy else MID - offset
        unsigned = Order(addresses[who], rng.choice(SERIES), buy, rng.randint(1, 5) * WAD // 10, price, nonce, EXPIRY)
        orders.append(_sign(keys[who], unsigned))
    return orders


@dataclass
class PermissiveLedger:
    """The SettlementLedger reads the sequencer makes, answered from memory: every series listed far ahead, every
    account holding plenty of cash and option tokens, nothing posted. Posting is never reached in a run (the
    accounts do not co-sign), so signing a posting is refused."""

    chain_id: int = CHAIN_ID
    address: str = LEDGER

    def batch_count(self) -> int:
        return 0

    def posting_nonce(self) -> int:
        return 0

    def root_of(self, number: int) -> bytes:
        raise KeyError(number)

    def free_balance(self, account: str) -> int:
        return 10**30

    def free_inventory(self, account: str, series: int) -> int:
        return 10**30

    def series_expiry(self, series: int) -> int | None:
        return EXPIRY if series in SERIES else None

    def settled_through(self) -> int:
        return 0

    def is_applied(self, number: int, index: int) -> bool:
        return False

    def post_deadline(self) -> int:
        return EXPIRY

    def sign_post(
        self, root: bytes, leaves_root: bytes, series: list[int], calldata: bytes, posting_nonce: int, deadline: int
    ) -> tuple[bytes, str]:
        raise RuntimeError("the benchmark's accounts never co-sign: nothing is posted")

    def broadcast(self, raw_tx: bytes, tx_hash: str) -> bool:
        raise RuntimeError("the benchmark's accounts never co-sign: nothing is posted")
