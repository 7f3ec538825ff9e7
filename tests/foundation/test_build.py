"""The project builds with the pinned compilers, in both languages, and every Solidity library remapping resolves."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

LIBRARY_IMPORTS = (
    'import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";',
    'import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";',
    'import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";',
    'import {IPyth} from "@pythnetwork/pyth-sdk-solidity/IPyth.sol";',
    'import {IUniswapV3PoolState} from "@uniswap/v3-core/contracts/interfaces/pool/IUniswapV3PoolState.sol";',
    'import {TickMath} from "@uniswap/v4-core/src/libraries/TickMath.sol";',
    'import {Enum} from "@safe-global/safe-contracts/contracts/common/Enum.sol";',
)


@pytest.fixture(scope="module")
def compilers_used(project):
    project.load_contracts()
    return {c.name: c for c in project.manifest.compilers}


def test_solidity_contract_importing_openzeppelin_compiles_with_pinned_solc(project, compilers_used):
    assert str(compilers_used["solidity"].version).startswith("0.8.28+commit.7893614a")
    assert "MockERC20" in compilers_used["solidity"].contractTypes
    assert project.MockERC20.contract_type.source_id == "contracts/mocks/MockERC20.sol"
    assert len(project.MockERC20.contract_type.deployment_bytecode.bytecode) > 2


def test_vyper_contract_importing_snekmate_compiles_with_pinned_vyper(project, compilers_used):
    assert str(compilers_used["vyper"].version) == "0.4.3"
    assert "MockVault" in compilers_used["vyper"].contractTypes
    abi_names = {item.name for item in project.MockVault.contract_type.abi if hasattr(item, "name")}
    # Exported from snekmate's erc4626 module: the whole ERC-4626 surface.
    assert {"deposit", "mint", "withdraw", "redeem", "totalAssets", "convertToShares", "asset"} <= abi_names


def _scratch_project(path: Path, node_modules: Path) -> Path:
    """A project with the real ape-config.yaml and one contract importing from every npm library."""
    path.mkdir()
    shutil.copy(ROOT / "ape-config.yaml", path / "ape-config.yaml")
    (path / "node_modules").symlink_to(node_modules)
    (path / "contracts").mkdir()
    imports = "\n".join(LIBRARY_IMPORTS)
    (path / "contracts" / "RemapProbe.sol").write_text(
        f"// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\n{imports}\ncontract RemapProbe {{}}\n"
    )
    return path


def _ape_compile(project: Path, data_folder: Path) -> subprocess.CompletedProcess[str]:
    ape = Path(sys.executable).with_name("ape")
    env = {**os.environ, "APE_DATA_FOLDER": str(data_folder)}
    return subprocess.run([str(ape), "compile"], cwd=project, env=env, capture_output=True, text=True, timeout=300)


def _assert_every_library_built(project: Path) -> None:
    manifest = (project / ".build" / "__local__.json").read_text()
    assert '"RemapProbe"' in manifest
    libraries = ("openzeppelin", "openzeppelin-upgradeable", "chainlink", "pyth-sdk-solidity")
    libraries += ("uniswap-v3-core", "uniswap-v4-core")
    libraries += ("safe-contracts",)
    for library in libraries:
        assert f".cache/{library}/" in manifest, f"{library} sources missing from the build"


def test_every_library_remapping_resolves(tmp_path):
    """A contract importing from each npm library compiles with the project's ape-config.yaml.

    It builds in a scratch project (the same config, node_modules linked) with its own Ape data folder, so neither
    the real contracts folder nor ~/.ape is touched.
    """
    probe = _scratch_project(tmp_path / "probe", ROOT / "node_modules")
    result = _ape_compile(probe, tmp_path / "ape-data")
    assert result.returncode == 0, result.stdout + result.stderr
    _assert_every_library_built(probe)


def test_remappings_resolve_when_another_checkout_installed_the_same_libraries(tmp_path):
    """Regression: a second checkout on the machine must not break the imports of the first.

    Ape keeps every installed dependency in one data folder shared by all projects. A local dependency (v4-core comes
    from node_modules by path) installed from two checkouts is two packages with the same name and version; a
    remapping that names only the dependency then matches both, ape-solidity leaves the import unresolved and the
    compile fails with 'Source "uniswap-v4-core/libraries/TickMath.sol" not found'. This is what broke CI, which
    runs from another directory than the development checkout. Remappings that name the version resolve through
    the project's own configuration.

    Ape names a local dependency by its path, except under the temporary folder, where it uses the bare name (so
    two temporary checkouts would share one package and never collide). The second checkout therefore lives outside
    it, under ~/.cache, and is removed afterwards.
    """
    outside = Path.home() / ".cache" / "strikeforge-tests" / tmp_path.name
    try:
        _compile_beside_a_second_checkout(tmp_path, outside / "node_modules")
    finally:
        shutil.rmtree(outside, ignore_errors=True)


def _compile_beside_a_second_checkout(tmp_path: Path, other_modules: Path) -> None:
    other_modules.mkdir(parents=True)
    for entry in (ROOT / "node_modules").iterdir():
        if entry.name != "@uniswap":
            (other_modules / entry.name).symlink_to(entry)
    (other_modules / "@uniswap").mkdir()
    (other_modules / "@uniswap" / "v3-core").symlink_to(ROOT / "node_modules" / "@uniswap" / "v3-core")
    # Only src/ is the dependency (ape-config.yaml); the rest of the package is 45 MB of tests and docs.
    v4_core = Path("@uniswap", "v4-core", "src")
    shutil.copytree(ROOT / "node_modules" / v4_core, other_modules / v4_core)
    data_folder = tmp_path / "ape-data"
    other = _scratch_project(tmp_path / "other", other_modules)
    probe = _scratch_project(tmp_path / "probe", ROOT / "node_modules")

    first = _ape_compile(other, data_folder)
    assert first.returncode == 0, first.stdout + first.stderr
    second = _ape_compile(probe, data_folder)

    assert second.returncode == 0, second.stdout + second.stderr
    installed = [p.name for p in (data_folder / "packages" / "projects").iterdir() if "v4-core" in p.name]
    assert len(installed) == 2, installed
    _assert_every_library_built(probe)
