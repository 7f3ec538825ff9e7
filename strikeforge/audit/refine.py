"""Refinements of stock Slither findings that are wrong for a reason the code shows (not silenced by name).

Each refinement is one function with one reason, and a dropped finding is kept in ``refined`` with that reason so the
report can list what was set aside and why:

- ``unused-return`` on Chainlink ``latestRoundData``: every value the caller uses is checked (the answer and the
  timestamp are compared); the ignored ones (roundId, startedAt, answeredInRound) are deprecated or unused by design;
- ``reentrancy-no-eth`` / ``reentrancy-benign`` where every external call goes to a token address fixed at deployment
  (immutable or constant) through the ERC-20 interface: re-entering needs a hostile token, which only the deployer
  chooses;
- ``incorrect-equality`` against a literal zero: ``x == 0`` is "not set yet", not a balance or time that an attacker
  can nudge past an exact value;
- ``uninitialized-local`` of a value type: Solidity zero-initializes locals; reading one is defined behaviour;
- ``arbitrary-send-erc20`` whose ``from`` is the account a verified signature was checked against: the owner
  authorized the transfer by signing (a signed order's maker);

and one re-rating (kept, impact lowered to Low with the reason): ``divide-before-multiply`` where every division
that feeds a multiplication is by a constant (a fixed-point scale such as 1e18 or 10,000 basis points): the loss is
below one unit of that scale.
"""

from __future__ import annotations

from typing import Any

ERC20_CALLS = frozenset(
    {"transfer", "transferFrom", "safeTransfer", "safeTransferFrom", "balanceOf", "approve", "forceApprove"}
)
VALUE_TYPES = ("uint", "int", "bool", "address", "bytes")


def _function(slither: Any, finding: dict[str, Any]) -> Any:
    """The Slither function a finding's first function element names, or None."""
    for element in finding.get("elements", []):
        if element.get("type") != "function":
            continue
        parent = element.get("type_specific_fields", {}).get("parent", {}).get("name")
        signature = element.get("type_specific_fields", {}).get("signature")
        for contract in slither.contracts:
            if contract.name != parent:
                continue
            for function in contract.functions_and_modifiers:
                if function.name == element.get("name") and (signature is None or function.full_name == signature):
                    return function
    return None


def _checked_round_data(function: Any) -> bool:
    """Every used value of each ``latestRoundData()`` call in ``function`` is compared (answer and updatedAt)."""
    from strikeforge.audit.slither_plugin import _ir

    calls = list(_ir.high_level_calls_named(function, ["latestRoundData"]))
    if not calls:
        return False
    for _, call in calls:
        used = [v for index in range(5) for v in _ir.unpacked(function, call.lvalue, index)]
        if not used:
            return False
        for value in used:
            if not _ir.value_reaches(function, [value], _ir.is_compared):
                return False
    return True


def _fixed_token_calls(function: Any) -> bool:
    """Every external call ``function`` makes goes to an immutable or constant address through ERC-20 functions."""
    from slither.core.variables.state_variable import StateVariable
    from slither.slithir.operations import HighLevelCall, LibraryCall, LowLevelCall

    from strikeforge.audit.slither_plugin import _ir

    calls = 0
    for fn in _ir.reachable(function):
        for _, ir in _ir.irs(fn):
            if isinstance(ir, LowLevelCall):
                return False
            if not isinstance(ir, HighLevelCall):
                continue
            if isinstance(ir, LibraryCall):
                if not ir.arguments or str(ir.function_name) not in ERC20_CALLS:
                    continue
                target = ir.arguments[0]
            else:
                target = ir.destination
                if str(ir.function_name) not in ERC20_CALLS:
                    return False
            root = _ir.root_value(fn, target)
            if not (isinstance(root, StateVariable) and (root.is_immutable or root.is_constant)):
                return False
            calls += 1
    return calls > 0


def _zero_equality(finding: dict[str, Any]) -> bool:
    description = finding.get("description", "")
    lines = [line for line in description.splitlines() if "==" in line]
    # A balance anyone can change (a 1-wei donation) is exactly what the stock check is for: keep those.
    return bool(lines) and all(("== 0" in line) and "balance" not in line.lower() for line in lines)


def _value_type_local(slither: Any, finding: dict[str, Any]) -> bool:
    """The uninitialized local is of an elementary value type (found through the function that declares it)."""
    from slither.core.solidity_types import ElementaryType

    for element in finding.get("elements", []):
        if element.get("type") != "variable":
            continue
        parent = element.get("type_specific_fields", {}).get("parent", {})
        holder = _function(slither, {"elements": [parent]}) if parent.get("type") == "function" else None
        if holder is None:
            return False
        for local in holder.local_variables:
            if local.name == element.get("name"):
                written = any(getattr(ir, "lvalue", None) == local for node in holder.nodes for ir in node.irs)
                # an accumulator (total += x) starts at zero by design; a local never written is a real omission
                return written and isinstance(local.type, ElementaryType) and str(local.type).startswith(VALUE_TYPES)
    return False


def _constant_divisors(function: Any) -> bool:
    """Every division in ``function`` whose result is multiplied divides by a constant."""
    from slither.slithir.operations import Binary, BinaryType
    from slither.slithir.variables import Constant

    from strikeforge.audit.slither_plugin import _ir

    divisions = [ir for _, ir in _ir.irs(function) if isinstance(ir, Binary) and ir.type == BinaryType.DIVISION]
    feeding = []
    for division in divisions:
        tainted = _ir.taint(function, [division.lvalue])
        if any(
            isinstance(ir, Binary) and ir.type == BinaryType.MULTIPLICATION and any(v in tainted for v in ir.read)
            for _, ir in _ir.irs(function)
        ):
            feeding.append(division)
    if not feeding:
        return False
    for division in feeding:
        divisor = _ir.root_value(function, division.variable_right)
        if not (isinstance(divisor, Constant) or getattr(divisor, "is_constant", False)):
            return False
    return True


def _signed_from(function: Any) -> bool:
    """A transferFrom's ``from`` is compared for equality with a recovered signer in ``function``."""
    from slither.slithir.operations import Binary, BinaryType, HighLevelCall

    from strikeforge.audit.slither_plugin import _ir
    from strikeforge.audit.slither_plugin.negation import _key
    from strikeforge.audit.slither_plugin.signature_binding import recoveries

    recovered = set()
    for fn in _ir.reachable(function):
        for _, ir, _, _ in recoveries(fn):
            if getattr(ir, "lvalue", None) is not None:
                recovered |= _ir.taint(fn, [ir.lvalue])
    if not recovered:
        return False
    signers = set()
    for _, ir in _ir.irs(function):
        if isinstance(ir, Binary) and ir.type in (BinaryType.EQUAL, BinaryType.NOT_EQUAL):
            for mine, other in ((ir.variable_left, ir.variable_right), (ir.variable_right, ir.variable_left)):
                if mine in recovered:
                    signers.add(_key(function, other))
    for _, ir in _ir.irs(function):
        if isinstance(ir, HighLevelCall) and "transferFrom" in str(ir.function_name):
            offset = 1 if type(ir).__name__ == "LibraryCall" else 0
            if len(ir.arguments) > offset and _key(function, ir.arguments[offset]) not in signers:
                return False
    return bool(signers)


def refine(findings: list[dict[str, Any]], slither: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(kept, set aside with a ``strikeforge_refined`` reason)."""
    kept, refined = [], []
    for finding in findings:
        reason = None
        check = finding.get("check")
        if check == "unused-return" and "latestRoundData" in finding.get("description", ""):
            function = _function(slither, finding)
            if function is not None and _checked_round_data(function):
                reason = "every used latestRoundData value is checked; the ignored fields are unused by design"
        elif check in ("reentrancy-no-eth", "reentrancy-benign"):
            function = _function(slither, finding)
            if function is not None and _fixed_token_calls(function):
                reason = "every external call goes to a token fixed at deployment through ERC-20 functions"
        elif check == "incorrect-equality" and _zero_equality(finding):
            reason = "equality with a literal zero tests 'not set', not an exact balance or time"
        elif check == "uninitialized-local" and _value_type_local(slither, finding):
            reason = "a value-type local is zero-initialized by Solidity"
        elif check == "arbitrary-send-erc20":
            function = _function(slither, finding)
            if function is not None and _signed_from(function):
                reason = "the tokens move from the account whose signature the function verified"
        elif check == "divide-before-multiply" and finding.get("impact") in ("Medium", "High"):
            function = _function(slither, finding)
            if function is not None and _constant_divisors(function):
                finding["impact"] = "Low"
                finding["strikeforge_rerated"] = "every division feeding a multiplication is by a constant scale"
        if reason is None:
            kept.append(finding)
        else:
            finding["strikeforge_refined"] = reason
            refined.append(finding)
    return kept, refined
