"""The protocol's deployment plan: every contract and every configuration call, in dependency order, from a
DeployConfig. A step names what it does; `args` are computed when it runs (they read earlier steps' addresses);
`done` says whether the chain already reflects a call, so a configuration call is never sent twice.

Order: mock assets and feed (local) -> Safe v1.4.1 (local: singleton, proxy factory, fallback handler, proxy) ->
timelock (proposer, canceller and executor: the Safe; admin: itself) -> signed oracle (owned by the timelock) ->
Chainlink adapter -> router (route set, then owned by the timelock) -> engine -> the vol unit, the signed vol feed
(owned by the timelock) and DeltaStrikeSelector (the vault's pricer, and its strike selector unless percent is chosen:
then PercentOtmStrikeSelector too) -> the BatchAuction the vault sells through -> vault (roles, parameters: fees,
selector, pricer, auction terms) -> settlement ledger (sequencer) -> every admin role handed to the timelock and
renounced by the deployer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import NormalDist
from typing import Any, Protocol

from strikeforge.deploy.config import DeployConfig

ZERO = "0x" + "00" * 20
WAD = 10**18
DEFAULT_ADMIN_ROLE = b"\x00" * 32


class Context(Protocol):
    """What a step reads while it runs (strikeforge.deploy.runner.Run)."""

    config: DeployConfig
    deployer: Any

    def address(self, key: str) -> str: ...
    def at(self, key: str) -> Any: ...
    def resolve(self, ref: Any) -> str: ...
    def decimals(self, key: str) -> int: ...


@dataclass(frozen=True)
class Deploy:
    """Deploy artifact `contract` as manifest entry `key`."""

    key: str
    contract: str
    args: Callable[[Context], list[Any]] = field(default=lambda ctx: [])

    @property
    def label(self) -> str:
        return f"deploy {self.key}" + (f" ({self.contract})" if self.contract != self.key else "")


@dataclass(frozen=True)
class Call:
    """Call `method` on manifest entry `target`; `creates` names the manifest entry of a contract the call creates
    (its address read from the receipt by `created`)."""

    key: str
    target: str
    method: str
    args: Callable[[Context], list[Any]]
    done: Callable[[Context], bool]
    creates: str | None = None
    created: Callable[[Context, Any], str] | None = None

    @property
    def label(self) -> str:
        return f"{self.key}: {self.target}.{self.method}" + (f" -> {self.creates}" if self.creates else "")


Step = Deploy | Call


def scaled(amount: Decimal, decimals: int) -> int:
    """A whole-unit decimal as an integer of `decimals`; refuses a value that does not fit exactly."""
    value = amount * (10**decimals)
    if value != value.to_integral_value():
        raise ValueError(f"{amount} has more decimals than {decimals}")
    return int(value)


def _has_role(
    target: str, role: Callable[[Any], bytes], who: Callable[[Context], str], want: bool = True
) -> Callable[[Context], bool]:
    def check(ctx: Context) -> bool:
        contract = ctx.at(target)
        return bool(contract.hasRole(role(contract), who(ctx))) == want

    return check


def _grant(key: str, target: str, role: Callable[[Any], bytes], who: Callable[[Context], str]) -> Call:
    return Call(
        key,
        target,
        "grantRole",
        lambda ctx: [role(ctx.at(target)), who(ctx)],
        _has_role(target, role, who),
    )


def _handover(target: str) -> list[Step]:
    """DEFAULT_ADMIN_ROLE of `target` to the timelock, then renounced by the deployer."""

    def admin(contract: Any) -> bytes:
        return DEFAULT_ADMIN_ROLE

    def timelock(ctx: Context) -> str:
        return ctx.address("StrikeforgeTimelock")

    def deployer(ctx: Context) -> str:
        return str(ctx.deployer.address)

    return [
        _grant(f"{target}.admin->timelock", target, admin, timelock),
        Call(
            f"{target}.admin-renounced",
            target,
            "renounceRole",
            lambda ctx: [DEFAULT_ADMIN_ROLE, deployer(ctx)],
            _has_role(target, admin, deployer, want=False),
        ),
    ]


def _safe_steps(config: DeployConfig) -> list[Step]:
    if config.governance.safe.address is not None:
        return []
    safe = config.governance.safe

    def initializer(ctx: Context) -> list[Any]:
        singleton = ctx.at("SafeSingleton")
        setup = singleton.setup.encode_input(
            [ctx.resolve(o) for o in safe.owners],
            safe.threshold,
            ZERO,
            b"",
            ctx.address("CompatibilityFallbackHandler"),
            ZERO,
            0,
            ZERO,
        )
        return [ctx.address("SafeSingleton"), setup, 0]

    def proxy_from(ctx: Context, receipt: Any) -> str:
        factory = ctx.at("SafeProxyFactory")
        return str(receipt.events.filter(factory.ProxyCreation)[0].proxy)

    return [
        Deploy("SafeSingleton", "Safe"),
        Deploy("SafeProxyFactory", "SafeProxyFactory"),
        Deploy("CompatibilityFallbackHandler", "CompatibilityFallbackHandler"),
        Call(
            "Safe.created",
            "SafeProxyFactory",
            "createProxyWithNonce",
            initializer,
            lambda ctx: False,  # the runner skips it once the manifest holds the Safe
            creates="Safe",
            created=proxy_from,
        ),
    ]


def d1_hint(probability: Decimal) -> int:
    """N^-1(probability) in 1e18: the d1 at a target delta that DeltaStrikeSelector's estimate starts from (it
    checks N(d1) against the target on chain, and verifies every pick with the pricer's deltas)."""
    return round(NormalDist().inv_cdf(float(probability)) * WAD)


PRICER = "DeltaStrikeSelector"  # the vault's pricer (IOptionPricer.premium): each auction's reserve


def _selector_steps(config: DeployConfig, steps: list[Step]) -> str:
    """The pricer's and the strike selector's steps (appended to `steps`); returns the selector's manifest key. Always
    the VolatilityUnit marker, the implied-vol feed (a SignedPriceOracle of the underlying quoted in it, owned by the
    timelock) and DeltaStrikeSelector, the vault's pricer and its selector with `delta` (the default); with
    `percent`, PercentOtmStrikeSelector as the selector."""
    vault = config.vault
    vol = config.oracle.volatility
    assert vol is not None  # the config requires it: the pricer reads it
    steps.append(Deploy("VolatilityUnit", "VolatilityUnit"))
    steps.append(
        Deploy(
            "SignedVolOracle",
            "SignedPriceOracle",
            lambda ctx: [
                ctx.address("Underlying"),
                ctx.address("VolatilityUnit"),
                vol.max_age,
                vol.max_future_drift,
                scaled(vol.min_price, 18),
                scaled(vol.max_price, 18),
                [ctx.resolve(s) for s in vol.signers],
                vol.threshold,
                vol.max_faulty,
                ctx.address("StrikeforgeTimelock"),
            ],
        )
    )
    target = vault.target_delta
    steps.append(
        Deploy(
            "DeltaStrikeSelector",
            "DeltaStrikeSelector",
            lambda ctx: [
                ctx.address("OracleRouter"),
                ctx.address("SignedVolOracle"),
                ctx.address("VolatilityUnit"),
                scaled(vault.strike_grid, 18),
                scaled(target, 18),
                -scaled(target, 18),
                d1_hint(target),
                d1_hint(1 - target),
                vault.max_vol_age,
                scaled(vault.rate, 18),
            ],
        )
    )
    if vault.strike_selector == "percent":
        steps.append(
            Deploy(
                "PercentOtmStrikeSelector",
                "PercentOtmStrikeSelector",
                lambda ctx: [ctx.address("OracleRouter"), vault.otm_bps, scaled(vault.strike_grid, 18)],
            )
        )
        return "PercentOtmStrikeSelector"
    return "DeltaStrikeSelector"


def build(config: DeployConfig) -> list[Step]:
    """Every step of a deployment of `config`, in order."""
    oracle, vault, settlement = config.oracle, config.vault, config.settlement
    steps: list[Step] = []
    for key, asset in (("Underlying", config.underlying), ("StrikeAsset", config.strike_asset)):
        if asset.mock is not None:
            mock = asset.mock
            steps.append(Deploy(key, "MockERC20", lambda ctx, m=mock: [m.name, m.symbol, m.decimals]))
    link = oracle.chainlink
    if link.feed is None:
        steps.append(
            Deploy(
                "ChainlinkFeed",
                "MockChainlinkFeed",
                lambda ctx: [link.mock_decimals, scaled(link.mock_answer, link.mock_decimals)],  # type: ignore[arg-type]
            )
        )
    steps += _safe_steps(config)

    def safe(ctx: Context) -> str:
        return ctx.address("Safe")

    def timelock(ctx: Context) -> str:
        return ctx.address("StrikeforgeTimelock")

    def pair(ctx: Context) -> list[str]:
        return [ctx.address("Underlying"), ctx.address("StrikeAsset")]

    steps.append(
        Deploy(
            "StrikeforgeTimelock",
            "StrikeforgeTimelock",
            lambda ctx: [
                config.governance.timelock_delay,
                config.governance.delay_floor,
                [safe(ctx)],
                [safe(ctx)],
                ZERO,
            ],
        )
    )
    signed = oracle.signed
    steps.append(
        Deploy(
            "SignedPriceOracle",
            "SignedPriceOracle",
            lambda ctx: [
                *pair(ctx),
                signed.max_age,
                signed.max_future_drift,
                scaled(signed.min_price, 18),
                scaled(signed.max_price, 18),
                [ctx.resolve(s) for s in signed.signers],
                signed.threshold,
                signed.max_faulty,
                timelock(ctx),
            ],
        )
    )
    steps.append(
        Deploy(
            "ChainlinkOracle",
            "ChainlinkOracle",
            lambda ctx: [
                *pair(ctx),
                ctx.address("ChainlinkFeed"),
                link.max_staleness,
                scaled(link.min_price, 18),
                scaled(link.max_price, 18),
                ctx.resolve(link.sequencer_feed) if link.sequencer_feed else ZERO,
                link.grace_period,
            ],
        )
    )
    steps.append(
        Deploy(
            "OracleRouter",
            "OracleRouter",
            lambda ctx: [
                oracle.dispute_period,
                oracle.source_grace,
                oracle.stall_period,
                ctx.resolve(oracle.disputer),
                str(ctx.deployer.address),
            ],
        )
    )
    steps.append(
        Call(
            "OracleRouter.route",
            "OracleRouter",
            "set_route",
            lambda ctx: [
                *pair(ctx),
                ctx.address("SignedPriceOracle"),
                ctx.address("ChainlinkOracle"),
                oracle.max_deviation_bps,
                oracle.halt_on_deviation,
                oracle.max_expiry_lag,
            ],
            lambda ctx: ctx.at("OracleRouter").routes(*pair(ctx)).primary == ctx.address("SignedPriceOracle"),
        )
    )
    steps.append(Deploy("OptionsEngine", "OptionsEngine", lambda ctx: [ctx.address("OracleRouter"), ctx.deployer]))
    selector = _selector_steps(config, steps)
    steps.append(Deploy("BatchAuction", "BatchAuction", lambda ctx: [config.auction.max_bids]))
    asset_key = "StrikeAsset" if vault.is_put else "Underlying"
    steps.append(
        Deploy(
            "ThetaVault",
            "ThetaVault",
            lambda ctx: [
                ctx.address(asset_key),
                ctx.address("OptionsEngine"),
                *pair(ctx),
                vault.is_put,
                scaled(vault.cap, ctx.decimals(asset_key)),
                ctx.address(selector),
                ctx.address("BatchAuction"),
                ctx.deployer,
                vault.name,
                vault.symbol,
            ],
        )
    )
    steps.append(
        _grant(
            "OptionsEngine.series-creator",
            "OptionsEngine",
            lambda c: c.SERIES_CREATOR_ROLE(),
            lambda ctx: ctx.address("ThetaVault"),
        )
    )
    steps.append(
        _grant("ThetaVault.keeper", "ThetaVault", lambda c: c.KEEPER_ROLE(), lambda ctx: ctx.resolve(vault.keeper))
    )
    steps.append(
        _grant(
            "ThetaVault.guardian", "ThetaVault", lambda c: c.GUARDIAN_ROLE(), lambda ctx: ctx.resolve(vault.guardian)
        )
    )

    def vault_parameters(ctx: Context) -> list[Any]:
        return [
            vault.management_fee_bps,
            vault.performance_fee_bps,
            ctx.resolve(vault.fee_recipient),
            ctx.address(selector),
            ctx.address(PRICER),
            vault.reserve_discount_bps,
            vault.auction_duration,
            vault.min_bid_bps,
        ]

    def parameters_set(ctx: Context) -> bool:
        contract = ctx.at("ThetaVault")
        expected = vault_parameters(ctx)
        actual = [
            contract.management_fee_bps(),
            contract.performance_fee_bps(),
            contract.fee_recipient(),
            contract.strike_selector(),
            contract.pricer(),
            contract.reserve_discount_bps(),
            contract.auction_duration(),
            contract.min_bid_bps(),
        ]
        return [str(a).lower() for a in actual] == [str(e).lower() for e in expected]

    steps.append(Call("ThetaVault.parameters", "ThetaVault", "set_parameters", vault_parameters, parameters_set))
    steps.append(
        Deploy(
            "SettlementLedger",
            "SettlementLedger",
            lambda ctx: [
                ctx.address(settlement.cash_contract),
                ctx.address("OptionsEngine"),  # issue 18: the ledger trades the engine's option tokens
                settlement.challenge_window,
                scaled(settlement.bond, 18),
                settlement.escape_period,
                settlement.withdrawal_delay,
                ctx.resolve(settlement.treasury),
                ctx.deployer,
            ],
        )
    )
    steps.append(
        Deploy(
            "LedgerAuctionDesk",
            "LedgerAuctionDesk",
            lambda ctx: [ctx.address("SettlementLedger"), ctx.address("BatchAuction")],  # bids from ledger balances
        )
    )
    steps.append(
        _grant(
            "SettlementLedger.sequencer",
            "SettlementLedger",
            lambda c: c.SEQUENCER_ROLE(),
            lambda ctx: ctx.resolve(settlement.sequencer),
        )
    )
    steps.append(
        Call(
            "OracleRouter.owner->timelock",
            "OracleRouter",
            "transfer_ownership",
            lambda ctx: [timelock(ctx)],
            lambda ctx: str(ctx.at("OracleRouter").owner()).lower() == timelock(ctx).lower(),
        )
    )
    for target in ("OptionsEngine", "ThetaVault", "SettlementLedger"):
        steps += _handover(target)
    return steps
