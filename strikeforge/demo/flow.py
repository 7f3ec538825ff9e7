"""One epoch of Strikeforge end to end on a local chain, through the same code operators run: the deployment
(strikeforge.deploy), the oracle node (strikeforge.oracle) fed from a replay file, the keeper (strikeforge.keeper),
the settlement sequencer with its HTTP API, clients and watcher (strikeforge.settlement).

Cast (Ape test accounts; see deployments/config/ethereum-local.yaml): alice, bob and carol deposit into the vault;
the roll writes the epoch's 10-delta calls (DeltaStrikeSelector picks the strike and values the calls) and offers them
in the BatchAuction at the value less the vault's discount; two market makers bid with different limits, the first
from its wallet, the second from its SettlementLedger balance (a ready withdrawal request spent through
LedgerAuctionDesk); the window ends, the keeper finishes the auction (anyone may), the first claims to its wallet and
the second's fill and refund are delivered into its ledger balance. Both resell calls on the sequencer's book to dave
and erin, in the ledger's cash (WETH: the local ledger is coin-margined), the first after depositing calls, the second
from its ledger inventory; a batch settles. At expiry the oracle node's rounds fix the price through the router, the
keeper rolls (settling the series), the first maker redeems its wallet's calls, the ledger redeems its calls and every
holder's share lands in its ledger cash; everyone withdraws. Oracle signers 1-3 and a publisher run the node.

Every step is checked against the chain (and the auction against a brute-force clearing of the same bids): a check
that fails raises DemoCheckError with one line saying what differs, and the demo stops.
"""

from __future__ import annotations

import csv
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from strikeforge.deploy.config import DeployConfig
from strikeforge.deploy.deployment import Outcome, deploy, manifest_path, open_run
from strikeforge.keeper.service import Keeper, RollLog
from strikeforge.oracle.aggregate import aggregate
from strikeforge.oracle.config import FeedConfig, PublisherConfig, ReplaySourceConfig
from strikeforge.oracle.node import FeedWorker
from strikeforge.oracle.signing import ApeSigner
from strikeforge.oracle.sources import ReplaySource
from strikeforge.oracle.state import State
from strikeforge.settlement.api import Api, serve
from strikeforge.settlement.chain import ApeLedger
from strikeforge.settlement.client import SettlementClient
from strikeforge.settlement.sequencer import Sequencer, Settings
from strikeforge.settlement.store import Store
from strikeforge.settlement.watcher import Watcher
from strikeforge.units import format_units

WAD = 10**18
DEPOSITS = {"alice": 100, "bob": 50, "carol": 20}  # WETH
# (buyer, options, markup on the clearing price in bps, seller) on the sequencer's book, priced in the ledger's cash
# (WETH: the local config's ledger is coin-margined): the first market maker resells calls it claimed to its wallet and
# deposited, the second sells from the ledger inventory its ledger bid's fill was delivered into.
TRADES = (("dave", 20, 1_000, "market maker"), ("erin", 10, 1_500, "market maker 2"))
LEDGER_BIDDER = "market maker 2"  # bids from its ledger balance (LedgerAuctionDesk); the other from its wallet
# (bidder, options, limit price in basis points of the calls' value at the roll): the first market maker's limit is
# above the second's, the two ask for more than the 170 calls written, so the clearing price is the second's limit and
# the second is filled in part.
BIDS = (("market maker", 120, 9_800), ("market maker 2", 100, 9_400))
BIDDER_WETH = 10  # WETH minted to each bidder
BUYER_CASH = 2  # WETH each buyer deposits on the ledger
REPLAY = Path("oracles/replay/demo-eth-usd.csv")  # offset (s from the start), price
SECOND_SOURCE_BPS = 4  # the second replay source quotes 0.04% above the first
IMPLIED_VOL = Decimal("0.50")  # the vol sources' annualised implied vol (1 = 100%): the delta selector's input


class DemoCheckError(RuntimeError):
    """A state check after a step failed: the demo did not do what it claims."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise DemoCheckError(" ".join(message.split()))  # one line


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def clearing(supply: int, reserve: int, bids: list[tuple[int, int]]) -> tuple[int, list[int]]:
    """BatchAuction's uniform clearing, brute force: the highest bid limit at which demand at or above it covers the
    supply (else the reserve); bids above it fill in full, bids at it share what is left pro rata (rounded down).
    Returns the price and each bid's fill."""
    price = max(
        (limit for _, limit in bids if limit >= reserve and sum(s for s, q in bids if q >= limit) >= supply),
        default=reserve,
    )
    above = sum(size for size, limit in bids if limit > price)
    tied = sum(size for size, limit in bids if limit == price)
    left = supply - above

    def fill(size: int, limit: int) -> int:
        if limit != price:
            return size if limit > price else 0
        return size if tied <= left else size * left // tied

    return price, [fill(size, limit) for size, limit in bids]


@dataclass(frozen=True)
class Step:
    phase: str
    name: str
    actor: str
    gas_used: int
    tx: str


@dataclass
class Epoch:
    """What the epoch did, for the summary."""

    steps: list[Step] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)
    deployment: Outcome | None = None
    checks: list[str] = field(default_factory=list)  # every check that held, in order


def write_replay(start: int, folder: Path) -> list[Path]:
    """The checked-in relative price path, anchored at the chain's time, as two replay sources' CSV files."""
    rows = list(csv.DictReader(REPLAY.read_text().splitlines()))
    files = []
    for name, bps in (("exchange-a", 0), ("exchange-b", SECOND_SOURCE_BPS)):
        path = folder / f"{name}.csv"
        lines = ["timestamp,price"]
        for row in rows:
            price = Decimal(row["price"]) * (10_000 + bps) / 10_000
            lines.append(f"{start + int(row['offset'])},{price.quantize(Decimal('0.01'))}")
        path.write_text("\n".join(lines) + "\n")
        files.append(path)
    return files


def write_vol_replay(start: int, folder: Path) -> list[Path]:
    """Two implied-vol sources (IMPLIED_VOL flat, the second 0.04% above), one row every 6 hours for 16 days."""
    files = []
    for name, bps in (("vol-a", 0), ("vol-b", SECOND_SOURCE_BPS)):
        path = folder / f"{name}.csv"
        vol = (IMPLIED_VOL * (10_000 + bps) / 10_000).quantize(Decimal("0.0001"))
        rows = [f"{start + offset},{vol}" for offset in range(0, 16 * 86_400, 21_600)]
        path.write_text("timestamp,price\n" + "\n".join(rows) + "\n")
        files.append(path)
    return files


def demo_state_folder(root: Path, provider_name: str) -> Path:
    """Where a demo on `provider_name` keeps its services' state files: `.cache/demo/<provider>/`."""
    return root / ".cache" / "demo" / provider_name


# The services' state files in the demo's folder, by `strikeforge reconcile` option.
STATE_FILES = {
    "--sequencer-db": "sequencer.db",
    "--oracle-state": "oracle.sqlite",
    "--keeper-state": "rolls.sqlite",
    "--watcher-state": "watcher.json",
}


class EpochDemo:
    """The demo's actors and contracts; `run()` plays the epoch. `report(step)` is called after each transaction."""

    def __init__(
        self,
        config: DeployConfig,
        root: Path,
        provider_name: str,
        report: Callable[[Step], Any],
        work: Path | None = None,
    ) -> None:
        from ape import accounts

        self.config, self.root, self.provider_name, self.report = config, root, provider_name, report
        test = accounts.test_accounts
        self.deployer = test[0]
        self.users = {"alice": test[1], "bob": test[2], "carol": test[3]}
        self.market_maker, self.keeper_account, self.sequencer_account = test[4], test[5], test[8]
        self.publisher = test[9]
        self.signers = [ApeSigner(test[i]) for i in (1, 2, 3)]
        self.buyers = {name: test.generate_test_account() for name, _, _, _ in TRADES}
        # The auction's bidders: the market maker (who also sells on the sequencer's book) and a second one.
        self.bidders = {"market maker": self.market_maker, "market maker 2": test.generate_test_account()}
        self.epoch = Epoch()
        # The services' state (what `strikeforge reconcile` checks the chain against) stays after the run, one folder
        # per provider; each run deploys afresh, so the previous run's files are removed first.
        self.work = work or demo_state_folder(root, provider_name)
        shutil.rmtree(self.work, ignore_errors=True)
        self.work.mkdir(parents=True)
        self.phase = "deploy"

    # -- bookkeeping -------------------------------------------------------------------------------------------

    def record(self, name: str, actor: str, receipt_or_hash: Any) -> Any:
        from ape import chain

        receipt = chain.get_receipt(receipt_or_hash) if isinstance(receipt_or_hash, str) else receipt_or_hash
        self._add(Step(self.phase, name, actor, int(receipt.gas_used), str(receipt.txn_hash)))
        return receipt

    def _add(self, step: Step) -> None:
        self.epoch.steps.append(step)
        self.report(step)

    def check(self, condition: bool, what: str, message: str) -> None:
        """`what` holds, or the demo stops with `message` (DemoCheckError, one line); held checks are listed in the
        summary."""
        check(condition, message)
        self.epoch.checks.append(f"{self.phase}: {what}")

    def warp(self, timestamp: int) -> None:
        from ape import chain

        chain.mine(1, timestamp=timestamp)

    def next_block_at(self, timestamp: int) -> None:
        """Dates the next block exactly (the chain's clock must not be past it)."""
        from ape import chain

        chain.pending_timestamp = timestamp
        check(self.now() == timestamp, f"the next block is dated {self.now()}, not {timestamp}")

    def now(self) -> int:
        from ape import chain

        return int(chain.pending_timestamp)

    # -- phases ------------------------------------------------------------------------------------------------

    def run(self) -> Epoch:
        self.deploy()
        self.fund()
        self.start_services()
        try:
            self.deposit_and_roll()
            self.sell_options()
            self.trade()
            self.expire_and_settle()
            self.withdraw()
        finally:
            self.server.shutdown()
            self.store.close()
            self.rolls.close()
            self.node.state.close()
            if self.vol_node is not None:
                self.vol_node.state.close()
        return self.epoch

    def deploy(self) -> None:
        from ape import project

        path = manifest_path(self.root, self.config, self.provider_name)
        run = open_run(self.config, self.root, path, fresh=True)
        outcome = deploy(run)
        check(outcome.ok, "deployment verification failed: " + ", ".join(c.subject for c in outcome.checks if not c.ok))
        self.epoch.deployment = outcome
        for result in outcome.results:  # the deployment already read each receipt's gas
            if result.tx and result.gas is not None:
                self._add(Step(self.phase, result.label, "deployer", result.gas, result.tx))
        self.c = {key: run.at(key) for key in run.manifest.contracts()}
        missing = [key for key in ("BatchAuction", "DeltaStrikeSelector", "SignedVolOracle") if key not in self.c]
        check(
            not missing,
            f"the deployment manifest lists no {', '.join(missing)} (the demo sells 10-delta calls by auction)",
        )
        self.weth, self.usdc = self.c["Underlying"], self.c["StrikeAsset"]
        self.vault, self.engine = self.c["ThetaVault"], self.c["OptionsEngine"]
        self.router, self.ledger = self.c["OracleRouter"], self.c["SettlementLedger"]
        self.oracle, self.feed = self.c["SignedPriceOracle"], self.c["ChainlinkFeed"]
        self.vol_oracle = self.c["SignedVolOracle"]
        self.selector, self.auction = self.c["DeltaStrikeSelector"], self.c["BatchAuction"]
        self.desk = self.c["LedgerAuctionDesk"]
        self.check(
            str(self.ledger.CASH()) == str(self.weth.address),
            "the ledger's cash is the vault's asset (WETH), so bids come from ledger balances",
            f"the ledger's cash is {self.ledger.CASH()}, not WETH {self.weth.address} (settlement.cash: underlying)",
        )
        self.project = project
        self.check(
            str(self.vault.AUCTION()) == str(self.auction.address),
            "the vault sells in the deployed BatchAuction",
            f"the vault's AUCTION() is {self.vault.AUCTION()}, not the deployed BatchAuction {self.auction.address}",
        )
        for role in ("strike_selector", "pricer"):
            chosen = str(getattr(self.vault, role)())
            self.check(
                chosen == str(self.selector.address),
                f"DeltaStrikeSelector is the vault's {role.replace('_', ' ')}",
                f"the vault's {role} is {chosen}, not DeltaStrikeSelector {self.selector.address}",
            )

    def fund(self) -> None:
        self.phase = "fund"
        for name, user in self.users.items():
            amount = DEPOSITS[name] * WAD
            self.record("mint WETH", name, self.weth.mint(user, amount, sender=self.deployer))
            self.record("approve vault", name, self.weth.approve(self.vault, amount, sender=user))
        for name, bidder in self.bidders.items():
            if bidder != self.market_maker:  # a generated account: no ether yet
                self.record("fund gas", name, self.deployer.transfer(bidder, 10 * WAD))
            self.record("mint WETH", name, self.weth.mint(bidder, BIDDER_WETH * WAD, sender=self.deployer))
            if name == LEDGER_BIDDER:  # its cash sits on the ledger; the bid spends a ready withdrawal request
                self.record("approve ledger", name, self.weth.approve(self.ledger, BIDDER_WETH * WAD, sender=bidder))
                self.record("ledger deposit", name, self.ledger.deposit(BIDDER_WETH * WAD, sender=bidder))
                request = self.ledger.requestWithdrawal(BIDDER_WETH * WAD, sender=bidder)
                self.record("ledger requestWithdrawal (to bid with)", name, request)
                self.epoch.facts["ledger_bid_ready_at"] = request.timestamp + self.config.settlement.withdrawal_delay
                self.warp(request.timestamp + 60)  # a minute before the roll: ready while the bidding is still open
                continue
            approve = self.weth.approve(self.auction, BIDDER_WETH * WAD, sender=bidder)
            self.record("approve auction (bid escrow)", name, approve)
        for name, buyer in self.buyers.items():
            self.record("fund gas", name, self.deployer.transfer(buyer, 10 * WAD))
            self.record("mint WETH", name, self.weth.mint(buyer, BUYER_CASH * WAD, sender=self.deployer))

    def start_services(self) -> None:
        from ape import chain

        start = self.now()
        sources = [ReplaySource(ReplaySourceConfig(p.stem, p)) for p in write_replay(start, self.work)]
        feed = FeedConfig("ETH/USD", str(self.oracle.address), tuple(), min_sources=2, max_source_age=86_400)
        self.node = FeedWorker(
            feed,
            sources,
            self.oracle,
            self.signers,
            self.publisher,
            PublisherConfig(gas_price_cap_gwei=Decimal(10_000), retries=0),
            State(self.work / "oracle.sqlite"),
            chain.chain_id,
            gas_price=lambda: chain.provider.gas_price,
            sleep=lambda seconds: None,
        )
        self.vol_node = None
        if self.vol_oracle is not None:
            vol_sources = [ReplaySource(ReplaySourceConfig(p.stem, p)) for p in write_vol_replay(start, self.work)]
            vol_feed = FeedConfig(
                "ETH IV", str(self.vol_oracle.address), tuple(), min_sources=2, max_source_age=86_400, kind="volatility"
            )
            self.vol_node = FeedWorker(
                vol_feed,
                vol_sources,
                self.vol_oracle,
                self.signers,
                self.publisher,
                PublisherConfig(gas_price_cap_gwei=Decimal(10_000), retries=0),
                State(self.work / "oracle-vol.sqlite"),
                chain.chain_id,
                gas_price=lambda: chain.provider.gas_price,
                sleep=lambda seconds: None,
            )
        self.rolls = RollLog(self.work / "rolls.sqlite")
        self.keeper = Keeper(self.vault, self.engine, self.router, self.keeper_account, self.rolls, self.now)
        self.store = Store(self.work / "sequencer.db")
        self.sequencer = Sequencer(
            self.store, ApeLedger(self.ledger, self.sequencer_account), Settings(batch_interval=0, cosign_timeout=600)
        )
        self.server = serve(Api(self.sequencer, self.now), "127.0.0.1", 0)
        url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.clients = {
            name: SettlementClient(url, account, self.ledger) for name, account in (self.bidders | self.buyers).items()
        }
        self.watcher = Watcher(self.ledger, self.deployer, self.work / "watcher.json")

    def publish_price(self, *, feed: bool = True) -> int:
        """One oracle-node tick at the chain's time; the mock Chainlink feed follows the same market."""
        outcome = self.node.tick(self.now())
        self.check(
            outcome.action == "published",
            "the oracle node published",
            f"oracle node did not publish: {outcome.action} ({outcome.detail})",
        )
        self.record(f"oracle node publishes {Decimal(outcome.price or 0) / WAD:.2f}", "publisher", outcome.tx_hash)
        if feed:
            self.update_feed(int(outcome.price or 0))
        return int(outcome.price or 0)

    def publish_vol(self) -> None:
        """One tick of the node's implied-vol feed before a roll (the delta selector refuses a stale vol)."""
        if self.vol_node is None:
            return
        outcome = self.vol_node.tick(self.now())
        published = outcome.action == "published"
        self.check(
            published,
            "the oracle node published the vol",
            f"oracle node did not publish the vol: {outcome.action} ({outcome.detail})",
        )
        vol = Decimal(outcome.price or 0) / WAD
        self.record(f"oracle node publishes implied vol {vol:.1%}", "publisher", outcome.tx_hash)

    def check_strike(self, receipt: Any) -> None:
        """The written strike is DeltaStrikeSelector's 10-delta pick at the roll's block: its `quote` there (the
        strike, its delta, the spot, the vol and the time to expiry it priced)."""
        series = self.engine.series(int(self.vault.current_series()))
        facts = {"strike": int(series.strike), "expiry": int(series.expiry)}
        block, at = int(receipt.block_number), int(receipt.timestamp)
        strike, delta, spot, vol, seconds = self.selector.quote(
            self.weth, self.usdc, bool(self.vault.IS_PUT()), block_id=block
        )
        self.check(
            int(strike) == facts["strike"],
            f"the strike {facts['strike'] // WAD} is the selector's 10-delta pick",
            f"strike {facts['strike']} is not the selector's pick {strike}",
        )
        self.check(
            int(seconds) == facts["expiry"] - at,
            "the selector priced the series' own expiry",
            f"the selector's quote is for {seconds} s to expiry, the series has {facts['expiry'] - at} s",
        )
        facts |= {
            "strike_delta": int(delta),
            "implied_vol": int(vol),
            "spot": int(spot),
            "selector": "DeltaStrikeSelector",
        }
        self.epoch.facts.setdefault("rolls", []).append(facts)

    def update_feed(self, price: int) -> None:
        """A round of the mock Chainlink feed at the chain's time (price 1e18-scaled)."""
        answer = price // 10 ** (18 - int(self.feed.decimals()))
        self.record("Chainlink feed update (mock)", "deployer", self.feed.updateAnswer(answer, sender=self.deployer))

    def publish_expiry_rounds(self, expiry: int) -> int:
        """Both sources' rounds current at expiry, then later rounds that prove them the last ones at or before it.

        The Chainlink round lands a second before expiry; the node's first tick in the expiry's interval signs a
        round dated exactly at the expiry; a minute later both publish again.
        """
        self.next_block_at(expiry - 1)
        observations, _ = self.node.observe(self.now())
        self.update_feed(aggregate(observations, self.now(), self.node.rules, None).price)
        self.next_block_at(expiry)
        price = self.publish_price(feed=False)
        self.warp(expiry + 60)
        self.publish_price()
        return price

    def deposit_and_roll(self) -> None:
        self.phase = "epoch 1"
        for name, user in self.users.items():
            amount = DEPOSITS[name] * WAD
            self.record("requestDeposit", name, self.vault.requestDeposit(amount, user, user, sender=user))
        self.epoch.facts["spot_at_roll"] = self.publish_price()
        self.publish_vol()
        action = self.keeper.tick()
        self.check(
            action.kind == "rolled", "the keeper rolled", f"keeper did not roll: {action.kind} ({action.detail})"
        )
        receipt = self.record("roll: strike chosen, calls written and offered at auction", "keeper", action.tx_hash)
        self.check_strike(receipt)
        self.series = int(self.vault.current_series())
        series = self.engine.series(self.series)
        self.token = self.project.OptionToken.at(self.engine.tokenOf(self.series))
        self.epoch.facts |= {
            "series": self.series,
            "strike": int(series.strike),
            "expiry": int(series.expiry),
            "auction": self.check_auction_started(receipt),
        }
        self.epoch.facts["options_written"] = self.epoch.facts["auction"]["options"]
        for name, user in self.users.items():
            claimable = int(self.vault.maxDeposit(user))
            self.record("claim shares", name, self.vault.deposit(claimable, user, user, sender=user))
            self.check(
                int(self.vault.balanceOf(user)) > 0, f"{name} has shares", f"{name} has no shares after claiming"
            )

    def check_auction_started(self, receipt: Any) -> dict[str, Any]:
        """The roll wrote every deposit as calls to the vault and escrowed them all in a new auction whose reserve is
        the selector's value of the calls at the roll less the vault's discount (rounded up) and whose window is the
        vault's auction duration."""
        started = list(receipt.events.filter(self.vault.AuctionStarted))
        self.check(len(started) == 1, "the roll opened one auction", f"the roll opened {len(started)} auctions")
        event = started[0]
        auction_id, options, reserve, end = int(event.auction), int(event.options), int(event.reserve), int(event.end)
        self.check(
            auction_id == int(self.vault.current_auction()) and int(event.series) == self.series,
            "the vault's open auction sells the open series",
            f"AuctionStarted names auction {auction_id} of series {event.series}; the vault has"
            f" {self.vault.current_auction()} of {self.series}",
        )
        written = sum(DEPOSITS.values()) * WAD
        self.check(
            options == written == int(self.token.totalSupply()),
            "every deposit was written as calls",
            f"{options} calls offered, {self.token.totalSupply()} minted; the deposits cover {written}",
        )
        held = (int(self.token.balanceOf(self.auction)), int(self.token.balanceOf(self.vault)))
        self.check(
            held == (options, 0),
            "the calls are escrowed in the auction",
            f"the auction holds {held[0]} calls and the vault {held[1]}, not {options} and 0",
        )
        strike = self.epoch.facts["rolls"][-1]["strike"]
        value = int(
            self.selector.premium(
                self.weth, self.usdc, strike, bool(self.vault.IS_PUT()), block_id=receipt.block_number
            )
        )
        discount, unit = int(self.vault.reserve_discount_bps()), 10 ** int(self.weth.decimals())
        expected = max(ceil_div(value * unit * (10_000 - discount), WAD * 10_000), 1)
        self.check(
            reserve == expected == int(self.auction.auctionOf(auction_id).reserve),
            "the reserve is the selector's value less the discount",
            f"reserve {reserve}; the selector values a call at {value}, less {discount} bps is {expected}",
        )
        duration = int(self.vault.auction_duration())
        self.check(
            end == int(receipt.timestamp) + duration,
            "the window is the vault's auction duration",
            f"the auction ends at {end}, not the roll's time + {duration} s",
        )
        return {
            "id": auction_id,
            "options": options,
            "value": value * unit // WAD,  # asset base units per 1e18 calls, as the auction's prices
            "discount_bps": discount,
            "reserve": reserve,
            "end": end,
        }

    def sell_options(self) -> None:
        """The market makers bid, the window ends, the keeper finishes the auction (anyone may), both claim their
        calls and refunds; everything checked against a brute-force clearing of the same bids."""
        self.phase = "auction"
        auction = self.epoch.facts["auction"]
        auction_id, supply, reserve = auction["id"], auction["options"], auction["reserve"]
        bids: list[dict[str, Any]] = []
        for name, options, bps in BIDS:
            who, size, limit = self.bidders[name], options * WAD, auction["value"] * bps // 10_000
            self.check(
                limit >= reserve,
                f"{name}'s limit is at or above the reserve",
                f"{name}'s limit {limit} ({bps} bps of the value) is below the reserve {reserve}",
            )
            if name == LEDGER_BIDDER:
                before = int(self.ledger.balanceOf(who))
                ready_at = self.epoch.facts["ledger_bid_ready_at"]
                self.check(
                    ready_at < auction["end"],
                    f"{name}'s withdrawal request is ready before bidding ends",
                    f"{name}'s request is ready at {ready_at}, bidding ends at {auction['end']} (now {self.now()})",
                )
                if self.now() < ready_at:
                    self.warp(ready_at)  # its request is ready; bidding is still open
                placed = self.clients[name].bid_from_ledger(self.desk, auction_id, self.series, size, limit)
                self.record(
                    f"bid from the ledger: {options} calls at up to {format_units(limit, 18, 6)} WETH", name, placed
                )
                escrow = before - int(self.ledger.balanceOf(who))
                self.check(
                    [(e.account, e.size, e.limit) for e in placed.events.filter(self.desk.LedgerBid)]
                    == [(who.address, size, limit)],
                    f"{name}'s ledger bid is its own (LedgerBid)",
                    f"LedgerBid events {list(placed.events.filter(self.desk.LedgerBid))} are not {name}'s bid",
                )
            else:
                before = int(self.weth.balanceOf(who))
                placed = self.auction.bid(auction_id, size, limit, sender=who)
                self.record(f"bid: {options} calls at up to {format_units(limit, 18, 6)} WETH", name, placed)
                escrow = before - int(self.weth.balanceOf(who))
            (event,) = placed.events.filter(self.auction.BidPlaced)
            self.check(
                escrow == ceil_div(size * limit, WAD),
                f"{name}'s bid escrowed size * limit rounded up",
                f"{name} paid {escrow} into escrow, not ceil({size} * {limit} / 1e18)",
            )
            bids.append({"bidder": name, "bid_id": int(event.bidId), "size": size, "limit": limit, "escrow": escrow})
        escrowed = sum(b["escrow"] for b in bids)
        self.check(
            int(self.weth.balanceOf(self.auction)) == escrowed,
            "the auction holds every escrow",
            f"the auction holds {self.weth.balanceOf(self.auction)} WETH, the bids escrowed {escrowed}",
        )

        self.warp(auction["end"])  # bidding closes at the end; settling opens
        price, fills = clearing(supply, reserve, [(b["size"], b["limit"]) for b in bids])
        hint = int(self.auction.clearingPriceOf(auction_id))
        self.check(
            hint == price,
            "the clearing price is the brute-force clearing of the bids",
            f"BatchAuction.clearingPriceOf says {hint}, a brute-force clearing of the bids {price}",
        )
        assets_before = int(self.vault.totalAssets())
        action = self.keeper.tick()  # the keeper finishes an auction whose window ended (anyone may)
        self.check(
            action.kind == "finished",
            "the keeper finished the auction once its window ended",
            f"keeper did not finish the auction: {action.kind} ({action.detail})",
        )
        finish = self.record(
            "finish the auction: settle, book the proceeds, burn unsold calls", "keeper", action.tx_hash
        )
        (finished,) = finish.events.filter(self.vault.AuctionFinished)
        sold = sum(fills)
        proceeds = sum(ceil_div(fill * price, WAD) for fill in fills)
        outcome = (int(finished.clearing_price), int(finished.sold), int(finished.proceeds), int(finished.unsold))
        expected = (price, sold, proceeds, supply - sold)
        self.check(
            outcome == expected,
            "the vault finished the auction at the clearing price",
            f"AuctionFinished (price, sold, proceeds, unsold) = {outcome}, expected {expected}",
        )
        grew = int(self.vault.totalAssets()) - assets_before
        self.check(
            grew == proceeds,
            "the vault's totalAssets grew by the proceeds",
            f"the vault's totalAssets grew by {grew}, the auction raised {proceeds}",
        )
        supply_now, vault_held = int(self.token.totalSupply()), int(self.token.balanceOf(self.vault))
        self.check(
            supply_now == sold and vault_held == 0,
            "unsold calls were burned (the token's supply is what was sold)",
            f"the calls' totalSupply is {supply_now} and the vault holds {vault_held}; {sold} were sold",
        )
        locked, needed = (
            int(self.engine.collateralOf(self.series, self.vault)),
            int(self.engine.collateralFor(self.series, sold)),
        )
        self.check(
            locked == needed,
            "the vault's locked collateral covers exactly the calls sold",
            f"the vault locks {locked} collateral for {sold} calls sold, which need {needed}",
        )
        self.check(
            int(self.vault.current_auction()) == 0, "no auction is left open", "the vault still has an open auction"
        )

        for bid, fill in zip(bids, fills, strict=True):
            name, who = bid["bidder"], self.bidders[bid["bidder"]]
            if name == LEDGER_BIDDER:  # delivered into the ledger: the fill to its inventory, the refund to its cash
                cash, calls = int(self.ledger.balanceOf(who)), int(self.ledger.positionOf(who, self.series))
                desk_before = (int(self.weth.balanceOf(self.desk)), int(self.token.balanceOf(self.desk)))
                claim = self.clients[name].claim_auction(self.desk, auction_id, self.series, [bid["bid_id"]])
                self.check(claim is not None, f"{name}'s bid was delivered", f"{name}'s bid was already claimed")
                self.record("claim calls and refund into the ledger", name, claim)
                refund = int(self.ledger.balanceOf(who)) - cash
                got = int(self.ledger.positionOf(who, self.series)) - calls
                held = (int(self.weth.balanceOf(self.desk)), int(self.token.balanceOf(self.desk)))
                self.check(
                    held == desk_before,
                    "the desk passed everything into the ledger",
                    f"LedgerAuctionDesk's WETH and calls went from {desk_before} to {held}",
                )
            else:
                cash, calls = int(self.weth.balanceOf(who)), int(self.token.balanceOf(who))
                claim = self.auction.claim(auction_id, [bid["bid_id"]], who, sender=who)
                self.record("claim calls and refund", name, claim)
                refund, got = int(self.weth.balanceOf(who)) - cash, int(self.token.balanceOf(who)) - calls
            (claimed,) = claim.events.filter(self.auction.BidClaimed)
            self.check(
                (int(claimed.filled), got) == (fill, fill) and int(claimed.refund) == refund,
                f"{name} got its fill",
                f"{name} was filled {claimed.filled} (received {got}, refund {refund} of {claimed.refund});"
                f" the clearing fills it {fill}",
            )
            paid = bid["escrow"] - refund
            self.check(
                paid == ceil_div(fill * price, WAD),
                f"{name} paid its fill times the clearing price, rounded up",
                f"{name} paid {paid}, not ceil({fill} * {price} / 1e18) = {ceil_div(fill * price, WAD)}",
            )
            bid |= {"filled": fill, "paid": paid, "refund": refund}
        refunds = sum(b["refund"] for b in bids)
        self.check(
            proceeds + refunds == escrowed,
            "proceeds + refunds == escrow",
            f"proceeds {proceeds} + refunds {refunds} != escrow {escrowed}",
        )
        left = (int(self.weth.balanceOf(self.auction)), int(self.token.balanceOf(self.auction)))
        self.check(
            left == (0, 0),
            "the auction paid out everything",
            f"the auction still holds {left[0]} WETH and {left[1]} calls",
        )
        auction |= {
            "clearing_price": price,
            "sold": sold,
            "proceeds": proceeds,
            "unsold": supply - sold,
            "escrow": escrowed,
            "refunds": refunds,
            "finished_by": "keeper",
            "bids": bids,
        }
        self.epoch.facts["premium"] = proceeds

    def trade(self) -> None:
        """The winners resell calls on the sequencer's book at a markup on the clearing price, in the ledger's cash:
        the first market maker deposits calls it claimed to its wallet, the second sells from the inventory its ledger
        bid's fill was delivered into (the ledger trades option tokens, nothing unbacked)."""
        self.phase = "trade"
        expiry = self.now() + 86_400
        clearing = self.epoch.facts["auction"]["clearing_price"]
        for name, _, _, _ in TRADES:
            self.record("ledger deposit", name, self.clients[name].deposit(BUYER_CASH * WAD))
        from_wallet = sum(size for _, size, _, seller in TRADES if seller != LEDGER_BIDDER) * WAD
        maker = self.clients["market maker"]
        self.record("ledger depositOptions", "market maker", maker.deposit_options(self.series, from_wallet))
        trades = []
        for name, size, markup, seller in TRADES:
            price = clearing * (10_000 + markup) // 10_000  # WETH per option
            self.check(
                self.clients[seller].position(self.series) >= size * WAD,
                f"{seller} holds on the ledger the calls it sells",
                f"{seller} holds {self.clients[seller].position(self.series)} calls on the ledger, sells {size * WAD}",
            )
            self.clients[seller].place_order(series=self.series, buy=False, size=size * WAD, price=price, expiry=expiry)
            answer = self.clients[name].place_order(
                series=self.series, buy=True, size=size * WAD, price=price, expiry=expiry
            )
            self.check(len(answer["fills"]) == 1, f"{name}'s order filled", f"{name}'s order did not fill: {answer}")
            trades.append({"buyer": name, "seller": seller, "options": size * WAD, "price": price})
        cut = self.sequencer.tick(self.now())
        self.check(cut == "cut 1", "the sequencer cut batch 1", f"sequencer did not cut batch 1: {cut}")
        for client in self.clients.values():
            client.cosign_pending(1)
        posted = self.sequencer.tick(self.now())
        self.check(posted == "posted 1", "the sequencer posted batch 1", f"sequencer did not post batch 1: {posted}")
        log = list(self.ledger.BatchPosted.range(0, self.chain_height() + 1))[-1]
        self.record("post batch 1 (root, leaves, bond)", "sequencer", str(log.transaction_hash))
        frauds = self.watcher.tick()
        self.check(
            frauds == [], "the watcher found batch 1 honest", f"the watcher found a fraud in an honest batch: {frauds}"
        )
        self.warp(self.now() + self.config.settlement.challenge_window)
        for name, client in self.clients.items():
            self.record("claim leaf (apply_)", name, client.claim(1))
        self.record("release bond", "sequencer", self.ledger.releaseBond(1, sender=self.sequencer_account))
        bond = int(self.ledger.bondsOwed(self.sequencer_account))
        self.check(
            bond == int(self.ledger.BOND()),
            "the released bond is owed to the sequencer",
            f"the ledger owes the sequencer {bond} wei after the release",
        )
        claim = self.ledger.claimBonds(self.sequencer_account, sender=self.sequencer_account)
        self.record("claim bond", "sequencer", claim)
        self.epoch.facts["ledger_trades"] = trades

    def chain_height(self) -> int:
        from ape import chain

        return int(chain.blocks.height)

    def expire_and_settle(self) -> None:
        self.phase = "expiry"
        alice = self.users["alice"]
        shares = int(self.vault.balanceOf(alice))
        self.record("requestRedeem (all shares)", "alice", self.vault.requestRedeem(shares, alice, alice, sender=alice))
        expiry = self.epoch.facts["expiry"]
        self.epoch.facts["spot_at_expiry"] = self.publish_expiry_rounds(expiry)
        recorded = self.keeper.tick()
        self.check(
            recorded.kind == "recorded",
            "the keeper recorded the expiry price",
            f"keeper did not record the expiry price: {recorded.detail}",
        )
        self.record("record expiry price", "keeper", recorded.tx_hash)
        self.warp(self.now() + self.config.oracle.dispute_period)
        self.publish_price()  # the next series is struck on a fresh spot...
        self.publish_vol()  # ...and a fresh vol
        rolled = self.keeper.tick()
        self.check(
            rolled.kind == "rolled",
            "the keeper rolled after expiry",
            f"keeper did not roll after expiry: {rolled.kind} ({rolled.detail})",
        )
        receipt = self.record(
            "roll: series settled, collateral reclaimed, next series offered", "keeper", rolled.tx_hash
        )
        self.check_strike(receipt)
        series = self.engine.series(self.series)
        self.check(bool(series.settled), "the expired series is settled", "the expired series is not settled")
        payouts = {}
        for name, who in self.bidders.items():
            options = int(self.token.balanceOf(who))  # what it kept in its wallet (the ledger bidder keeps none)
            if options == 0:
                continue
            payout = int(self.engine.payoutFor(self.series, options))
            before = int(self.weth.balanceOf(who))
            self.record("redeem calls", name, self.engine.redeem(self.series, options, sender=who))
            received = int(self.weth.balanceOf(who)) - before
            self.check(
                received == payout,
                f"{name} was paid its calls' payout",
                f"{name} redeemed {options} calls for {received}, the engine's payout is {payout}",
            )
            payouts[name] = payout
        self.epoch.facts |= {"settlement_price": int(series.settlementPrice), "option_payouts": payouts}
        # The ledger's tokens of the series turn into their payout without leaving it: anyone redeems them, and each
        # holder's share is credited to its ledger cash (the payout asset, WETH, is the ledger's cash). Every holder
        # is settled through batch 1: its leaf was applied at the trade.
        held = int(self.token.balanceOf(self.ledger))
        self.record("ledger redeemExpired", "dave", self.ledger.redeemExpired(self.series, sender=self.buyers["dave"]))
        redemption = self.ledger.redemptions(self.series)
        self.check(
            int(redemption.tokens) == held and int(redemption.payout) == int(self.engine.payoutFor(self.series, held)),
            "the ledger redeemed every call it held for the engine's payout",
            f"the ledger redeemed {redemption.tokens} calls for {redemption.payout}; it held {held}",
        )
        claimed = {}
        for name, client in self.clients.items():
            position = client.position(self.series)
            if position == 0:
                continue
            before = client.balance()
            self.record("ledger claimExpired (into ledger cash)", name, client.claim_expired(self.series))
            claimed[name] = client.balance() - before
            share = position * int(redemption.payout) // int(redemption.tokens)
            self.check(
                claimed[name] == share and client.position(self.series) == 0,
                f"{name}'s ledger calls turned into their payout in its ledger cash",
                f"{name} was credited {claimed[name]} for {position} calls; its share is {share}",
            )
        self.epoch.facts["ledger_position_value"] = claimed

    def claim_fees(self) -> None:
        """The rolls only owe fees (M-3: a recipient that cannot receive must not stop a roll); the recipient pulls."""
        from ape import accounts

        recipient = str(self.vault.fee_recipient())
        owed = int(self.vault.fees_owed())
        self.check(owed > 0, "the rolls owe fees", "the rolls owe no fees")
        account = next((a for a in accounts.test_accounts[:10] if a.address == recipient), None)
        check(account is not None, f"the fee recipient {recipient} is not a local test account")
        before = int(self.weth.balanceOf(recipient))
        self.record("claim fees (pulled by the recipient)", "fee recipient", self.vault.claim_fees(sender=account))
        self.epoch.facts["fees_claimed"] = int(self.weth.balanceOf(recipient)) - before
        claimed = self.epoch.facts["fees_claimed"]
        self.check(
            claimed == owed and int(self.vault.fees_owed()) == 0,
            "the recipient claimed every fee owed",
            f"fees not fully claimed: {claimed} of {owed}",
        )

    def withdraw(self) -> None:
        self.phase = "withdraw"
        alice = self.users["alice"]
        claimable = int(self.vault.maxRedeem(alice))
        before = int(self.weth.balanceOf(alice))
        self.record("redeem (claim assets)", "alice", self.vault.redeem(claimable, alice, alice, sender=alice))
        self.epoch.facts["alice_withdrawn"] = int(self.weth.balanceOf(alice)) - before
        self.check(self.epoch.facts["alice_withdrawn"] > 0, "alice withdrew", "alice withdrew nothing")
        self.claim_fees()
        for name, client in self.clients.items():
            amount = client.balance()
            if amount:
                self.record("ledger requestWithdrawal", name, client.request_withdrawal(amount))
        self.warp(self.now() + self.config.settlement.withdrawal_delay)
        for name, client in self.clients.items():
            amount = client.balance()
            if amount:
                self.record("ledger withdraw", name, client.withdraw(amount))
                self.check(
                    client.balance() == 0,
                    f"{name} withdrew all its ledger cash",
                    f"{name} still has ledger cash after withdrawing",
                )
