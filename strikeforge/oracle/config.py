"""oracles/feeds.yaml: the node's configuration, validated into typed settings with errors naming field and fix."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from strikeforge.config_keys import unknown_key_message

ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")


class ConfigError(ValueError):
    """The configuration is unusable; the message names the field and the fix."""


@dataclass(frozen=True)
class HttpSourceConfig:
    name: str
    url: str
    path: str  # dotted JSON path to the price, list indices allowed: "data.0.price"
    timestamp_path: str | None = None  # dotted JSON path to a unix timestamp; absent: the time of the fetch
    timeout: Decimal = Decimal(3)
    kind: str = "http"
    scale: Decimal = Decimal(1)  # the value read is multiplied by this (e.g. 0.01 for a vol quoted in percent)


@dataclass(frozen=True)
class ChainlinkSourceConfig:
    name: str
    feed: str
    kind: str = "chainlink"
    scale: Decimal = Decimal(1)


@dataclass(frozen=True)
class ReplaySourceConfig:
    name: str
    file: Path  # CSV (timestamp,price) or JSONL ({"timestamp": ..., "price": "..."})
    kind: str = "replay"
    scale: Decimal = Decimal(1)


SourceConfig = HttpSourceConfig | ChainlinkSourceConfig | ReplaySourceConfig
FEED_KINDS = ("price", "volatility")
MIN_VOL, MAX_VOL = Decimal("0.01"), Decimal(5)  # 1%/yr to 500%/yr (contracts/pricing/BlackScholes.sol)


@dataclass(frozen=True)
class SignerConfig:
    """Where a signing key lives: an encrypted keystore (password from an environment variable), an Ape account, or
    a key on a PKCS#11 token (`ape_account: pkcs11:LABEL`; token and PIN from the STRIKEFORGE_PKCS11_* variables)."""

    keystore: Path | None = None
    password_env: str | None = None
    ape_account: str | None = None
    test_account: int | None = None  # index of a local test account (local networks only: its key is public)


@dataclass(frozen=True)
class FeedConfig:
    name: str
    oracle: str  # SignedPriceOracle address
    sources: tuple[SourceConfig, ...]
    min_sources: int = 2
    max_source_age: int = 120  # seconds
    outlier_bps: int = 200  # observations further than this from the median are dropped
    sanity_bps: int = 2_000  # refuse to sign a move larger than this from the last published price
    deviation_bps: int = 50  # publish when the price moved at least this much...
    heartbeat: int = 3_600  # ...or when the last publication is this old (seconds)
    interval: int = 60  # rounds are dated on this grid (floor(now / interval) * interval); divides 3600
    kind: str = "price"  # or "volatility": an implied-vol feed (QUOTE a VolatilityUnit; 1 = 100%/yr), signed only
    # within [MIN_VOL, MAX_VOL], the pricer's domain and DeltaStrikeSelector's bounds


@dataclass(frozen=True)
class PublisherConfig:
    ape_account: str | None = None  # an Ape account alias, or pkcs11:LABEL (mainnet and testnets)
    test_account: int | None = None  # index of a local test account (local networks only)
    password_env: str | None = None  # Ape account passphrase, for unattended signing
    gas_price_cap_gwei: Decimal = Decimal(100)
    retries: int = 3
    backoff: Decimal = Decimal(1)  # seconds; doubles per retry


@dataclass(frozen=True)
class NodeConfig:
    feeds: tuple[FeedConfig, ...]
    signers: tuple[SignerConfig, ...]
    publisher: PublisherConfig
    state: Path
    poll_interval: Decimal = Decimal(10)
    source: Path | None = field(default=None, compare=False)


def _require(mapping: dict[str, Any], key: str, where: str, fix: str) -> Any:
    if key not in mapping or mapping[key] in (None, "", [], {}):
        raise ConfigError(f"{where}.{key}: missing; {fix}")
    return mapping[key]


def _known(raw: dict[str, Any], where: str, keys: tuple[str, ...]) -> None:
    if message := unknown_key_message(raw, where, keys):
        raise ConfigError(message)


SOURCE_KEYS = {
    "http": ("type", "name", "url", "path", "timestamp_path", "timeout", "scale"),
    "chainlink": ("type", "name", "feed", "scale"),
    "replay": ("type", "name", "file", "scale"),
}


def _int(value: Any, where: str, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{where}: {value!r} is not an integer >= {minimum}; write a whole number")
    return value


def _decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, float):
        raise ConfigError(f'{where}: {value!r} is a float; quote it ("{value}") so it is read exactly')
    try:
        result = Decimal(str(value))
    except InvalidOperation:
        raise ConfigError(f'{where}: {value!r} is not a number; write e.g. "2.5"') from None
    if not result.is_finite() or result < 0:
        raise ConfigError(f"{where}: {value!r} must be a finite number >= 0")
    return result


def _address(value: Any, where: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        raise ConfigError(
            f'{where}: {value} is a number: YAML reads an unquoted 0x... as an integer; quote it ("0x...")'
        )
    if not isinstance(value, str) or not ADDRESS.match(value):
        raise ConfigError(f"{where}: {value!r} is not an address; write 0x followed by 40 hex digits")
    return value


MANIFEST_PREFIX = "manifest:"


def _oracle_address(value: Any, where: str) -> str:
    """An address, or `manifest:KEY`: the contract the deployment manifest of the network the node connects to
    records under KEY (e.g. manifest:SignedPriceOracle), resolved by `resolve_manifest` once connected."""
    if isinstance(value, str) and value.startswith(MANIFEST_PREFIX):
        if not value[len(MANIFEST_PREFIX) :].strip():
            raise ConfigError(f"{where}: {value!r} names no contract; write e.g. manifest:SignedPriceOracle")
        return value
    return _address(value, where)


def resolve_manifest(config: NodeConfig, manifest: dict[str, Any], manifest_name: str) -> NodeConfig:
    """`config` with every `manifest:KEY` oracle replaced by the manifest's address for KEY."""
    steps = manifest.get("steps") or {}
    feeds = []
    for index, feed in enumerate(config.feeds):
        if feed.oracle.startswith(MANIFEST_PREFIX):
            key = feed.oracle[len(MANIFEST_PREFIX) :]
            address = (steps.get(key) or {}).get("address")
            if not address:
                known = sorted(k for k, v in steps.items() if isinstance(v, dict) and v.get("address"))
                hint = difflib.get_close_matches(key, known, n=1)
                raise ConfigError(
                    f"feeds[{index}].oracle: {manifest_name} records no contract {key!r}"
                    + (f"; did you mean manifest:{hint[0]}?" if hint else f"; it has {', '.join(known)}")
                )
            feed = replace(feed, oracle=str(address))
        feeds.append(feed)
    return replace(config, feeds=tuple(feeds))


def _source(raw: dict[str, Any], where: str, base_dir: Path) -> SourceConfig:
    source = _source_kind(raw, where, base_dir)
    if "scale" not in raw:
        return source
    scale = _decimal(raw["scale"], f"{where}.scale")
    if scale == 0:
        raise ConfigError(f'{where}.scale: must be > 0; e.g. "0.01" for a value quoted in percent')
    return replace(source, scale=scale)


def _source_kind(raw: dict[str, Any], where: str, base_dir: Path) -> SourceConfig:
    kind = _require(raw, "type", where, "use one of: http, chainlink, replay")
    if kind in SOURCE_KEYS:
        _known(raw, where, SOURCE_KEYS[kind])
    name = str(raw.get("name") or f"{where}")
    if kind == "http":
        url = _require(raw, "url", where, "give the endpoint's URL")
        if not str(url).startswith(("http://", "https://")):
            raise ConfigError(f"{where}.url: {url!r} is not an http(s) URL")
        return HttpSourceConfig(
            name=name,
            url=str(url),
            path=str(_require(raw, "path", where, "give the dotted JSON path to the price, e.g. data.price")),
            timestamp_path=raw.get("timestamp_path"),
            timeout=_decimal(raw.get("timeout", "3"), f"{where}.timeout"),
        )
    if kind == "chainlink":
        return ChainlinkSourceConfig(
            name=name, feed=_address(_require(raw, "feed", where, "give the feed address"), f"{where}.feed")
        )
    if kind == "replay":
        file = base_dir / str(_require(raw, "file", where, "give a CSV or JSONL file of timestamp,price rows"))
        if not file.is_file():
            raise ConfigError(f"{where}.file: {file} does not exist; give a CSV or JSONL file relative to the config")
        return ReplaySourceConfig(name=name, file=file)
    raise ConfigError(f"{where}.type: {kind!r} is unknown; use one of: http, chainlink, replay")


FEED_KEYS = (
    "name",
    "oracle",
    "sources",
    "min_sources",
    "max_source_age",
    "outlier_bps",
    "sanity_bps",
    "deviation_bps",
    "heartbeat",
    "interval",
    "kind",
)


def _feed(raw: dict[str, Any], where: str, base_dir: Path) -> FeedConfig:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: must be a mapping with name, oracle and sources")
    _known(raw, where, FEED_KEYS)
    sources_raw = _require(raw, "sources", where, "list at least one source")
    if not isinstance(sources_raw, list):
        raise ConfigError(f"{where}.sources: must be a list")
    sources = tuple(_source(s, f"{where}.sources[{i}]", base_dir) for i, s in enumerate(sources_raw))
    names = [s.name for s in sources]
    if len(set(names)) != len(names):
        raise ConfigError(f"{where}.sources: names repeat ({names}); give each source a distinct name")
    feed = FeedConfig(
        name=str(_require(raw, "name", where, "name the feed, e.g. ETH/USD")),
        oracle=_oracle_address(_require(raw, "oracle", where, "give the SignedPriceOracle address"), f"{where}.oracle"),
        sources=sources,
        min_sources=_int(raw.get("min_sources", 2), f"{where}.min_sources", 1),
        max_source_age=_int(raw.get("max_source_age", 120), f"{where}.max_source_age", 1),
        outlier_bps=_int(raw.get("outlier_bps", 200), f"{where}.outlier_bps", 1),
        sanity_bps=_int(raw.get("sanity_bps", 2_000), f"{where}.sanity_bps", 1),
        deviation_bps=_int(raw.get("deviation_bps", 50), f"{where}.deviation_bps", 0),
        heartbeat=_int(raw.get("heartbeat", 3_600), f"{where}.heartbeat", 1),
        interval=_int(raw.get("interval", 60), f"{where}.interval", 1),
        kind=str(raw.get("kind", "price")),
    )
    if feed.kind not in FEED_KINDS:
        raise ConfigError(f"{where}.kind: {feed.kind!r} is unknown; use price or volatility")
    if 3_600 % feed.interval:
        raise ConfigError(
            f"{where}.interval: {feed.interval} does not divide 3600; use a divisor such as 60, 300 or 900, so that"
            " every expiry (Fridays 08:00 UTC) is on the round grid"
        )
    if feed.min_sources > len(sources):
        raise ConfigError(
            f"{where}.min_sources: {feed.min_sources} but only {len(sources)} sources; add sources or lower it"
        )
    return feed


def _pkcs11_has_no_password(raw: dict[str, Any], where: str) -> None:
    """A `pkcs11:LABEL` account is unlocked by its token's PIN (STRIKEFORGE_PKCS11_PIN_ENV), not a passphrase."""
    alias = raw.get("ape_account")
    if not (isinstance(alias, str) and alias.startswith("pkcs11:")):
        return
    if not alias[len("pkcs11:") :].strip():
        raise ConfigError(f"{where}.ape_account: {alias!r} names no key; write pkcs11:LABEL with the key's label")
    if raw.get("password_env"):
        raise ConfigError(
            f"{where}.password_env: does not apply to {alias} (the token's PIN is read from the variable"
            " STRIKEFORGE_PKCS11_PIN_ENV names, default STRIKEFORGE_PKCS11_PIN); remove it"
        )


def _signer(raw: dict[str, Any], where: str, base_dir: Path) -> SignerConfig:
    if "private_key" in raw or "key" in raw:
        raise ConfigError(f"{where}: plaintext keys are refused; use an encrypted keystore or an Ape account")
    _known(raw, where, ("keystore", "password_env", "ape_account", "test_account"))
    if sum(raw.get(k) is not None for k in ("keystore", "ape_account", "test_account")) > 1:
        raise ConfigError(f"{where}: give one of keystore, ape_account or test_account (local networks only)")
    if raw.get("test_account") is not None:
        return SignerConfig(test_account=_int(raw["test_account"], f"{where}.test_account"))
    if raw.get("keystore"):
        path = base_dir / str(raw["keystore"])  # read (and its absence reported) when the signer loads
        env = _require(raw, "password_env", where, "name the environment variable holding the keystore password")
        return SignerConfig(keystore=path, password_env=str(env))
    if raw.get("ape_account"):
        _pkcs11_has_no_password(raw, where)
        return SignerConfig(ape_account=str(raw["ape_account"]), password_env=raw.get("password_env"))
    raise ConfigError(
        f"{where}: give keystore (+ password_env), ape_account (an alias or pkcs11:LABEL) or test_account (local"
        " networks only)"
    )


def _publisher(raw: dict[str, Any], where: str) -> PublisherConfig:
    if "private_key" in raw or "key" in raw:
        raise ConfigError(f"{where}: plaintext keys are refused; use an Ape account")
    _known(raw, where, ("ape_account", "test_account", "password_env", "gas_price_cap_gwei", "retries", "backoff"))
    alias, index = raw.get("ape_account"), raw.get("test_account")
    if (alias is None) == (index is None):
        raise ConfigError(f"{where}: give exactly one of ape_account (an alias) or test_account (local networks)")
    _pkcs11_has_no_password(raw, where)
    return PublisherConfig(
        ape_account=None if alias is None else str(alias),
        test_account=None if index is None else _int(index, f"{where}.test_account"),
        password_env=raw.get("password_env"),
        gas_price_cap_gwei=_decimal(raw.get("gas_price_cap_gwei", "100"), f"{where}.gas_price_cap_gwei"),
        retries=_int(raw.get("retries", 3), f"{where}.retries"),
        backoff=_decimal(raw.get("backoff", "1"), f"{where}.backoff"),
    )


def parse(raw: Any, base_dir: Path, source: Path | None = None) -> NodeConfig:
    """Validate a loaded YAML document; relative paths resolve against `base_dir`."""
    if not isinstance(raw, dict):
        raise ConfigError("the configuration must be a mapping with feeds, signers and publisher")
    # Keys first: a plaintext key is reported before anything else is looked at.
    signers_raw = _require(raw, "signers", "config", "list the signing keys (keystores or Ape accounts)")
    if not isinstance(signers_raw, list):
        raise ConfigError("config.signers: must be a list")
    signers = tuple(_signer(s, f"signers[{i}]", base_dir) for i, s in enumerate(signers_raw))
    feeds_raw = _require(raw, "feeds", "config", "list the feeds to publish")
    if not isinstance(feeds_raw, list):
        raise ConfigError("config.feeds: must be a list")
    feeds = tuple(_feed(f, f"feeds[{i}]", base_dir) for i, f in enumerate(feeds_raw))
    _known(raw, "", ("feeds", "signers", "publisher", "node"))
    node = raw.get("node") or {}
    _known(node, "node", ("state", "poll_interval"))
    return NodeConfig(
        feeds=feeds,
        signers=signers,
        publisher=_publisher(_require(raw, "publisher", "config", "name the account that sends updates"), "publisher"),
        state=base_dir / str(node.get("state", "../.cache/oracle/state.sqlite")),
        poll_interval=_decimal(node.get("poll_interval", "10"), "node.poll_interval"),
        source=source,
    )


def load(path: Path) -> NodeConfig:
    """Read and validate a feeds.yaml."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such file; pass --config with the path to a feeds.yaml")
    try:
        raw = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({error})") from None
    return parse(raw, path.parent.resolve(), source=path)
