"""A Vyper 0.4 module as the analyzer sees it: the compiler's annotated AST, with the questions detectors ask of it.

Everything here reads the Vyper compiler's own analysis (types, locations, function types, reachable functions),
never the source text. Imports resolve from the file's folder and the folders above it, the audited root and
site-packages (snekmate), wherever the audit runs from.
"""

from __future__ import annotations

import re
import site
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import vyper.ast.nodes as vy
from vyper.compiler.input_bundle import FilesystemInputBundle
from vyper.compiler.phases import CompilerData
from vyper.compiler.settings import Settings
from vyper.exceptions import VersionException, VyperException
from vyper.semantics.analysis.utils import get_expr_info
from vyper.semantics.data_locations import DataLocation
from vyper.semantics.types.function import ContractFunctionT

from strikeforge.audit.findings import element, source_mapping
from strikeforge.audit.sources import AuditInputError, unit_name

STATE = (DataLocation.STORAGE, DataLocation.TRANSIENT)
PRAGMA = re.compile(r"^#\s*(?:pragma\s+version|@version)\s+(.+?)\s*$", re.MULTILINE)
MAX_DEPTH = 4


@dataclass
class VyperModule:
    """One analyzed ``.vy`` file."""

    path: Path
    display: str
    name: str
    ast: vy.Module
    text: str
    data: CompilerData  # the compiler's phases, kept for what the report compiles further (bytecode, layout)
    base: Path | None = None  # the audited root: imported modules are named from it too

    def functions(self) -> list[vy.FunctionDef]:
        """The functions this file defines (not those of modules it imports)."""
        return [n for n in self.ast.body if isinstance(n, vy.FunctionDef)]

    def mapping(self, node: vy.VyperNode) -> dict[str, Any]:
        module = node.module_node if node.module_node is not None else self.ast
        path = Path(module.resolved_path)
        text = self.text if path == self.path else path.read_text(encoding="utf-8")
        if path == self.path:
            display = self.display
        else:
            display = unit_name(path, self.base) if self.base is not None else path.as_posix()
        return source_mapping(path, display, *span(node), text)

    def contract_element(self) -> dict[str, Any]:
        return element("contract", self.name, self.mapping(self.ast))

    def function_element(self, fn: vy.FunctionDef) -> dict[str, Any]:
        return element("function", fn.name, self.mapping(fn), self.contract_element())

    def node_element(self, node: vy.VyperNode, fn: vy.FunctionDef) -> dict[str, Any]:
        return element("node", node.node_source_code.splitlines()[0], self.mapping(node), self.function_element(fn))


def search_paths(path: Path, root: Path) -> list[Path]:
    """The file's own folder and its ancestors first (an auditor's tree imports ``interfaces.X`` from its root), then
    the audited root, then site-packages (snekmate); never the working directory."""
    paths = [path.parent, *path.parent.parents]
    if root not in paths:
        paths.append(root)
    return [*paths, *(Path(p) for p in site.getsitepackages())]


def unmet_pragma(display: str, text: str, available: str | None = None) -> str | None:
    """One line when the file's ``# pragma version`` excludes this Vyper: the file, its pragma and the compilers
    there are (``available``); the compiler's own check decides."""
    from vyper import __version__
    from vyper.ast.pre_parser import validate_version_pragma

    for match in PRAGMA.finditer(text):
        try:
            validate_version_pragma(match.group(1), (text, 0, 0))
        except VersionException:
            there = available or f"available: vyper {__version__} for Vyper"
            return f"{display}: {match.group(0).strip()} needs a compiler this audit does not have ({there})"
    return None


def load(path: Path, display: str, root: Path) -> VyperModule:
    """Parse and type-check ``path`` (``root``: the audited root); raises AuditInputError with the compiler's message
    if it does not compile."""
    text = path.read_text(encoding="utf-8")
    unmet = unmet_pragma(display, text)
    if unmet:
        raise AuditInputError(unmet)
    bundle = FilesystemInputBundle(search_paths(path, root))
    try:
        data = CompilerData(bundle.load_file(path), bundle, settings=Settings(evm_version="cancun"))
        module = data.annotated_vyper_module
    except VyperException as exc:
        message = " ".join(str(exc.message).split())
        raise AuditInputError(f"{display}: does not compile with Vyper: {message}") from exc
    return VyperModule(path=path, display=display, name=path.stem, ast=module, text=text, data=data, base=root)


def span(node: vy.VyperNode) -> tuple[int, int]:
    """(byte offset, length) of ``node`` in its file."""
    start, length, _ = node.src.split(":")
    return int(start), int(length)


def end(node: vy.VyperNode) -> int:
    start, length = span(node)
    return start + length


def func_type(fn: vy.FunctionDef) -> ContractFunctionT:
    return fn._metadata["func_type"]


def is_entry(fn: vy.FunctionDef) -> bool:
    """An external function that can change state (not a constructor, view or pure)."""
    ft = func_type(fn)
    return ft.is_external and ft.is_mutable and not ft.is_constructor


def callee(call: vy.Call) -> ContractFunctionT | None:
    """The internal (same-module or imported-module) function a call enters."""
    t = call.func._metadata.get("type")
    if isinstance(t, ContractFunctionT) and t.is_internal and t.decl_node is not None:
        return t
    return None


def reachable(fn: vy.FunctionDef) -> list[vy.FunctionDef]:
    """``fn`` and every internal function it reaches (the compiler's own call graph)."""
    nodes = [fn]
    for t in func_type(fn).reachable_internal_functions:
        if t.decl_node is not None and t.decl_node not in nodes:
            nodes.append(t.decl_node)
    return nodes


def is_attr(node: vy.VyperNode, base: str, attr: str) -> bool:
    return (
        isinstance(node, vy.Attribute)
        and node.attr == attr
        and isinstance(node.value, vy.Name)
        and node.value.id == base
    )


def builtin_name(call: vy.Call) -> str | None:
    return call.func.id if isinstance(call.func, vy.Name) else None


def is_external_call(node: vy.VyperNode, include_static: bool = False) -> bool:
    """``extcall``, ``raw_call``, ``send`` or ``create_*`` (and ``staticcall`` when asked)."""
    if isinstance(node, vy.ExtCall):
        return True
    if include_static and isinstance(node, vy.StaticCall):
        return True
    if isinstance(node, vy.Call):
        name = builtin_name(node)
        return name in ("raw_call", "send") or (name or "").startswith("create_")
    return False


def state_target(target: vy.VyperNode) -> str | None:
    """The storage or transient variable an assignment target writes, or None."""
    try:
        info = get_expr_info(target)
    except Exception:
        return None
    if info.location not in STATE:
        return None
    root = target
    while isinstance(root, vy.Subscript | vy.Attribute) and not is_attr(root, "self", getattr(root, "attr", "")):
        root = root.value
    return root.attr if isinstance(root, vy.Attribute) else root.node_source_code


def writes(stmt: vy.VyperNode) -> list[tuple[str, vy.VyperNode]]:
    """(variable, target) for each state variable ``stmt`` itself assigns."""
    if isinstance(stmt, vy.Assign | vy.AugAssign | vy.AnnAssign):
        targets = stmt.target.elements if isinstance(stmt.target, vy.Tuple) else [stmt.target]
        return [(name, t) for t in targets if (name := state_target(t)) is not None]
    return []


def events(stmts: list[vy.VyperNode], depth: int = MAX_DEPTH) -> Iterator[tuple[str, Any, vy.VyperNode]]:
    """("call", None, node) and ("write", variable, node) in execution order, through internal calls."""
    for stmt in stmts:
        for expr in _header(stmt):
            yield from _expression_events(expr, depth)
        for name, target in writes(stmt):
            yield "write", name, target
        for body in _bodies(stmt):
            yield from events(body, depth)


def _header(stmt: vy.VyperNode) -> list[vy.VyperNode]:
    if isinstance(stmt, vy.If):
        return [stmt.test]
    if isinstance(stmt, vy.For):
        return [stmt.iter]
    return [c for c in stmt.get_children() if isinstance(c, vy.ExprNode)]


def _bodies(stmt: vy.VyperNode) -> list[list[vy.VyperNode]]:
    if isinstance(stmt, vy.If):
        return [stmt.body, stmt.orelse]
    if isinstance(stmt, vy.For):
        return [stmt.body]
    return []


def _expression_events(expr: vy.VyperNode, depth: int) -> Iterator[tuple[str, Any, vy.VyperNode]]:
    calls = [expr] if isinstance(expr, vy.Call | vy.ExtCall) else []
    calls += expr.get_descendants((vy.Call, vy.ExtCall))
    for node in sorted(calls, key=lambda n: (end(n), -span(n)[1])):
        if is_external_call(node):
            yield "call", None, node
        elif isinstance(node, vy.Call) and depth > 0 and (t := callee(node)) is not None:
            yield from events(t.decl_node.body, depth - 1)


def sender_values(fn: vy.FunctionDef) -> list[vy.VyperNode]:
    return [n for n in fn.get_descendants(vy.Attribute) if is_attr(n, "msg", "sender")]


def within(node: vy.VyperNode, kinds: tuple[type, ...]) -> vy.VyperNode | None:
    """The nearest ancestor of ``node`` of one of ``kinds``."""
    parent = node.get_ancestor()
    while parent is not None and not isinstance(parent, kinds):
        parent = parent.get_ancestor()
    return parent


def in_condition(node: vy.VyperNode) -> bool:
    """True when ``node`` is inside an ``assert`` or an ``if`` test."""
    stmt = within(node, (vy.Assert, vy.If))
    if stmt is None:
        return False
    test = stmt.test
    return test is node or node in test.get_descendants()


def names_in(node: vy.VyperNode) -> set[str]:
    found = {n.id for n in node.get_descendants(vy.Name)}
    if isinstance(node, vy.Name):
        found.add(node.id)
    return found


def attributes_in(node: vy.VyperNode) -> set[str]:
    return {a.attr for a in node.get_descendants(vy.Attribute)}


def tainted_names(fn: vy.FunctionDef, seeds: set[str]) -> set[str]:
    """Local names whose value derives from ``seeds`` (assignments, to a fixpoint)."""
    tainted = set(seeds)
    assigns = fn.get_descendants((vy.Assign, vy.AnnAssign, vy.AugAssign))
    changed = True
    while changed:
        changed = False
        for stmt in assigns:
            if stmt.value is None or not names_in(stmt.value) & tainted:
                continue
            targets = stmt.target.elements if isinstance(stmt.target, vy.Tuple) else [stmt.target]
            for t in targets:
                if isinstance(t, vy.Name) and t.id not in tainted:
                    tainted.add(t.id)
                    changed = True
    return tainted


def expr_type(node: vy.VyperNode) -> Any:
    """The compiler's type of an expression, or None."""
    t = node._metadata.get("type")
    if t is None:
        try:
            t = get_expr_info(node).typ
        except Exception:
            return None
    return t


def signed_bits(node: vy.VyperNode) -> int | None:
    t = expr_type(node)
    if getattr(t, "is_signed", False) and hasattr(t, "bits"):
        return int(t.bits)
    return None


def is_zero(node: vy.VyperNode) -> bool:
    return isinstance(node, vy.Int) and node.value == 0


def is_constant(node: vy.VyperNode) -> bool:
    """A literal, or a name or ``self.x`` that is a constant or immutable."""
    if isinstance(node, vy.Int | vy.Decimal | vy.Hex | vy.NameConstant):
        return True
    try:
        info = get_expr_info(node)
    except Exception:
        return False
    return str(getattr(info, "modifiability", "")).endswith(("CONSTANT", "RUNTIME_CONSTANT"))


def local_assignments(fn: vy.FunctionDef) -> dict[str, list[vy.VyperNode]]:
    """local name -> the expressions assigned to it in ``fn``."""
    found: dict[str, list[vy.VyperNode]] = {}
    for stmt in fn.get_descendants((vy.Assign, vy.AnnAssign, vy.AugAssign)):
        if stmt.value is None:
            continue
        targets = stmt.target.elements if isinstance(stmt.target, vy.Tuple) else [stmt.target]
        for t in targets:
            if isinstance(t, vy.Name):
                found.setdefault(t.id, []).append(stmt.value)
    return found


def strip_convert(node: vy.VyperNode) -> vy.VyperNode:
    """``convert(x, T)`` and interface casts ``IToken(x)`` -> ``x`` (repeatedly)."""
    while isinstance(node, vy.Call) and node.args:
        name = builtin_name(node)
        if name == "convert" or (name is not None and name[:1].isupper() and len(node.args) == 1):
            node = node.args[0]
        else:
            break
    return node


def slot_of(fn: vy.FunctionDef, node: vy.VyperNode, depth: int = 4) -> tuple[str, str | None] | None:
    """(state variable, struct field or None) an expression reads, through subscripts, fields, conversions and
    locals copied from storage; None when it is not a plain storage read."""
    node = strip_convert(node)
    field_name: str | None = None
    while depth >= 0:
        if isinstance(node, vy.Attribute) and isinstance(node.value, vy.Name) and node.value.id == "self":
            return node.attr, field_name
        if isinstance(node, vy.Attribute):
            field_name = field_name or node.attr
            node = node.value
        elif isinstance(node, vy.Subscript):
            node = node.value
        elif isinstance(node, vy.Name):
            values = local_assignments(fn).get(node.id, [])
            if len(values) != 1:
                return None
            node = strip_convert(values[0])
            depth -= 1
        else:
            return None
    return None
