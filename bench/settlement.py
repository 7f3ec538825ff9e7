"""Settlement: netting throughput, Merkle-sum tree build time, and on-chain gas of a batch's lifecycle.

Throughput figures are compared with an anchor measured in the same run: a plain Python loop that adds each trade's
premium into a dict (the least work netting can do). Gas is measured on Ape's EthereumTester as whole transactions
(calldata, that is data availability, included): posting a batch with 1 and with N leaves (fixed and per-leaf cost),
applying one leaf, applying all leaves in applyMany calls, rebuilding a batch on-chain (challengeData), and the gas per
settled trade for 1,000 trades among 200 accounts: `gas_per_trade` counts posting (data availability included), which
settles the batch once its window passes; `gas_per_trade_applied` adds applying every leaf to on-chain balances. The
claim is measured three times: an account's first (the bitmap word is new storage; its positions exist since it
deposited option tokens, which a sale now needs), a steady-state one in a later batch among the same accounts and
series, and one of a leaf that moves cash only. Anchors: Uniswap
merkle-distributor claim 62-95k gas, UMA claimMulti ~57k a claim. Targets (issue 6): claim <= 45,000 gas; <= 2,500 gas
per settled trade; netting >= 50,000 trades/s; 1M-leaf tree <= 20 s.

    python bench/settlement.py
"""

from __future__ import annotations

import random
import time
from dataclasses import replace

from _report import write
from ape import accounts, chain, networks, project
from eth_account import Account
from eth_account.messages import encode_typed_data

from strikeforge.settlement.cosign import Posting, apply_args, batch_calldata, leaf_args, signature_hash, typed_data
from strikeforge.settlement.netting import Trade, net
from strikeforge.settlement.tree import Leaf, MerkleSumTree

TRADES, ACCOUNTS, TREE_LEAVES = 1_000, 200, 1_000_000
WINDOW, BOND = 3_600, 10**18
DEADLINE = 2**40  # postBatch's deadline (the sequencer passes head + WITHDRAWAL_DELAY; the gas is the same)
SERIES = [1, 2, 3, 4]  # the engine series `_engine` creates: the ledger trades their option tokens (issue 18)
OPTIONS = 10 * 10**18  # option tokens of each series every account deposits (sellers must hold what they sell)
TARGETS = {
    "claim_gas": 45_000,
    "claim_gas_steady": 45_000,
    "claim_gas_cash_only": 45_000,
    "gas_per_trade": 2_500,
    "netting_trades_per_s": 50_000,
    "tree_1m_seconds": 20,
}


def _trades(rng: random.Random, addresses: list[str], count: int) -> list[Trade]:
    out = []
    for _ in range(count):
        buyer, seller = rng.sample(addresses, 2)
        out.append(Trade(rng.randrange(4), buyer, seller, rng.randrange(1, 5) * 10**17, rng.randrange(50, 500) * 10**6))
    return out


def offchain() -> dict[str, float]:
    rng = random.Random(6)  # noqa: S311 (reproducible benchmark data, not cryptography)
    addresses = [f"0x{rng.getrandbits(160):040x}" for _ in range(ACCOUNTS)]
    trades = _trades(rng, addresses, 200_000)
    start = time.perf_counter()
    anchor: dict[str, int] = {}
    for t in trades:
        anchor[t.buyer] = anchor.get(t.buyer, 0) - t.premium
    anchor_s = time.perf_counter() - start
    start = time.perf_counter()
    net(1, trades)
    netting_s = time.perf_counter() - start
    leaves = [Leaf(1, f"0x{i:040x}", i, (i, -i, 0, 1)) for i in range(TREE_LEAVES)]
    start = time.perf_counter()
    MerkleSumTree(leaves)
    tree_s = time.perf_counter() - start
    return {
        "netting_trades_per_s": len(trades) / netting_s,
        "anchor_trades_per_s": len(trades) / anchor_s,
        "tree_1m_seconds": tree_s,
    }


def onchain() -> dict[str, int]:
    with networks.ethereum.local.use_provider("test"):
        d = accounts.test_accounts[0]
        cash = project.MockERC20.deploy("USD Coin", "USDC", 6, sender=d)
        engine = _engine(cash, d)
        ledger = project.SettlementLedger.deploy(cash, engine, WINDOW, BOND, 7 * 86_400, WINDOW, d, d, sender=d)
        ledger.grantRole(ledger.SEQUENCER_ROLE(), d, sender=d)
        keys = _fund(ledger, cash, engine, d)
        rng = random.Random(7)  # noqa: S311 (reproducible benchmark data, not cryptography)
        trades = _trades(rng, [k.address.lower() for k in keys], TRADES)
        by_address = {k.address.lower(): k for k in keys}
        leaves = _signed(ledger, by_address, net(1, trades))  # sorted by account, as postBatch requires
        tree = MerkleSumTree(leaves)
        post_all = _post(ledger, tree, leaves, d).gas_used
        # The fixed cost: a batch of one leaf (never applied); alone in its batch, it must net to zero.
        single = _signed(ledger, by_address, [Leaf(2, leaves[0].account, 0, (0, 0, 0, 0))])
        post_one = _post(ledger, MerkleSumTree(single), single, d).gas_used
        challenge_data = ledger.challengeData(1, batch_calldata(leaves), sender=d, raise_on_revert=False).gas_used
        chain.mine(1, timestamp=chain.pending_timestamp + WINDOW)
        first = leaves[0]
        claim = ledger.apply_(*apply_args(1, first, tree, 0), sender=d).gas_used
        many_gas, applied = 0, 0
        rest = list(range(1, len(leaves)))
        for chunk in (rest[i : i + 50] for i in range(0, len(rest), 50)):
            many_gas += ledger.applyMany(
                1,
                [leaf_args(leaves[i]) for i in chunk],
                [signature_hash(leaves[i]) for i in chunk],
                chunk,
                [tree.plain_proof(i) for i in chunk],
                sender=d,
            ).gas_used
            applied += len(chunk)
        # Steady state: a later batch among the same accounts and series (positions and bitmap words already exist).
        later = _signed(ledger, by_address, net(3, _trades(rng, [k.address.lower() for k in keys], TRADES)))
        later_tree = MerkleSumTree(later)
        _post(ledger, later_tree, later, d)
        chain.mine(1, timestamp=chain.pending_timestamp + WINDOW)
        index = next(i for i, x in enumerate(later) if x.account == first.account)
        steady = ledger.apply_(*apply_args(3, later[index], later_tree, index), sender=d).gas_used
        cash_only = _cash_only_claim(ledger, keys, by_address, d)
        return {
            "leaves": len(leaves),
            "claim_gas_steady": steady,
            "post_fixed_gas": post_one,
            "post_per_leaf_gas": (post_all - post_one) // (len(leaves) - 1),
            "post_batch_gas": post_all,
            "claim_gas": claim,
            "claim_gas_cash_only": cash_only,
            "apply_many_per_leaf_gas": many_gas // applied,
            "gas_per_trade": post_all // TRADES,
            "gas_per_trade_applied": (post_all + claim + many_gas) // TRADES,
            "challenge_data_gas": challenge_data,
        }


def _post(ledger, tree: MerkleSumTree, leaves: list[Leaf], d) -> object:
    return ledger.postBatch(
        tree.root,
        tree.leaves_root,
        SERIES,
        batch_calldata(leaves),
        ledger.leavesPosted(),
        DEADLINE,
        sender=d,
        value=BOND,
    )


def _signed(ledger, by_address, leaves: list[Leaf]) -> list[Leaf]:
    """The leaves co-signed by their accounts for the ledger's next posting (its leavesPosted now, SERIES): sign
    right before posting."""
    posting = Posting(int(ledger.leavesPosted()), tuple(SERIES))
    signed = []
    for leaf in leaves:
        typed = typed_data(chain.chain_id, str(ledger.address), leaf, posting)
        key = by_address[leaf.account].key
        signed.append(
            replace(leaf, signature=bytes(Account.sign_message(encode_typed_data(full_message=typed), key).signature))
        )
    return signed


def _cash_only_claim(ledger, keys, by_address, d) -> int:
    """A steady-state claim of a leaf that moves cash only (a premium refund between two accounts that traded
    before): the ledger stores no position, only the balance and the bitmap bit, in a word another claim started."""
    a, b = keys[0].address.lower(), keys[1].address.lower()
    number = ledger.batchCount() + 1
    unsigned = sorted([Leaf(number, a, -5, (0, 0, 0, 0)), Leaf(number, b, 5, (0, 0, 0, 0))], key=lambda x: x.account)
    leaves = _signed(ledger, by_address, unsigned)
    tree = MerkleSumTree(leaves)
    _post(ledger, tree, leaves, d)
    chain.mine(1, timestamp=chain.pending_timestamp + WINDOW)
    credit = next(i for i, leaf in enumerate(leaves) if leaf.cash > 0)  # b's refund, measured after a's debit
    debit = 1 - credit
    ledger.apply_(*apply_args(number, leaves[debit], tree, debit), sender=d)  # its bitmap word now exists
    return ledger.apply_(*apply_args(number, leaves[credit], tree, credit), sender=d).gas_used


def _engine(cash, d):
    """An OptionsEngine over a settable WETH/USDC spot with the four SERIES (calls at 3,000 and 3,500, puts at 3,000
    and 2,500, expiring four Fridays ahead); `d` holds collateral approved to it."""
    spot_price, week = 3_000 * 10**18, 7 * 86_400
    weth = project.MockERC20.deploy("Wrapped Ether", "WETH", 18, sender=d)
    spot = project.MockPriceSource.deploy(sender=d)
    spot.set(spot_price, chain.pending_timestamp, sender=d)
    router = project.OracleRouter.deploy(3_600, 3_600, 86_400, d, d, sender=d)  # dispute, source grace, stall
    router.set_route(weth, cash, spot, "0x" + "00" * 20, 0, False, 365 * 86_400, sender=d)
    engine = project.OptionsEngine.deploy(router, d, sender=d)
    engine.grantRole(engine.SERIES_CREATOR_ROLE(), d, sender=d)
    now = chain.pending_timestamp
    expiry = now - (now - 86_400 - 8 * 3_600) % week + 4 * week  # a Friday 08:00 UTC three to four weeks ahead
    for strike, is_put in ((spot_price, False), (3_500 * 10**18, False), (spot_price, True), (2_500 * 10**18, True)):
        engine.createSeries(weth, cash, strike, expiry, is_put, sender=d)
    weth.mint(d, 10**30, sender=d)
    cash.mint(d, 10**30, sender=d)
    weth.approve(engine, 2**256 - 1, sender=d)
    cash.approve(engine, 2**256 - 1, sender=d)
    return engine


def _fund(ledger, cash, engine, d) -> list:
    """ACCOUNTS fresh test accounts, each with gas, 100,000 USDC and OPTIONS option tokens of each series deposited
    (written by `d`); their keys sign their leaves."""
    keys = []
    tokens = [project.OptionToken.at(engine.tokenOf(series)) for series in SERIES]
    for _ in range(ACCOUNTS):
        account = accounts.test_accounts.generate_test_account()
        d.transfer(account, 10**17)
        cash.mint(account, 100_000 * 10**6, sender=d)
        cash.approve(ledger, 2**256 - 1, sender=account)
        ledger.deposit(100_000 * 10**6, sender=account)
        for series, token in zip(SERIES, tokens, strict=True):
            engine.write(series, OPTIONS, account, sender=d)
            token.approve(ledger, 2**256 - 1, sender=account)
            ledger.depositOptions(series, OPTIONS, sender=account)
        keys.append(Account.from_key(account.private_key))
    return keys


def main() -> None:
    figures = {**offchain(), **onchain()}
    rows = []
    for name, value in figures.items():
        target = TARGETS.get(name)
        shown = f"{value:,.1f}" if isinstance(value, float) else f"{value:,}"
        if target is None:
            rows.append([name, shown, ""])
            continue
        ok = value >= target if name == "netting_trades_per_s" else value <= target
        rows.append(
            [
                name,
                shown,
                ("meets" if ok else "MISSES") + f" {'>=' if name == 'netting_trades_per_s' else '<='} {target:,}",
            ]
        )
    write(
        "settlement",
        "Settlement: netting, tree build and on-chain gas",
        ["figure", "value", "target"],
        rows,
        {**figures, "targets": TARGETS},
    )


if __name__ == "__main__":
    main()
