"""Issue 17's oracle findings as source mutations of OracleRouter and SignedPriceOracle: each reverts one fix (or one
half of it), so that the router and signed-oracle machines (tests/oracles/test_oracle_invariants.py) can show they
find that bug class (tests/oracles/test_oracle_mutants.py). Mechanism: tests/mutation.py."""

from __future__ import annotations

from tests.mutation import Mutation

ROUTER = "contracts/oracles/OracleRouter.vy"
SIGNED = "contracts/oracles/SignedPriceOracle.vy"

_EVIDENCE_CHECKS = (
    "    if not ok:\n"
    '        raw_revert(concat(method_id("InvalidEvidence(address)"), abi_encode(source)))\n'
    "    if not self._fresh(updated_at, expiry, route.max_expiry_lag):\n"
)

ROUTER_MUTATIONS = (
    Mutation(
        "H-5-price",
        "a dispute writes the disputer's own price: a hint that is no valid evidence for the expiry is read as the "
        "price (as before the fix, when the disputer passed any corrected_price)",
        ROUTER,
        (
            (
                _EVIDENCE_CHECKS,
                "    if not ok or not self._fresh(updated_at, expiry, route.max_expiry_lag):\n"
                "        price = extract32(hint, 0, output_type=uint256)\n"
                "        updated_at = expiry\n"
                "    if False:\n",
            ),
        ),
    ),
    Mutation(
        "H-5-twice",
        "a disputed expiry price can be disputed again (no AlreadyDisputed)",
        ROUTER,
        (("    if record.disputed:\n", "    if False:\n"),),
    ),
    Mutation(
        "M-1-lag",
        "record_expiry_price ignores the route's max_expiry_lag: any evidence the sources prove counts as fresh",
        ROUTER,
        (
            (
                "    p_fresh: bool = p_ok and self._fresh(p_at, expiry, route.max_expiry_lag)\n"
                "    f_fresh: bool = f_ok and self._fresh(f_at, expiry, route.max_expiry_lag)\n",
                "    p_fresh: bool = p_ok\n    f_fresh: bool = f_ok\n",
            ),
        ),
    ),
    Mutation(
        "M-1-grace",
        "record_expiry_price accepts one source's evidence at once, before expiry + SOURCE_GRACE",
        ROUTER,
        (
            (
                "        if route.fallback_source != empty(address) and block.timestamp < expiry + SOURCE_GRACE:\n",
                "        if False:\n",
            ),
        ),
    ),
)

_LOWER_MEDIAN = "    return sorted[(len(sorted) - 1) // 2]\n"
_MEAN_OF_MIDDLES = (
    "    middle: uint256 = len(sorted) // 2\n"
    "    if len(sorted) % 2 == 1:\n"
    "        return sorted[middle]\n"
    "    low: uint256 = sorted[middle - 1]\n"
    "    return low + (sorted[middle] - low) // 2\n"
)
_TWO_F_PLUS_ONE = (
    "    if new_max_faulty > (new_threshold - 1) // 2:  # threshold >= 2f+1, without overflow for any f\n"
    '        self._invalid_config("max_faulty")\n'
)

SIGNED_MUTATIONS = (
    Mutation(
        "M-2-mean",
        "the median of an even count is the mean of the two middle prices again (the committee rule kept)",
        SIGNED,
        ((_LOWER_MEDIAN, _MEAN_OF_MIDDLES),),
    ),
    Mutation(
        "M-2-majority",
        "a committee needs a strict majority only: threshold >= 2f+1 is not checked (the lower median kept)",
        SIGNED,
        ((_TWO_F_PLUS_ONE, ""),),
    ),
    Mutation(
        "M-2",
        "both: the mean of the two middle prices and a strict-majority threshold without 2f+1 (the code before the "
        "fix, e.g. 2 of 3 where one rogue signer plus one honest set the price)",
        SIGNED,
        ((_LOWER_MEDIAN, _MEAN_OF_MIDDLES), (_TWO_F_PLUS_ONE, "")),
    ),
)
