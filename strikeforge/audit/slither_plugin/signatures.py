"""Signatures: replayable digests and an unchecked ``ecrecover`` result, one detector per concern."""

from __future__ import annotations

from typing import Any

from slither.core.declarations import Function, SolidityVariable, SolidityVariableComposed
from slither.slithir.operations import Binary, BinaryType, TypeConversion
from slither.slithir.variables import Constant
from slither.utils.output import Output

from strikeforge.audit.slither_plugin import _ir
from strikeforge.audit.slither_plugin._base import StrikeforgeDetector
from strikeforge.audit.slither_plugin.classification import HIGH, MEDIUM

ECRECOVER = "ecrecover(bytes32,uint8,bytes32,bytes32)"
RECOVERERS = frozenset(
    {"recover", "tryRecover", "isValidSignatureNow", "isValidSignatureNowCalldata", "isValidERC1271SignatureNow"}
)
EIP712_DOMAIN = frozenset({"_hashTypedDataV4", "_domainSeparatorV4", "_buildDomainSeparator", "toTypedDataHash"})
CHAIN_ID = SolidityVariableComposed("block.chainid")
THIS = SolidityVariable("this")
NOW = SolidityVariableComposed("block.timestamp")


def _recovers(function: Function) -> bool:
    for _, ir in _ir.irs(function):
        if _ir.solidity_call_name(ir) == ECRECOVER:
            return True
        callee = _ir.internal_callees(ir)
        if callee is not None and callee.name in RECOVERERS:
            return True
    return False


def _replay_gaps(entry: Function) -> list[str]:
    """What the digest an entry point verifies lacks: nonce, chain id, verifying contract, deadline."""
    functions = _ir.reachable(entry)
    names = {fn.name for fn in functions}
    uses_domain = bool(names & EIP712_DOMAIN)
    read = {v for fn in functions for v in fn.solidity_variables_read}
    conditional = {v for fn in functions for v in fn.all_conditional_solidity_variables_read(include_loop=False)}
    written = {v for fn in functions for v in fn.state_variables_written}
    checked = {v for fn in functions for v in fn.all_conditional_state_variables_read(include_loop=False)}
    gaps = []
    if not any("nonce" in v.name.lower() for v in written) and not (written & checked):
        gaps.append("a nonce or used-signature record")
    if not uses_domain and CHAIN_ID not in read:
        gaps.append("the chain id")
    if not uses_domain and THIS not in read:
        gaps.append("the verifying contract")
    if NOW not in conditional:
        gaps.append("a deadline")
    return gaps


class SignatureReplay(StrikeforgeDetector):
    """A state-changing entry point acting on a signature whose digest can be replayed."""

    ARGUMENT = "signature-replay"
    HELP = "Signed digest without nonce, chain id, verifying contract or deadline"
    IMPACT, CONFIDENCE = HIGH, MEDIUM
    WIKI_TITLE = "Replayable signature"
    WIKI_DESCRIPTION = (
        "A signature is accepted without binding it to a nonce (or recording it as used), the chain id, the verifying "
        "contract and a deadline."
    )
    WIKI_EXPLOIT_SCENARIO = "A signed price or order is submitted again, on another chain, or to a redeployed contract."
    WIKI_RECOMMENDATION = (
        "Sign an EIP-712 struct with a nonce and deadline under a domain with chainId and the contract."
    )

    def _detect(self) -> list[Output]:
        results = []
        for _, entry in self.state_changing_entry_points():
            if not any(_recovers(fn) for fn in _ir.reachable(entry)):
                continue
            gaps = _replay_gaps(entry)
            # A signature with no expiry but bound to a nonce, the chain and the contract cannot be replayed; a
            # missing deadline is reported only alongside a replay gap.
            if [g for g in gaps if g != "a deadline"]:
                info: list[Any] = [entry, " acts on a signature whose digest lacks " + ", ".join(gaps) + "\n"]
                results.append(self.generate_result(info))
        return results


def _is_zero(value: Any, function: Function) -> bool:
    if isinstance(value, Constant):
        return value.value == 0
    for _, ir in _ir.irs(function):
        if isinstance(ir, TypeConversion) and ir.lvalue == value:
            return _is_zero(ir.variable, function)
    return False


def _compared_to_zero(function: Function) -> Any:
    def predicate(ir: Any, tainted: set[Any]) -> bool:
        if not isinstance(ir, Binary) or ir.type not in (BinaryType.EQUAL, BinaryType.NOT_EQUAL):
            return False
        left, right = ir.variable_left, ir.variable_right
        fn = ir.node.function
        return (left in tainted and _is_zero(right, fn)) or (right in tainted and _is_zero(left, fn))

    return predicate


class EcrecoverUncheckedZero(StrikeforgeDetector):
    """``ecrecover``'s result used without comparing it to ``address(0)`` (an invalid signature recovers zero)."""

    ARGUMENT = "ecrecover-unchecked-zero"
    HELP = "ecrecover result not checked against address(0)"
    IMPACT, CONFIDENCE = HIGH, HIGH
    WIKI_TITLE = "ecrecover result not checked against zero"
    WIKI_DESCRIPTION = "ecrecover returns address(0) for an invalid signature instead of reverting."
    WIKI_EXPLOIT_SCENARIO = "An unset signer slot (address(0)) matches any garbage signature."
    WIKI_RECOMMENDATION = "Use OpenZeppelin ECDSA.recover, or revert when the recovered address is zero."

    def _detect(self) -> list[Output]:
        results = []
        for _, function in self.declared_functions():
            for node, ir in _ir.irs(function):
                if _ir.solidity_call_name(ir) != ECRECOVER or ir.lvalue is None:
                    continue
                if not _ir.value_reaches(function, [ir.lvalue], _compared_to_zero(function)):
                    results.append(
                        self.generate_result([function, " uses ecrecover without a zero-address check: ", node, "\n"])
                    )
        return results
