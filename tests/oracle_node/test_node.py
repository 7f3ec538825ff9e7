"""The node on a real local chain: publishing on deviation, heartbeat and expiry, rounds on the interval grid, restarts,
gas cap, retries, no key leaks."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from eth_abi import encode

from strikeforge.oracle.config import parse
from strikeforge.oracle.node import EXPIRY_OFFSET, WEEK
from strikeforge.oracle.runner import build_node
from strikeforge.oracle.state import State
from tests.oracle_node.conftest import PASSWORD, PASSWORD_ENV, Route, signer_keys
from tests.revert_data import reverts_with

USD = 10**18
HEARTBEAT = 3_600
INTERVAL = 60
MONDAY = 4 * 86_400  # the epoch (day 0) was a Thursday


@pytest.fixture(autouse=True)
def away_from_expiries(chain):
    """Start each test on a Monday at 00:00 UTC: the tests below that are not about expiries span a few hours, and a
    Friday 08:00 UTC (an expiry, always a due round) inside them would change what they see."""
    now = chain.pending_timestamp
    chain.mine(1, timestamp=now - (now - MONDAY) % WEEK + WEEK)


@pytest.fixture
def sources(price_server):
    for name in ("a", "b", "c"):
        price_server.serve_price(f"/{name}", "3000")
    return price_server


@pytest.fixture
def make_config(tmp_path: Path, keystores, committee_oracle, sources):
    def make(cap="1000", retries=2, min_sources=2):
        raw = {
            "node": {"state": "state.sqlite", "poll_interval": "1"},
            "signers": [{"keystore": p.name, "password_env": PASSWORD_ENV} for p in keystores],
            "publisher": {"test_account": 1, "gas_price_cap_gwei": cap, "retries": retries, "backoff": "1"},
            "feeds": [
                {
                    "name": "ETH/USD",
                    "oracle": str(committee_oracle.address),
                    "min_sources": min_sources,
                    "deviation_bps": 50,
                    "heartbeat": HEARTBEAT,
                    "interval": INTERVAL,
                    "sources": [
                        {"type": "http", "name": n, "url": f"{sources.url}/{n}", "path": "data.price", "timeout": "1"}
                        for n in ("a", "b", "c")
                    ],
                }
            ],
        }
        return parse(raw, tmp_path)

    return make


@pytest.fixture
def start(make_config, chain):
    sleeps: list[float] = []
    opened: list[State] = []

    def start_node(**kwargs):
        node, state = build_node(make_config(**kwargs), clock=lambda: chain.pending_timestamp, sleep=sleeps.append)
        opened.append(state)
        return node, state

    start_node.sleeps = sleeps
    yield start_node
    for state in opened:
        state.close()


def _set_all(server, price: str) -> None:
    for name in ("a", "b", "c"):
        server.serve_price(f"/{name}", price)


def _advance(chain, seconds: int) -> None:
    chain.mine(1, timestamp=chain.pending_timestamp + seconds)


def test_the_first_tick_publishes_the_median(start, committee_oracle, sources):
    sources.serve_price("/c", "3003")
    node, state = start()
    (outcome,) = node.tick()
    assert (outcome.action, outcome.detail) == ("published", "first round")
    assert committee_oracle.latest_price() == 3_000 * USD
    assert state.last_published("ETH/USD").tx_hash == outcome.tx_hash


def test_an_unchanged_price_is_not_republished(start, committee_oracle, chain):
    node, _ = start()
    node.tick()
    _advance(chain, 60)
    (outcome,) = node.tick()
    assert outcome.action == "skipped"
    assert committee_oracle.latest_price() == 3_000 * USD


def test_a_move_beyond_the_deviation_threshold_publishes(start, committee_oracle, sources, chain):
    node, _ = start()
    node.tick()
    _set_all(sources, "3015")  # +50 bps
    _advance(chain, INTERVAL)  # the next grid point
    (outcome,) = node.tick()
    assert outcome.action == "published" and outcome.detail.startswith("moved 50.0 bps")
    assert committee_oracle.latest_price() == 3_015 * USD


def test_the_heartbeat_publishes_an_unchanged_price(start, committee_oracle, sources, chain):
    node, _ = start()
    first = node.tick()[0].timestamp
    _set_all(sources, "3001")  # +3 bps: below the threshold
    chain.pending_timestamp = first + HEARTBEAT - 1
    assert node.tick()[0].action == "skipped"
    chain.pending_timestamp = first + HEARTBEAT
    (outcome,) = node.tick()
    assert (outcome.action, outcome.detail) == ("published", "heartbeat")
    assert committee_oracle.latest_timestamp() == first + HEARTBEAT


def test_a_restart_neither_republishes_nor_forgets_the_heartbeat(start, committee_oracle, chain):
    node, state = start()
    node.tick()
    state.close()
    _advance(chain, 30)
    restarted, _ = start()
    assert restarted.tick()[0].action == "skipped"
    _advance(chain, HEARTBEAT)
    assert restarted.tick()[0].detail == "heartbeat"


def test_a_round_sent_just_before_a_crash_is_recognised(start, committee_oracle, chain, accounts):
    node, state = start()
    worker = node.workers[0]
    now = chain.pending_timestamp
    result = worker.observe(now)
    assert len(result[0]) == 3
    # Crash simulation: the round was recorded as pending and its transaction landed, then the process died.
    state.mark_pending("ETH/USD", now, 3_000 * USD)
    from strikeforge.oracle.report import PriceReport

    report = PriceReport(worker.base, worker.quote, 3_000 * USD, now)
    signatures = [s.sign_report(worker.domain, report) for s in worker.signers[:3]]
    committee_oracle.update(now, [3_000 * USD] * 3, signatures, sender=accounts[1])
    state.close()

    restarted, restarted_state = start()
    assert restarted.tick()[0].action == "skipped"
    assert restarted_state.pending("ETH/USD") == []
    assert restarted_state.last_published("ETH/USD").timestamp == now


def test_no_quorum_publishes_nothing(start, committee_oracle, sources):
    sources.routes["/a"] = Route("down", status=500)
    sources.routes["/b"] = Route('{"data": {"price": "3000"}}', delay=1.5)  # slower than the 1 s timeout
    node, _ = start()
    (outcome,) = node.tick()
    assert outcome.action == "refused"
    assert "1 usable sources, 2 required" in outcome.detail
    assert committee_oracle.latest_timestamp() == 0


def test_a_lying_source_is_outvoted(start, committee_oracle, sources):
    sources.serve_price("/b", "30000")
    node, _ = start()
    (outcome,) = node.tick()
    assert outcome.action == "published"
    assert committee_oracle.latest_price() == 3_000 * USD


def test_a_gas_price_above_the_cap_defers_publishing(start, committee_oracle):
    node, _ = start(cap="0")
    (outcome,) = node.tick()
    assert outcome.action == "skipped" and "above the cap" in outcome.detail
    assert committee_oracle.latest_timestamp() == 0


class FlakyOracle:
    """The oracle contract, with its first `failures` update calls failing as a dropped RPC would."""

    def __init__(self, contract, failures: int) -> None:
        self._contract = contract
        self.failures = failures

    def __getattr__(self, name):
        return getattr(self._contract, name)

    def update(self, *args, **kwargs):
        if self.failures:
            self.failures -= 1
            raise ConnectionError("connection reset by peer")
        return self._contract.update(*args, **kwargs)


def test_publishing_retries_with_exponential_backoff(start, committee_oracle):
    node, _ = start(retries=3)
    node.workers[0].oracle = FlakyOracle(committee_oracle, failures=2)
    (outcome,) = node.tick()
    assert outcome.action == "published"
    assert start.sleeps == [1.0, 2.0]


def test_exhausted_retries_fail_and_leave_nothing_pending(start, committee_oracle):
    node, state = start(retries=1)
    node.workers[0].oracle = FlakyOracle(committee_oracle, failures=5)
    (outcome,) = node.tick()
    assert outcome.action == "failed"
    assert state.pending("ETH/USD") == []
    assert committee_oracle.latest_timestamp() == 0


def test_no_key_material_reaches_logs_state_or_reprs(start, sources, chain, caplog, capsys, keystores):
    caplog.set_level(logging.DEBUG)
    node, state = start()
    node.tick()
    sources.serve_price("/a", "garbage")
    _set_all(sources, "3100")
    _advance(chain, INTERVAL)
    node.tick()
    worker = node.workers[0]
    captured = capsys.readouterr()
    text = caplog.text + captured.out + captured.err + repr(worker.signers) + repr(node.workers[0].publishing)
    database = Path(state.path).read_bytes()
    for key in signer_keys(3):
        secret = bytes(key.key).hex()
        assert secret not in text.lower()
        assert bytes(key.key) not in database and secret.encode() not in database
    assert PASSWORD not in text
    assert [repr(s) for s in worker.signers] == [f"KeystoreSigner({k.address})" for k in signer_keys(3)]


def test_rounds_are_dated_on_the_interval_grid(start, committee_oracle, chain):
    chain.pending_timestamp += 37  # off the grid
    now = chain.pending_timestamp
    node, _ = start()
    (outcome,) = node.tick()
    assert outcome.timestamp == now // INTERVAL * INTERVAL == committee_oracle.latest_timestamp() < now


def test_the_first_tick_of_an_expiry_interval_signs_a_round_dated_at_the_expiry(start, committee_oracle, chain):
    now = chain.pending_timestamp
    expiry = now - (now - EXPIRY_OFFSET) % WEEK + WEEK  # the next Friday 08:00 UTC
    chain.pending_timestamp = expiry - 5 * INTERVAL
    node, _ = start()
    assert node.tick()[0].action == "published"
    chain.pending_timestamp = expiry + INTERVAL - 1  # the last second of the expiry's interval
    (outcome,) = node.tick()  # unchanged price, heartbeat far: published only because the grid point is an expiry
    assert (outcome.action, outcome.detail, outcome.timestamp) == ("published", "expiry round", expiry)
    weth, usdc = committee_oracle.BASE(), committee_oracle.QUOTE()
    with reverts_with("RoundNotFinal(uint256,uint256)", 2, expiry + 600):  # the latest: a report may still land
        committee_oracle.expiryHint(weth, usdc, expiry)
    chain.pending_timestamp = expiry + INTERVAL  # the next grid point: a round after it, whatever the price did
    (outcome,) = node.tick()
    assert (outcome.action, outcome.detail, outcome.timestamp) == ("published", "after expiry", expiry + INTERVAL)
    # The oracle's round current at the expiry is the expiry's own round, proven by the next: settlement evidence.
    chain.mine(1)
    assert bytes(committee_oracle.expiryHint(weth, usdc, expiry)) == encode(["uint256"], [2])
    assert committee_oracle.priceAt(weth, usdc, expiry, encode(["uint256"], [2])) == (3_000 * USD, expiry)


def test_a_round_is_signed_at_one_price_only(start, committee_oracle, sources, chain):
    node, _ = start(retries=0)
    node.workers[0].oracle = FlakyOracle(committee_oracle, failures=1)
    (failed,) = node.tick()
    assert failed.action == "failed"
    _set_all(sources, "3300")  # within the same interval: the round stays signed at the first price, unsent
    (outcome,) = node.tick()
    assert outcome.action == "skipped" and outcome.detail.startswith(f"round {failed.timestamp} already signed")
    _advance(chain, INTERVAL)
    (outcome,) = node.tick()
    assert (outcome.action, outcome.timestamp) == ("published", failed.timestamp + INTERVAL)
    assert committee_oracle.latest_price() == 3_300 * USD
