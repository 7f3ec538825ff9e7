"""Helpers for LedgerAuctionDesk's Ape tests (the fixtures `auction`, `desk`, `seller` and `sale` are in conftest):
the withdrawAndCall data of a ledger bid, its escrow, a ledger bid made the honest way, settling an auction."""

from __future__ import annotations

from eth_abi import encode

from tests.options.fixtures import ONE
from tests.settlement.conftest import SERIES, USDC

SUPPLY = 10 * ONE  # options an auction of the `sale` fixture sells
RESERVE = 100 * USDC  # USDC base units per 1e18 option units: 100 USDC an option
MAX_BIDS = 3  # the `auction` fixture's bid cap (small, so books fill)
PUT = SERIES[2]  # the conftest's first put series, paid in USDC (the ledger's cash)


def bid_data(auction_id, series, size, limit, replace=False, slot=0) -> bytes:
    """withdrawAndCall's data for the desk: abi.encode(auctionId, seriesId, replace, slot, size, limit)."""
    return encode(
        ["uint256", "uint256", "bool", "uint256", "uint256", "uint256"],
        [auction_id, series, replace, slot, size, limit],
    )


def escrow_of(size, limit) -> int:
    """BatchAuction's escrow of a bid: ceil(size * limit / 1e18)."""
    return -(-size * limit // ONE)


def ledger_bid(ledger, desk, account, auction_id, size, limit, chain, series=PUT, replace=False, slot=0):
    """The account requests a withdrawal of the escrow, waits the ledger's delay, and bids with it through the desk."""
    amount = escrow_of(size, limit)
    ledger.requestWithdrawal(amount, sender=account)
    chain.mine(1, timestamp=chain.pending_timestamp + int(ledger.WITHDRAWAL_DELAY()))
    return ledger.withdrawAndCall(
        desk, amount, bid_data(auction_id, series, size, limit, replace, slot), sender=account
    )


def settle_auction(auction, auction_id, end, chain, settler):
    """Once the window has ended, settles at the view's clearing price."""
    chain.mine(1, timestamp=max(chain.pending_timestamp, end))
    auction.settle(auction_id, auction.clearingPriceOf(auction_id), sender=settler)


def wallet_bid(auction, cash, minter, who, auction_id, size, limit):
    """`who` is minted the escrow by `minter` and bids from its wallet."""
    cash.mint(who, escrow_of(size, limit), sender=minter)
    cash.approve(auction, escrow_of(size, limit), sender=who)
    return auction.bid(auction_id, size, limit, sender=who)
