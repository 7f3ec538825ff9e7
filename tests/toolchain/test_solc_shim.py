"""The solc-js shim answers as native solc does for the calls py-solc-x, ape-solidity and forge make."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from packaging.version import Version
from solcx.wrapper import get_solc_version

from .conftest import ROOT, standard_json

ERC20_IMPORT = 'import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";'
REMAP = ["@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/"]


def _source(body: str) -> str:
    return f"// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\n{body}\n"


def test_version_is_reported_in_the_native_format(run_shim):
    result = run_shim("--version")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "solc, the solidity compiler commandline interface"
    assert lines[1].startswith("Version: 0.8.28+commit.7893614a")


def test_py_solc_x_reads_the_registered_compiler_version():
    import solcx

    executable = solcx.install.get_executable("0.8.28")
    assert get_solc_version(executable) == Version("0.8.28")


def test_standard_json_from_stdin_compiles(run_shim):
    src = _source("contract C { function f() external pure returns (uint256) { return 7; } }")
    result = run_shim("--standard-json", stdin=standard_json({"C.sol": {"content": src}}))
    assert result.returncode == 0
    out = json.loads(result.stdout)
    assert "errors" not in out
    assert out["contracts"]["C.sol"]["C"]["evm"]["bytecode"]["object"]


def test_standard_json_from_a_file_argument(run_shim, tmp_path):
    src = _source("contract D {}")
    (tmp_path / "in.json").write_text(standard_json({"D.sol": {"content": src}}))
    result = run_shim("--standard-json", str(tmp_path / "in.json"))
    assert result.returncode == 0
    assert "D" in json.loads(result.stdout)["contracts"]["D.sol"]


def test_output_over_128_kib_reaches_a_pipe_whole(run_shim):
    """A large result (OpenZeppelin ERC20 with ASTs and every output) is never cut at the 128 KiB pipe buffer."""
    src = _source(f'{ERC20_IMPORT}\ncontract T is ERC20 {{ constructor() ERC20("t", "t") {{}} }}')
    stdin = json.dumps(
        {
            "language": "Solidity",
            "sources": {"T.sol": {"content": src}},
            "settings": {"remappings": REMAP, "outputSelection": {"*": {"*": ["*"], "": ["ast"]}}},
        }
    )
    result = run_shim("--standard-json", "--base-path", str(ROOT), stdin=stdin, cwd=ROOT)
    assert result.returncode == 0
    assert len(result.stdout.encode()) > 131_072 * 2
    out = json.loads(result.stdout)  # a cut stream would not parse
    assert "T" in out["contracts"]["T.sol"]


def test_compile_error_is_reported_in_json_as_native_solc_does(run_shim):
    src = _source("contract E { function f() external pure returns (uint256) { return true; } }")
    result = run_shim("--standard-json", stdin=standard_json({"E.sol": {"content": src}}))
    assert result.returncode == 0  # native solc exits 0 in standard-JSON mode; errors travel in the output
    errors = json.loads(result.stdout)["errors"]
    assert [(e["severity"], e["type"]) for e in errors] == [("error", "TypeError")]
    assert errors[0]["sourceLocation"]["file"] == "E.sol"
    assert errors[0]["formattedMessage"].startswith("TypeError: Return argument type bool is not implicitly")
    assert "--> E.sol:3:" in errors[0]["formattedMessage"]


def test_malformed_json_input_gets_a_json_error(run_shim):
    result = run_shim("--standard-json", stdin="{not json")
    assert result.returncode == 0
    errors = json.loads(result.stdout)["errors"]
    assert errors[0]["type"] == "JSONError"
    assert errors[0]["severity"] == "error"


def test_imports_resolve_through_the_base_path(run_shim, tmp_path):
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "L.sol").write_text(
        _source("library L { function one() internal pure returns (uint256) { return 1; } }")
    )
    src = _source(
        'import {L} from "lib/L.sol";\ncontract M { function f() external pure returns (uint256) { return L.one(); } }'
    )
    result = run_shim("--standard-json", "--base-path", str(tmp_path), stdin=standard_json({"M.sol": {"content": src}}))
    out = json.loads(result.stdout)
    assert "errors" not in out, out.get("errors")
    assert "M" in out["contracts"]["M.sol"]


def test_imports_resolve_through_an_include_path(run_shim, tmp_path):
    base, include = tmp_path / "base", tmp_path / "include"
    base.mkdir()
    (include / "pkg").mkdir(parents=True)
    (include / "pkg" / "P.sol").write_text(_source("contract P {}"))
    src = _source('import {P} from "pkg/P.sol";\ncontract Q is P {}')
    result = run_shim(
        "--standard-json",
        "--base-path",
        str(base),
        "--include-path",
        str(include),
        stdin=standard_json({"Q.sol": {"content": src}}),
    )
    out = json.loads(result.stdout)
    assert "errors" not in out, out.get("errors")
    assert "Q" in out["contracts"]["Q.sol"]


def test_missing_import_lists_the_searched_locations(run_shim, tmp_path):
    src = _source('import "nowhere/X.sol";\ncontract R {}')
    result = run_shim("--standard-json", "--base-path", str(tmp_path), stdin=standard_json({"R.sol": {"content": src}}))
    message = json.loads(result.stdout)["errors"][0]["message"]
    assert message == (
        'Source "nowhere/X.sol" not found: File not found. Searched the following locations: '
        f'"{tmp_path / "nowhere" / "X.sol"}".'
    )


def _linked_tree(tmp_path: Path, contract: str) -> tuple[Path, Path]:
    """base/link -> outside/, with ``contract`` in outside/: a file reached through a link out of the base path."""
    base, outside = tmp_path / "base", tmp_path / "outside"
    base.mkdir()
    outside.mkdir()
    (outside / f"{contract}.sol").write_text(_source(f"contract {contract} {{}}"))
    (base / "link").symlink_to(outside)
    return base, outside


def test_import_outside_the_allowed_paths_is_refused(run_shim, tmp_path):
    """A file reached through a link that leaves the allowed directories is not read (native solc does the same)."""
    base, _ = _linked_tree(tmp_path, "Secret")
    src = _source('import "link/Secret.sol";\ncontract S {}')
    result = run_shim("--standard-json", "--base-path", str(base), stdin=standard_json({"S.sol": {"content": src}}))
    errors = json.loads(result.stdout)["errors"]
    assert "File outside of allowed directories" in errors[0]["message"]
    assert "Secret" not in json.loads(result.stdout).get("contracts", {}).get("link/Secret.sol", {})


def test_allow_paths_admits_a_directory_outside_the_base_path(run_shim, tmp_path):
    base, outside = _linked_tree(tmp_path, "Shared")
    src = _source('import "link/Shared.sol";\ncontract U is Shared {}')
    result = run_shim(
        "--standard-json",
        "--base-path",
        str(base),
        f"--allow-paths={outside}",
        stdin=standard_json({"U.sol": {"content": src}}),
    )
    out = json.loads(result.stdout)
    assert "errors" not in out, out.get("errors")
    assert "U" in out["contracts"]["U.sol"]


def test_unsupported_option_is_named_in_the_error(run_shim):
    result = run_shim("--combined-json", "abi", "x.sol")
    assert result.returncode == 1
    assert result.stdout == ""
    assert "unrecognised option '--combined-json'" in result.stderr
    assert "--standard-json" in result.stderr


def test_no_mode_is_an_error(run_shim):
    result = run_shim()
    assert result.returncode == 1
    assert "no mode given" in result.stderr


def test_forge_builds_offline_with_the_registered_compiler(tmp_path):
    """forge compiles with `solc = <path>` and offline = true: nothing is downloaded."""
    solc = ROOT / ".venv" / "solcx" / "solc-v0.8.28"
    forge = ROOT / "node_modules" / "@foundry-rs" / "forge-linux-amd64" / "bin" / "forge"
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "F.sol").write_text(
        _source("contract F { uint256 public x; function set(uint256 v) external { x = v; } }")
    )
    (tmp_path / "foundry.toml").write_text(
        f'[profile.default]\nsrc = "src"\noffline = true\nauto_detect_solc = false\nsolc = "{solc}"\n'
    )
    home = tmp_path / "home"
    result = subprocess.run(
        [str(forge), "build", "--root", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
        env={"HOME": str(home), "PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    artifact = json.loads((tmp_path / "out" / "F.sol" / "F.json").read_text())
    assert artifact["bytecode"]["object"].startswith("0x6080")
    assert not (home / ".svm").exists()
