"""feeds.yaml validation: each mistake is named by its field, with the fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from strikeforge.oracle.config import ConfigError, load, parse

ORACLE = "0x5FbDB2315678afecb367f032d93F642f64180aa3"


def _raw(tmp_path: Path, **changes):
    (tmp_path / "k.json").write_text("{}")
    raw = {
        "signers": [{"keystore": "k.json", "password_env": "PW"}],
        "publisher": {"test_account": 0},
        "feeds": [
            {
                "name": "ETH/USD",
                "oracle": ORACLE,
                "min_sources": 1,
                "sources": [{"type": "http", "name": "a", "url": "http://127.0.0.1:1/p", "path": "price"}],
            }
        ],
    }
    for dotted, value in changes.items():
        node = raw
        *parents, last = dotted.split("__")
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[last] = value
    return raw


def test_a_valid_config_parses(tmp_path):
    config = parse(_raw(tmp_path), tmp_path)
    assert config.feeds[0].sources[0].url == "http://127.0.0.1:1/p"
    assert config.state == tmp_path / "../.cache/oracle/state.sqlite"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"feeds__0__oracle": "0x1234"}, "feeds[0].oracle: '0x1234' is not an address"),
        (
            {"feeds__0__oracle": 0x1234},
            "feeds[0].oracle: 4660 is a number: YAML reads an unquoted 0x... as an integer;",
        ),
        ({"feeds__0__min_sources": 2}, "feeds[0].min_sources: 2 but only 1 sources"),
        ({"feeds__0__sources__0__url": "file:///etc/passwd"}, "is not an http(s) URL"),
        ({"feeds__0__sources__0__type": "ftp"}, "feeds[0].sources[0].type: 'ftp' is unknown"),
        ({"publisher__gas_price_cap_gwei": 1.5}, "is a float; quote it"),
        ({"signers": [{"private_key": "0xabc"}]}, "signers[0]: plaintext keys are refused"),
        ({"publisher": {"private_key": "0xabc"}}, "publisher: plaintext keys are refused"),
        ({"publisher": {}}, "config.publisher: missing"),
        ({"publisher": {"ape_account": "x", "test_account": 0}}, "give exactly one of ape_account"),
        ({"feeds": []}, "config.feeds: missing; list the feeds to publish"),
        ({"feeds__0__heartbeat": 0}, "feeds[0].heartbeat: 0 is not an integer >= 1"),
        ({"feeds__0__interval": 7}, "feeds[0].interval: 7 does not divide 3600; use a divisor"),
        ({"feeds__0__interval": 0}, "feeds[0].interval: 0 is not an integer >= 1"),
        (
            {"feeds__0__intervall": 60},
            "feeds[0].intervall: unknown key; did you mean interval? use only",
        ),
        ({"feeds__0__santiy_bps": 500}, "feeds[0].santiy_bps: unknown key; did you mean sanity_bps?"),
        ({"feeds__0__max_faulty": 1}, "feeds[0].max_faulty: unknown key"),
        ({"feeds__0__sources__0__timeuot": "3"}, "feeds[0].sources[0].timeuot: unknown key; did you mean timeout?"),
        ({"publisher__retry": 3}, "publisher.retry: unknown key; did you mean retries?"),
        ({"node": {"poll_intervall": "10"}}, "node.poll_intervall: unknown key; did you mean poll_interval?"),
        ({"signers": [{"ape_account": "s", "pasword_env": "X"}]}, "signers[0].pasword_env: unknown key; did you mean"),
        ({"feed": []}, "feed: unknown key; did you mean feeds?"),
    ],
)
def test_mistakes_are_named(tmp_path, changes, message):
    with pytest.raises(ConfigError) as error:
        parse(_raw(tmp_path, **changes), tmp_path)
    assert message in str(error.value)


def test_a_missing_file_says_which_option(tmp_path):
    with pytest.raises(ConfigError, match="pass --config"):
        load(tmp_path / "nope.yaml")


def test_the_shipped_example_parses():
    example = Path(__file__).resolve().parents[2] / "oracles" / "feeds.example.yaml"
    config = load(example)
    assert [f.name for f in config.feeds] == ["ETH/USD", "ETH IV"]
    assert {s.kind for s in config.feeds[0].sources} == {"http", "chainlink", "replay"}
