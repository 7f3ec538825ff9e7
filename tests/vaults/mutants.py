"""Issue 17's M-3 as source mutations of ThetaVault: each reverts one half of the fix, so that the vault machine
(tests/vaults/test_vault_invariants.py) can show it finds that bug class (tests/vaults/test_vault_mutants.py).
Mechanism: tests/mutation.py."""

from __future__ import annotations

from tests.mutation import Mutation

VAULT = "contracts/vaults/ThetaVault.vy"

_PULL_THEN_WRITE = (
    "    if premium != 0:\n"
    "        reason: String[32] = self._pull_premium(buyer_, premium)\n"
    '        if reason != "":\n'
    "            log OptionsNotWritten(epoch=closing, buyer=buyer_, premium=premium, reason=reason)\n"
    "            return 0, 0\n"
    "    extcall ENGINE.write(series, amount, buyer_)  # the engine pulls exactly the collateral (standing approval)\n"
)

VAULT_MUTATIONS = (
    Mutation(
        "M-3-premium",
        "the premium is pulled after writing, with a transferFrom that reverts the roll if the buyer cannot pay (as "
        "before the fix)",
        VAULT,
        (
            (
                _PULL_THEN_WRITE,
                "    extcall ENGINE.write(series, amount, buyer_)\n"
                "    if premium != 0:\n"
                "        assert extcall IERC20(asset).transferFrom(buyer_, self, premium, default_return_value=True)\n",
            ),
        ),
    ),
    Mutation(
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
    ),
)
