"""Sources against real loopback HTTP servers (slow, failing, lying, malformed) and replay files."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from strikeforge.oracle.config import HttpSourceConfig, ReplaySourceConfig
from strikeforge.oracle.sources import HttpJsonSource, ReplaySource, SourceError
from tests.oracle_node.conftest import Route

NOW = 1_900_000_000


def http(url: str, path: str = "data.price", timeout: str = "1", **kwargs) -> HttpJsonSource:
    return HttpJsonSource(HttpSourceConfig(name="src", url=url, path=path, timeout=Decimal(timeout), **kwargs))


def test_a_json_price_is_read_exactly(price_server):
    url = price_server.serve_price("/eth", "3000.123456789012345678")
    assert http(url).fetch(NOW).price == Decimal("3000.123456789012345678")


def test_json_numbers_are_decimals_not_floats(price_server):
    price_server.routes["/num"] = Route('{"data": {"price": 0.1}}')
    assert http(price_server.url + "/num").fetch(NOW).price == Decimal("0.1")  # a float would be 0.1000000000000000055


def test_the_timestamp_path_dates_the_observation(price_server):
    url = price_server.serve_price("/eth", "3000", ts=NOW - 30)
    assert http(url, timestamp_path="data.ts").fetch(NOW).timestamp == NOW - 30


def test_a_list_index_in_the_path(price_server):
    price_server.routes["/list"] = Route(json.dumps({"tickers": [{"last": "1"}, {"last": "2.5"}]}))
    assert http(price_server.url + "/list", path="tickers.1.last").fetch(NOW).price == Decimal("2.5")


def test_a_slow_server_times_out(price_server):
    price_server.routes["/slow"] = Route('{"data": {"price": "3000"}}', delay=1.5)
    with pytest.raises(SourceError, match="failed"):
        http(price_server.url + "/slow", timeout="0.3").fetch(NOW)


def test_a_failing_server_is_a_source_error(price_server):
    price_server.routes["/down"] = Route("oops", status=503)
    with pytest.raises(SourceError, match="503"):
        http(price_server.url + "/down").fetch(NOW)


def test_malformed_json_is_a_source_error(price_server):
    price_server.routes["/bad"] = Route("{not json")
    with pytest.raises(SourceError, match="not JSON"):
        http(price_server.url + "/bad").fetch(NOW)


def test_a_missing_path_is_named(price_server):
    url = price_server.serve_price("/eth", "3000")
    with pytest.raises(SourceError, match=r"no 'data\.last'"):
        http(url, path="data.last").fetch(NOW)


def test_nan_is_passed_on_for_aggregation_to_reject(price_server):
    price_server.routes["/nan"] = Route('{"data": {"price": NaN}}')
    assert http(price_server.url + "/nan").fetch(NOW).price.is_nan()


def test_a_boolean_is_not_a_price(price_server):
    price_server.routes["/bool"] = Route('{"data": {"price": true}}')
    with pytest.raises(SourceError, match="not an exact number"):
        http(price_server.url + "/bool").fetch(NOW)


def test_replay_csv_answers_the_latest_row_not_after_now(tmp_path):
    path = tmp_path / "eth.csv"
    path.write_text("timestamp,price\n100,3000\n200,3010.5\n300,2990\n")
    source = ReplaySource(ReplaySourceConfig(name="replay", file=path))
    assert source.fetch(250).price == Decimal("3010.5")
    assert source.fetch(300).timestamp == 300
    with pytest.raises(SourceError, match="no row"):
        source.fetch(99)


def test_replay_jsonl(tmp_path):
    path = tmp_path / "eth.jsonl"
    path.write_text('{"timestamp": 100, "price": "3000"}\n{"timestamp": 200, "price": 3001.25}\n')
    assert ReplaySource(ReplaySourceConfig(name="replay", file=path)).fetch(500).price == Decimal("3001.25")


def test_a_chainlink_feed_is_read_on_chain_and_scaled(project, deployer, chain):
    from strikeforge.oracle.config import ChainlinkSourceConfig
    from strikeforge.oracle.sources import ChainlinkSource

    feed = project.MockChainlinkFeed.deploy(8, 3_000_12345678, sender=deployer)
    observation = ChainlinkSource(ChainlinkSourceConfig(name="cl", feed=str(feed.address))).fetch(NOW)
    assert observation.price == Decimal("3000.12345678")
    assert observation.timestamp == feed.latestRoundData()[3]


def test_an_address_without_a_feed_is_a_source_error(accounts):
    from strikeforge.oracle.config import ChainlinkSourceConfig
    from strikeforge.oracle.sources import ChainlinkSource

    with pytest.raises(SourceError, match="feed read failed"):
        ChainlinkSource(ChainlinkSourceConfig(name="cl", feed=str(accounts[7].address))).fetch(NOW)
