"""Facts about each deployable contract for the report: runtime size, storage layout and who may call what.

Solidity facts come from the audit's own Slither compilation; Vyper facts from the Vyper compiler (bytecode, layout)
and the analyzer's model (sender checks).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import vyper.ast.nodes as vy
from vyper.compiler import output as vyper_output

from strikeforge.audit.run import AuditResult
from strikeforge.audit.vyper import model

SIZE_LIMIT = 24_576  # EIP-170
ROLE_ARGUMENT = re.compile(r"^(?:onlyRole|onlyRoleOrOpenRole|_checkRole)\(([A-Za-z_]\w*)(\()?")


@dataclass
class Slot:
    name: str
    type: str
    slot: int
    offset: int = 0


@dataclass
class ContractFacts:
    name: str
    file: str
    language: str
    runtime_size: int
    storage: list[Slot] = field(default_factory=list)
    access: dict[str, str] = field(default_factory=dict)  # state-changing external function -> who may call it

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def collect(result: AuditResult) -> list[ContractFacts]:
    """Facts for every deployable contract in the audit's scope, by name."""
    facts = _solidity(result) + [_vyper(module) for module in result.vyper_modules]
    return sorted(facts, key=lambda f: f.name)


def _solidity(result: AuditResult) -> list[ContractFacts]:
    if result.solidity is None or result.solidity.slither is None:
        return []
    in_scope = set(result.solidity.contracts.values())
    facts = []
    for unit in result.solidity.slither.compilation_units:
        for contract in unit.contracts_derived:
            file = contract.source_mapping.filename.absolute if contract.source_mapping else ""
            if file not in in_scope or contract.is_interface or contract.is_library or contract.is_abstract:
                continue
            source_unit = unit.crytic_compile_compilation_unit.source_unit(contract.source_mapping.filename)
            runtime = source_unit.bytecode_runtime(contract.name)
            storage = [
                Slot(v.name, str(v.type), *unit.storage_layout_of(contract, v))
                for v in contract.storage_variables_ordered
            ]
            access = {
                f.full_name: _solidity_caller(f)
                for f in contract.functions_entry_points
                if not f.view and not f.pure and not f.is_constructor and not f.is_fallback and not f.is_receive
            }
            facts.append(
                ContractFacts(
                    name=contract.name,
                    file=result.scope.display(Path(file)),
                    language="Solidity",
                    runtime_size=len(runtime) // 2,
                    storage=storage,
                    access=dict(sorted(access.items())),
                )
            )
    return facts


def _role_of(expression: str) -> str | None:
    match = ROLE_ARGUMENT.match(expression)
    if not match:
        return "owner" if expression.startswith("onlyOwner") else None
    name, call = match.groups()
    if call:  # onlyRole(getRoleAdmin(role)): the admin of the role being granted or revoked
        return "admin of the role"
    return name if name.isupper() or name.endswith("_ROLE") else None


def _roles_label(roles: set[str]) -> str:
    """``role KEEPER_ROLE``, ``role owner``, or ``admin of the role`` (grantRole/revokeRole)."""
    return ", ".join(r if r.startswith("admin of") else f"role {r}" for r in sorted(roles))


def _solidity_caller(function: Any) -> str:
    from strikeforge.audit.slither_plugin import _ir
    from strikeforge.audit.slither_plugin.access_control import is_sender_checked

    roles = set()
    for modifier in function.modifiers_statements:
        for node in modifier.nodes:
            role = _role_of(str(node.expression or ""))
            if role:
                roles.add(role)
    for fn in _ir.reachable(function):
        if fn.name == "_checkRole":
            continue
        for node in fn.nodes:
            role = _role_of(str(node.expression or ""))
            if role and role != "owner":
                roles.add(role)
    if roles:
        return _roles_label(roles)
    if is_sender_checked(function, []):
        return "msg.sender checked in the body"
    return "anyone"


def _vyper(module: model.VyperModule) -> ContractFacts:
    """Size and layout compiled from the analyzer's own compiler phases (the file is not parsed again)."""
    layout = vyper_output.build_layout_output(module.data).get("storage_layout", {})
    access = {fn.name: _vyper_caller(fn) for fn in module.functions() if model.is_entry(fn)}
    return ContractFacts(
        name=module.name,
        file=module.display,
        language="Vyper",
        runtime_size=len(module.data.bytecode_runtime),
        storage=sorted(_flatten(layout), key=lambda s: (s.slot, s.name)),
        access=dict(sorted(access.items())),
    )


def _flatten(layout: dict[str, Any], prefix: str = "") -> list[Slot]:
    slots = []
    for name, value in layout.items():
        if "slot" in value and "type" in value:
            slots.append(Slot(prefix + name, str(value["type"]), int(value["slot"])))
        elif isinstance(value, dict):
            slots.extend(_flatten(value, f"{prefix}{name}."))
    return slots


def _vyper_caller(fn: vy.FunctionDef) -> str:
    """Who may call ``fn``: the roles it checks, the owner, another sender check, or anyone."""
    roles = set()
    reach = model.reachable(fn)
    for node in reach:
        for call in node.get_descendants(vy.Call):
            target = model.callee(call)
            if target is None:
                continue
            if target.name == "_check_owner":
                roles.add("owner")
            elif "check_role" in target.name and call.args:
                role = call.args[0]
                roles.add(role.attr if isinstance(role, vy.Attribute) else role.node_source_code)
        for compare in node.get_descendants(vy.Compare):
            if model.sender_values(compare) or model.is_attr(compare.left, "msg", "sender"):
                operands = [compare.left, *([compare.right] if hasattr(compare, "right") else [])]
                roles.update(
                    o.attr for o in operands if isinstance(o, vy.Attribute) and o.value.node_source_code == "self"
                )
    if roles:
        return _roles_label(roles)
    from strikeforge.audit.vyper.detectors.access_control import sender_checked

    return "msg.sender checked in the body" if sender_checked(reach) else "anyone"
