"""The oracle world: ChainlinkOracle for WETH/USDC (bench/forge/bugs/OracleBugs.t.sol is its Solidity twin).

An 8-decimal MockChainlinkFeed starting at 2,000 and a sequencer-uptime feed (up at the start); staleness 1 hour,
bounds [100, 100,000], grace 1 hour; one expiry two hours after the start. Handlers: a new round (answer in
[0, 200,000], dated between the last round and now), warp (0-12 steps of 10 min), the sequencer going down or up.
Invariants: a spot price is the latest answer, positive, fresh, scaled, within the bounds, with the sequencer up past
its grace; after expiry at most one of the rounds around it passes priceAt.
"""

from __future__ import annotations

from eth_abi import encode

from strikeforge.fuzz.errors import TransactionError

from .harness import START_TIME, BugMachine, bound, bug_handler, bug_invariant, start_with_tokens

TARGET = ("contracts/oracles/ChainlinkOracle.sol", "ChainlinkOracle")
SCAFFOLD = (
    ("contracts/mocks/MockERC20.sol", "MockERC20"),
    ("contracts/mocks/MockChainlinkFeed.sol", "MockChainlinkFeed"),
)
FORGE_CONTRACT = "OracleBugs"

MAX_STALENESS = 3600
MIN_PRICE = 100 * 10**18
MAX_PRICE = 100_000 * 10**18
GRACE_PERIOD = 3600
EXPIRY = START_TIME + 7200


def machine(types: dict) -> type[BugMachine]:
    class OracleWorld(BugMachine):
        @classmethod
        def deploy(cls, chain, actors):
            d = actors["deployer"]
            weth, usdc = start_with_tokens(chain, types, d)
            feed = chain.deploy(types["MockChainlinkFeed"], 8, 2000 * 10**8, sender=d)
            sequencer = chain.deploy(types["MockChainlinkFeed"], 0, 0, sender=d)
            oracle = chain.deploy(
                types["ChainlinkOracle"],
                weth,
                usdc,
                feed,
                MAX_STALENESS,
                MIN_PRICE,
                MAX_PRICE,
                sequencer,
                GRACE_PERIOD,
                sender=d,
            )
            return {"weth": weth, "usdc": usdc, "feed": feed, "sequencer": sequencer, "oracle": oracle}

        def __init__(self) -> None:
            super().__init__()
            self.round_at = [0, START_TIME]
            self.sequencer_status = 0

        @bug_handler(256, 256)
        def update(self, raw_answer: int, raw_at: int) -> None:
            answer = bound(raw_answer, 0, 200_000 * 10**8)
            at = bound(raw_at, self.round_at[-1], self.chain.timestamp)
            self.c.feed.updateRoundData(len(self.round_at), answer, at, at, sender=self.deployer)
            self.round_at.append(at)

        @bug_handler(256)
        def warp(self, raw: int) -> None:
            self.warp_by(raw, 600)

        @bug_handler(256)
        def sequencer(self, raw: int) -> None:
            status = raw % 2
            if status == self.sequencer_status:
                return
            self.c.sequencer.updateAnswer(status, sender=self.deployer)
            self.sequencer_status = status

        @bug_invariant
        def spot(self) -> None:
            c = self.c
            try:
                price, at = c.oracle.getPrice(c.weth, c.usdc)
            except TransactionError:
                return
            now = self.chain.timestamp
            _, answer, _, updated_at, _ = c.feed.latestRoundData()
            assert answer > 0, "non-positive answer accepted"
            assert at == updated_at and at <= now, "not the latest answer"
            assert now - at <= MAX_STALENESS, "stale price accepted"
            assert price == answer * 10**10, "price is not the answer scaled"
            assert MIN_PRICE <= price <= MAX_PRICE, "price outside the circuit breaker"
            _, status, started_at, _, _ = c.sequencer.latestRoundData()
            assert status == 0 and now - started_at > GRACE_PERIOD, "price while the sequencer is not trusted"

        @bug_invariant
        def expiry(self) -> None:
            if self.chain.timestamp <= EXPIRY:
                return
            n = len(self.round_at) - 1
            last = n
            while last > 1 and self.round_at[last] > EXPIRY:
                last -= 1
            c = self.c
            answers = 0
            for r in range(last - 2 if last > 2 else 1, (last + 1 if last < n else n) + 1):
                try:
                    c.oracle.priceAt(c.weth, c.usdc, EXPIRY, encode(["uint80"], [r]))
                except TransactionError:
                    continue
                answers += 1
            assert answers <= 1, "two rounds answer for one expiry"

    return OracleWorld
