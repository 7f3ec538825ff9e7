"""Seeded faults for the time-to-bug benchmark (bench/fuzz_bugs.py), and the worlds that find them.

A fault is one textual patch (old -> new, which must occur exactly once) of a copy of a project contract, compiled in
memory: the source in contracts/ is never written. A world is a deployment of the patched contract with its
handlers and invariants, written twice, identically: a strikeforge ChainMachine (bench/faults/<world>.py) and a forge
invariant test (bench/forge/bugs/<World>Bugs.t.sol). Every world's invariants hold on the unpatched contracts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Fault:
    name: str
    world: str  # a module of this package: options, ledger, reentrancy, oracle, auction, selector
    unit: str  # the patched file, from the project root
    old: str
    new: str
    description: str

    def source(self) -> str:
        """The patched copy of `unit`."""
        text = (ROOT / self.unit).read_text()
        found = text.count(self.old)
        if found != 1:
            raise ValueError(f"{self.name}: the text to patch occurs {found} times in {self.unit}, not once")
        return text.replace(self.old, self.new)


ENGINE = "contracts/options/OptionsEngine.sol"
LEDGER = "contracts/settlement/SettlementLedger.sol"
TREES = "contracts/settlement/BatchTrees.sol"
ORACLE = "contracts/oracles/ChainlinkOracle.sol"
AUCTION = "contracts/auction/BatchAuction.sol"
SELECTOR = "contracts/vaults/PercentOtmStrikeSelector.vy"
SIGNED = "contracts/oracles/SignedPriceOracle.vy"

FAULTS: tuple[Fault, ...] = (
    Fault(
        "engine-put-collateral-floor",
        "options",
        ENGINE,
        "if (s.isPut) return Math.mulDiv(amount, s.strike * 10 ** s.strikeDecimals, 1e36, Math.Rounding.Ceil);",
        "if (s.isPut) return Math.mulDiv(amount, s.strike * 10 ** s.strikeDecimals, 1e36, Math.Rounding.Floor);",
        "a put's collateral rounds down (a writer deposits less than its options' strike)",
    ),
    Fault(
        "engine-burn-release-ceil",
        "options",
        ENGINE,
        "released = Math.mulDiv(p.collateral, amount, writtenBy);",
        "released = Math.mulDiv(p.collateral, amount, writtenBy, Math.Rounding.Ceil);",
        "burning options releases collateral rounded up (the rest no longer covers the options left)",
    ),
    Fault(
        "engine-reclaim-reserve-floor",
        "options",
        ENGINE,
        "amount = deposited - Math.min(deposited, _payout(s, writtenBy, Math.Rounding.Ceil));",
        "amount = deposited - Math.min(deposited, _payout(s, writtenBy, Math.Rounding.Floor));",
        "a writer's reserve for its options' payout rounds down at reclaim (holders are short a unit)",
    ),
    Fault(
        "engine-call-payout-uncapped",
        "options",
        ENGINE,
        "return Math.mulDiv(amount, (price - strike) * 10 ** s.underlyingDecimals, price * 1e18, rounding);",
        "return Math.mulDiv(amount, (price - strike) * 10 ** s.underlyingDecimals, strike * 1e18, rounding);",
        "a call's payout divides by the strike, not the price: above 2K it exceeds the collateral",
    ),
    Fault(
        "ledger-bitmap-last-leaf",
        "ledger",
        LEDGER,
        "uint256 mask = (width == 256 ? type(uint256).max : (1 << width) - 1) << (at & 255);",
        "uint256 mask = (width == 256 ? type(uint256).max : (1 << (width - 1)) - 1) << (at & 255);",
        "off by one in the applied bitmap's mask: a batch counts as applied with its last leaf unapplied",
    ),
    Fault(
        "ledger-gate-latest-batch",
        "ledger",
        LEDGER,
        "if (through < count && _postedAt(batches[through + 1].meta) < readyAt) {",
        "if (through < count && _postedAt(batches[count].meta) < readyAt) {",
        "the withdrawal gate checks the latest batch instead of the first unsettled one",
    ),
    Fault(
        "ledger-escape-boundary",
        "ledger",
        LEDGER,
        "return block.timestamp > last + CHALLENGE_WINDOW + ESCAPE_PERIOD;",
        "return block.timestamp >= last + CHALLENGE_WINDOW + ESCAPE_PERIOD;",
        "escape mode one second early (>= for >): withdrawals without a request at the boundary",
    ),
    Fault(
        "trees-cash-sum-dropped",
        "ledger",
        TREES,
        "            sums[i][0] = l.cash;\n",
        "",
        "BatchTrees drops the cash column from the leaves' sums: challengeData reverts honest batches",
    ),
    Fault(
        "ledger-deposit-reentrancy",
        "reentrancy",
        LEDGER,
        "function deposit(uint256 amount) external nonReentrant {",
        "function deposit(uint256 amount) external {",
        "deposit without nonReentrant: a hooked token's reentrant deposit is credited twice",
    ),
    Fault(
        "oracle-staleness-dropped",
        "oracle",
        ORACLE,
        "if (updatedAt > block.timestamp || block.timestamp - updatedAt > MAX_STALENESS) {",
        "if (updatedAt > block.timestamp) {",
        "ChainlinkOracle's staleness check is gone",
    ),
    Fault(
        "oracle-grace-boundary",
        "oracle",
        ORACLE,
        "if (block.timestamp - startedAt <= GRACE_PERIOD)",
        "if (block.timestamp - startedAt < GRACE_PERIOD)",
        "the sequencer grace period ends one second early (< for <=)",
    ),
    Fault(
        "oracle-superseded-boundary",
        "oracle",
        ORACLE,
        "if (exists && nextAt <= expiry) revert RoundSuperseded",
        "if (exists && nextAt < expiry) revert RoundSuperseded",
        "a round followed by one dated exactly at expiry still answers: two rounds prove one expiry",
    ),
    Fault(
        "oracle-min-price-dropped",
        "oracle",
        ORACLE,
        "if (price < MIN_PRICE || price > MAX_PRICE) revert PriceOutOfBounds(price, MIN_PRICE, MAX_PRICE);\n    }\n\n"
        "    function _normalize",
        "if (price > MAX_PRICE) revert PriceOutOfBounds(price, MIN_PRICE, MAX_PRICE);\n    }\n\n"
        "    function _normalize",
        "the spot price's lower circuit breaker is gone",
    ),
    Fault(
        "auction-refund-ceil",
        "auction",
        AUCTION,
        "r = _ceilDiv(size * limit) - _ceilDiv(f * price);",
        "r = _ceilDiv(size * limit) - f * price / PRICE_SCALE;",
        "a bidder's payment rounds down at claim (refund up): the contract pays out more than it holds",
    ),
    Fault(
        "auction-proceeds-floor",
        "auction",
        AUCTION,
        "proceeds += _ceilDiv(size * clearingPrice);",
        "proceeds += size * clearingPrice / PRICE_SCALE;",
        "settlement rounds the seller's proceeds from full fills down (cash left behind)",
    ),
    Fault(
        "auction-clearing-check",
        "auction",
        AUCTION,
        "clearingPrice > type(uint104).max || above >= supply",
        "clearingPrice > type(uint104).max || above > supply",
        "settle accepts a price whose demand above it already covers the supply (too low a price)",
    ),
    Fault(
        "auction-fill-ceil",
        "auction",
        AUCTION,
        "return tied <= remaining ? size : size * remaining / tied;",
        "return tied <= remaining ? size : (size * remaining + tied - 1) / tied;",
        "a pro-rata fill at the clearing price rounds up at claim (more tokens out than sold)",
    ),
    Fault(
        "selector-put-grid-ceil",
        "selector",
        SELECTOR,
        "return max(target // STRIKE_GRID * STRIKE_GRID, STRIKE_GRID)",
        "return max((target + STRIKE_GRID - 1) // STRIKE_GRID * STRIKE_GRID, STRIKE_GRID)",
        "Vyper: the put strike rounds up to the grid (towards the money, past spot * (1 - OTM))",
    ),
    Fault(
        "signed-duplicate-signer",
        "signed",
        SIGNED,
        "        if seen & bit != 0:\n",
        "        if seen & bit != 0 and index == 0:\n",
        "Vyper: a signer's repeated signature counts again (one key meets the threshold and sets any price)",
    ),
    Fault(
        "signed-threshold-off-by-one",
        "signed",
        SIGNED,
        "    if count < threshold_:\n",
        "    if count + 1 < threshold_:\n",
        "Vyper: an update with one signature fewer than the threshold is accepted",
    ),
    Fault(
        "signed-max-price-dropped",
        "signed",
        SIGNED,
        "    if price < MIN_PRICE or price > MAX_PRICE:\n",
        "    if price < MIN_PRICE:\n",
        "Vyper: the upper price bound removed (a median above MAX_PRICE is accepted, and one above 2**192 is "
        "packed into the round's slot truncated)",
    ),
)

BY_NAME = {f.name: f for f in FAULTS}
QUICK = (
    "engine-put-collateral-floor",
    "trees-cash-sum-dropped",
    "oracle-staleness-dropped",
    "auction-refund-ceil",
    "selector-put-grid-ceil",
)


def world(name: str):
    """A world module: TARGET (unit, contract), SCAFFOLD, FORGE_CONTRACT, machine(types)."""
    import importlib

    return importlib.import_module(f"{__name__}.{name}")
