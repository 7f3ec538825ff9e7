"""Account statements from the event index: trades, fees, premiums, option positions, settlements, deposits and
withdrawals, per account and period, with totals that reconcile to chain state at the statement's end block.

Three balances are tracked through events and checked against the chain at the end block:

- `ledger_cash`: the SettlementLedger's `balanceOf` (Deposited +, Withdrawn -, LeafApplied's signed cash, and an
  expired series' share paid in cash, ExpiredClaimed);
- `vault_shares`: the ThetaVault's share `balanceOf` (its Transfer events);
- `options:<series>`: each option token's `balanceOf` (its Transfer events).

Every other row (a deposit request, a bid's escrow and refund, a premium, a fee received, a settlement payout) is
reported with its amount in the named asset's base units but moves no tracked balance: those amounts live in wallets
the protocol does not hold. Amounts are integers in base units, written as decimal strings (never floats).

Premiums. The vault sells each epoch's options in the BatchAuction. A bidder's cash moves there: `auction bid` (its
escrow, ceil(size * limit / 1e18), out) at BidPlaced and `auction refund` (escrow minus what the fill cost, in) at
BidClaimed, or the whole escrow at OutbidRefunded for a bid another outbid from a full book; so a bidder's premium is
its bids plus its refunds. Its options arrive at BidClaimed (`auction fill`, with the option token's Transfer moving
`options:<series>`). The vault's premium is the auction's proceeds (`premium` at its AuctionFinished, on the vault's
own statement).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, time
from typing import Any

from strikeforge.ops.index import EventIndex, Stored

LEDGER, SHARES = "ledger_cash", "vault_shares"
PRICE_SCALE = 10**18  # BatchAuction: prices are cash base units per 1e18 sold units


class StatementError(ValueError):
    """Bad statement input; names the option and the fix."""


@dataclass(frozen=True)
class Row:
    time: str
    block: int
    tx: str
    account: str
    kind: str
    contract: str
    series: str
    asset: str
    amount: str  # signed, base units: positive to the account
    balance: str  # the tracked balance it moves, or ""
    details: str


@dataclass
class Total:
    opening: int = 0
    change: int = 0
    chain: int | None = None
    # Indexed activity after the end block (up to the index's cursor): what the chain's later balance is corrected
    # by when the end block's state is no longer available (a pruned chain or a non-archive node).
    after: int = 0
    # How `chain` was read: "" at the end block itself, else "block N minus later activity" (see `after`).
    chain_source: str = ""

    @property
    def closing(self) -> int:
        return self.opening + self.change

    @property
    def ok(self) -> bool:
        return self.chain is None or self.chain == self.closing

    @property
    def verified(self) -> bool:
        """Checked against the end block's own state. A total read at the cursor less later activity (`chain_source`)
        only shows the index's sum up to the cursor agrees with the chain: events it lost in the period and after it
        that cancel out go unseen, so its closing is consistent, not verified."""
        return self.chain is not None and not self.chain_source

    @property
    def verdict(self) -> str:
        if not self.ok:
            return "MISMATCH"
        return "reconciled" if self.verified or self.chain is None else "unverified (end block's state pruned)"


@dataclass
class Statement:
    account: str
    start: int
    end: int
    end_block: int
    screening: str
    rows: list[Row] = field(default_factory=list)
    totals: dict[str, Total] = field(default_factory=dict)

    @property
    def reconciled(self) -> bool:
        return all(t.ok for t in self.totals.values())

    @property
    def verified(self) -> bool:
        """Every total checked at the end block itself (none from the pruned-state fallback)."""
        return all(t.verified or t.chain is None for t in self.totals.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.account,
            "from": _iso(self.start),
            "to": _iso(self.end),
            "end_block": self.end_block,
            "screening": self.screening,
            "reconciled": self.reconciled,
            "verified": self.verified,
            "totals": {
                name: {
                    "opening": str(t.opening),
                    "change": str(t.change),
                    "closing": str(t.closing),
                    "chain": None if t.chain is None else str(t.chain),
                    "chain_source": t.chain_source or f"block {self.end_block}",
                    "ok": t.ok,
                    "verified": t.verified,
                }
                for name, t in sorted(self.totals.items())
            },
            "rows": [asdict(r) for r in self.rows],
        }


# A node's own words for "that block's state is gone", lower case: geth (hash scheme; path scheme; "header not
# found" for a block it has no header of), erigon, reth and nethermind. anvil's BlockOutOfRangeError is told apart by
# its numbers (it says the same for a block above the head, which is not pruned state).
STATE_GONE = (
    "missing trie node",
    "header not found",
    "historical state not available",
    "historical state is not available",
    "required historical state unavailable",
    "old data not available due to pruning",
    "no state available for block",
)
_ANVIL_OUT_OF_RANGE = re.compile(r"blockoutofrangeerror: block height is (\d+) but requested was (\d+)")
_RETH_PRUNED = re.compile(r"state at block #?\d+ is pruned")


def state_unavailable(exc: BaseException) -> bool:
    """True when a read failed because the node no longer holds that block's state (anvil under --prune-history,
    non-archive geth, erigon, reth, nethermind), in the node's own words. A revert is the contract's answer, never
    missing state, whatever its message; any other error is a real failure."""
    from ape.exceptions import ContractLogicError

    if isinstance(exc, ContractLogicError):
        return False
    text = str(exc).lower()
    if anvil := _ANVIL_OUT_OF_RANGE.search(text):
        return int(anvil.group(2)) < int(anvil.group(1))
    return any(marker in text for marker in STATE_GONE) or _RETH_PRUNED.search(text) is not None


# -- dates ----------------------------------------------------------------------------------------------------------


def parse_time(text: str, option: str, end_of_day: bool = False) -> int:
    """Unix seconds from `YYYY-MM-DD` (UTC; the day's end for `--to`), an ISO datetime, or unix seconds."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=UTC)
            moment = datetime.combine(day.date(), time.max if end_of_day else time.min, UTC)
            return int(moment.timestamp())
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise StatementError(
            f"{option}: {text!r} is not a date; use YYYY-MM-DD (UTC), an ISO datetime or unix seconds"
        ) from None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp())


def _iso(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).isoformat().replace("+00:00", "Z")


def block_at(timestamp: int, top: int) -> int:
    """The last block at or before `timestamp` (binary search over block times; -1 if none), at most `top`."""
    from ape import chain

    low, high = 0, top
    if int(chain.blocks[0].timestamp) > timestamp:
        return -1
    while low < high:
        middle = (low + high + 1) // 2
        if int(chain.blocks[middle].timestamp) <= timestamp:
            low = middle
        else:
            high = middle - 1
    return low


# -- rows -----------------------------------------------------------------------------------------------------------


def escrow(size: int, limit: int) -> int:
    """What a BatchAuction bid escrows: ceil(size * limit / 1e18)."""
    return -(-size * limit // PRICE_SCALE)


def rows_of(stored: Stored, account: str, token_series: int | None = None, ledger_cash: str | None = None) -> list[Row]:
    """What one event means for `account` (an event can concern it twice, e.g. a transfer to itself);
    `token_series` is the series of the option token that emitted it, or that the auction it concerns sells;
    `ledger_cash` the lower-case cash token of the SettlementLedger that emitted it, if one did (an expiry payout in it
    is ledger cash)."""
    e, a = stored.event, stored.event.args
    base = {"time": _iso(stored.timestamp), "block": e.block, "tx": e.tx, "account": account, "contract": stored.source}

    def row(kind: str, amount: int, asset: str, balance: str = "", series: Any = "", details: str = "") -> Row:
        return Row(
            **base, kind=kind, series=str(series), asset=asset, amount=str(amount), balance=balance, details=details
        )

    name, source, out = e.name, stored.source, []
    if name == "Transfer" and source in ("ThetaVault", "OptionToken"):
        series = "" if token_series is None else token_series
        balance = SHARES if source == "ThetaVault" else f"options:{series}"
        asset = "vault shares" if source == "ThetaVault" else f"options (series {series})"
        kind = "shares" if source == "ThetaVault" else "option position"
        if a["sender"] == account:
            out.append(row(kind, -int(a["value"]), asset, balance, series, f"to {a['receiver']}"))
        if a["receiver"] == account:
            out.append(row(kind, int(a["value"]), asset, balance, series, f"from {a['sender']}"))
    elif source == "SettlementLedger" and name in (
        "Deposited",
        "Withdrawn",
        "LeafApplied",
        "WithdrawalRequested",
        "ExpiredClaimed",
    ):
        if a["account"] != account:
            return []
        if name == "ExpiredClaimed":  # issue 18: the account's share of an expired series the ledger redeemed
            in_cash = ledger_cash is not None and str(a["asset"]).lower() == ledger_cash
            where = ("ledger cash", LEDGER) if in_cash else (f"payout ({a['asset']})", None)
            out.append(row("expiry payout", int(a["share"]), where[0], where[1], str(a["series"])))
        elif name == "Deposited":
            out.append(row("deposit", int(a["amount"]), "ledger cash", LEDGER))
        elif name == "Withdrawn":
            out.append(row("withdrawal", -int(a["amount"]), "ledger cash", LEDGER))
        elif name == "WithdrawalRequested":
            ready = f", executable from {a['readyAt']}" if "readyAt" in a else ""
            out.append(row("withdrawal request", 0, "ledger cash", details=f"requested {a['amount']}{ready}"))
        else:
            out.append(
                row(
                    "trade settlement",
                    int(a["cash"]),
                    "ledger cash",
                    LEDGER,
                    details=f"netted trades of batch {a['batch']} (leaf {a['index']})",
                )
            )
    elif source == "ThetaVault":
        if name == "DepositRequest" and a["owner"] == account:
            out.append(
                row(
                    "deposit request",
                    -int(a["assets"]),
                    "vault asset",
                    details=f"for controller {a['controller']}, settled at the next roll",
                )
            )
        elif name == "Deposit" and a["owner"] == account:
            out.append(row("deposit claimed", int(a["shares"]), "vault shares", details=f"for {a['assets']} assets"))
        elif name == "RedeemRequest" and a["owner"] == account:
            out.append(row("withdrawal request", -int(a["shares"]), "vault shares", details="shares queued"))
        elif name == "Withdraw" and a["receiver"] == account:
            out.append(row("withdrawal", int(a["assets"]), "vault asset", details=f"for {a['shares']} shares"))
        elif name == "FeesCharged" and a["recipient"] == account:
            fee = int(a["management"]) + int(a["performance"])
            out.append(
                row(
                    "fee",
                    fee,
                    "vault asset",
                    details=f"epoch {a['epoch']}: management {a['management']}, performance {a['performance']}",
                )
            )
        elif name == "AuctionFinished" and e.contract == account:
            out.append(
                row(
                    "premium",
                    int(a["proceeds"]),
                    "vault asset",
                    series=a["series"],
                    details=f"auction {a['auction']}: {a['sold']} options sold at {a['clearing_price']},"
                    f" {a['unsold']} unsold",
                )
            )
    elif source == "BatchAuction":
        series = "" if token_series is None else token_series
        if name == "BidPlaced" and a["bidder"] == account:
            size, limit = int(a["size"]), int(a["limit"])
            out.append(
                row(
                    "auction bid",
                    -escrow(size, limit),
                    "vault asset",
                    series=series,
                    details=f"auction {a['auctionId']} bid {a['bidId']}: {size} options at up to {limit}, escrowed",
                )
            )
        elif name == "BidClaimed" and a["to"] == account:
            bid = f"auction {a['auctionId']} bid {a['bidId']}"
            out.append(row("auction refund", int(a["refund"]), "vault asset", series=series, details=f"{bid}: refund"))
            asset = f"options (series {series})" if series != "" else "options"
            out.append(row("auction fill", int(a["filled"]), asset, series=series, details=f"{bid}: options filled"))
        elif name == "OutbidRefunded" and a["to"] == account:  # a bid pushed out of a full book: all its escrow
            details = f"auction {a['auctionId']} outbid {a['outbidIndex']}: escrow refunded"
            out.append(row("auction refund", int(a["refund"]), "vault asset", series=series, details=details))
    elif source == "OptionsEngine":
        if name == "OptionsWritten" and account in (a["writer"], a["to"]):
            out.append(
                row(
                    "options written",
                    int(a["amount"]),
                    "options",
                    series=a["seriesId"],
                    details=f"collateral {a['collateral']} from {a['writer']}",
                )
            )
        elif name == "OptionsRedeemed" and a["holder"] == account:
            out.append(
                row(
                    "settlement payout",
                    int(a["payout"]),
                    "collateral",
                    series=a["seriesId"],
                    details=f"{a['amount']} options redeemed",
                )
            )
        elif name == "CollateralReclaimed" and a["writer"] == account:
            out.append(row("collateral reclaimed", int(a["collateral"]), "collateral", series=a["seriesId"]))
        elif name == "OptionsBurned" and a["writer"] == account:
            out.append(
                row(
                    "options burned",
                    -int(a["amount"]),
                    "options",
                    series=a["seriesId"],
                    details=f"collateral released {a['collateralReleased']}",
                )
            )
    return out


# -- building -------------------------------------------------------------------------------------------------------


class Statements:
    """Statements from one index; chain balances are read at each statement's end block."""

    def __init__(self, index: EventIndex, denylist: Any | None = None) -> None:
        self.index = index
        self.denylist = denylist
        self.contracts = index.contracts()
        self.by_source: dict[str, list[tuple[str, int | None]]] = {}
        for address, (source, series, _) in self.contracts.items():
            self.by_source.setdefault(source, []).append((address, series))
        self._instances: dict[str, Any] = {}
        # Each auction's series: the option token it sells (AuctionCreated.sold), by (auction contract, auction id).
        self.auction_series: dict[tuple[str, int], int | None] = {}
        for stored in index.events(names=("AuctionCreated",)):
            if stored.source == "BatchAuction":
                token = self.contracts.get(str(stored.event.args["sold"]))
                series = token[1] if token and token[0] == "OptionToken" else None
                self.auction_series[(stored.event.contract, int(stored.event.args["auctionId"]))] = series

    def _at(self, source: str, address: str) -> Any:
        """The Ape contract at `address` (made once: `.at` reads the chain)."""
        if address not in self._instances:
            from ape import project

            self._instances[address] = getattr(project, source).at(address)
        return self._instances[address]

    def build(self, account: str, start: int, end: int, end_block: int | None = None) -> Statement:
        """`account`'s statement for [start, end]; `end_block` is the last block at or before `end` if known."""
        if end < start:
            raise StatementError(f"--to: {_iso(end)} is before --from {_iso(start)}; swap them")
        account = account.lower()
        if end_block is None:
            end_block = self._end_block(end)
        screening = "not screened" if self.denylist is None else ("listed" if account in self.denylist else "clear")
        statement = Statement(account, start, end, end_block, screening)
        in_range: set[str] = set()  # balances the account touched up to the end block
        for stored in self.index.events(account=account):
            later = stored.event.block > end_block
            in_period = stored.timestamp >= start
            cash = self._ledger_cash(stored.event.contract) if stored.source == "SettlementLedger" else None
            for row in rows_of(stored, account, self._series_of(stored), cash):
                if later:
                    if row.balance:
                        statement.totals.setdefault(row.balance, Total()).after += int(row.amount)
                    continue
                if row.balance:
                    in_range.add(row.balance)
                    total = statement.totals.setdefault(row.balance, Total())
                    if in_period:
                        total.change += int(row.amount)
                    else:
                        total.opening += int(row.amount)
                if in_period:
                    statement.rows.append(row)
        for key in [k for k in statement.totals if k.startswith("options:") and k not in in_range]:
            del statement.totals[key]  # a series the account first held after the end block: not in this statement
        self._chain_balances(statement)
        return statement

    def _ledger_cash(self, address: str) -> str:
        """A SettlementLedger's cash token (lower case), read once."""
        cache = self.__dict__.setdefault("_cash_of", {})
        if address not in cache:
            cache[address] = str(self._at("SettlementLedger", address).CASH()).lower()
        return cache[address]

    def _series_of(self, stored: Stored) -> int | None:
        """The series an event concerns: its option token's, or the series its auction sells."""
        if stored.source == "BatchAuction" and "auctionId" in stored.event.args:
            return self.auction_series.get((stored.event.contract, int(stored.event.args["auctionId"])))
        token = self.contracts.get(stored.event.contract)
        return token[1] if token and token[0] == "OptionToken" else None

    def _end_block(self, end: int) -> int:
        cursor = self.index.cursor()
        if cursor < 0:
            raise StatementError("index: nothing indexed yet; run `strikeforge index` first")
        return block_at(end, cursor)

    def _chain_balances(self, statement: Statement) -> None:
        """Reads each tracked balance at the end block (and the ledger's and vault's even without activity). When the
        chain no longer has that block's state (a pruned local chain, a non-archive node), the balance is read at the
        index's cursor and the indexed activity between the two blocks is taken off; the total says so."""
        if statement.end_block < 0:
            return
        reads: dict[str, list[Any]] = {}  # a total's key -> every contract it covers (their balances add up)
        for address, _ in self.by_source.get("SettlementLedger", []):
            statement.totals.setdefault(LEDGER, Total())
            reads.setdefault(LEDGER, []).append(self._at("SettlementLedger", address))
        for address, _ in self.by_source.get("ThetaVault", []):
            statement.totals.setdefault(SHARES, Total())
            reads.setdefault(SHARES, []).append(self._at("ThetaVault", address))
        for address, series in self.by_source.get("OptionToken", []):
            key = f"options:{series}"
            if key in statement.totals:
                reads.setdefault(key, []).append(self._at("OptionToken", address))

        def balance(contracts: list[Any], block: int) -> int:
            return sum(int(contract.balanceOf(statement.account, block_id=block)) for contract in contracts)

        for key, contracts in reads.items():
            total = statement.totals[key]
            try:
                total.chain = balance(contracts, statement.end_block)
            except Exception as exc:
                if not state_unavailable(exc):
                    raise
                cursor = self.index.cursor()
                try:
                    later = balance(contracts, cursor)
                except Exception as again:
                    if not state_unavailable(again):
                        raise
                    raise StatementError(
                        f"the chain has neither block {statement.end_block}'s state nor the index's block {cursor}'s"
                        " (pruned history); run `strikeforge index` to bring the index to the head, or use an archive"
                        " node"
                    ) from None
                total.chain = later - total.after
                total.chain_source = f"block {cursor} minus later activity (block {statement.end_block}'s state pruned)"

    def all_accounts(self, start: int, end: int) -> list[Statement]:
        """One statement per account the index has seen, protocol contracts excluded."""
        end_block = self._end_block(end)
        return [self.build(a, start, end, end_block) for a in self.index.accounts() if a not in self.contracts]


# -- output ---------------------------------------------------------------------------------------------------------

COLUMNS = [f for f in Row.__dataclass_fields__]


def to_csv(statements: list[Statement]) -> str:
    """Rows of every statement, then per account and balance a `total` row (closing, with the chain's value)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*COLUMNS, "screening"])
    for s in statements:
        for row in s.rows:
            writer.writerow([*(getattr(row, c) for c in COLUMNS), s.screening])
        for name, total in sorted(s.totals.items()):
            source = f" ({total.chain_source})" if total.chain_source else ""
            details = f"opening {total.opening}; change {total.change}; chain {total.chain}{source}; {total.verdict}"
            end_time = _iso(s.end)
            writer.writerow(
                [
                    end_time,
                    s.end_block,
                    "",
                    s.account,
                    "total",
                    "",
                    "",
                    name,
                    str(total.closing),
                    name,
                    details,
                    s.screening,
                ]
            )
    return out.getvalue()


def to_json(statements: list[Statement]) -> str:
    documents = [s.to_json() for s in statements]
    return json.dumps(documents[0] if len(documents) == 1 else documents, indent=2) + "\n"
