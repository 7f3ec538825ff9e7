"""The Vyper detectors, one concern each."""

from strikeforge.audit.vyper.detectors.access_control import VyperMissingAccessControl
from strikeforge.audit.vyper.detectors.calldata_loop import VyperUncappedCalldataLoop
from strikeforge.audit.vyper.detectors.chainlink import (
    VyperChainlinkHardcodedDecimals,
    VyperChainlinkMissingSequencerCheck,
    VyperChainlinkStalePrice,
    VyperChainlinkUncheckedAnswer,
)
from strikeforge.audit.vyper.detectors.divide_before_multiply import VyperDivideBeforeMultiply
from strikeforge.audit.vyper.detectors.merkle import VyperMerkleSecondPreimage
from strikeforge.audit.vyper.detectors.negation import VyperSignedMinNegation
from strikeforge.audit.vyper.detectors.push_payment import VyperPushPaymentDos
from strikeforge.audit.vyper.detectors.reentrancy import VyperReentrancy
from strikeforge.audit.vyper.detectors.setter_bounds import VyperUnboundedPrivilegedSetter
from strikeforge.audit.vyper.detectors.signature_binding import VyperSignatureUnboundValue
from strikeforge.audit.vyper.detectors.timestamp_race import VyperTimestampRace
from strikeforge.audit.vyper.detectors.tx_origin import VyperTxOrigin
from strikeforge.audit.vyper.detectors.unchecked_raw_call import VyperUncheckedRawCall

DETECTORS = [
    VyperReentrancy,
    VyperUncheckedRawCall,
    VyperTxOrigin,
    VyperDivideBeforeMultiply,
    VyperMissingAccessControl,
    VyperChainlinkStalePrice,
    VyperChainlinkUncheckedAnswer,
    VyperChainlinkHardcodedDecimals,
    VyperChainlinkMissingSequencerCheck,
    VyperSignedMinNegation,
    VyperPushPaymentDos,
    VyperUnboundedPrivilegedSetter,
    VyperTimestampRace,
    VyperMerkleSecondPreimage,
    VyperSignatureUnboundValue,
    VyperUncappedCalldataLoop,
]
