"""The project builds with the pinned compilers, in both languages, and every Solidity library remapping resolves."""

from __future__ import annotations

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


def test_every_library_remapping_resolves(tmp_path):
    """A contract importing from each npm library compiles with the project's ape-config.yaml.

    It builds in a scratch project (the same config, node_modules linked) so the real contracts folder is never
    touched.
    """
    shutil.copy(ROOT / "ape-config.yaml", tmp_path / "ape-config.yaml")
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (tmp_path / "contracts").mkdir()
    imports = "\n".join(LIBRARY_IMPORTS)
    (tmp_path / "contracts" / "RemapProbe.sol").write_text(
        f"// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\n{imports}\ncontract RemapProbe {{}}\n"
    )
    ape = Path(sys.executable).with_name("ape")
    result = subprocess.run([str(ape), "compile"], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = (tmp_path / ".build" / "__local__.json").read_text()
    assert '"RemapProbe"' in manifest
    libraries = ("openzeppelin", "openzeppelin-upgradeable", "chainlink", "pyth-sdk-solidity")
    libraries += ("uniswap-v3-core", "uniswap-v4-core")
    libraries += ("safe-contracts",)
    for library in libraries:
        assert f".cache/{library}/" in manifest, f"{library} sources missing from the build"
