"""Source mutations of ThetaVault, each reverting one fix, so that the vault machine
(tests/vaults/test_vault_invariants.py) can show it finds that bug class (tests/vaults/test_vault_mutants.py).
Mechanism: tests/mutation.py.

Issue 17's M-3 kept its fees half (the premium half, a buyer's pull after writing, went with the buyer); the batch
auction (issue 18) adds the burn of unsold options, the roll's finish of an auction nobody finished, the bid floor
against a griefer filling the bid cap, and the reserve's rounding."""

from __future__ import annotations

from tests.mutation import Mutation

VAULT = "contracts/vaults/ThetaVault.vy"

M3_FEES = Mutation(
    "M-3-fees",
    "fees are pushed to the recipient at the roll (a transfer that reverts the roll), as before the fix",
    VAULT,
    (
        (
            "    self.fees_owed += fee  # pulled by the recipient (claim_fees): a reverting or blacklisted one "
            "cannot stop a roll\n",
            "    assert extcall IERC20(asset).transfer(self.fee_recipient, fee, default_return_value=True)\n",
        ),
    ),
)

UNSOLD_KEPT = Mutation(
    "auction-unsold-kept",
    "finishing an auction before expiry does not burn the unsold options: the vault keeps them, their collateral "
    "stays locked and unsold_held does not count them",
    VAULT,
    (
        (
            "        if block.timestamp < self.current_expiry:\n"
            "            extcall ENGINE.burn(series, unsold)\n"
            "        else:\n"
            "            self.unsold_held = unsold\n",
            "        if block.timestamp >= self.current_expiry:\n            self.unsold_held = unsold\n",
        ),
    ),
)

ROLL_SKIPS_FINISH = Mutation(
    "auction-roll-skips-finish",
    "a due roll does not finish the auction nobody finished: its proceeds and unsold options stay in the auction, "
    "which is never settled for the vault",
    VAULT,
    (
        (
            "        if self.current_auction != 0:\n"
            "            self._finish_auction(self.current_auction, series, clearing_price)\n",
            "",
        ),
    ),
)

NO_BID_FLOOR = Mutation(
    "auction-no-bid-floor",
    "set_parameters accepts a min_bid_bps whose bids cannot cover the supply at the bid cap: a griefer fills the cap "
    "with bids of the floor and nobody else can bid",
    VAULT,
    (
        (
            "    if min_bid_bps_ > BPS or min_bid_bps_ * staticcall AUCTION.MAX_BIDS() < BPS:\n",
            "    if min_bid_bps_ > BPS or min_bid_bps_ == 0:\n",
        ),
    ),
)

RESERVE_ROUNDED_DOWN = Mutation(
    "auction-reserve-rounded-down",
    "the reserve (asset units per option) is rounded down, below the pricer's discounted value the vault keeps",
    VAULT,
    (
        (
            "        math._mul_div(value, _ASSET_UNIT * (BPS - self.reserve_discount_bps), 10**18 * BPS, True), 1\n",
            "        math._mul_div(value, _ASSET_UNIT * (BPS - self.reserve_discount_bps), 10**18 * BPS, False), 1\n",
        ),
    ),
)

VAULT_MUTATIONS = (M3_FEES, UNSOLD_KEPT, ROLL_SKIPS_FINISH, NO_BID_FLOOR, RESERVE_ROUNDED_DOWN)
