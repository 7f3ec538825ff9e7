"""Reconciliation: chain state against every off-chain record, each mismatch with both values and where each came from.

Records compared (each optional except the manifest):

| record | against the chain |
| --- | --- |
| deployment manifest | each contract's code hash |
| sequencer database | posted batches' roots and numbers; leaves rebuild the posted root; fills net to the leaves |
| oracle node state | each feed's last published round (timestamp and price); rounds left pending |
| keeper state | rolls recorded done for epochs the vault has not passed |
| watcher state | roots of the batches it holds as honest and unsettled |
| event index | vault pending requests and share supply; per series option supply and collateral; per account |
|   | ledger cash; settled batches; the oracle's last round; per auction its terms, outcome and the vault's premium, |
|   | per bid its terms, claim and fill; what the auction contract holds against what it owes |

Chain values are read at one block: the index's cursor when an index is given (it is synced first), else the head.
Each check is one function of the `Context`; it returns mismatches, never raises on a bad record (a record that
cannot be read is itself a mismatch).
"""

from __future__ import annotations

import json
import sqlite3
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils import keccak

from strikeforge.ops.index import ZERO, EventIndex
from strikeforge.settlement.watcher import Posted


@dataclass(frozen=True)
class Value:
    source: str
    value: Any


@dataclass(frozen=True)
class Mismatch:
    check: str
    subject: str
    expected: Value  # the record the check trusts less is `actual`
    actual: Value

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.check,
            "subject": self.subject,
            "expected": {"source": self.expected.source, "value": _plain(self.expected.value)},
            "actual": {"source": self.actual.source, "value": _plain(self.actual.value)},
        }

    def line(self) -> str:
        return (
            f"[{self.check}] {self.subject}: {self.expected.source} = {_plain(self.expected.value)}"
            f" but {self.actual.source} = {_plain(self.actual.value)}"
        )


def _plain(value: Any) -> Any:
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def differ(found: list[Mismatch], check: str, subject: str, expected: Value, actual: Value) -> None:
    """Records a mismatch when the two values differ."""
    if expected.value != actual.value:
        found.append(Mismatch(check, subject, expected, actual))


@dataclass
class Context:
    manifest_path: Path
    manifest: dict[str, Any]
    block: int
    sequencer_db: str | Path | None = None  # a SQLite path or a postgresql:// URL
    oracle_state: Path | None = None
    keeper_state: Path | None = None
    watcher_state: Path | None = None
    index: EventIndex | None = None
    feeds: dict[str, str] = field(default_factory=dict)  # oracle node feed name -> SignedPriceOracle address
    ran: list[str] = field(default_factory=list)

    def contract(self, name: str) -> Any:
        """The manifest's deployed contract with this artifact name (the first), as an Ape contract."""
        from ape import project

        for step in self.manifest["steps"].values():
            if step.get("contract") == name and step.get("status") == "done":
                return getattr(project, name).at(step["address"])
        return None

    def contracts(self, name: str) -> list[Any]:
        """Every deployed contract of the manifest with this artifact name (e.g. the price and the vol oracle)."""
        from ape import project

        steps = self.manifest["steps"].values()
        return [
            getattr(project, name).at(step["address"])
            for step in steps
            if step.get("contract") == name and step.get("status") == "done"
        ]

    def chain(self, what: str) -> str:
        return f"chain: {what} at block {self.block}"


# -- manifest -------------------------------------------------------------------------------------------------------


def check_manifest(ctx: Context) -> list[Mismatch]:
    from ape import chain

    found = []
    for key, step in ctx.manifest["steps"].items():
        if step.get("status") != "done" or not step.get("contract") or not step.get("bytecode_hash"):
            continue
        code = bytes(
            chain.provider.web3.eth.get_code(
                chain.provider.web3.to_checksum_address(step["address"]), block_identifier=ctx.block
            )
        )
        actual = "0x" + keccak(code).hex() if code else "no code"
        differ(
            found,
            "manifest",
            f"{key} ({step['contract']}) at {step['address']}",
            Value(f"manifest {ctx.manifest_path.name}: steps.{key}.bytecode_hash", step["bytecode_hash"]),
            Value(ctx.chain(f"keccak(eth_getCode({step['address']}))"), actual),
        )
    return found


# -- sequencer ------------------------------------------------------------------------------------------------------


def check_sequencer(ctx: Context) -> list[Mismatch]:
    from strikeforge.settlement.netting import Trade, net
    from strikeforge.settlement.store import Store
    from strikeforge.settlement.tree import MerkleSumTree

    assert ctx.sequencer_db is not None
    ledger = ctx.contract("SettlementLedger")
    spec = str(ctx.sequencer_db)
    db = f"sequencer db {spec.rsplit('@', 1)[-1] if spec.startswith('postgres') else Path(spec).name}"
    store = Store(ctx.sequencer_db)
    found: list[Mismatch] = []
    try:
        count = int(ledger.batchCount(block_id=ctx.block))
        posted = {b.number: b for b in store.batches_with("posted")}
        for number in range(1, count + 1):
            root = bytes(ledger.batches(number, block_id=ctx.block).root)
            batch = posted.get(number)
            subject = f"ledger batch {number}"
            if batch is None:
                found.append(
                    Mismatch(
                        "sequencer",
                        subject,
                        Value(ctx.chain(f"batches({number}).root"), root),
                        Value(f"{db}: batches (status posted, number {number})", "none"),
                    )
                )
                continue
            differ(
                found,
                "sequencer",
                f"{subject} (db batch {batch.id})",
                Value(ctx.chain(f"batches({number}).root"), root),
                Value(f"{db}: batches.root of id {batch.id}", batch.root),
            )
            leaves = store.leaves(batch.id)
            rebuilt = MerkleSumTree(leaves).root if leaves else b""
            differ(
                found,
                "sequencer",
                f"{subject} (db batch {batch.id}) leaves",
                Value(ctx.chain(f"batches({number}).root"), root),
                Value(f"{db}: root rebuilt from leaves of batch {batch.id}", rebuilt),
            )
            columns = {s: i for i, s in enumerate(batch.series) if s}
            fills = [f for _, f in store.batch_fills(batch.id)]
            netted = {
                leaf.account: (leaf.cash, leaf.positions)
                for leaf in net(number, [Trade(columns[f.series], f.buyer, f.seller, f.size, f.price) for f in fills])
            }
            stored = {leaf.account: (leaf.cash, leaf.positions) for leaf in leaves}
            for account in sorted(set(netted) | set(stored)):
                differ(
                    found,
                    "sequencer",
                    f"{subject} (db batch {batch.id}) leaf of {account}",
                    Value(f"{db}: fills of batch {batch.id}, netted", netted.get(account)),
                    Value(f"{db}: leaves of batch {batch.id}", stored.get(account)),
                )
        for number, batch in posted.items():
            if number > count:
                found.append(
                    Mismatch(
                        "sequencer",
                        f"db batch {batch.id}",
                        Value(ctx.chain("batchCount()"), count),
                        Value(f"{db}: batch {batch.id} posted as number", number),
                    )
                )
    finally:
        store.close()
    return found


# -- oracle node ----------------------------------------------------------------------------------------------------


def check_oracle_state(ctx: Context) -> list[Mismatch]:
    from ape import project

    assert ctx.oracle_state is not None
    conn = sqlite3.connect(f"file:{ctx.oracle_state}?mode=ro", uri=True)
    state = f"oracle state {ctx.oracle_state.name}"
    found: list[Mismatch] = []
    try:
        feeds = [f for (f,) in conn.execute("SELECT DISTINCT feed FROM rounds").fetchall()]
        mapping = dict(ctx.feeds)
        oracle = ctx.contract("SignedPriceOracle")
        if not mapping and len(feeds) == 1 and oracle is not None:
            mapping = {feeds[0]: str(oracle.address)}
        for feed in feeds:
            if feed not in mapping:
                found.append(
                    Mismatch(
                        "oracle",
                        f"feed {feed}",
                        Value("--feed", "NAME=ORACLE_ADDRESS"),
                        Value(state, "a feed with no oracle address given"),
                    )
                )
                continue
            contract = project.SignedPriceOracle.at(mapping[feed])
            chain_ts = int(contract.latest_timestamp(block_id=ctx.block))
            chain_price = int(contract.latest_price(block_id=ctx.block))
            row = conn.execute(
                "SELECT timestamp, price FROM rounds WHERE feed = ? AND status = 'published'"
                " ORDER BY timestamp DESC LIMIT 1",
                (feed,),
            ).fetchone()
            if row is not None:
                ts, price = int(row[0]), int(row[1])
                if ts > chain_ts:
                    found.append(
                        Mismatch(
                            "oracle",
                            f"feed {feed} last round",
                            Value(ctx.chain(f"{mapping[feed]}.latest_timestamp()"), chain_ts),
                            Value(f"{state}: last published timestamp", ts),
                        )
                    )
                elif ts == chain_ts and price != chain_price:
                    found.append(
                        Mismatch(
                            "oracle",
                            f"feed {feed} round {ts} price",
                            Value(ctx.chain(f"{mapping[feed]}.latest_price()"), chain_price),
                            Value(f"{state}: published price of round {ts}", price),
                        )
                    )
            for (ts,) in conn.execute(
                "SELECT timestamp FROM rounds WHERE feed = ? AND status = 'pending' AND timestamp <= ?",
                (feed, chain_ts),
            ).fetchall():
                found.append(
                    Mismatch(
                        "oracle",
                        f"feed {feed} round {ts}",
                        Value(ctx.chain(f"{mapping[feed]}.latest_timestamp()"), chain_ts),
                        Value(f"{state}: round still pending", int(ts)),
                    )
                )
    finally:
        conn.close()
    return found


# -- keeper and watcher ---------------------------------------------------------------------------------------------


def check_keeper(ctx: Context) -> list[Mismatch]:
    assert ctx.keeper_state is not None
    vault = ctx.contract("ThetaVault")
    epoch = int(vault.epoch(block_id=ctx.block))
    conn = sqlite3.connect(f"file:{ctx.keeper_state}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT vault, epoch, status FROM rolls").fetchall()
    finally:
        conn.close()
    found = []
    for address, rolled, status in rows:
        if address.lower() != str(vault.address).lower():
            continue
        if status == "done" and int(rolled) >= epoch:
            found.append(
                Mismatch(
                    "keeper",
                    f"vault {address} roll of epoch {rolled}",
                    Value(ctx.chain("ThetaVault.epoch()"), epoch),
                    Value(f"keeper state {ctx.keeper_state.name}: roll done for epoch", int(rolled)),
                )
            )
        elif status == "pending" and int(rolled) < epoch:
            found.append(
                Mismatch(
                    "keeper",
                    f"vault {address} roll of epoch {rolled}",
                    Value(ctx.chain("ThetaVault.epoch()"), epoch),
                    Value(f"keeper state {ctx.keeper_state.name}: roll still pending", int(rolled)),
                )
            )
    return found


def check_watcher(ctx: Context) -> list[Mismatch]:
    assert ctx.watcher_state is not None
    ledger = ctx.contract("SettlementLedger")
    saved = json.loads(ctx.watcher_state.read_text())
    count = int(ledger.batchCount(block_id=ctx.block))
    found = []
    for number, row in sorted(saved.get("seen", {}).items(), key=lambda kv: int(kv[0])):
        root = Posted.from_json(row).root.hex()
        chain_root = bytes(ledger.batches(int(number), block_id=ctx.block).root) if int(number) <= count else b""
        differ(
            found,
            "watcher",
            f"ledger batch {number}",
            Value(ctx.chain(f"batches({number}).root"), chain_root),
            Value(f"watcher state {ctx.watcher_state.name}: seen[{number}]", bytes.fromhex(root)),
        )
    return found


# -- the event index against chain state ----------------------------------------------------------------------------


def _indexed(ctx: Context, names: tuple[str, ...]) -> list[Any]:
    """The indexed events of these names up to the block the check reads the chain at."""
    assert ctx.index is not None
    return [s for s in ctx.index.events(names=names) if s.event.block <= ctx.block]


def check_vault(ctx: Context) -> list[Mismatch]:
    vault = ctx.contract("ThetaVault")
    address = str(vault.address).lower()
    events = [
        s.event
        for s in _indexed(ctx, ("DepositRequest", "RedeemRequest", "EpochRolled", "Transfer"))
        if s.event.contract == address
    ]
    requested = sum(int(e.args["assets"]) for e in events if e.name == "DepositRequest")
    taken = sum(int(e.args["deposits"]) for e in events if e.name == "EpochRolled")
    shares_requested = sum(int(e.args["shares"]) for e in events if e.name == "RedeemRequest")
    redeemed = sum(int(e.args["redemptions"]) for e in events if e.name == "EpochRolled")
    supply = sum(_minted(e) for e in events if e.name == "Transfer")
    pairs = [
        (
            "pending deposits",
            "total_pending_deposits()",
            requested - taken,
            "sum(DepositRequest.assets) - sum(EpochRolled.deposits)",
        ),
        (
            "pending redemptions",
            "total_pending_redeem_shares()",
            shares_requested - redeemed,
            "sum(RedeemRequest.shares) - sum(EpochRolled.redemptions)",
        ),
        ("share supply", "totalSupply()", supply, "share Transfer mints - burns"),
    ]
    found = []
    for subject, view, expected, how in pairs:
        actual = int(getattr(vault, view.removesuffix("()"))(block_id=ctx.block))
        differ(
            found,
            "vault",
            f"vault {address} {subject}",
            Value("index: " + how, expected),
            Value(ctx.chain(f"ThetaVault.{view}"), actual),
        )
    return found


def _minted(event: Any) -> int:
    """What a Transfer adds to the supply: +value when minted, -value when burned."""
    value = int(event.args["value"])
    return (value if event.args["sender"] == ZERO else 0) - (value if event.args["receiver"] == ZERO else 0)


def check_options(ctx: Context) -> list[Mismatch]:
    from ape import project

    assert ctx.index is not None
    engine = ctx.contract("OptionsEngine")
    events = _indexed(ctx, ("OptionsWritten", "OptionsBurned", "OptionsRedeemed", "CollateralReclaimed", "Transfer"))
    collateral: dict[int, int] = defaultdict(int)
    supply: dict[str, int] = defaultdict(int)
    for stored in events:
        e = stored.event
        if stored.source == "OptionToken" and e.name == "Transfer":
            supply[e.contract] += _minted(e)
        elif e.name == "OptionsWritten":
            collateral[int(e.args["seriesId"])] += int(e.args["collateral"])
        elif e.name == "OptionsBurned":
            collateral[int(e.args["seriesId"])] -= int(e.args["collateralReleased"])
        elif e.name == "OptionsRedeemed":
            collateral[int(e.args["seriesId"])] -= int(e.args["payout"])
        elif e.name == "CollateralReclaimed":
            collateral[int(e.args["seriesId"])] -= int(e.args["collateral"])
    found = []
    for address, (source, series, since) in sorted(ctx.index.contracts().items()):
        if source != "OptionToken" or series is None or since > ctx.block:
            continue
        token = project.OptionToken.at(address)
        chain_supply = int(token.totalSupply(block_id=ctx.block))
        differ(
            found,
            "options",
            f"series {series} supply",
            Value("index: option token Transfer mints - burns", supply[address]),
            Value(ctx.chain(f"OptionToken({address}).totalSupply()"), chain_supply),
        )
        held = int(engine.seriesCollateral(series, block_id=ctx.block))
        differ(
            found,
            "options",
            f"series {series} collateral",
            Value("index: written - burned - redeemed - reclaimed collateral", collateral[series]),
            Value(ctx.chain(f"OptionsEngine.seriesCollateral({series})"), held),
        )
        if not bool(engine.isSettled(series, block_id=ctx.block)):
            needed = int(engine.collateralFor(series, chain_supply, block_id=ctx.block))
            if held < needed:
                found.append(
                    Mismatch(
                        "options",
                        f"series {series} full collateralization",
                        Value(ctx.chain(f"OptionsEngine.collateralFor({series}, supply)"), needed),
                        Value(ctx.chain(f"OptionsEngine.seriesCollateral({series})"), held),
                    )
                )
    return found


def check_ledger(ctx: Context) -> list[Mismatch]:
    from ape import project

    ledger = ctx.contract("SettlementLedger")
    address = str(ledger.address).lower()
    events = _indexed(ctx, ("Deposited", "Withdrawn", "LeafApplied", "Settled", "ExpiredClaimed"))
    cash_asset = str(ledger.CASH()).lower()
    balances: dict[str, int] = defaultdict(int)
    settled = 0
    for stored in events:
        e = stored.event
        if e.contract != address:
            continue
        if e.name == "Deposited":
            balances[e.args["account"]] += int(e.args["amount"])
        elif e.name == "Withdrawn":
            balances[e.args["account"]] -= int(e.args["amount"])
        elif e.name == "LeafApplied":
            balances[e.args["account"]] += int(e.args["cash"])
        elif e.name == "ExpiredClaimed":  # an expired put's share is credited to the cash balance (issue 18)
            if str(e.args["asset"]).lower() == cash_asset:
                balances[e.args["account"]] += int(e.args["share"])
        else:
            settled = max(settled, int(e.args["throughBatch"]))
    found = []
    for account, expected in sorted(balances.items()):
        actual = int(ledger.balanceOf(account, block_id=ctx.block))
        differ(
            found,
            "ledger",
            f"cash of {account}",
            Value("index: Deposited - Withdrawn + LeafApplied.cash + ExpiredClaimed.share (cash)", expected),
            Value(ctx.chain(f"SettlementLedger.balanceOf({account})"), actual),
        )
    chain_settled = int(ledger.settledThrough(block_id=ctx.block))
    differ(
        found,
        "ledger",
        "settled batches",
        Value("index: last Settled.throughBatch", settled),
        Value(ctx.chain("SettlementLedger.settledThrough()"), chain_settled),
    )
    cash = project.MockERC20.at(ledger.CASH())  # any ERC-20's balanceOf
    held = int(cash.balanceOf(ledger.address, block_id=ctx.block))
    owed = sum(balances.values())
    if held < owed:
        found.append(
            Mismatch(
                "ledger",
                "solvency",
                Value("index: sum of account cash", owed),
                Value(ctx.chain("CASH.balanceOf(ledger)"), held),
            )
        )
    return found


def check_auctions(ctx: Context) -> list[Mismatch]:
    """The BatchAuction's auctions, bids and outbid bids as the index tells them against its state; the vault's
    premium (AuctionFinished) against the auction's proceeds; and the auction contract holding, per token, what it
    owes: every escrow (outbid bids' included) - refunds - proceeds paid (cash), supplies - fills - unsold returned
    (options)."""
    from ape import project

    from strikeforge.ops.statement import escrow

    found: list[Mismatch] = []
    auction = ctx.contract("BatchAuction")
    if auction is None:
        return found
    address = str(auction.address).lower()
    names = (
        "AuctionCreated",
        "AuctionSettled",
        "SellerClaimed",
        "BidPlaced",
        "BidClaimed",
        "BidOutbid",
        "OutbidRefunded",
        "AuctionFinished",
    )
    events = [s.event for s in _indexed(ctx, names)]
    created = {int(e.args["auctionId"]): e.args for e in events if e.contract == address and e.name == "AuctionCreated"}
    by_id: dict[str, dict[int, Any]] = defaultdict(dict)
    bids: dict[tuple[int, int], dict[str, Any]] = {}  # each slot's standing bid (`outbid` replaces one)
    claims: dict[tuple[int, int], dict[str, Any]] = {}
    outbids: dict[tuple[int, int], dict[str, Any]] = {}  # by outbid index
    outbid_refunds: dict[tuple[int, int], dict[str, Any]] = {}
    owed: dict[str, int] = defaultdict(int)  # token -> what the auction contract still owes in it
    for e in events:
        if e.contract == address and e.name in ("AuctionSettled", "SellerClaimed"):
            by_id[e.name][int(e.args["auctionId"])] = e.args
        elif e.contract == address and e.name in ("BidPlaced", "BidClaimed"):
            key = (int(e.args["auctionId"]), int(e.args["bidId"]))
            (bids if e.name == "BidPlaced" else claims)[key] = e.args
            if e.name == "BidPlaced" and key[0] in created:  # every escrow, a bid outbid later included
                owed[str(created[key[0]]["cash"])] += escrow(int(e.args["size"]), int(e.args["limit"]))
        elif e.contract == address and e.name in ("BidOutbid", "OutbidRefunded"):
            key = (int(e.args["auctionId"]), int(e.args["outbidIndex"]))
            (outbids if e.name == "BidOutbid" else outbid_refunds)[key] = e.args
        elif e.name == "AuctionFinished" and int(e.args["auction"]) in created:
            by_id["AuctionFinished"][int(e.args["auction"])] = e.args | {"vault": e.contract}

    def compare(subject: str, how: str, expected: Any, view: str, actual: Any) -> None:
        differ(found, "auction", subject, Value("index: " + how, expected), Value(ctx.chain(view), actual))

    for auction_id, terms in sorted(created.items()):
        state = auction.auctionOf(auction_id, block_id=ctx.block)
        view = f"BatchAuction.auctionOf({auction_id})"
        subject = f"auction {auction_id}"
        settled = by_id["AuctionSettled"].get(auction_id)
        seller = by_id["SellerClaimed"].get(auction_id)
        compare(f"{subject} supply", "AuctionCreated.supply", int(terms["supply"]), f"{view}.supply", int(state.supply))
        compare(
            f"{subject} settled", "AuctionSettled seen", settled is not None, f"{view}.settled", bool(state.settled)
        )
        if settled is not None:
            for field_ in ("clearingPrice", "proceeds"):
                compare(
                    f"{subject} {field_}",
                    f"AuctionSettled.{field_}",
                    int(settled[field_]),
                    f"{view}.{field_}",
                    int(getattr(state, field_)),
                )
        compare(
            f"{subject} seller claimed",
            "SellerClaimed seen",
            seller is not None,
            f"{view}.sellerClaimed",
            bool(state.sellerClaimed),
        )
        finished = by_id["AuctionFinished"].get(auction_id)
        if finished is not None:  # the vault booked as its premium what the auction says it raised
            compare(
                f"{subject} premium of vault {finished['vault']}",
                "AuctionFinished.proceeds",
                int(finished["proceeds"]),
                f"{view}.proceeds",
                int(state.proceeds),
            )
        owed[str(terms["sold"])] += int(terms["supply"])
        if seller is not None:
            owed[str(terms["cash"])] -= int(seller["proceeds"])
            owed[str(terms["sold"])] -= int(seller["unsold"])
    for (auction_id, bid_id), placed in sorted(bids.items()):
        subject, view = f"auction {auction_id} bid {bid_id}", f"BatchAuction.bidOf({auction_id}, {bid_id})"
        _, size, limit, claimed = auction.bidOf(auction_id, bid_id, block_id=ctx.block)
        compare(f"{subject} size", "BidPlaced.size", int(placed["size"]), f"{view}.size", int(size))
        compare(f"{subject} limit", "BidPlaced.limit", int(placed["limit"]), f"{view}.limitPrice", int(limit))
        claim = claims.get((auction_id, bid_id))
        compare(f"{subject} claimed", "BidClaimed seen", claim is not None, f"{view}.claimed", bool(claimed))
        terms = created.get(auction_id)
        if terms is None:
            continue
        if claim is not None:
            filled, _, refund = auction.outcomeOf(auction_id, bid_id, block_id=ctx.block)
            view = f"BatchAuction.outcomeOf({auction_id}, {bid_id})"
            compare(f"{subject} fill", "BidClaimed.filled", int(claim["filled"]), f"{view}.filled", int(filled))
            compare(f"{subject} refund", "BidClaimed.refund", int(claim["refund"]), f"{view}.refund", int(refund))
            owed[str(terms["cash"])] -= int(claim["refund"])
            owed[str(terms["sold"])] -= int(claim["filled"])
    for (auction_id, index), pushed in sorted(outbids.items()):
        subject, view = f"auction {auction_id} outbid {index}", f"BatchAuction.outbidOf({auction_id}, {index})"
        _, size, limit, claimed = auction.outbidOf(auction_id, index, block_id=ctx.block)
        compare(f"{subject} size", "BidOutbid.size", int(pushed["size"]), f"{view}.size", int(size))
        compare(f"{subject} limit", "BidOutbid.limit", int(pushed["limit"]), f"{view}.limitPrice", int(limit))
        refunded = outbid_refunds.get((auction_id, index))
        compare(f"{subject} refunded", "OutbidRefunded seen", refunded is not None, f"{view}.claimed", bool(claimed))
        if refunded is not None and auction_id in created:
            owed[str(created[auction_id]["cash"])] -= int(refunded["refund"])
    for token, amount in sorted(owed.items()):
        held = int(project.MockERC20.at(token).balanceOf(auction.address, block_id=ctx.block))  # any ERC-20's
        if held < amount:
            found.append(
                Mismatch(
                    "auction",
                    f"solvency in {token}",
                    Value("index: escrows - refunds - proceeds paid; supplies - fills - unsold returned", amount),
                    Value(ctx.chain(f"{token}.balanceOf(BatchAuction)"), held),
                )
            )
    return found


def check_oracle_events(ctx: Context) -> list[Mismatch]:
    """Each signed oracle's (prices and implied vol) last indexed round against its state."""
    found: list[Mismatch] = []
    indexed = [s.event for s in _indexed(ctx, ("PriceUpdated",))]
    for oracle in ctx.contracts("SignedPriceOracle"):
        address = str(oracle.address).lower()
        updates = [event for event in indexed if event.contract == address]
        if not updates:
            continue
        last = updates[-1].args
        for field_, view in (("price", "latest_price"), ("timestamp", "latest_timestamp")):
            actual = int(getattr(oracle, view)(block_id=ctx.block))
            differ(
                found,
                "oracle",
                f"SignedPriceOracle {address} {field_}",
                Value(f"index: last PriceUpdated.{field_}", int(last[field_])),
                Value(ctx.chain(f"SignedPriceOracle.{view}()"), actual),
            )
    return found


CHECKS: list[tuple[str, str | None, Callable[[Context], list[Mismatch]]]] = [
    ("manifest", None, check_manifest),
    ("sequencer", "sequencer_db", check_sequencer),
    ("oracle node", "oracle_state", check_oracle_state),
    ("keeper", "keeper_state", check_keeper),
    ("watcher", "watcher_state", check_watcher),
    ("vault", "index", check_vault),
    ("options", "index", check_options),
    ("ledger", "index", check_ledger),
    ("auctions", "index", check_auctions),
    ("oracle prices", "index", check_oracle_events),
]


def reconcile(ctx: Context) -> list[Mismatch]:
    """Every check whose record was given; `ctx.ran` lists them. A check that raises is itself a mismatch."""
    found: list[Mismatch] = []
    for name, needs, check in CHECKS:
        if needs is not None and getattr(ctx, needs) is None:
            continue
        ctx.ran.append(name)
        try:
            found += check(ctx)
        except Exception as error:  # an unreadable record is a finding, not a crash
            found.append(
                Mismatch(
                    name,
                    "record unreadable",
                    Value("a readable record", "-"),
                    Value(str(getattr(ctx, needs or "manifest_path")), f"{type(error).__name__}: {error}"),
                )
            )
    return found
