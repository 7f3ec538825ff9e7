"""ERC-4626 share inflation: share math over a ``balanceOf(this)`` total without a virtual offset or dead shares."""

from __future__ import annotations

from typing import Any

from slither.core.declarations import Contract, Function, SolidityVariable
from slither.slithir.operations import Binary, BinaryType, TypeConversion
from slither.utils.output import Output

from strikeforge.audit.slither_plugin import _ir
from strikeforge.audit.slither_plugin._base import StrikeforgeDetector
from strikeforge.audit.slither_plugin.classification import HIGH, MEDIUM

THIS = SolidityVariable("this")
MINTS = frozenset({"_mint", "mint", "deposit", "_deposit"})


def _is_this(value: Any, function: Function) -> bool:
    if value == THIS:
        return True
    return any(
        isinstance(ir, TypeConversion) and ir.lvalue == value and ir.variable == THIS for _, ir in _ir.irs(function)
    )


def _balance_of_this(function: Function) -> list[Any]:
    """Results of ``balanceOf(address(this))`` calls in ``function``."""
    return [
        ir.lvalue
        for _, ir in _ir.high_level_calls_named(function, ["balanceOf"])
        if ir.arguments and _is_this(ir.arguments[0], function) and ir.lvalue is not None
    ]


def _balance_sources(contract: Contract) -> tuple[set[str], dict[Function, set[Any]]]:
    """Functions returning a balanceOf(this) total, and per function the values derived from one."""
    totals: set[str] = set()
    for function in contract.functions:
        if _balance_of_this(function):
            totals.add(function.name)
    sources: dict[Function, set[Any]] = {}
    for function in contract.functions:
        values = set(_balance_of_this(function))
        for _, ir in _ir.irs(function):
            callee = _ir.internal_callees(ir)
            if callee is not None and callee.name in totals and ir.lvalue is not None:
                values.add(ir.lvalue)
        if values:
            sources[function] = values
    return totals, sources


def _supply_values(function: Function) -> set[Any]:
    values: set[Any] = set()
    for _, ir in _ir.irs(function):
        callee = _ir.internal_callees(ir)
        if callee is not None and callee.name == "totalSupply" and ir.lvalue is not None:
            values.add(ir.lvalue)
        for v in ir.read:
            if "totalsupply" in str(getattr(v, "name", "")).lower():
                values.add(v)
    return values


def _divides_by(function: Function, values: set[Any]) -> bool:
    tainted = _ir.taint(function, values)
    for _, ir in _ir.irs(function):
        if isinstance(ir, Binary) and ir.type == BinaryType.DIVISION and ir.variable_right in tainted:
            return True
        callee = _ir.internal_callees(ir)
        if callee is not None and callee.name == "mulDiv" and len(ir.arguments) >= 3 and ir.arguments[2] in tainted:
            return True
    return False


def _offsets_supply(function: Function) -> bool:
    supply = _supply_values(function)
    if not supply:
        return False
    tainted = _ir.taint(function, supply)
    return any(
        isinstance(ir, Binary)
        and ir.type == BinaryType.ADDITION
        and (ir.variable_left in tainted or ir.variable_right in tainted)
        for _, ir in _ir.irs(function)
    )


def _mints_dead_shares(contract: Contract) -> bool:
    constructor = contract.constructor
    return constructor is not None and any(fn.name in MINTS for fn in _ir.reachable(constructor))


class Erc4626ShareInflation(StrikeforgeDetector):
    """Shares priced as supply / balanceOf(this) with no virtual shares and no dead shares."""

    ARGUMENT = "erc4626-share-inflation"
    HELP = "ERC-4626 share math over balanceOf(this) without virtual offset or dead shares"
    IMPACT, CONFIDENCE = HIGH, MEDIUM
    WIKI_TITLE = "ERC-4626 first-depositor share inflation"
    WIKI_DESCRIPTION = "Share price is total supply over the token balance, which anyone can raise by donating."
    WIKI_EXPLOIT_SCENARIO = (
        "The first depositor mints 1 share, donates 10^6 tokens, and the next deposit rounds down to 0 shares."
    )
    WIKI_RECOMMENDATION = (
        "Add virtual shares and assets (OpenZeppelin's _decimalsOffset) or mint dead shares at deploy."
    )

    def _detect(self) -> list[Output]:
        results = []
        for contract in self.derived_contracts():
            _, sources = _balance_sources(contract)
            if not sources or _mints_dead_shares(contract):
                continue
            for function, values in sources.items():
                if not _supply_values(function) or not _divides_by(function, values):
                    continue
                if not _offsets_supply(function):
                    results.append(
                        self.generate_result(
                            [function, " prices shares over balanceOf(this) with no virtual offset or dead shares\n"]
                        )
                    )
        return results
