"""The project builds with the pinned compilers, both languages, and every Solidity library remapping resolves."""

from __future__ import annotations

import pytest

LIBRARY_IMPORTS = {
    "openzeppelin": 'import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";',
    "chainlink": (
        'import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";'
    ),
    "pyth": 'import {IPyth} from "@pythnetwork/pyth-sdk-solidity/IPyth.sol";',
    "uniswap-v3-core": (
        'import {IUniswapV3PoolState} from "@uniswap/v3-core/contracts/interfaces/pool/IUniswapV3PoolState.sol";'
    ),
    "safe": 'import {Enum} from "@safe-global/safe-contracts/contracts/common/Enum.sol";',
}


def test_solidity_contract_importing_openzeppelin_compiles_with_pinned_solc(project):
    compilers = {c.name: c for c in project.manifest.compilers}
    assert str(compilers["solidity"].version).startswith("0.8.28+commit.7893614a")
    assert "MockERC20" in compilers["solidity"].contractTypes
    assert project.MockERC20.contract_type.source_id == "contracts/mocks/MockERC20.sol"
    assert len(project.MockERC20.contract_type.deployment_bytecode.bytecode) > 2


def test_vyper_contract_importing_snekmate_compiles_with_pinned_vyper(project):
    compilers = {c.name: c for c in project.manifest.compilers}
    assert str(compilers["vyper"].version) == "0.4.3"
    assert "MockVault" in compilers["vyper"].contractTypes
    abi_names = {item.name for item in project.MockVault.contract_type.abi if hasattr(item, "name")}
    # Exported from snekmate's erc4626 module: the whole ERC-4626 surface.
    assert {"deposit", "mint", "withdraw", "redeem", "totalAssets", "convertToShares", "asset"} <= abi_names


@pytest.mark.parametrize("library", sorted(LIBRARY_IMPORTS))
def test_library_remapping_resolves(project, compilers, library):
    code = f"""// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;
{LIBRARY_IMPORTS[library]}
contract RemapProbe {{}}
"""
    contract_type = compilers.solidity.compile_code(code, project=project, contractName="RemapProbe")
    assert contract_type.name == "RemapProbe"
