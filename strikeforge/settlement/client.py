"""The trader's side: place and cancel orders, check and co-sign leaves, fetch proofs, claim, deposit and withdraw.

Keys stay in the Ape account passed in (a keystore account, or a test account on a local chain): the client signs
EIP-712 messages with it and never sees a private key. Before co-signing a leaf it re-nets the account's own fills
in the batch (which the sequencer lists next to the leaf) and refuses a leaf that does not match them.

    client = SettlementClient("http://127.0.0.1:8545", accounts.load("trader"), project.SettlementLedger.at(addr))
    client.deposit(1_000 * 10**6)
    client.place_order(series=3, buy=True, size=10**18, price=150 * 10**6)
    client.cosign_pending(batch_id=1)
    client.claim(batch_id=1)          # after the challenge window
    client.settle_account(batch_id=1) # proves the account has nothing left to apply in it (for withdrawals)
    client.claim_bonds(to)            # pays the ETH the ledger owes the account (bonds, challenge rewards)

Option tokens (issue 18): a seller deposits the OptionsEngine tokens it sells (a writer mints them, fully
collateralized, with OptionsEngine.write), and withdraws them like cash; after expiry the payout is claimed:

    client.deposit_options(series=3, amount=10**18)
    client.request_option_withdrawal(series=3, amount=10**18)
    client.withdraw_options(series=3, amount=10**18)   # from readyAt, its earlier leaves applied
    client.claim_expired(series=3)                     # redeems the series first if nobody has
    client.withdraw_payout(asset, amount)              # a call's payout (the underlying); a put's lands in cash
"""

from __future__ import annotations

import json
import secrets
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from eth_abi import encode
from eth_account.messages import encode_typed_data
from eth_utils import keccak, to_checksum_address

from strikeforge.settlement.cosign import Posting, canonical_signature, typed_data
from strikeforge.settlement.netting import Trade, net
from strikeforge.settlement.orders import Cancel, Order
from strikeforge.settlement.tree import Leaf


def _function(name: str, inputs: list[tuple[str, str]], outputs: list[str], mutability: str) -> dict[str, Any]:
    return {
        "type": "function",
        "name": name,
        "inputs": [{"name": n, "type": t} for n, t in inputs],
        "outputs": [{"name": "", "type": t} for t in outputs],
        "stateMutability": mutability,
    }


_ENGINE_ABI = [_function("tokenOf", [("seriesId", "uint256")], ["address"], "view")]
_AUCTION_ABI = [
    _function(
        "bidOf", [("auctionId", "uint256"), ("bidId", "uint256")], ["uint256", "uint256", "uint256", "bool"], "view"
    )
]
_ERC20_ABI = [
    _function("allowance", [("owner", "address"), ("spender", "address")], ["uint256"], "view"),
    _function("approve", [("spender", "address"), ("amount", "uint256")], ["bool"], "nonpayable"),
    _function("balanceOf", [("account", "address")], ["uint256"], "view"),
]


class ClientError(RuntimeError):
    """The sequencer refused a request (its message names the field), or a leaf does not match the fills."""


class SettlementClient:
    """One account's session with a sequencer and its ledger."""

    def __init__(
        self, url: str, account: Any, ledger: Any, timeout: float = 10.0, clock: Callable[[], float] = time.time
    ) -> None:
        from ape import chain

        self.clock = clock  # the sequencer's time (a local chain's clock runs ahead of the wall clock once warped)
        self.url = url.rstrip("/")
        self.account = account
        self.ledger = ledger
        self.timeout = timeout
        self.chain_id = int(chain.chain_id)
        self.ledger_address = to_checksum_address(str(ledger.address))
        self.address = str(account.address).lower()

    # ------------------------------------------------------------------------------------------------ HTTP

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 (the sequencer's URL is the operator's setting)
            self.url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
                return json.loads(response.read())
        except urllib.error.HTTPError as exc:
            try:
                message = json.loads(exc.read()).get("error", exc.reason)
            except (json.JSONDecodeError, AttributeError):
                message = exc.reason
            raise ClientError(f"{method} {path}: {exc.code}: {message}") from None

    def _sign(self, typed: dict[str, Any]) -> bytes:
        signature = self.account.sign_message(encode_typed_data(full_message=typed))
        if signature is None:
            raise ClientError("the account refused to sign")
        return bytes(signature.encode_rsv())

    def _sign_leaf(self, leaf: Leaf, posting: Posting) -> bytes:
        signature = self._sign(typed_data(self.chain_id, self.ledger_address, leaf, posting))
        if not canonical_signature(signature):  # the sequencer refuses it: the ledger would prove it a fraud
            raise ClientError("the account's signer returned a non-canonical signature (high s or v not 27/28)")
        return signature

    # ------------------------------------------------------------------------------------------------ orders

    def place_order(
        self, series: int, buy: bool, size: int, price: int, nonce: int | None = None, expiry: int | None = None
    ) -> dict[str, Any]:
        """Signs and sends an order (a random nonce and a one-day expiry unless given); returns the sequencer's
        answer: {"id", "fills", "rests"}."""
        nonce = secrets.randbits(64) if nonce is None else nonce
        expiry = int(self.clock()) + 86_400 if expiry is None else expiry
        order = Order(self.address, series, buy, size, price, nonce, expiry)
        order = replace(order, signature=self._sign(order.typed_data(self.chain_id, self.ledger_address)))
        answer = self._call("POST", "/orders", order.to_json())
        answer["nonce"] = nonce
        return answer

    def cancel_order(self, nonce: int) -> int:
        cancel = Cancel(self.address, nonce)
        cancel = replace(cancel, signature=self._sign(cancel.typed_data(self.chain_id, self.ledger_address)))
        body = {"account": self.address, "nonce": str(nonce), "signature": "0x" + cancel.signature.hex()}
        return int(self._call("POST", "/orders/cancel", body)["id"])

    def order(self, order_id: int) -> dict[str, Any]:
        return self._call("GET", f"/orders/{order_id}")

    # ------------------------------------------------------------------------------------------------ co-signing

    def pending_leaf(self, batch_id: int) -> dict[str, Any]:
        return self._call("GET", f"/batches/{batch_id}/leaves/{self.address}")

    def cosign_pending(self, batch_id: int) -> Leaf:
        """Checks the account's leaf in `batch_id` against its own fills there, then co-signs it for the batch's
        posting (the posting nonce the sequencer gives, and the batch's series)."""
        pending = self.pending_leaf(batch_id)
        series = [int(s) for s in pending["series"]]
        posting = Posting(int(pending["posting"]["nonce"]), tuple(int(s) for s in pending["posting"]["series"]))
        if list(posting.series) != series:
            raise ClientError(f"batch {batch_id}: the posting's series {posting.series} are not the batch's {series}")
        column = {s: i for i, s in enumerate(series) if s}
        fills = pending["fills"]
        leaf_json = pending["leaf"]
        trades = [
            Trade(column[int(f["series"])], f["buyer"], f["seller"], int(f["size"]), int(f["price"])) for f in fills
        ]
        mine = [leaf for leaf in net(int(leaf_json["batch"]), trades) if leaf.account == self.address]
        leaf = Leaf(
            int(leaf_json["batch"]), self.address, int(leaf_json["cash"]), tuple(int(p) for p in leaf_json["positions"])
        )
        if mine != [leaf]:
            raise ClientError(
                f"batch {batch_id}: the leaf offered ({leaf}) is not the net of this account's fills {mine}"
            )
        signature = self._sign_leaf(leaf, posting)
        self._call(
            "POST", f"/batches/{batch_id}/cosign", {"account": self.address, "signature": "0x" + signature.hex()}
        )
        return leaf

    # ------------------------------------------------------------------------------------------------ the ledger

    def proof(self, batch_id: int) -> dict[str, Any]:
        return self._call("GET", f"/batches/{batch_id}/proofs/{self.address}")

    def claim(self, batch_id: int) -> Any:
        """Applies the account's leaf of a posted, final batch to its ledger balance (apply_)."""
        answer = self.proof(batch_id)
        leaf = answer["leaf"]
        args = (
            int(leaf["batch"]),
            to_checksum_address(self.address),
            int(leaf["cash"]),
            [int(p) for p in leaf["positions"]],
        )
        signature_hash = keccak(bytes.fromhex(answer["signature"][2:]))
        proof = [bytes.fromhex(sibling[2:]) for sibling in answer["proof"]]
        return self.ledger.apply_(answer["number"], args, signature_hash, answer["index"], proof, sender=self.account)

    def settle_account(self, batch_id: int) -> Any:
        """Proves on the ledger (settleAccount) that the account has nothing left to apply in posted batch
        `batch_id`, which must be the next batch it is not settled through: its own leaf, applied, or the leaves
        around where its leaf would stand. A withdrawal (or, in escape mode, any exit) waits for that, not for every
        other account's leaves."""
        answer = self._call("GET", f"/batches/{batch_id}/settlement/{self.address}")
        proven = [
            (
                (
                    int(p["leaf"]["batch"]),
                    to_checksum_address(p["leaf"]["account"]),
                    int(p["leaf"]["cash"]),
                    [int(v) for v in p["leaf"]["positions"]],
                ),
                bytes.fromhex(p["signature_hash"][2:]),
                int(p["index"]),
                [bytes.fromhex(sibling[2:]) for sibling in p["proof"]],
            )
            for p in answer["proven"]
        ]
        holder = to_checksum_address(self.address)
        return self.ledger.settleAccount(holder, answer["number"], proven, sender=self.account)

    def claim_bonds(self, to: str | None = None) -> Any:
        """Pays the ETH the ledger owes the account (released bonds, challenge rewards) to `to` (the account by
        default): claimBonds."""
        return self.ledger.claimBonds(to or self.account.address, sender=self.account)

    def deposit(self, amount: int) -> Any:
        from ape import Contract

        cash = Contract(self.ledger.CASH())
        if int(cash.allowance(self.account, self.ledger)) < amount:
            cash.approve(self.ledger, amount, sender=self.account)
        return self.ledger.deposit(amount, sender=self.account)

    def request_withdrawal(self, amount: int) -> Any:
        return self.ledger.requestWithdrawal(amount, sender=self.account)

    def withdraw(self, amount: int) -> Any:
        return self.ledger.withdraw(amount, sender=self.account)

    def balance(self) -> int:
        return int(self.ledger.balanceOf(self.account))

    # ------------------------------------------------------------------------------------------------ option tokens

    def _option_token(self, series: int) -> Any:
        """The series' OptionToken (an engine-deployed clone Ape has no type for: a minimal ERC-20 ABI)."""
        from ape import Contract

        engine = Contract(self.ledger.ENGINE(), abi=_ENGINE_ABI)
        return Contract(engine.tokenOf(series), abi=_ERC20_ABI)

    def deposit_options(self, series: int, amount: int) -> Any:
        """Deposits `amount` option tokens of an engine series the account holds (approving the ledger first if
        needed): they are the inventory its sell orders and leaves may sell."""
        token = self._option_token(series)
        if int(token.allowance(self.account, self.ledger)) < amount:
            token.approve(self.ledger, amount, sender=self.account)
        return self.ledger.depositOptions(series, amount, sender=self.account)

    def request_option_withdrawal(self, series: int, amount: int) -> Any:
        """Requests an option withdrawal (executable from now + WITHDRAWAL_DELAY, once the account's leaves in the
        batches posted before then are applied); from then on the sequencer sells only what it leaves."""
        return self.ledger.requestOptionWithdrawal(series, amount, sender=self.account)

    def withdraw_options(self, series: int, amount: int) -> Any:
        return self.ledger.withdrawOptions(series, amount, sender=self.account)

    def inventory(self, series: int) -> dict[str, int]:
        """The sequencer's count of the account's options of `series`: held (on the ledger, net of a pending option
        withdrawal), posted and unposted sales not applied yet, and free (what its sell orders may still sell)."""
        answer = self._call("GET", f"/accounts/{self.address}/inventory/{series}")
        return {k: int(answer[k]) for k in ("held", "posted", "unposted", "free")}

    def position(self, series: int) -> int:
        """The account's option tokens of `series` on the ledger."""
        return int(self.ledger.positionOf(self.account, series))

    def claim_expired(self, series: int, account: str | None = None) -> Any:
        """Credits the account's (or `account`'s) share of an expired series' payout (claimExpired), redeeming the
        ledger's tokens of the series first if nobody has (redeemExpired). The account must be settled through the
        batches posted before expiry (claim and settle_account its leaves in them first)."""
        holder = to_checksum_address(account or self.address)
        redeemed = str(self.ledger.redemptions(series).asset) != "0x" + "00" * 20
        if not redeemed:
            self.ledger.redeemExpired(series, sender=self.account)
        return self.ledger.claimExpired(holder, series, sender=self.account)

    def payout(self, asset: str) -> int:
        """The claimed payout in `asset` (an expired call's underlying) the ledger owes the account."""
        return int(self.ledger.payoutOf(self.account, asset))

    def withdraw_payout(self, asset: str, amount: int | None = None) -> Any:
        """Withdraws claimed payout in `asset` (all of it by default): at once, no leaf can debit it."""
        return self.ledger.withdrawPayout(asset, self.payout(asset) if amount is None else amount, sender=self.account)

    # ------------------------------------------------------------------------------------------------ auction

    def bid_from_ledger(
        self, desk: Any, auction_id: int, series: int, size: int, limit: int, *, replace: bool = False, slot: int = 0
    ) -> Any:
        """Bids in the vault's BatchAuction with ledger cash (LedgerAuctionDesk): spends exactly the bid's escrow,
        ceil(size * limit / 1e18), from the account's ready withdrawal request (request_withdrawal at least that
        much WITHDRAWAL_DELAY before). `replace` outbids the bid in `slot` of a full book."""
        escrow = int(desk.escrowOf(size, limit))
        data = encode(
            ["uint256", "uint256", "bool", "uint256", "uint256", "uint256"],
            [auction_id, series, replace, slot, size, limit],
        )
        return self.ledger.withdrawAndCall(desk, escrow, data, sender=self.account)

    def claim_auction(self, desk: Any, auction_id: int, series: int, bid_ids: list[int]) -> Any:
        """Delivers the account's settled ledger bids into the ledger: the fill into its inventory of `series`, the
        refund into its cash. Anyone may deliver any account's bids, so bids already delivered are skipped; returns
        None when nothing is left to deliver."""
        from ape.contracts import ContractInstance
        from ethpm_types import ContractType

        # Not ape.Contract(address, abi=...): that would cache this partial ABI for the auction's address process-wide,
        # and its events (BidClaimed, ...) would no longer decode in any receipt.
        auction = ContractInstance(desk.AUCTION(), ContractType.model_validate({"abi": _AUCTION_ABI}))
        todo = [bid for bid in bid_ids if not auction.bidOf(auction_id, bid)[3]]
        if not todo:
            return None
        return desk.claim(self.account.address, auction_id, series, todo, sender=self.account)
