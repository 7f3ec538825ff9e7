"""`strikeforge audit` on any folder of contracts, from anywhere: the audited root (--root, else the nearest project
folder, else the folder itself), its remappings (foundry.toml, remappings.txt, lib/), Vyper imports, and a version
pragma the pinned compilers cannot meet."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from strikeforge.audit.findings import location
from strikeforge.audit.run import run
from strikeforge.audit.sources import AuditInputError, resolve_imports
from strikeforge.cli import main
from strikeforge.toolchain.config import read_pins

from .conftest import PROJECTS, copy_project

STRIKEFORGE = [str(Path(sys.executable).parent / "strikeforge")]  # the console script an auditor runs


def flagged(findings: list[dict], check: str) -> set[tuple[str, str]]:
    """(contract, function) of each ``check`` finding."""
    return {
        (f["elements"][0]["type_specific_fields"]["parent"]["name"], f["elements"][0]["name"])
        for f in findings
        if f["check"] == check
    }


def test_the_cli_audits_a_folder_from_outside_any_checkout(tmp_path):
    """`cd /tmp && strikeforge audit /tmp/theirs`: Solidity through its remappings.txt, Vyper with snekmate."""
    project = copy_project("foundry_txt", tmp_path)
    cwd = tmp_path / "elsewhere"
    cwd.mkdir()
    out = tmp_path / "findings.json"
    command = [*STRIKEFORGE, "audit", str(project), "--fail-on", "none", "--json", str(out)]
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    findings = json.loads(out.read_text())["results"]["detectors"]
    places = {(f["check"], location(f)[0]) for f in findings}
    assert ("missing-access-control", "src/Fees.sol") in places
    assert ("vyper-reentrancy", "src/Vault.vy") in places
    assert not [p for p in places if p[1].startswith("lib/")]  # the remapped library is not the audited code


def test_root_names_every_output_path_from_the_given_folder(tmp_path, elsewhere):
    project = copy_project("foundry_txt", tmp_path)
    out = tmp_path / "findings.json"
    args = ["audit", str(project / "src" / "Fees.sol"), "--root", str(project / "src"), "--fail-on", "none"]
    result = CliRunner().invoke(main, [*args, "--json", str(out)])
    assert result.exit_code == 0, result.output
    findings = json.loads(out.read_text())["results"]["detectors"]
    assert {location(f)[0] for f in findings} == {"Fees.sol"}


def test_a_root_that_is_not_a_folder_is_named(tmp_path, elsewhere):
    result = CliRunner().invoke(main, ["audit", str(PROJECTS / "calls_loop"), "--root", str(tmp_path / "nowhere")])
    assert result.exit_code != 0
    assert "nowhere" in result.output


def test_the_default_root_is_the_nearest_folder_with_a_project_file(root, tmp_path, elsewhere):
    project = copy_project("foundry_txt", tmp_path)
    result = run([project / "src" / "Fees.sol"], root, None)
    assert result.scope.base == project.resolve()
    assert {location(f)[0] for f in result.findings} == {"src/Fees.sol"}


def test_without_a_project_file_the_root_is_the_path_itself(root, tmp_path, elsewhere):
    folder = copy_project("calls_loop", tmp_path)
    result = run([folder], root, None)
    assert result.scope.base == folder.resolve()
    assert {location(f)[0] for f in result.findings} == {"Looper.sol"}


def test_foundry_toml_remappings_resolve_imports(root, tmp_path, elsewhere):
    project = copy_project("foundry_toml", tmp_path)
    result = run([project / "src"], root, None)
    assert flagged(result.findings, "missing-access-control") == {("Fees", "setFee")}


def test_libraries_under_lib_are_remapped_with_no_remapping_file(root, tmp_path):
    """forge's auto-detection: lib/dep/src is `dep/` when nothing names it."""
    project = copy_project("foundry_toml", tmp_path)
    (project / "foundry.toml").write_text('[profile.default]\nsrc = "src"\n')
    units = resolve_imports([project / "src" / "Fees.sol"], root, project).units
    assert units["lib/dep/src/Owned.sol"] == (project / "lib" / "dep" / "src" / "Owned.sol").resolve()


def test_remappings_txt_overrides_foundry_toml_as_forge_does(root, tmp_path):
    project = copy_project("foundry_toml", tmp_path)
    (project / "lib" / "old" / "src").mkdir(parents=True)
    (project / "lib" / "old" / "src" / "Owned.sol").write_text("pragma solidity ^0.8.20;\ncontract Owned {}\n")
    (project / "foundry.toml").write_text('[profile.default]\nremappings = ["dep/=lib/old/src/"]\n')
    (project / "remappings.txt").write_text("dep/=lib/dep/src/\n")
    sources = resolve_imports([project / "src" / "Fees.sol"], root, project)
    assert "lib/dep/src/Owned.sol" in sources.units and "lib/old/src/Owned.sol" not in sources.units
    assert sources.remappings == ["src/Fees.sol:dep/Owned.sol=lib/dep/src/Owned.sol"]


def test_vyper_outside_the_project_imports_snekmate_and_its_own_interfaces(root, tmp_path, elsewhere):
    project = copy_project("foundry_txt", tmp_path)
    result = run([project / "src" / "Vault.vy"], root, None)
    reentrancy = [f for f in result.findings if f["check"] == "vyper-reentrancy"]
    assert [location(f)[0] for f in reentrancy] == ["src/Vault.vy"]


def _split_project(tmp_path):
    """a/A.sol imports ../b/B.sol; no project file anywhere."""
    folder = tmp_path / "split"
    (folder / "a").mkdir(parents=True)
    (folder / "b").mkdir()
    (folder / "b" / "B.sol").write_text("pragma solidity ^0.8.20;\ncontract B {\n    uint256 public x;\n}\n")
    (folder / "a" / "A.sol").write_text(
        'pragma solidity ^0.8.20;\nimport {B} from "../b/B.sol";\n'
        "contract A is B {\n    function set(uint256 v) external {\n        x = v;\n    }\n}\n"
    )
    return folder


def test_the_default_root_widens_to_hold_a_relative_import(root, tmp_path, elsewhere):
    folder = _split_project(tmp_path)
    result = run([folder / "a"], root, None)
    assert result.scope.base == folder.resolve()
    assert set(result.solidity.contracts) == {"A"}  # B is imported, not audited
    assert [result.scope.display(p) for p in result.scope.solidity] == ["a/A.sol"]


def test_an_explicit_root_a_relative_import_leaves_is_refused_in_one_line(root, tmp_path, elsewhere):
    folder = _split_project(tmp_path)
    with pytest.raises(AuditInputError, match=r"^A\.sol: import '\.\./b/B\.sol' reaches .* outside --root .*$"):
        run([folder / "a"], root, None, folder / "a")


PRAGMAS = [
    ("Old.sol", "pragma solidity 0.7.6;", "contract Old {}"),
    ("Next.sol", "pragma solidity ^0.8.30;", "contract Next {}"),
    ("old.vy", "# pragma version 0.3.10", "@external\ndef f():\n    pass"),
]


@pytest.mark.parametrize(("name", "pragma", "body"), PRAGMAS, ids=[p[1] for p in PRAGMAS])
def test_a_pragma_the_pinned_compilers_cannot_meet_is_one_line(root, tmp_path, elsewhere, name, pragma, body):
    folder = tmp_path / "theirs"
    folder.mkdir()
    comment = "#" if name.endswith(".vy") else "//"
    (folder / name).write_text(f"{comment} SPDX-License-Identifier: MIT\n{pragma}\n{body}\n")
    result = CliRunner().invoke(main, ["audit", str(folder / name)])
    pins = read_pins(root)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        f"Error: {name}: {pragma} needs a compiler this audit does not have (available: solc {pins.solidity} for "
        f"Solidity, vyper {pins.vyper} for Vyper)"
    ]


def test_an_imported_file_whose_pragma_cannot_be_met_is_the_one_named(root, tmp_path, elsewhere):
    folder = tmp_path / "theirs"
    folder.mkdir()
    (folder / "Lib.sol").write_text("pragma solidity >=0.6.0 <0.8.0;\nlibrary Lib {}\n")
    (folder / "Main.sol").write_text('pragma solidity ^0.8.20;\nimport "./Lib.sol";\ncontract Main {}\n')
    with pytest.raises(AuditInputError, match=r"^Lib\.sol: pragma solidity >=0\.6\.0 <0\.8\.0; needs a compiler"):
        run([folder / "Main.sol"], root, None)


def test_help_and_readme_name_the_available_compilers(root):
    pins = read_pins(root)
    for args in (["audit", "--help"], ["audit", "run", "--help"]):
        text = " ".join(re.sub(r"-\n\s*", "-", CliRunner().invoke(main, args).output).split())  # click wraps at "-"
        assert f"solc {pins.solidity} only" in text and f"vyper {pins.vyper} only" in text, args
        assert "solc-js" in text and "--root" in text, args
    audits = (root / "README.md").read_text().split("\n## Audits\n")[1].split("\n## ")[0]
    audits = " ".join(audits.split())
    assert f"solc {pins.solidity} only" in audits and f"vyper {pins.vyper} only" in audits
    assert "--root DIR" in audits and "pragma" in audits


def test_a_folder_inside_node_modules_or_mocks_is_still_audited(root, tmp_path, elsewhere):
    """The filters for the project's dependencies and mocks do not hide the audited files themselves."""
    folder = copy_project("calls_loop", tmp_path / "node_modules" / "mocks")
    result = run([folder], root, None)
    assert [f["check"] for f in result.findings].count("calls-loop") == 2
