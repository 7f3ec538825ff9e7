"""Uniswap v3 from `@uniswap/v3-core`'s shipped build (node_modules): factory and pool containers, and price math."""

from __future__ import annotations

import json
from decimal import Decimal, localcontext
from pathlib import Path

from ape.contracts import ContractContainer
from ethpm_types import ContractType

from strikeforge.paths import find_project_root

ARTIFACTS_SUBPATH = "node_modules/@uniswap/v3-core/artifacts/contracts"
FEE = 3_000  # 0.3%: tick spacing 60
TICK_SPACING = 60
FULL_RANGE = (-887_220, 887_220)


def _container(name: str, root: Path | None = None) -> ContractContainer:
    path = (root or find_project_root()) / ARTIFACTS_SUBPATH / f"{name}.sol" / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: missing; run `make install` (npm package @uniswap/v3-core)")
    artifact = json.loads(path.read_text())
    contract_type = ContractType.model_validate(
        {
            "contractName": name,
            "abi": artifact["abi"],
            "deploymentBytecode": {"bytecode": artifact["bytecode"]},
            "runtimeBytecode": {"bytecode": artifact["deployedBytecode"]},
        }
    )
    return ContractContainer(contract_type)


def factory_container() -> ContractContainer:
    """UniswapV3Factory exactly as Uniswap built and deployed it."""
    return _container("UniswapV3Factory")


def pool_container() -> ContractContainer:
    """UniswapV3Pool (for `.at(address)` on pools the factory created)."""
    return _container("UniswapV3Pool")


def sqrt_price_x96(tick: Decimal | int) -> int:
    """sqrt(1.0001^tick) * 2^96, rounded down (a fractional tick is a price strictly inside a tick)."""
    with localcontext() as ctx:
        ctx.prec = 90
        return int((Decimal("1.0001") ** Decimal(tick)).sqrt() * (Decimal(2) ** 96))
