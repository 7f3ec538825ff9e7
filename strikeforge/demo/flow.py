"""One epoch of Strikeforge end to end on a local chain, through the same code operators run: the deployment
(strikeforge.deploy), the oracle node (strikeforge.oracle) fed from a replay file, the keeper (strikeforge.keeper),
the settlement sequencer with its HTTP API, clients and watcher (strikeforge.settlement).

Cast (Ape test accounts; see deployments/config/ethereum-local.yaml): alice, bob and carol deposit into the vault;
the market maker (the vault's buyer) buys each epoch's calls and sells some through the sequencer to dave and erin;
oracle signers 1-3 and a publisher run the node; the keeper rolls; the sequencer posts batches.
"""

from __future__ import annotations

import csv
import tempfile
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

WAD = 10**18
DEPOSITS = {"alice": 100, "bob": 50, "carol": 20}  # WETH
TRADES = (("dave", 20, "60"), ("erin", 10, "62"))  # (buyer, options, USDC per option) sold by the market maker
BUYER_CASH = 5_000  # USDC each buyer deposits on the ledger
REPLAY = Path("oracles/replay/demo-eth-usd.csv")  # offset (s from the start), price
SECOND_SOURCE_BPS = 4  # the second replay source quotes 0.04% above the first
IMPLIED_VOL = Decimal("0.50")  # the vol sources' annualised implied vol (1 = 100%): the delta selector's input


class DemoCheckError(RuntimeError):
    """A state check after a step failed: the demo did not do what it claims."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise DemoCheckError(message)


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


class EpochDemo:
    """The demo's actors and contracts; `run()` plays the epoch. `report(step)` is called after each transaction."""

    def __init__(self, config: DeployConfig, root: Path, provider_name: str, report: Callable[[Step], Any]) -> None:
        from ape import accounts

        self.config, self.root, self.provider_name, self.report = config, root, provider_name, report
        test = accounts.test_accounts
        self.deployer = test[0]
        self.users = {"alice": test[1], "bob": test[2], "carol": test[3]}
        self.market_maker, self.keeper_account, self.sequencer_account = test[4], test[5], test[8]
        self.publisher = test[9]
        self.signers = [ApeSigner(test[i]) for i in (1, 2, 3)]
        self.buyers = {name: test.generate_test_account() for name, _, _ in TRADES}
        self.epoch = Epoch()
        self.work = Path(tempfile.mkdtemp(prefix="strikeforge-demo-"))
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
        self.weth, self.usdc = self.c["Underlying"], self.c["StrikeAsset"]
        self.vault, self.engine = self.c["ThetaVault"], self.c["OptionsEngine"]
        self.router, self.ledger = self.c["OracleRouter"], self.c["SettlementLedger"]
        self.oracle, self.feed = self.c["SignedPriceOracle"], self.c["ChainlinkFeed"]
        self.vol_oracle = self.c.get("SignedVolOracle")  # with the delta strike selector (the default)
        self.selector = self.c.get("DeltaStrikeSelector")
        self.project = project

    def fund(self) -> None:
        self.phase = "fund"
        for name, user in self.users.items():
            amount = DEPOSITS[name] * WAD
            self.record("mint WETH", name, self.weth.mint(user, amount, sender=self.deployer))
            self.record("approve vault", name, self.weth.approve(self.vault, amount, sender=user))
        self.record("mint WETH", "market maker", self.weth.mint(self.market_maker, 10 * WAD, sender=self.deployer))
        approve = self.weth.approve(self.vault, 10 * WAD, sender=self.market_maker)
        self.record("approve vault (premium)", "market maker", approve)
        for name, buyer in self.buyers.items():
            self.record("fund gas", name, self.deployer.transfer(buyer, 10 * WAD))
            self.record("mint USDC", name, self.usdc.mint(buyer, BUYER_CASH * 10**6, sender=self.deployer))

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
            name: SettlementClient(url, account, self.ledger)
            for name, account in ({"market maker": self.market_maker} | self.buyers).items()
        }
        self.watcher = Watcher(self.ledger, self.deployer, self.work / "watcher.json")

    def publish_price(self, *, feed: bool = True) -> int:
        """One oracle-node tick at the chain's time; the mock Chainlink feed follows the same market."""
        outcome = self.node.tick(self.now())
        check(outcome.action == "published", f"oracle node did not publish: {outcome.action} ({outcome.detail})")
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
        check(published, f"oracle node did not publish the vol: {outcome.action} ({outcome.detail})")
        vol = Decimal(outcome.price or 0) / WAD
        self.record(f"oracle node publishes implied vol {vol:.1%}", "publisher", outcome.tx_hash)

    def check_strike(self, receipt_hash: str) -> None:
        """The written strike is the selector's 10-delta pick at the roll's block (recomputed from its inputs)."""
        from ape import chain

        series = self.engine.series(int(self.vault.current_series()))
        facts = {"strike": int(series.strike), "expiry": int(series.expiry)}
        if self.selector is not None:
            at = int(chain.provider.get_receipt(receipt_hash).timestamp)
            vol = int(self.vol_oracle.latest_price())
            spot = int(self.router.getPrice(self.weth, self.usdc)[0])
            strike, delta = self.selector.pick(spot, vol, facts["expiry"] - at, bool(self.vault.IS_PUT()))
            check(int(strike) == facts["strike"], f"strike {facts['strike']} is not the selector's pick {strike}")
            facts |= {"strike_delta": int(delta), "implied_vol": vol, "selector": "DeltaStrikeSelector"}
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
        check(action.kind == "rolled", f"keeper did not roll: {action.kind} ({action.detail})")
        self.record("roll: strike chosen, calls written and sold", "keeper", action.tx_hash)
        self.check_strike(action.tx_hash)
        self.series = int(self.vault.current_series())
        series = self.engine.series(self.series)
        token = self.project.OptionToken.at(self.engine.tokenOf(self.series))
        self.token = token
        options = int(token.balanceOf(self.market_maker))
        check(options == sum(DEPOSITS.values()) * WAD, f"market maker holds {options} options")
        self.epoch.facts |= {
            "series": self.series,
            "strike": int(series.strike),
            "expiry": int(series.expiry),
            "options_written": options,
            "premium": int(self.vault.premium_per_option()) * options // WAD,
        }
        for name, user in self.users.items():
            claimable = int(self.vault.maxDeposit(user))
            self.record("claim shares", name, self.vault.deposit(claimable, user, user, sender=user))
            check(int(self.vault.balanceOf(user)) > 0, f"{name} has no shares after claiming")

    def trade(self) -> None:
        self.phase = "trade"
        expiry = self.now() + 86_400
        for name, _, _ in TRADES:
            self.record("ledger deposit", name, self.clients[name].deposit(BUYER_CASH * 10**6))
        maker = self.clients["market maker"]
        # The ledger trades option tokens, nothing unbacked (issue 18): the maker deposits the options it sells.
        sold = sum(size for _, size, _ in TRADES) * WAD
        self.record("ledger depositOptions", "market maker", maker.deposit_options(self.series, sold))
        for name, size, price in TRADES:
            usdc = int(Decimal(price) * 10**6)
            maker.place_order(series=self.series, buy=False, size=size * WAD, price=usdc, expiry=expiry)
            answer = self.clients[name].place_order(
                series=self.series, buy=True, size=size * WAD, price=usdc, expiry=expiry
            )
            check(len(answer["fills"]) == 1, f"{name}'s order did not fill: {answer}")
        check(self.sequencer.tick(self.now()) == "cut 1", "sequencer did not cut batch 1")
        for client in self.clients.values():
            client.cosign_pending(1)
        posted = self.sequencer.tick(self.now())
        check(posted == "posted 1", f"sequencer did not post batch 1: {posted}")
        log = list(self.ledger.BatchPosted.range(0, self.chain_height() + 1))[-1]
        self.record("post batch 1 (root, leaves, bond)", "sequencer", str(log.transaction_hash))
        check(self.watcher.tick() == [], "the watcher found a fraud in an honest batch")
        self.warp(self.now() + self.config.settlement.challenge_window)
        for name, client in self.clients.items():
            self.record("claim leaf (apply_)", name, client.claim(1))
        self.record("release bond", "sequencer", self.ledger.releaseBond(1, sender=self.sequencer_account))
        bond = int(self.ledger.bondsOwed(self.sequencer_account))
        check(bond == int(self.ledger.BOND()), f"the ledger owes the sequencer {bond} wei after the release")
        claim = self.ledger.claimBonds(self.sequencer_account, sender=self.sequencer_account)
        self.record("claim bond", "sequencer", claim)
        self.epoch.facts["ledger_trades"] = [
            {"buyer": n, "options": s * WAD, "price": int(Decimal(p) * 10**6)} for n, s, p in TRADES
        ]

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
        check(recorded.kind == "recorded", f"keeper did not record the expiry price: {recorded.detail}")
        self.record("record expiry price", "keeper", recorded.tx_hash)
        self.warp(self.now() + self.config.oracle.dispute_period)
        self.publish_price()  # the next series is struck on a fresh spot...
        self.publish_vol()  # ...and a fresh vol
        rolled = self.keeper.tick()
        check(rolled.kind == "rolled", f"keeper did not roll after expiry: {rolled.kind} ({rolled.detail})")
        self.record("roll: series settled, collateral reclaimed, next series sold", "keeper", rolled.tx_hash)
        self.check_strike(rolled.tx_hash)
        series = self.engine.series(self.series)
        check(bool(series.settled), "the expired series is not settled")
        options = int(self.token.balanceOf(self.market_maker))
        payout = int(self.engine.payoutFor(self.series, options))
        redeem = self.engine.redeem(self.series, options, sender=self.market_maker)
        self.record("redeem options", "market maker", redeem)
        self.epoch.facts |= {"settlement_price": int(series.settlementPrice), "market_maker_payout": payout}
        # The ledger's tokens of the series turn into their payout without leaving it: anyone redeems them, and
        # each buyer claims its share (settled through batch 1: its leaf was applied at the trade).
        self.record("ledger redeemExpired", "dave", self.ledger.redeemExpired(self.series, sender=self.buyers["dave"]))
        claimed = {}
        for name, _, _ in TRADES:
            self.record("ledger claimExpired", name, self.clients[name].claim_expired(self.series))
            claimed[name] = self.clients[name].payout(self.weth.address)
            self.record("ledger withdrawPayout", name, self.clients[name].withdraw_payout(self.weth.address))
        self.epoch.facts["ledger_position_value"] = claimed
        for name, size, _ in TRADES:
            check(claimed[name] <= int(self.engine.payoutFor(self.series, size * WAD)), f"{name} claimed too much")

    def claim_fees(self) -> None:
        """The rolls only owe fees (M-3: a recipient that cannot receive must not stop a roll); the recipient pulls."""
        from ape import accounts

        recipient = str(self.vault.fee_recipient())
        owed = int(self.vault.fees_owed())
        check(owed > 0, "the rolls owe no fees")
        account = next((a for a in accounts.test_accounts[:10] if a.address == recipient), None)
        check(account is not None, f"the fee recipient {recipient} is not a local test account")
        before = int(self.weth.balanceOf(recipient))
        self.record("claim fees (pulled by the recipient)", "fee recipient", self.vault.claim_fees(sender=account))
        self.epoch.facts["fees_claimed"] = int(self.weth.balanceOf(recipient)) - before
        check(self.epoch.facts["fees_claimed"] == owed and int(self.vault.fees_owed()) == 0, "fees not fully claimed")

    def withdraw(self) -> None:
        self.phase = "withdraw"
        alice = self.users["alice"]
        claimable = int(self.vault.maxRedeem(alice))
        before = int(self.weth.balanceOf(alice))
        self.record("redeem (claim assets)", "alice", self.vault.redeem(claimable, alice, alice, sender=alice))
        self.epoch.facts["alice_withdrawn"] = int(self.weth.balanceOf(alice)) - before
        check(self.epoch.facts["alice_withdrawn"] > 0, "alice withdrew nothing")
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
                check(client.balance() == 0, f"{name} still has ledger cash after withdrawing")
