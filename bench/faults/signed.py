"""The signed-price world: the Vyper SignedPriceOracle, a k-of-n committee (bench/forge/bugs/SignedBugs.t.sol is its
Solidity twin; forge deploys the same Vyper bytecode from code/SignedPriceOracle.hex).

Five signers, threshold 3, one tolerated faulty signer (max_faulty 1); signer 4 is the rogue, and an outsider holds a
key that is no member's. Reports are good for an hour (MAX_AGE) and may be dated up to 5 minutes ahead; accepted
prices lie in [100, 100,000]. The honest signers follow a market price `mid` (honest signer i signs mid + i wei);
the rogue and the outsider sign any uint256. Handlers: the market moves (50 to 200,000), an update is submitted (1 to
5 distinct members chosen by `pick`, sometimes with a report repeated or the outsider's, dated around the age and
drift limits), warp (0-12 steps of 5 min). Invariants: every accepted round carried at least the
threshold of distinct members, its price lies within the honest prices of that update and within the bounds, the
oracle's latest round is the last accepted one, and getPrice never answers with a round older than MAX_AGE.
"""

from __future__ import annotations

from eth_keys import keys
from eth_utils import keccak

from strikeforge.fuzz.errors import TransactionError

from .harness import BugMachine, bound, bug_handler, bug_invariant, start_with_tokens
from .ledger import actor_address

TARGET = ("contracts/oracles/SignedPriceOracle.vy", "SignedPriceOracle")
SCAFFOLD = (("contracts/mocks/MockERC20.sol", "MockERC20"),)
FORGE_CONTRACT = "SignedBugs"

MAX_AGE = 3600
MAX_FUTURE_DRIFT = 300
MIN_PRICE = 100 * 10**18
MAX_PRICE = 100_000 * 10**18
THRESHOLD = 3
MAX_FAULTY = 1
ROGUE = 4  # a member's index: the one faulty signer the committee tolerates
OUTSIDER = 5  # a key that is no member's
START_MID = 2_000 * 10**18


def signer_key(i: int) -> int:
    """Signer i's private key (i = 5: the outsider's): keccak256("strikeforge.signer.<i>"), as the twin's."""
    return int.from_bytes(keccak(text=f"strikeforge.signer.{i}"), "big")


KEYS = [keys.PrivateKey(signer_key(i).to_bytes(32, "big")) for i in range(6)]
ADDRESSES = [k.public_key.to_checksum_address() for k in KEYS]


def sign(i: int, digest: bytes) -> bytes:
    """65 bytes r | s | v (v = 27 or 28), as forge's vm.sign packed by the twin."""
    signature = KEYS[i].sign_msg_hash(digest)
    return signature.r.to_bytes(32, "big") + signature.s.to_bytes(32, "big") + bytes([27 + signature.v])


def machine(types: dict) -> type[BugMachine]:
    class SignedWorld(BugMachine):
        @classmethod
        def deploy(cls, chain, actors):
            d = actors["deployer"]
            weth, usdc = start_with_tokens(chain, types, d)
            oracle = chain.deploy(
                types["SignedPriceOracle"],
                weth,
                usdc,
                MAX_AGE,
                MAX_FUTURE_DRIFT,
                MIN_PRICE,
                MAX_PRICE,
                ADDRESSES[:5],
                THRESHOLD,
                MAX_FAULTY,
                actor_address("governance"),
                sender=d,
            )
            return {"weth": weth, "usdc": usdc, "oracle": oracle}

        def __init__(self) -> None:
            super().__init__()
            self.mid = START_MID
            self.accepted: list[tuple[int, int]] = []  # (timestamp, price) of every accepted round
            self.broken = ""  # the first accepted update that broke the committee's rule

        @bug_handler(256)
        def market(self, raw: int) -> None:
            self.mid = bound(raw, 50 * 10**18, 200_000 * 10**18)

        @bug_handler(256, 256, 256)
        def submit(self, pick: int, raw_price: int, raw_at: int) -> None:
            now = self.chain.timestamp
            at = bound(raw_at, now - MAX_AGE - 300, now + MAX_FUTURE_DRIFT + 60)
            oracle = self.c.oracle
            # 1 to 5 distinct members in turn from `first` (signer 4, the rogue, signs raw_price), then a twist:
            # none (5 in 8), the last report replaced by the one before it again, or by the outsider's, or the last
            # one repeated at the end.
            count, first, twist = 1 + pick % 5, (pick >> 3) % 5, (pick >> 6) % 8
            who = [(first + j) % 5 for j in range(count)]
            if twist == 5 and count > 1:
                who[-1] = who[-2]
            elif twist == 6:
                who[-1] = OUTSIDER
            elif twist == 7:
                who.append(who[-1])
            prices = [self.mid + k if k < ROGUE else raw_price for k in who]
            signatures = [sign(k, oracle.report_digest(price, at)) for k, price in zip(who, prices, strict=True)]
            if not self.sends(oracle.update, at, prices, signatures, sender=self.actor(pick)):
                return
            price = oracle.latest_price()
            self.accepted.append((at, price))
            members = {k for k in who if k <= ROGUE}
            honest = [self.mid + k for k in members if k < ROGUE]
            if OUTSIDER in who or len(members) < THRESHOLD:
                self.broken = self.broken or "a round accepted without the threshold of distinct members"
            elif not honest or not min(honest) <= price <= max(honest):
                self.broken = self.broken or "a round's price outside the honest signers' prices"

        @bug_handler(256)
        def warp(self, raw: int) -> None:
            self.warp_by(raw, 300)

        @bug_invariant
        def committee(self) -> None:
            assert not self.broken, self.broken

        @bug_invariant
        def rounds(self) -> None:
            oracle = self.c.oracle
            assert oracle.latest_round() == len(self.accepted), "a round that was not accepted"
            if self.accepted:
                at, price = self.accepted[-1]
                assert oracle.latest_timestamp() == at, "the latest round is not the last accepted"
                assert MIN_PRICE <= price <= MAX_PRICE, "a price outside the bounds"

        @bug_invariant
        def fresh(self) -> None:
            c = self.c
            try:
                price, at = c.oracle.getPrice(c.weth, c.usdc)
            except TransactionError:
                return
            assert self.chain.timestamp - at <= MAX_AGE, "a price older than MAX_AGE"
            assert (at, price) == self.accepted[-1], "getPrice is not the last accepted round"

    return SignedWorld
