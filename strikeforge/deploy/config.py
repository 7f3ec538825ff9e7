"""A network's deployment configuration (`deployments/config/<ecosystem>-<network>.yaml`), validated before any
transaction: every error names the field and the fix.

Addresses are written in one of three forms:
  0x...        a literal address
  test:N       Ape's local test account N (local networks only)
  env:NAME     the address in environment variable NAME (operator-specific addresses: Safe, keepers, signers)
Amounts are quoted decimal strings in whole units ("0.01" WETH, "3000" USDC per WETH); they are read with Decimal and
scaled to integers once the asset's decimals are known. Floats are refused.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from eth_utils import is_checksum_address

from strikeforge.config_keys import unknown_key_message

ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
TEST = re.compile(r"^test:(\d+)$")
ENV = re.compile(r"^env:([A-Z_][A-Z0-9_]*)$")
LOCAL_NETWORKS = {"local"}
L2_ECOSYSTEMS = {"arbitrum", "base", "optimism"}
MAX_BPS = 10_000
# ThetaVault's auction bounds (MAX_RESERVE_DISCOUNT_BPS, MAX_AUCTION_DURATION) and BatchAuction's bid cap range.
MAX_RESERVE_DISCOUNT_BPS = 2_000
MAX_AUCTION_DURATION = 43_200
MAX_BIDS_LIMIT = 65_535
DEFAULT_MAX_BIDS = 256


class ConfigError(ValueError):
    """A configuration the deployment cannot use; the message names the field and the fix."""


@dataclass(frozen=True)
class AddressRef:
    """An address as configured: literal, a local test account, or an environment variable."""

    spec: str

    def resolve(self, test_accounts: Any = None) -> str:
        """The address. `test_accounts` is Ape's list of local test accounts (needed for test:N)."""
        if match := TEST.match(self.spec):
            if test_accounts is None:
                raise ConfigError(f"{self.spec}: test accounts exist on local networks only")
            index = int(match.group(1))
            if index >= len(test_accounts):
                raise ConfigError(
                    f"{self.spec}: the local network has {len(test_accounts)} test accounts (test:0 to"
                    f" test:{len(test_accounts) - 1}); use one of them, or raise test.number_of_accounts in"
                    " ape-config.yaml"
                )
            return str(test_accounts[index].address)
        if match := ENV.match(self.spec):
            value = os.environ.get(match.group(1), "")
            if not ADDRESS.match(value):
                shown = repr(value) if value else "not set"
                raise ConfigError(f"{self.spec}: environment variable {match.group(1)} is {shown}; export the address")
            return value
        return self.spec


@dataclass(frozen=True)
class MockToken:
    name: str
    symbol: str
    decimals: int


@dataclass(frozen=True)
class Asset:
    """An ERC-20 already on the chain (`address`) or a mock deployed on local networks (`mock`)."""

    address: AddressRef | None = None
    mock: MockToken | None = None


@dataclass(frozen=True)
class Account:
    """The deployer: an Ape account alias, or a local test account."""

    ape_account: str | None = None
    password_env: str | None = None
    test_account: int | None = None


@dataclass(frozen=True)
class Safe:
    """The Safe that proposes to the timelock: deployed here (local) or existing (`address`)."""

    address: AddressRef | None = None
    owners: tuple[AddressRef, ...] = ()
    threshold: int = 0


@dataclass(frozen=True)
class Governance:
    safe: Safe
    timelock_delay: int
    delay_floor: int  # the longest exit (longest_exit): the timelock's immutable floor, <= timelock_delay


# The longest exit of a depositor who asks to leave when a change is scheduled (issue 17, M-4): an epoch's expiry is
# at most a week + 1 day after its roll; the router records the expiry price at the latest from expiry + SOURCE_GRACE
# (one source halted) or expiry + STALL_PERIOD (every source halted: their last rounds before expiry), and it is
# final DISPUTE_PERIOD later, when the roll can pay; plus a day of keeper margin. The guardian's pause does not
# lengthen it (ThetaVault: requestRedeem and the roll's settlement are never paused, F4).
EPOCH_EXIT = 8 * 86_400
KEEPER_MARGIN = 86_400
# The longest STALL_PERIOD a config may give the router (F3): every day of it is a day of every governance delay.
MAX_STALL_PERIOD = 3 * 86_400


@dataclass(frozen=True)
class SignedOracle:
    signers: tuple[AddressRef, ...]
    threshold: int
    max_faulty: int  # faulty signers an update tolerates: threshold >= 2 * max_faulty + 1 (M-2)
    max_age: int
    max_future_drift: int
    min_price: Decimal
    max_price: Decimal


# The DeltaStrikeSelector's and the pricer's volatility domain (1 = 100%/yr): a vol feed's bounds must lie within it.
MIN_VOL, MAX_VOL = Decimal("0.01"), Decimal(5)
SELECTORS = ("delta", "percent")


@dataclass(frozen=True)
class Chainlink:
    feed: AddressRef | None
    mock_decimals: int | None
    mock_answer: Decimal | None
    max_staleness: int
    min_price: Decimal
    max_price: Decimal
    sequencer_feed: AddressRef | None
    grace_period: int


@dataclass(frozen=True)
class Oracle:
    dispute_period: int
    disputer: AddressRef
    max_deviation_bps: int
    halt_on_deviation: bool
    source_grace: int
    stall_period: int
    max_expiry_lag: int
    signed: SignedOracle
    chainlink: Chainlink
    volatility: SignedOracle | None = None  # the implied-vol feed (min_price/max_price: vol bounds, 1 = 100%/yr)


@dataclass(frozen=True)
class Vault:
    name: str
    symbol: str
    is_put: bool
    cap: Decimal
    otm_bps: int
    strike_grid: Decimal
    management_fee_bps: int
    performance_fee_bps: int
    fee_recipient: AddressRef
    reserve_discount_bps: int  # the auction's reserve: the pricer's value less this (<= 2000)
    auction_duration: int  # s of bidding after each roll (1..43200)
    min_bid_bps: int  # the least bid, in bps of the supply; times auction.max_bids >= 10000
    keeper: AddressRef
    guardian: AddressRef
    strike_selector: str = "delta"  # "delta" (DeltaStrikeSelector) or "percent" (PercentOtmStrikeSelector, otm_bps)
    target_delta: Decimal = Decimal("0.10")  # |delta|: calls +target_delta, puts -target_delta
    max_vol_age: int = 3_600  # s: the selector refuses an older vol round
    rate: Decimal = Decimal(0)  # annual rate in the deltas (0.05 = 5%)


@dataclass(frozen=True)
class Auction:
    """The BatchAuction the vault sells through: its bid cap per auction."""

    max_bids: int = DEFAULT_MAX_BIDS


@dataclass(frozen=True)
class Settlement:
    challenge_window: int
    bond: Decimal
    escape_period: int
    withdrawal_delay: int
    treasury: AddressRef
    sequencer: AddressRef
    # The ledger's cash: "strike_asset" (USDC: options quoted in dollars) or "underlying" (WETH: coin-margined, like
    # Deribit's ETH options). A ledger whose cash is the vault's asset takes bids in the vault's auction from ledger
    # balances (LedgerAuctionDesk) and credits expired calls' payouts straight to cash.
    cash: str = "strike_asset"

    @property
    def cash_contract(self) -> str:
        """The manifest key of the ledger's cash token: Underlying or StrikeAsset."""
        return "Underlying" if self.cash == "underlying" else "StrikeAsset"


SETTLEMENT_CASH = ("strike_asset", "underlying")


@dataclass(frozen=True)
class DeployConfig:
    network: str  # ecosystem:network, e.g. ethereum:sepolia
    chain_id: int | None  # required off local networks
    deployer: Account
    governance: Governance
    underlying: Asset
    strike_asset: Asset
    oracle: Oracle
    vault: Vault
    settlement: Settlement
    auction: Auction = Auction()
    source: Path | None = field(default=None, compare=False)

    @property
    def is_local(self) -> bool:
        return self.network.split(":")[1] in LOCAL_NETWORKS


class _Reader:
    """Field access with errors that name the field's path."""

    def __init__(self, local: bool) -> None:
        self.local = local

    def section(self, raw: Any, key: str, where: str) -> dict[str, Any]:
        value = raw.get(key) if isinstance(raw, dict) else None
        if not isinstance(value, dict):
            path = _join(where, key)
            raise ConfigError(f"{path}: missing or not a mapping; see deployments/config/ethereum-local.yaml")
        return value

    def get(self, raw: dict[str, Any], key: str, where: str, fix: str) -> Any:
        if raw.get(key) in (None, ""):
            raise ConfigError(f"{_join(where, key)}: missing; {fix}")
        return raw[key]

    def int(self, raw: dict[str, Any], key: str, where: str, minimum: int = 0, maximum: int | None = None) -> int:
        value = self.get(raw, key, where, "write a whole number")
        path = _join(where, key)
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise ConfigError(f"{path}: {value!r} is not a whole number >= {minimum}")
        if maximum is not None and value > maximum:
            raise ConfigError(f"{path}: {value} is above the maximum {maximum}")
        return value

    def bool(self, raw: dict[str, Any], key: str, where: str) -> bool:
        value = raw.get(key, False)
        if not isinstance(value, bool):
            raise ConfigError(f"{_join(where, key)}: {value!r} is not true or false")
        return value

    def str(self, raw: dict[str, Any], key: str, where: str, max_length: int | None = None) -> str:
        value = self.get(raw, key, where, "write a string")
        if not isinstance(value, str):
            raise ConfigError(f"{_join(where, key)}: {value!r} is not a string")
        if max_length is not None and len(value) > max_length:
            raise ConfigError(f"{_join(where, key)}: {value!r} is longer than {max_length} characters")
        return value

    def amount(self, raw: dict[str, Any], key: str, where: str, positive: bool = True) -> Decimal:
        value = self.get(raw, key, where, 'write a quoted decimal, e.g. "0.01"')
        path = _join(where, key)
        if isinstance(value, float):
            raise ConfigError(f'{path}: {value!r} is a float; quote it ("{value}") so it is read exactly')
        if isinstance(value, bool):
            raise ConfigError(f'{path}: {value!r} is not a number; write a quoted decimal, e.g. "0.01"')
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            raise ConfigError(f'{path}: {value!r} is not a number; write a quoted decimal, e.g. "0.01"') from None
        if not result.is_finite() or result < 0 or (positive and result == 0):
            raise ConfigError(f"{path}: {value!r} must be a finite number {'> 0' if positive else '>= 0'}")
        return result

    def address(self, raw: dict[str, Any], key: str, where: str, optional: bool = False) -> AddressRef | None:
        value = raw.get(key)
        if value is None and optional:
            return None
        value = self.get(raw, key, where, "write 0x followed by 40 hex digits, test:N (local) or env:NAME")
        return self.address_value(value, _join(where, key))

    def address_value(self, value: Any, path: str) -> AddressRef:
        if isinstance(value, int) and not isinstance(value, bool):
            raise ConfigError(
                f'{path}: {value} is a number: YAML reads an unquoted 0x... as an integer; quote the address ("0x...")'
            )
        mixed_case = isinstance(value, str) and value[2:] not in (value[2:].lower(), value[2:].upper())
        if mixed_case and ADDRESS.match(value) and not is_checksum_address(value):
            raise ConfigError(
                f"{path}: {value!r} fails its EIP-55 checksum (a typo, or a corrupted copy); copy the address again"
                " from its source, or write it all in lower case to skip the check"
            )
        if not isinstance(value, str) or not (ADDRESS.match(value) or TEST.match(value) or ENV.match(value)):
            raise ConfigError(f"{path}: {value!r} is not an address; write 0x + 40 hex digits, test:N or env:NAME")
        if TEST.match(value) and not self.local:
            raise ConfigError(f"{path}: {value!r}: test accounts exist on local networks only; write an address")
        if value.lower() == "0x" + "0" * 40:
            raise ConfigError(f"{path}: the zero address; write the real address")
        return AddressRef(value)

    def addresses(self, raw: dict[str, Any], key: str, where: str) -> tuple[AddressRef, ...]:
        values = self.get(raw, key, where, "list addresses")
        path = _join(where, key)
        if not isinstance(values, list) or not values:
            raise ConfigError(f"{path}: must be a non-empty list of addresses")
        refs = tuple(self.address_value(v, f"{path}[{i}]") for i, v in enumerate(values))
        if len({r.spec.lower() for r in refs}) != len(refs):
            raise ConfigError(f"{path}: an address repeats; list each once")
        return refs


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _asset(reader: _Reader, raw: dict[str, Any], key: str) -> Asset:
    section = reader.section(raw, key, "assets")
    where = f"assets.{key}"
    _known_keys(section, where, {"address", "mock"})
    _one_of(section, where, "mock", "address")
    if "mock" in section:
        if not reader.local:
            raise ConfigError(f"{where}.mock: mock tokens are deployed on local networks only; give address")
        mock = reader.section(section, "mock", where)
        _known_keys(mock, f"{where}.mock", {"name", "symbol", "decimals"})
        return Asset(
            mock=MockToken(
                reader.str(mock, "name", f"{where}.mock"),
                reader.str(mock, "symbol", f"{where}.mock"),
                reader.int(mock, "decimals", f"{where}.mock", 0, 36),
            )
        )
    return Asset(address=reader.address(section, "address", where))


def _deployer(reader: _Reader, raw: dict[str, Any]) -> Account:
    section = reader.section(raw, "deployer", "")
    if "private_key" in section or "key" in section:
        raise ConfigError("deployer: plaintext keys are refused; `ape accounts import` the key and give ape_account")
    _known_keys(section, "deployer", {"ape_account", "password_env", "test_account"})
    alias, index = section.get("ape_account"), section.get("test_account")
    if (alias is None) == (index is None):
        raise ConfigError("deployer: give exactly one of ape_account (an alias) or test_account (local networks)")
    if index is not None and not reader.local:
        raise ConfigError("deployer.test_account: local networks only; give ape_account (`ape accounts import`)")
    return Account(
        ape_account=None if alias is None else str(alias),
        password_env=section.get("password_env"),
        test_account=None if index is None else reader.int(section, "test_account", "deployer"),
    )


def _governance(reader: _Reader, raw: dict[str, Any]) -> Governance:
    section = reader.section(raw, "governance", "")
    _known_keys(section, "governance", {"safe", "timelock_delay"})
    safe_raw = reader.section(section, "safe", "governance")
    _known_keys(safe_raw, "governance.safe", {"address", "owners", "threshold"})
    _one_of(safe_raw, "governance.safe", "address", "owners", "threshold")
    if "address" in safe_raw:
        safe = Safe(address=reader.address(safe_raw, "address", "governance.safe"))
    else:
        if not reader.local:
            raise ConfigError("governance.safe.address: missing; off local networks the Safe exists, give its address")
        owners = reader.addresses(safe_raw, "owners", "governance.safe")
        threshold = reader.int(safe_raw, "threshold", "governance.safe", 1, len(owners))
        safe = Safe(owners=owners, threshold=threshold)
    delay = reader.int(section, "timelock_delay", "governance", 0)
    oracle = reader.section(raw, "oracle", "")
    dispute_period = reader.int(oracle, "dispute_period", "oracle", 1)
    source_grace = reader.int(oracle, "source_grace", "oracle", 0) if "source_grace" in oracle else 0
    stall_period = _stall_period(reader, oracle)
    bound = longest_exit(dispute_period, source_grace, stall_period)
    if delay < bound:
        raise ConfigError(
            f"governance.timelock_delay: {delay} s is below the longest exit {bound} s (8 days +"
            f" max(oracle.source_grace {source_grace}, oracle.stall_period {stall_period}) + oracle.dispute_period"
            f" {dispute_period} + 1 day); raise it to at least {bound}"
        )
    return Governance(safe=safe, timelock_delay=delay, delay_floor=bound)


def longest_exit(dispute_period: int, source_grace: int, stall_period: int) -> int:
    """The least timelock delay (s): a depositor who requests redemption when a change is scheduled is paid at a roll
    under the old terms before it runs (EPOCH_EXIT + max(source grace, stall period) + dispute period +
    KEEPER_MARGIN: with every source halted the router records the expiry only from expiry + STALL_PERIOD)."""
    return EPOCH_EXIT + max(source_grace, stall_period) + dispute_period + KEEPER_MARGIN


def _stall_period(reader: _Reader, oracle: dict[str, Any]) -> int:
    """oracle.stall_period, at most MAX_STALL_PERIOD (it lengthens the longest exit, so every governance delay)."""
    stall_period = reader.int(oracle, "stall_period", "oracle", 1)
    if stall_period > MAX_STALL_PERIOD:
        raise ConfigError(
            f"oracle.stall_period: {stall_period} s is above the most {MAX_STALL_PERIOD} s (3 days): every second of"
            f" it lengthens the longest exit and so the timelock delay; lower it to at most {MAX_STALL_PERIOD}"
        )
    return stall_period


def _committee(
    reader: _Reader, signed: dict[str, Any], where: str, inherit: SignedOracle | None = None
) -> SignedOracle:
    """A SignedPriceOracle committee and limits; with `inherit`, signers, threshold and max_faulty default to its."""
    keys = {"signers", "threshold", "max_faulty", "max_age", "max_future_drift"}
    _known_keys(signed, where, keys | ({"min_vol", "max_vol"} if inherit is not None else {"min_price", "max_price"}))
    if inherit is not None and "signers" not in signed:
        if given := sorted({"threshold", "max_faulty"} & set(signed)):
            raise ConfigError(
                f"{where}.{given[0]}: given without {where}.signers, so the committee (signers, threshold and"
                " max_faulty) is oracle.signed's; list the signers too, or delete it"
            )
        signers, threshold, max_faulty = inherit.signers, inherit.threshold, inherit.max_faulty
    else:
        signers = reader.addresses(signed, "signers", where)
        threshold = reader.int(signed, "threshold", where, 1, len(signers))
        max_faulty = reader.int(signed, "max_faulty", where, 0)
    if threshold * 2 <= len(signers):
        raise ConfigError(
            f"{where}.threshold: {threshold} of {len(signers)} is not a strict majority; raise it"
            f" to {len(signers) // 2 + 1}"
        )
    if not reader.local and max_faulty < 1:
        raise ConfigError(
            f"{where}.max_faulty: 0 lets one signer set the price; off local networks give at least 1"
            " (and threshold >= 3: four signers keep the feed live with one down)"
        )
    if threshold < 2 * max_faulty + 1:
        least = 2 * max_faulty + 1
        raise ConfigError(
            f"{where}.threshold: {threshold} is below 2 * max_faulty + 1 = {least}; raise it to {least} (with"
            f" {least} to {2 * least - 1} signers) or lower max_faulty to {(threshold - 1) // 2}"
        )
    bounds = ("min_vol", "max_vol") if inherit is not None else ("min_price", "max_price")
    return SignedOracle(
        signers=signers,
        threshold=threshold,
        max_faulty=max_faulty,
        max_age=reader.int(signed, "max_age", where, 1),
        max_future_drift=reader.int(signed, "max_future_drift", where, 0, 86_400),
        min_price=reader.amount(signed, bounds[0], where),
        max_price=reader.amount(signed, bounds[1], where),
    )


def _volatility(reader: _Reader, raw: dict[str, Any], signed: SignedOracle) -> SignedOracle:
    """oracle.volatility: the implied-vol feed's committee (oracle.signed's unless given), age and bounds."""
    where = "oracle.volatility"
    config = _committee(reader, raw, where, inherit=signed)
    if not MIN_VOL <= config.min_price <= config.max_price <= MAX_VOL:
        raise ConfigError(
            f"{where}: min_vol {config.min_price} and max_vol {config.max_price} must satisfy"
            f" {MIN_VOL} <= min_vol <= max_vol <= {MAX_VOL} (1 = 100%/yr, the pricer's domain)"
        )
    return config


ORACLE_KEYS = {
    "signed",
    "volatility",
    "chainlink",
    "dispute_period",
    "disputer",
    "max_deviation_bps",
    "halt_on_deviation",
    "source_grace",
    "stall_period",
    "max_expiry_lag",
}


def _oracle(reader: _Reader, raw: dict[str, Any], ecosystem: str) -> Oracle:
    section = reader.section(raw, "oracle", "")
    _known_keys(section, "oracle", ORACLE_KEYS)
    signed_config = _committee(reader, reader.section(section, "signed", "oracle"), "oracle.signed")
    if signed_config.max_price < signed_config.min_price:
        raise ConfigError("oracle.signed.max_price: below min_price; swap them")
    volatility = None
    if "volatility" in section:
        volatility = _volatility(reader, reader.section(section, "volatility", "oracle"), signed_config)
    link = reader.section(section, "chainlink", "oracle")
    _known_keys(
        link,
        "oracle.chainlink",
        {"feed", "mock", "max_staleness", "min_price", "max_price", "sequencer_feed", "grace_period"},
    )
    _one_of(link, "oracle.chainlink", "mock", "feed")
    mock_decimals = mock_answer = None
    feed = None
    if "mock" in link:
        if not reader.local:
            raise ConfigError("oracle.chainlink.mock: local networks only; give feed (the aggregator's address)")
        mock = reader.section(link, "mock", "oracle.chainlink")
        _known_keys(mock, "oracle.chainlink.mock", {"decimals", "answer"})
        mock_decimals = reader.int(mock, "decimals", "oracle.chainlink.mock", 0, 18)
        mock_answer = reader.amount(mock, "answer", "oracle.chainlink.mock")
    else:
        feed = reader.address(link, "feed", "oracle.chainlink")
    if ecosystem in L2_ECOSYSTEMS and "sequencer_feed" not in link:
        raise ConfigError(
            f"oracle.chainlink.sequencer_feed: missing on the L2 {ecosystem}; give the uptime feed, or null where"
            " Chainlink publishes none (testnets)"
        )
    chainlink = Chainlink(
        feed=feed,
        mock_decimals=mock_decimals,
        mock_answer=mock_answer,
        max_staleness=reader.int(link, "max_staleness", "oracle.chainlink", 1),
        min_price=reader.amount(link, "min_price", "oracle.chainlink"),
        max_price=reader.amount(link, "max_price", "oracle.chainlink"),
        sequencer_feed=reader.address(link, "sequencer_feed", "oracle.chainlink", optional=True),
        grace_period=reader.int(link, "grace_period", "oracle.chainlink", 0) if "grace_period" in link else 0,
    )
    if chainlink.max_price < chainlink.min_price:
        raise ConfigError("oracle.chainlink.max_price: below min_price; swap them")
    source_grace = reader.int(section, "source_grace", "oracle", 1, 7 * 86_400)
    if source_grace < signed_config.max_age:
        # The committee's latest round at expiry proves itself only from expiry + max_age (or once a later round
        # lands): a shorter grace would let a recorder settle on the other source alone while it cannot yet.
        raise ConfigError(
            f"oracle.source_grace: {source_grace} s is below oracle.signed.max_age {signed_config.max_age} s, before"
            f" which the committee's expiry round may not be provable; raise it to at least {signed_config.max_age}"
        )
    stall_period = _stall_period(reader, section)
    if stall_period < source_grace:
        raise ConfigError(
            f"oracle.stall_period: {stall_period} s is below oracle.source_grace {source_grace} s; raise it to at least"
            f" {source_grace}"
        )
    return Oracle(
        dispute_period=reader.int(section, "dispute_period", "oracle", 1),
        disputer=reader.address(section, "disputer", "oracle"),  # type: ignore[arg-type]
        max_deviation_bps=reader.int(section, "max_deviation_bps", "oracle", 1, MAX_BPS),
        halt_on_deviation=reader.bool(section, "halt_on_deviation", "oracle"),
        source_grace=source_grace,
        stall_period=stall_period,
        max_expiry_lag=reader.int(section, "max_expiry_lag", "oracle", 1, 86_400),
        signed=signed_config,
        chainlink=chainlink,
        volatility=volatility,
    )


VAULT_KEYS = {
    "name",
    "symbol",
    "is_put",
    "cap",
    "otm_bps",
    "strike_grid",
    "management_fee_bps",
    "performance_fee_bps",
    "fee_recipient",
    "reserve_discount_bps",
    "auction_duration",
    "min_bid_bps",
    "keeper",
    "guardian",
    "strike_selector",
    "target_delta",
    "max_vol_age",
    "rate",
}
# Keys of the vault that sold to a governance-set buyer at a premium floor (before the batch auction).
REMOVED_VAULT_KEYS = {"buyer", "premium"}


def _known_keys(section: dict[str, Any], where: str, known: set[str]) -> None:
    """Refuses a key the section does not have (a typo would otherwise be silently ignored), naming the closest."""
    if where == "vault" and (removed := sorted(REMOVED_VAULT_KEYS & set(section))):
        raise ConfigError(
            f"vault.{removed[0]}: no longer a setting: the vault sells each epoch's options by batch auction; delete it"
            " and set vault.reserve_discount_bps, vault.auction_duration and vault.min_bid_bps"
        )
    if message := unknown_key_message(section, where, known):
        raise ConfigError(message)


def _one_of(section: dict[str, Any], where: str, chosen: str, *others: str) -> None:
    """Refuses `others` beside `chosen`: the section would take `chosen` and silently drop them."""
    if chosen in section and (dropped := [key for key in others if key in section]):
        raise ConfigError(
            f"{where}.{dropped[0]}: given with {chosen}, which is used instead (so it would be ignored); delete one"
        )


def _auction(reader: _Reader, raw: dict[str, Any]) -> Auction:
    """The `auction` section (optional): max_bids, BatchAuction's bid cap (default 256)."""
    if "auction" not in raw:
        return Auction()
    section = reader.section(raw, "auction", "")
    _known_keys(section, "auction", {"max_bids"})
    if "max_bids" not in section:
        return Auction()
    max_bids = section["max_bids"]
    if isinstance(max_bids, bool) or not isinstance(max_bids, int) or not 1 <= max_bids <= MAX_BIDS_LIMIT:
        raise ConfigError(
            f"auction.max_bids: {max_bids!r} is not a whole number in 1..{MAX_BIDS_LIMIT} (BatchAuction's bid cap);"
            f" write e.g. {DEFAULT_MAX_BIDS}"
        )
    return Auction(max_bids=max_bids)


def _auction_terms(reader: _Reader, section: dict[str, Any], auction: Auction) -> dict[str, int]:
    """vault.reserve_discount_bps, auction_duration and min_bid_bps, checked as ThetaVault.set_parameters does."""
    w = "vault"
    discount = reader.int(section, "reserve_discount_bps", w)
    if discount > MAX_RESERVE_DISCOUNT_BPS:
        raise ConfigError(
            f"vault.reserve_discount_bps: {discount} is above the vault's maximum {MAX_RESERVE_DISCOUNT_BPS} (a"
            f" reserve below 80% of the pricer's value); lower it to at most {MAX_RESERVE_DISCOUNT_BPS}"
        )
    duration = reader.int(section, "auction_duration", w, 1)
    if duration > MAX_AUCTION_DURATION:
        raise ConfigError(
            f"vault.auction_duration: {duration} s is above the vault's maximum {MAX_AUCTION_DURATION} s (12 hours:"
            f" every auction must end before its series' expiry); lower it to at most {MAX_AUCTION_DURATION}"
        )
    min_bid = reader.int(section, "min_bid_bps", w, 1, MAX_BPS)
    if min_bid * auction.max_bids < MAX_BPS:
        least = -(-MAX_BPS // auction.max_bids)
        raise ConfigError(
            f"vault.min_bid_bps: {min_bid} times auction.max_bids {auction.max_bids} is below {MAX_BPS}, so bids"
            f" filling the cap could leave the supply unsold; raise it to at least {least} or raise auction.max_bids"
            f" to at least {-(-MAX_BPS // min_bid)}"
        )
    return {"reserve_discount_bps": discount, "auction_duration": duration, "min_bid_bps": min_bid}


def _vault(reader: _Reader, raw: dict[str, Any], auction: Auction) -> Vault:
    section = reader.section(raw, "vault", "")
    _known_keys(section, "vault", VAULT_KEYS)
    w = "vault"
    return Vault(
        name=reader.str(section, "name", w, 25),
        symbol=reader.str(section, "symbol", w, 5),
        is_put=reader.bool(section, "is_put", w),
        cap=reader.amount(section, "cap", w),
        otm_bps=reader.int(section, "otm_bps", w, 0, MAX_BPS - 1),
        strike_grid=reader.amount(section, "strike_grid", w),
        management_fee_bps=reader.int(section, "management_fee_bps", w, 0, 500),
        performance_fee_bps=reader.int(section, "performance_fee_bps", w, 0, 3_000),
        fee_recipient=reader.address(section, "fee_recipient", w),  # type: ignore[arg-type]
        **_auction_terms(reader, section, auction),
        keeper=reader.address(section, "keeper", w),  # type: ignore[arg-type]
        guardian=reader.address(section, "guardian", w),  # type: ignore[arg-type]
        **_selector(reader, section),
    )


def _selector(reader: _Reader, section: dict[str, Any]) -> dict[str, Any]:
    """vault.strike_selector (delta by default) and the delta selector's settings."""
    w = "vault"
    choice = section.get("strike_selector", "delta")
    if choice not in SELECTORS:
        raise ConfigError(f"vault.strike_selector: {choice!r} is unknown; use delta or percent")
    out: dict[str, Any] = {"strike_selector": choice}
    if "target_delta" in section:
        out["target_delta"] = reader.amount(section, "target_delta", w)
        if not Decimal("0.01") <= out["target_delta"] <= Decimal("0.99"):
            raise ConfigError(f'vault.target_delta: {out["target_delta"]} is outside [0.01, 0.99]; e.g. "0.10"')
    if "max_vol_age" in section:
        out["max_vol_age"] = reader.int(section, "max_vol_age", w, 1, 86_400)
    if "rate" in section:
        out["rate"] = reader.amount(section, "rate", w, positive=False)
        if out["rate"] > 1:
            raise ConfigError(f"vault.rate: {out['rate']} is above 1 (100%/yr, the pricer's domain)")
    return out


def _settlement(reader: _Reader, raw: dict[str, Any]) -> Settlement:
    section = reader.section(raw, "settlement", "")
    w = "settlement"
    _known_keys(
        section,
        w,
        {"challenge_window", "bond", "escape_period", "withdrawal_delay", "treasury", "sequencer", "cash"},
    )
    cash = section.get("cash", "strike_asset")
    if cash not in SETTLEMENT_CASH:
        raise ConfigError(f"settlement.cash: {cash!r} is not an asset of the market; write strike_asset or underlying")
    window = reader.int(section, "challenge_window", w, 1)
    delay = reader.int(section, "withdrawal_delay", w, 0)
    if delay < window:
        raise ConfigError(f"settlement.withdrawal_delay: {delay} is below challenge_window {window}; raise it")
    return Settlement(
        challenge_window=window,
        bond=reader.amount(section, "bond", w),
        escape_period=reader.int(section, "escape_period", w, 1),
        withdrawal_delay=delay,
        treasury=reader.address(section, "treasury", w),  # type: ignore[arg-type]
        sequencer=reader.address(section, "sequencer", w),  # type: ignore[arg-type]
        cash=cash,
    )


def parse(raw: Any, source: Path | None = None) -> DeployConfig:
    """Validate a loaded YAML document."""
    if not isinstance(raw, dict):
        raise ConfigError("the configuration must be a mapping; see deployments/config/ethereum-local.yaml")
    network = raw.get("network")
    if not isinstance(network, str) or network.count(":") != 1:
        raise ConfigError(f"network: {network!r}; write ECOSYSTEM:NETWORK, e.g. ethereum:sepolia")
    ecosystem, name = network.split(":")
    reader = _Reader(local=name in LOCAL_NETWORKS)
    chain_id = None
    if not reader.local:
        chain_id = reader.int(raw, "chain_id", "", 1)
    assets = reader.section(raw, "assets", "")
    _known_keys(assets, "assets", {"underlying", "strike_asset"})
    auction = _auction(reader, raw)
    config = DeployConfig(
        network=network,
        chain_id=chain_id,
        deployer=_deployer(reader, raw),
        governance=_governance(reader, raw),
        underlying=_asset(reader, assets, "underlying"),
        strike_asset=_asset(reader, assets, "strike_asset"),
        oracle=_oracle(reader, raw, ecosystem),
        vault=_vault(reader, raw, auction),
        settlement=_settlement(reader, raw),
        auction=auction,
        source=source,
    )
    if config.oracle.volatility is None:
        raise ConfigError(
            "oracle.volatility: missing; the vault's pricer (DeltaStrikeSelector, which prices each auction's reserve"
            " and is the default strike selector) needs an implied-vol feed: add the section (see"
            " deployments/config/ethereum-local.yaml)"
        )
    known = {"network", "chain_id", "deployer", "governance", "assets", "oracle", "vault", "auction", "settlement"}
    if unknown := sorted(set(raw) - known):
        raise ConfigError(f"{unknown[0]}: unknown section; use only {', '.join(sorted(known))}")
    return config


def config_path(root: Path, ecosystem: str, network: str) -> Path:
    """Where the configuration of ecosystem:network lives."""
    return root / "deployments" / "config" / f"{ecosystem}-{network}.yaml"


def load(path: Path) -> DeployConfig:
    """Read and validate one configuration file; errors are prefixed with the file's name."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such file; copy deployments/config/ethereum-local.yaml and edit it")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({error})") from None
    try:
        return parse(raw, path)
    except ConfigError as error:
        raise ConfigError(f"{path.name}: {error}") from None
