"""Conformance suites written from the standards' text (ERC-7540 with ERC-4626/7575/165, ERC-20, ERC-7726, EIP-712 with
ERC-5267), run through Ape against any contract address: ours in tests/conformance, anyone's with `strikeforge
conformance SUITE --address 0x... --network ...`.

Each property cites the section of the standard it comes from and its level (MUST, SHOULD, or a named convention
such as OpenZeppelin's). Properties that send transactions run only where the chain can be snapshotted and
restored (local chains and forks): every example runs inside a snapshot, so the chain is left as it was found.
"""

from strikeforge.conformance.core import (
    SUITES,
    ConformanceError,
    Outcome,
    Property,
    Subject,
    Violation,
    run_suite,
)

__all__ = ["SUITES", "ConformanceError", "Outcome", "Property", "Subject", "Violation", "run_suite"]

# The suites register their properties in SUITES when imported.
from strikeforge.conformance import eip712, erc20, erc7540, erc7726  # noqa: F401
