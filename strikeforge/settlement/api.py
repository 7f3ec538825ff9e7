"""The sequencer's HTTP JSON API: its routes and answers (`Api`); `serve` runs it over HTTP (`server.py`: aiohttp,
keep-alive, orders through the group commit of `intake.py`; with workers, `relay.py`).

    POST /orders                          a signed order            -> 201 {"id", "fills", "rests"}
    POST /orders/cancel                   a signed cancel           -> 200 {"id"}
    GET  /orders/{id}                     an order's state
    GET  /books/{series}                  price levels, best first  -> {"bids": [[price, size]], "asks": [...]}
    GET  /batches/{id}                    a batch's state and leaves
    GET  /batches/{id}/leaves/{account}   the account's leaf, the batch's posting and the EIP-712 message to co-sign
    POST /batches/{id}/cosign             {"account", "signature"} (65 bytes, canonical: low s, v 27 or 28)
    GET  /batches/{id}/proofs/{account}   a posted batch's leaf, index and plain proof (apply_'s arguments)
    GET  /batches/{id}/settlement/{account}  the proven leaves settleAccount takes for the account in a posted batch
    GET  /accounts/{account}/inventory/{series}  option tokens held on the ledger, sales not applied yet, and free
    GET  /health

Numbers travel as decimal strings (uint256 and int256 do not fit JSON numbers), bytes as 0x hex. A refused request
is 400 with {"error": "<field>: <what is wrong and how to fix it>"}; an order or co-signature from an address on the
operator's denylist is 403 with the same shape (screening, `strikeforge.ops.denylist`); an unknown path 404.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from eth_utils import keccak

from strikeforge.settlement.book import Match
from strikeforge.settlement.orders import Cancel, Order, OrderError, parse_signature
from strikeforge.settlement.sequencer import ScreenedError, Sequencer
from strikeforge.settlement.tree import Leaf

if TYPE_CHECKING:
    from strikeforge.settlement.relay import RelayServer
    from strikeforge.settlement.server import ApiServer

log = logging.getLogger("strikeforge.settle.api")
MAX_BODY = 64 * 1024


def _leaf_json(leaf: Leaf) -> dict[str, Any]:
    return {
        "batch": str(leaf.batch),
        "account": leaf.account,
        "cash": str(leaf.cash),
        "positions": [str(p) for p in leaf.positions],
        "signed": bool(leaf.signature),
    }


def order_answer(order_id: int, match: Match) -> tuple[int, Any]:
    """201 and what an accepted order did."""
    fills = [
        {"maker": f.maker, "taker": f.taker, "buyer": f.buyer, "seller": f.seller}
        | {"size": str(f.size), "price": str(f.price)}
        for f in match.fills
    ]
    return 201, {"id": order_id, "fills": fills, "rests": str(match.rests)}


class Api:
    """Routes requests to a sequencer; `clock` gives the unix time orders are checked against."""

    def __init__(
        self,
        sequencer: Sequencer,
        clock: Callable[[], int],
        on_request: Callable[[str, int, bool], None] | None = None,
    ) -> None:
        self.seq = sequencer
        self.clock = clock
        self.on_request = on_request  # (handler name, status, screened): for metrics
        self.routes: list[tuple[str, re.Pattern[str], Callable[..., tuple[int, Any]]]] = [
            ("POST", re.compile(r"/orders"), self.post_order),
            ("POST", re.compile(r"/orders/cancel"), self.post_cancel),
            ("GET", re.compile(r"/orders/(\d+)"), self.get_order),
            ("GET", re.compile(r"/books/(\d+)"), self.get_book),
            ("GET", re.compile(r"/batches/(\d+)"), self.get_batch),
            ("GET", re.compile(r"/batches/(\d+)/leaves/(0x[0-9a-fA-F]{40})"), self.get_leaf),
            ("POST", re.compile(r"/batches/(\d+)/cosign"), self.post_cosign),
            ("GET", re.compile(r"/batches/(\d+)/proofs/(0x[0-9a-fA-F]{40})"), self.get_proof),
            ("GET", re.compile(r"/batches/(\d+)/settlement/(0x[0-9a-fA-F]{40})"), self.get_settlement),
            ("GET", re.compile(r"/accounts/(0x[0-9a-fA-F]{40})/inventory/(\d+)"), self.get_inventory),
            ("GET", re.compile(r"/health"), self.get_health),
        ]

    def handle(self, method: str, path: str, body: dict[str, Any] | None) -> tuple[int, Any]:
        for verb, pattern, handler in self.routes:
            found = pattern.fullmatch(path)
            if verb == method and found:
                screened = False
                try:
                    with self.seq.lock:
                        status, payload = handler(*found.groups(), body=body or {})
                except OrderError as exc:
                    screened = isinstance(exc, ScreenedError)
                    status, payload = (403 if screened else 400), {"error": str(exc)}
                if self.on_request is not None:
                    self.on_request(handler.__name__, status, screened)
                return status, payload
        return 404, {"error": f"path: no {method} {path}; see the API list in strikeforge/settlement/api.py"}

    def post_order(self, body: dict[str, Any]) -> tuple[int, Any]:
        return order_answer(*self.seq.submit(Order.from_json(body), self.clock()))

    def post_cancel(self, body: dict[str, Any]) -> tuple[int, Any]:
        return 200, {"id": self.seq.cancel(Cancel.from_json(body))}

    def get_order(self, order_id: str, body: dict[str, Any]) -> tuple[int, Any]:
        record = self.seq.store.order(int(order_id))
        if record is None:
            return 404, {"error": f"order: {order_id} does not exist"}
        return 200, record

    def get_book(self, series: str, body: dict[str, Any]) -> tuple[int, Any]:
        with self.seq.lock:
            book = self.seq.books.get(int(series))
            bids = book.depth(True) if book else []
            asks = book.depth(False) if book else []
        return 200, {"bids": [[str(p), str(s)] for p, s in bids], "asks": [[str(p), str(s)] for p, s in asks]}

    def get_batch(self, batch_id: str, body: dict[str, Any]) -> tuple[int, Any]:
        batch = self.seq.store.batch(int(batch_id))
        if batch is None:
            return 404, {"error": f"batch: {batch_id} does not exist"}
        return 200, {
            "id": batch.id,
            "number": batch.number,
            "posting_nonce": str(batch.posting_nonce),
            "status": batch.status,
            "series": [str(s) for s in batch.series],
            "round": batch.round,
            "deadline": batch.deadline,
            "dropped": batch.dropped,
            "root": "0x" + batch.root.hex() if batch.root else None,
            "tx_hash": batch.tx_hash,
            "leaves": [_leaf_json(leaf) for leaf in self.seq.store.leaves(batch.id)],
        }

    def get_leaf(self, batch_id: str, account: str, body: dict[str, Any]) -> tuple[int, Any]:
        batch, leaf = self.seq.leaf_for(int(batch_id), account)
        fills = [
            {"series": str(f.series), "buyer": f.buyer, "seller": f.seller, "size": str(f.size), "price": str(f.price)}
            for _, f in self.seq.store.batch_fills(batch.id)
            if leaf.account in (f.buyer, f.seller)
        ]
        return 200, {
            "status": batch.status,
            "deadline": batch.deadline,
            "series": [str(s) for s in batch.series],
            # What the co-signature binds besides the leaf: the ledger's leavesPosted() when the batch is posted, and
            # the batch's series ids (its position columns).
            "posting": {"nonce": str(batch.posting_nonce), "series": [str(s) for s in batch.posting.series]},
            "leaf": _leaf_json(leaf),
            "fills": fills,  # the account's fills the leaf nets: check them before co-signing
            "typed_data": self.seq.leaf_typed_data(batch, leaf),
        }

    def post_cosign(self, batch_id: str, body: dict[str, Any]) -> tuple[int, Any]:
        account = body.get("account")
        if not isinstance(account, str):
            raise OrderError("account: missing; send the co-signing account's address")
        self.seq.cosign(int(batch_id), account, parse_signature(body))
        return 200, {"ok": True}

    def get_proof(self, batch_id: str, account: str, body: dict[str, Any]) -> tuple[int, Any]:
        batch, index, leaf, proof = self.seq.proof(int(batch_id), account)
        return 200, {
            "number": batch.number,
            "index": index,
            "leaf": _leaf_json(leaf),
            "signature": "0x" + leaf.signature.hex(),
            "proof": ["0x" + sibling.hex() for sibling in proof],
        }

    def get_settlement(self, batch_id: str, account: str, body: dict[str, Any]) -> tuple[int, Any]:
        batch, proven = self.seq.settlement_proof(int(batch_id), account)
        return 200, {
            "number": batch.number,
            "proven": [
                {
                    "index": index,
                    "leaf": _leaf_json(leaf),
                    "signature_hash": "0x" + keccak(leaf.signature).hex(),
                    "proof": ["0x" + sibling.hex() for sibling in proof],
                }
                for index, leaf, proof in proven
            ],
        }

    def get_inventory(self, account: str, series: str, body: dict[str, Any]) -> tuple[int, Any]:
        counts = self.seq.inventory(account, int(series))
        return 200, {"account": account.lower(), "series": series} | {k: str(v) for k, v in counts.items()}

    def get_health(self, body: dict[str, Any]) -> tuple[int, Any]:
        latest = self.seq.store.latest_batch()
        return 200, {"ok": True, "latest_batch": latest.id if latest else None}


def serve(api: Api, host: str, port: int, workers: int = 0) -> ApiServer | RelayServer:
    """Starts the API, orders through the group commit: in this process (aiohttp on a daemon thread) with `workers`
    0, else in that many worker processes that check signatures on their own cores (`relay.py`). Returns the server:
    its `server_address` has the bound port, `shutdown()` stops it."""
    if workers:
        from strikeforge.settlement.relay import RelayServer

        return RelayServer(api, host, port, workers)
    from strikeforge.settlement.server import ApiServer

    return ApiServer(api, host, port)
