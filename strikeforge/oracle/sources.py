"""Price sources: HTTP JSON endpoints, on-chain Chainlink feeds and replay files. Each returns one Observation."""

from __future__ import annotations

import csv
import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Protocol

from strikeforge.oracle.config import (
    ChainlinkSourceConfig,
    HttpSourceConfig,
    ReplaySourceConfig,
    SourceConfig,
)


class SourceError(RuntimeError):
    """A source gave no usable answer; the message says which source and why."""


@dataclass(frozen=True)
class Observation:
    """One source's price (a Decimal of whole quote per whole base) and when the source says it was valid."""

    source: str
    price: Decimal
    timestamp: int


class Source(Protocol):
    name: str

    def fetch(self, now: int) -> Observation: ...


def _decimal(value: Any, where: str) -> Decimal:
    if isinstance(value, bool | float):
        raise SourceError(f"{where}: {value!r} is not an exact number")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise SourceError(f"{where}: {value!r} is not a number") from None


def _walk(document: Any, path: str, where: str) -> Any:
    node = document
    for part in path.split("."):
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise SourceError(f"{where}: no {path!r} in the response")
    return node


class HttpJsonSource:
    """GET a JSON document and read the price at a dotted path. JSON numbers parse as Decimal, never float."""

    def __init__(self, config: HttpSourceConfig) -> None:
        self.name = config.name
        self._config = config

    def fetch(self, now: int) -> Observation:
        config = self._config
        # http(s) only: the config refuses any other scheme.
        request = urllib.request.Request(config.url, headers={"Accept": "application/json"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=float(config.timeout)) as response:  # noqa: S310
                body = response.read(1_000_000)
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise SourceError(f"{self.name}: {config.url} failed ({error})") from None
        try:
            document = json.loads(body, parse_float=Decimal, parse_constant=lambda c: Decimal(c))
        except (ValueError, UnicodeDecodeError) as error:
            raise SourceError(f"{self.name}: response is not JSON ({error})") from None
        price = _decimal(_walk(document, config.path, self.name), self.name)
        timestamp = now
        if config.timestamp_path:
            timestamp = int(_decimal(_walk(document, config.timestamp_path, self.name), self.name))
        return Observation(self.name, price, timestamp)


CHAINLINK_ABI = [
    {
        "type": "function",
        "name": "latestRoundData",
        "stateMutability": "view",
        "inputs": [],
        "outputs": [
            {"name": "roundId", "type": "uint80"},
            {"name": "answer", "type": "int256"},
            {"name": "startedAt", "type": "uint256"},
            {"name": "updatedAt", "type": "uint256"},
            {"name": "answeredInRound", "type": "uint80"},
        ],
    },
    {"type": "function", "name": "decimals", "stateMutability": "view", "inputs": [], "outputs": [{"type": "uint8"}]},
]


class ChainlinkSource:
    """latestRoundData of a Chainlink feed on the connected network, scaled by the feed's decimals."""

    def __init__(self, config: ChainlinkSourceConfig) -> None:
        from ape import Contract

        self.name = config.name
        self._feed = Contract(config.feed, abi=CHAINLINK_ABI)
        self._decimals: int | None = None

    def fetch(self, now: int) -> Observation:
        try:
            if self._decimals is None:
                self._decimals = int(self._feed.decimals())
            _, answer, _, updated_at, _ = self._feed.latestRoundData()
        except Exception as error:
            raise SourceError(f"{self.name}: feed read failed ({error})") from None
        return Observation(self.name, Decimal(int(answer)).scaleb(-self._decimals), int(updated_at))


class ReplaySource:
    """Rows of (timestamp, price) from a CSV or JSONL file; answers the latest row at or before `now`."""

    def __init__(self, config: ReplaySourceConfig) -> None:
        self.name = config.name
        self._rows = sorted(_read_rows(config.file))
        if not self._rows:
            raise SourceError(f"{self.name}: {config.file} has no rows")

    def fetch(self, now: int) -> Observation:
        latest = None
        for timestamp, price in self._rows:
            if timestamp > now:
                break
            latest = (timestamp, price)
        if latest is None:
            raise SourceError(f"{self.name}: no row at or before {now}")
        return Observation(self.name, latest[1], latest[0])


def _read_rows(path: Path) -> list[tuple[int, Decimal]]:
    rows: list[tuple[int, Decimal]] = []
    text = path.read_text()
    if path.suffix == ".jsonl":
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                item = json.loads(line, parse_float=Decimal)
                rows.append((int(item["timestamp"]), _decimal(item["price"], f"{path}:{number}")))
        return rows
    for number, record in enumerate(csv.DictReader(text.splitlines()), 2):
        rows.append((int(record["timestamp"]), _decimal(record["price"], f"{path}:{number}")))
    return rows


class ScaledSource:
    """Another source's values multiplied by a constant (a vol quoted in percent: scale 0.01)."""

    def __init__(self, source: Source, scale: Decimal) -> None:
        self.name = source.name
        self._source = source
        self._scale = scale

    def fetch(self, now: int) -> Observation:
        observation = self._source.fetch(now)
        return Observation(observation.source, observation.price * self._scale, observation.timestamp)


def build(config: SourceConfig) -> Source:
    """The source for one configuration entry (scaled when the entry gives `scale`)."""
    source: Source
    if isinstance(config, HttpSourceConfig):
        source = HttpJsonSource(config)
    elif isinstance(config, ChainlinkSourceConfig):
        source = ChainlinkSource(config)
    else:
        source = ReplaySource(config)
    return source if config.scale == 1 else ScaledSource(source, config.scale)
