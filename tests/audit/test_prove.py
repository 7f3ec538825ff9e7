"""``strikeforge prove``: real checks are proved, a broken property yields its counterexample, bad input one line.

Each run builds with forge and runs halmos (from .venv/tools/halmos, installed once from requirements-halmos.lock), so
these tests run a few fast checks only: the whole suite is `make prove`.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# A property that holds and one that does not, over the real BatchTrees rebuild: a two-leaf tree's root commits to
# both leaves' sums (true), and to the left leaf's sums twice (false).
BROKEN = """// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BatchTrees, SignedLeaf} from "contracts/settlement/BatchTrees.sol";

interface SVM {
    function createInt256(string calldata name) external returns (int256);
}

contract BrokenTreeTest {
    SVM internal constant svm = SVM(0xF3993A62377BCd56AE39D773740A5390411E8BC9);
    BatchTrees internal trees;

    function setUp() public {
        trees = new BatchTrees();
    }

    function _root(int256 left, int256 right) internal returns (bytes32 root, bytes32 h0, bytes32 h1) {
        SignedLeaf[] memory leaves = new SignedLeaf[](2);
        leaves[0].cash = left;
        leaves[1].cash = right;
        leaves[0].signature = new bytes(65);
        leaves[1].signature = new bytes(65);
        (root,) = trees.dataRoot(abi.encode(leaves));
        h0 = keccak256(abi.encode(uint256(0), 0, address(0), left, leaves[0].positions, keccak256(new bytes(65))));
        h1 = keccak256(abi.encode(uint256(0), 0, address(0), right, leaves[1].positions, keccak256(new bytes(65))));
    }

    function check_rootCommitsToBothSums() public {
        int256 left = svm.createInt256("left");
        int256 right = svm.createInt256("right");
        (bytes32 root, bytes32 h0, bytes32 h1) = _root(left, right);
        assert(root == keccak256(abi.encode(uint256(1), h0, [left, 0, 0, 0, 0], h1, [right, 0, 0, 0, 0])));
    }

    function check_rootCommitsToTheLeftSumTwice() public {
        int256 left = svm.createInt256("left");
        int256 right = svm.createInt256("right");
        (bytes32 root, bytes32 h0, bytes32 h1) = _root(left, right);
        assert(root == keccak256(abi.encode(uint256(1), h0, [left, 0, 0, 0, 0], h1, [left, 0, 0, 0, 0])));
    }
}
"""


def _prove(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "strikeforge.cli", "prove", *args]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=900, check=False)


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.CompletedProcess[str], list[dict]]]:
    folder = tmp_path_factory.mktemp("broken")
    (folder / "BrokenTree.t.sol").write_text(BROKEN)
    out = tmp_path_factory.mktemp("out") / "prove.json"
    result = _prove("--folder", str(folder), "--json", str(out), "--timeout", "120")
    yield result, json.loads(out.read_text()) if out.is_file() else []
    # the folder's own build (runner._environment names it by the folder's path)
    shutil.rmtree(ROOT / ".cache" / "symbolic" / hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:12])


def test_real_checks_are_proved(tmp_path: Path) -> None:
    out = tmp_path / "prove.json"
    result = _prove("--match", "^check_(dataRootFollowsTheNodeRule|bounded)", "--json", str(out), "--timeout", "120")
    assert result.returncode == 0, result.stdout + result.stderr
    rows = json.loads(out.read_text())
    assert {r["check"] for r in rows} == {
        "check_dataRootFollowsTheNodeRule",
        "check_boundedColumnSumsNeverOverflow",
        "check_boundedNodeSumsNeverOverflow",
    }
    assert all(r["result"] == "proved" and r["counterexample"] is None for r in rows)
    assert all(set(r) == {"check", "contract", "result", "counterexample", "paths", "seconds", "detail"} for r in rows)
    assert "proved" in result.stdout


def test_a_broken_property_gives_its_counterexample_and_exit_1(broken) -> None:
    result, rows = broken
    assert result.returncode == 1, result.stdout + result.stderr
    by_check = {r["check"]: r for r in rows}
    assert by_check["check_rootCommitsToBothSums"]["result"] == "proved"
    failing = by_check["check_rootCommitsToTheLeftSumTwice"]
    assert failing["result"] == "counterexample" and failing["contract"] == "BrokenTreeTest"
    model = failing["counterexample"][0]
    assert {"left", "right"} <= set(model)
    assert model["left"] != model["right"]  # the inputs that break it: two different sums
    assert "counterexample BrokenTreeTest.check_rootCommitsToTheLeftSumTwice: " in result.stdout
    assert "left=" in result.stdout and "right=" in result.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--bogus"], "No such option: --bogus"),
        (["--folder", "tests/no-such-folder"], "no folder"),
        (["--match", "^nothing_matches_this$"], "no check in"),
        (["--timeout", "0"], "--timeout"),
    ],
)
def test_bad_input_is_one_line(args: list[str], needle: str) -> None:
    result = _prove(*args)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert needle in lines[0] and "Traceback" not in result.stderr
