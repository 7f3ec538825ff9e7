"""SettlementLedger through Ape: the sequencer's LedgerPort, and the reads the watcher and the client share."""

from __future__ import annotations

from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address

from strikeforge.transactions import broadcast, sign


def net_of_withdrawal(contract: Any, account: str, posted_at: int | None = None) -> int:
    """The account's ledger balance less its pending withdrawal request: any request (what an honest sequencer lets a
    leaf debit), or, given a batch's `posted_at`, only a request ready by then (challengeCollateral's rule: a request
    counts against the batches posted from its readyAt = requestedAt + WITHDRAWAL_DELAY on)."""
    holder = to_checksum_address(account)
    balance = int(contract.balanceOf(holder))
    withdrawal = contract.withdrawals(holder)
    amount, requested = int(withdrawal.amount), int(withdrawal.requestedAt)
    if requested == 0:
        return balance
    if posted_at is not None and requested + int(contract.WITHDRAWAL_DELAY()) > posted_at:
        return balance
    return balance - min(balance, amount)


def net_of_option_withdrawal(contract: Any, account: str, series: int, posted_at: int | None = None) -> int:
    """The account's option-token inventory of `series` on the ledger (positionOf) less its pending option withdrawal
    request of that series, with net_of_withdrawal's rule: any request (what an honest sequencer lets a leaf sell), or,
    given a batch's `posted_at`, only a request ready by then (challengeInventory's rule)."""
    holder = to_checksum_address(account)
    held = max(0, int(contract.positionOf(holder, series)))
    withdrawal = contract.optionWithdrawals(holder, series)
    amount, requested = int(withdrawal.amount), int(withdrawal.requestedAt)
    if requested == 0:
        return held
    if posted_at is not None and requested + int(contract.WITHDRAWAL_DELAY()) > posted_at:
        return held
    return held - min(held, amount)


SERIES_SELECTOR = keccak(text="series(uint256)")[:4]
SERIES_TYPES = ["address", "address", "uint64", "bool", "bool", "uint8", "uint8", "uint256", "uint256"]


def series_expiry(contract: Any, series: int) -> int | None:
    """The expiry of the ledger's OptionsEngine series `series` (OptionsEngine.series), or None if there is none."""
    from ape import chain

    engine = to_checksum_address(str(contract.ENGINE()))
    raw = chain.provider.web3.eth.call({"to": engine, "data": SERIES_SELECTOR + encode(["uint256"], [series])})
    underlying, _, expiry, *_ = decode(SERIES_TYPES, bytes(raw))
    return None if int(underlying, 16) == 0 else int(expiry)


class ApeLedger:
    """A deployed SettlementLedger and the account that posts to it (the sequencer's)."""

    def __init__(self, contract: Any, account: Any = None) -> None:
        from ape import chain

        self.contract = contract
        self.account = account
        self.chain_id = int(chain.chain_id)
        self.address = to_checksum_address(str(contract.address))
        self._expiries: dict[int, int] = {}

    def batch_count(self) -> int:
        return int(self.contract.batchCount())

    def posting_nonce(self) -> int:
        return int(self.contract.leavesPosted())

    def root_of(self, number: int) -> bytes:
        return bytes(self.contract.batches(number).root)

    def free_balance(self, account: str) -> int:
        """The account's cash on the ledger, net of a pending withdrawal request (what a leaf may debit)."""
        return net_of_withdrawal(self.contract, account)

    def free_inventory(self, account: str, series: int) -> int:
        """The account's option tokens of `series` on the ledger, net of a pending option withdrawal request (what a
        leaf may sell)."""
        return net_of_option_withdrawal(self.contract, account, series)

    def series_expiry(self, series: int) -> int | None:
        """The ledger's OptionsEngine series' expiry, or None if the engine has no such series (cached: immutable)."""
        if series not in self._expiries:
            expiry = series_expiry(self.contract, series)
            if expiry is None:
                return None
            self._expiries[series] = expiry
        return self._expiries[series]

    def settled_through(self) -> int:
        return int(self.contract.settledThrough())

    def is_applied(self, number: int, index: int) -> bool:
        return bool(self.contract.isApplied(number, index))

    def post_deadline(self) -> int:
        """postBatch's deadline for a collateral check made against the ledger's state now: the head block's timestamp
        plus WITHDRAWAL_DELAY, minus one (a request in a later block of the same second, as on chains with sub-second
        blocks, has readyAt = that timestamp + WITHDRAWAL_DELAY and would count against a posting landing then)."""
        from ape import chain

        return int(chain.blocks.head.timestamp) + int(self.contract.WITHDRAWAL_DELAY()) - 1

    def sign_post(
        self, root: bytes, leaves_root: bytes, series: list[int], calldata: bytes, posting_nonce: int, deadline: int
    ) -> tuple[bytes, str]:
        """postBatch, signed by the sequencer's account with its next nonce, not broadcast."""
        if self.account is None:
            raise RuntimeError("ApeLedger: no sending account; pass the sequencer's account to post")
        bond = int(self.contract.BOND())
        txn = self.contract.postBatch.as_transaction(
            root, leaves_root, series, calldata, posting_nonce, deadline, sender=self.account, value=bond
        )
        return sign(self.account, txn)

    def broadcast(self, raw_tx: bytes, tx_hash: str) -> bool:
        """Sends a signed transaction, or finds it already mined (a second broadcast of one signed transaction is
        refused by every node: same nonce). Waits for its receipt; True if it succeeded."""
        receipt = broadcast(raw_tx, tx_hash)
        return int(receipt["status"]) == 1
