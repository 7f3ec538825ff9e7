"""The shim's AST names built-ins (msg, block, require, ...) by their negative ids, as native solc does.

solc-js prints them as unsigned 32-bit numbers (msg.sender's `msg` as 4294967281); tools that read the AST (halmos,
Slither, Wake) look built-ins up by the signed id and crash or misread on the unsigned one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from .conftest import standard_json

SOURCE = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
contract Owned {
    address public owner;
    function claim() external {
        require(msg.sender != address(0), "zero");
        owner = msg.sender;
    }
}
"""


def _nodes(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _nodes(value)


def _compile_ast(run_shim) -> dict[str, Any]:
    stdin = standard_json({"Owned.sol": {"content": SOURCE}}, outputs=["abi"])
    stdin = json.dumps({**json.loads(stdin), "settings": {"outputSelection": {"*": {"": ["ast"]}}}})
    result = run_shim("--standard-json", stdin=stdin)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert not [e for e in out.get("errors", []) if e["severity"] == "error"]
    return out["sources"]["Owned.sol"]["ast"]


def test_msg_sender_references_the_builtin_by_its_negative_id(run_shim):
    ast = _compile_ast(run_shim)
    msg_refs = [
        n["referencedDeclaration"] for n in _nodes(ast) if n.get("nodeType") == "Identifier" and n.get("name") == "msg"
    ]
    assert len(msg_refs) == 2
    assert set(msg_refs) == {-15}  # native solc's id of `msg`


def test_no_builtin_id_is_left_unsigned(run_shim):
    ast = _compile_ast(run_shim)
    ids = [n["referencedDeclaration"] for n in _nodes(ast) if "referencedDeclaration" in n]
    ids += [i for n in _nodes(ast) for i in n.get("overloadedDeclarations", [])]
    assert all(i < 2**31 for i in ids)
    require = [n for n in _nodes(ast) if n.get("nodeType") == "Identifier" and n.get("name") == "require"]
    assert require and require[0]["referencedDeclaration"] == -18
    assert all(i == -18 for i in require[0]["overloadedDeclarations"])


def test_declarations_of_the_source_keep_their_positive_ids(run_shim):
    ast = _compile_ast(run_shim)
    owner = next(n for n in _nodes(ast) if n.get("nodeType") == "VariableDeclaration" and n.get("name") == "owner")
    refs = [n for n in _nodes(ast) if n.get("nodeType") == "Identifier" and n.get("name") == "owner"]
    assert owner["id"] > 0
    assert refs and all(r["referencedDeclaration"] == owner["id"] for r in refs)
