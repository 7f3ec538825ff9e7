"""Strikeforge's Slither detectors, registered as a Slither plugin (entry point group ``slither_analyzer.plugin``).

``slither --list-detectors`` lists them once the project is installed; ``strikeforge audit`` runs them alongside
Slither's own.
"""

from __future__ import annotations

from strikeforge.audit.slither_plugin.access_control import MissingAccessControl
from strikeforge.audit.slither_plugin.calldata_cost import UnboundedCommittedData, UncappedCalldataLoop
from strikeforge.audit.slither_plugin.chainlink import (
    ChainlinkHardcodedDecimals,
    ChainlinkMissingSequencerCheck,
    ChainlinkStalePrice,
    ChainlinkUncheckedAnswer,
)
from strikeforge.audit.slither_plugin.erc4626 import Erc4626ShareInflation
from strikeforge.audit.slither_plugin.merkle import MerkleClaimNotMarked, MerkleSecondPreimage
from strikeforge.audit.slither_plugin.negation import SignedMinNegation
from strikeforge.audit.slither_plugin.push_payment import PushPaymentDos
from strikeforge.audit.slither_plugin.setter_bounds import UnboundedPrivilegedSetter
from strikeforge.audit.slither_plugin.signature_binding import SignatureUnboundValue
from strikeforge.audit.slither_plugin.signatures import EcrecoverUncheckedZero, SignatureReplay
from strikeforge.audit.slither_plugin.timestamp_race import TimestampRace

DETECTORS = [
    ChainlinkStalePrice,
    ChainlinkUncheckedAnswer,
    ChainlinkHardcodedDecimals,
    ChainlinkMissingSequencerCheck,
    SignatureReplay,
    EcrecoverUncheckedZero,
    MerkleSecondPreimage,
    MerkleClaimNotMarked,
    MissingAccessControl,
    Erc4626ShareInflation,
    SignedMinNegation,
    PushPaymentDos,
    SignatureUnboundValue,
    TimestampRace,
    UnboundedCommittedData,
    UncappedCalldataLoop,
    UnboundedPrivilegedSetter,
]


def make_plugin() -> tuple[list[type], list[type]]:
    """Slither's plugin hook: (detectors, printers)."""
    return list(DETECTORS), []
