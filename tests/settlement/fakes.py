"""A SettlementLedger stand-in for the sequencer's unit tests, and signing helpers for test keys."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace

from eth_abi import decode
from eth_account import Account
from eth_account.messages import encode_typed_data
from eth_utils import keccak

from strikeforge.settlement.cosign import SIGNED_LEAVES_ABI
from strikeforge.settlement.orders import Cancel, Order

CHAIN_ID = 31337
LEDGER = "0x" + "5e" * 20
WAD = 10**18

# Deterministic test keys (never real funds).
KEYS = [Account.from_key(keccak(text=f"strikeforge sequencer test {i}")) for i in range(6)]


class FakeLedger:
    """The parts of SettlementLedger the sequencer reads and writes, in memory. Broadcasting a transaction twice
    posts it once, as a chain does with one signed transaction. Like the ledger, it counts the leaves posted (the next
    posting nonce), reverted batches' included."""

    chain_id = CHAIN_ID
    address = LEDGER

    def __init__(self) -> None:
        self.posted: list[tuple[bytes, list[int], bytes]] = []
        self.balances: dict[str, int] = defaultdict(lambda: 10**30)
        self.inventories: dict[tuple[str, int], int] = defaultdict(lambda: 10**30)  # (account, series) -> free tokens
        self.expiries: dict[int, int | None] = {}  # series -> expiry (None: unknown); others expire far ahead
        self.sent: dict[str, int] = {}
        self.broadcasts = 0
        self.settled = 0
        self.applied: set[tuple[int, int]] = set()
        self.leaves_posted = 0
        self.deadline = 2**40  # what post_deadline answers (the head's timestamp + WITHDRAWAL_DELAY on a chain)

    def batch_count(self) -> int:
        return len(self.posted)

    def posting_nonce(self) -> int:
        return self.leaves_posted

    def post_other(self, root: bytes = b"\x01" * 32, series: list[int] | None = None, leaves: int = 2) -> None:
        """Another sequencer posts a batch of `leaves` leaves."""
        self.posted.append((root, series or [9, 0, 0, 0], b""))
        self.leaves_posted += leaves

    def root_of(self, number: int) -> bytes:
        return self.posted[number - 1][0]

    def free_balance(self, account: str) -> int:
        return self.balances[account.lower()]

    def free_inventory(self, account: str, series: int) -> int:
        return self.inventories[(account.lower(), series)]

    def series_expiry(self, series: int) -> int | None:
        return self.expiries.get(series, 2**40)

    def settled_through(self) -> int:
        return self.settled

    def is_applied(self, number: int, index: int) -> bool:
        return (number, index) in self.applied

    def post_deadline(self) -> int:
        return self.deadline

    def sign_post(
        self, root: bytes, leaves_root: bytes, series: list[int], calldata: bytes, posting_nonce: int, deadline: int
    ) -> tuple[bytes, str]:
        body = {
            "root": root.hex(),
            "series": series,
            "data": calldata.hex(),
            "nonce": posting_nonce,
            "deadline": deadline,
            "n": len(self.sent),
        }
        raw = json.dumps(body).encode()
        return raw, "0x" + keccak(raw).hex()

    def broadcast(self, raw_tx: bytes, tx_hash: str) -> bool:
        self.broadcasts += 1
        if tx_hash not in self.sent:
            body = json.loads(raw_tx)
            if (
                body["nonce"] != self.leaves_posted
            ):  # the ledger refuses a posting whose nonce moved (WrongPostingNonce)
                return False
            data = bytes.fromhex(body["data"])
            self.posted.append((bytes.fromhex(body["root"]), body["series"], data))
            self.sent[tx_hash] = len(self.posted)
            (rows,) = decode([SIGNED_LEAVES_ABI], data)
            self.leaves_posted += len(rows)
        return True

    def revert_from(self, number: int) -> None:
        del self.posted[number - 1 :]


def sign(typed: dict, key: Account) -> bytes:
    return bytes(Account.sign_message(encode_typed_data(full_message=typed), key.key).signature)


def order(key: Account, series: int, buy: bool, size: int, price: int, nonce: int, expiry: int = 10**9) -> Order:
    unsigned = Order(key.address.lower(), series, buy, size, price, nonce, expiry)
    return replace(unsigned, signature=sign(unsigned.typed_data(CHAIN_ID, LEDGER), key))


def cancel(key: Account, nonce: int) -> Cancel:
    unsigned = Cancel(key.address.lower(), nonce)
    return replace(unsigned, signature=sign(unsigned.typed_data(CHAIN_ID, LEDGER), key))
