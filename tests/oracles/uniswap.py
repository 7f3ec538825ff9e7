"""Uniswap v3 from `@uniswap/v3-core`'s shipped build: the factory, real pools, and reference price math."""

from __future__ import annotations

import json
from decimal import Decimal, localcontext
from pathlib import Path

from ape.contracts import ContractContainer
from ethpm_types import ContractType

ARTIFACTS = Path(__file__).resolve().parents[2] / "node_modules/@uniswap/v3-core/artifacts/contracts"
FEE = 3_000  # 0.3%, tick spacing 60
TICK_SPACING = 60
FULL_RANGE = (-887_220, 887_220)


def _container(name: str) -> ContractContainer:
    artifact = json.loads((ARTIFACTS / f"{name}.sol" / f"{name}.json").read_text())
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
    return _container("UniswapV3Factory")


def pool_container() -> ContractContainer:
    return _container("UniswapV3Pool")


def sqrt_price_x96(tick: Decimal | int) -> int:
    """sqrt(1.0001^tick) * 2^96, rounded down (tick may be fractional: a price strictly inside a tick)."""
    with localcontext() as ctx:
        ctx.prec = 90
        return int((Decimal("1.0001") ** Decimal(tick)).sqrt() * (Decimal(2) ** 96))


def price_1e18(tick: int, base_is_token0: bool, base_decimals: int, quote_decimals: int) -> Decimal:
    """The exact 1e18-scaled price of one whole base in whole quote at `tick` (no rounding)."""
    with localcontext() as ctx:
        ctx.prec = 90
        raw = Decimal("1.0001") ** tick
        if not base_is_token0:
            raw = 1 / raw
        return raw * Decimal(10) ** (18 + base_decimals - quote_decimals)
