"""Each Vyper detector fires on its bad fixture (the functions named) and stays silent on the correct form."""

from __future__ import annotations

from pathlib import Path

import pytest

from strikeforge.audit.sources import collect
from strikeforge.audit.vyper import analyze
from strikeforge.audit.vyper.detectors import DETECTORS

from .conftest import FIXTURES

VYPER = FIXTURES / "vyper"

# (fixture, check, functions it must report)
POSITIVE = [
    ("reentrancy_bad.vy", "vyper-reentrancy", {"withdraw"}),
    ("reentrancy_internal_bad.vy", "vyper-reentrancy", {"claim"}),
    ("unchecked_raw_call_bad.vy", "vyper-unchecked-raw-call", {"pay_assigned"}),
    ("tx_origin_bad.vy", "vyper-tx-origin", {"set_owner"}),
    ("divide_before_multiply_bad.vy", "vyper-divide-before-multiply", {"fee", "fee_through_local"}),
    ("access_control_bad.vy", "vyper-missing-access-control", {"set_fee", "set_treasury"}),
    ("tx_origin_bad.vy", "vyper-missing-access-control", {"set_owner"}),
    ("chainlink_bad.vy", "vyper-chainlink-stale-price", {"price"}),
    ("chainlink_bad.vy", "vyper-chainlink-unchecked-answer", {"price"}),
    ("chainlink_bad.vy", "vyper-chainlink-hardcoded-decimals", {"price"}),
    ("chainlink_bad.vy", "vyper-chainlink-missing-sequencer-check", {"price"}),
    ("review_bad.vy", "vyper-signed-min-negation", {"challenge"}),
    ("review_bad.vy", "vyper-push-payment-dos", {"bid"}),
    ("review_bad.vy", "vyper-unbounded-privileged-setter", {"set_price"}),
    ("review_bad.vy", "vyper-same-timestamp-race", {"settles"}),
    ("review_bad.vy", "vyper-merkle-second-preimage", {"claim"}),
    ("review_bad.vy", "vyper-signature-unbound-value", {"redeem"}),
    ("review_bad.vy", "vyper-uncapped-calldata-loop", {"mark_all"}),
]
NEGATIVE = [
    "reentrancy_good.vy",
    "unchecked_raw_call_good.vy",
    "tx_origin_good.vy",
    "divide_before_multiply_good.vy",
    "access_control_good.vy",
    "chainlink_good.vy",
    "review_good.vy",
]


def findings_of(root: Path, name: str) -> list[dict]:
    return analyze(collect([VYPER / name], root), root)


@pytest.mark.parametrize(("fixture", "check", "functions"), POSITIVE, ids=[f"{p[1]}-{p[0]}" for p in POSITIVE])
def test_detector_fires_on_the_vulnerable_form(root, fixture, check, functions):
    found = {f["elements"][0]["name"] for f in findings_of(root, fixture) if f["check"] == check}
    assert found == functions


@pytest.mark.parametrize("fixture", NEGATIVE)
def test_no_detector_fires_on_the_correct_form(root, fixture):
    assert [f["description"] for f in findings_of(root, fixture)] == []


def test_every_detector_has_a_positive_fixture_and_the_negatives_cover_it():
    assert {p[1] for p in POSITIVE} == {d.ARGUMENT for d in DETECTORS}


def test_stable_ids_survive_moving_the_code(root, tmp_path):
    moved = tmp_path / "reentrancy_bad.vy"
    text = (VYPER / "reentrancy_bad.vy").read_text()
    moved.write_text(text.replace("balances: public", "\n\n\n# moved down\nbalances: public", 1))
    from strikeforge.audit.findings import location, stable_id

    before = findings_of(root, "reentrancy_bad.vy")
    after = analyze(collect([moved], root), root)
    assert [stable_id(f) for f in before] == [stable_id(f) for f in after]
    assert location(after[0])[1] == location(before[0])[1] + 4


def test_findings_point_at_the_call_and_the_write(root):
    (finding,) = findings_of(root, "reentrancy_bad.vy")
    function, call, write = finding["elements"]
    assert function["type"] == "function" and function["type_specific_fields"]["parent"]["name"] == "reentrancy_bad"
    assert call["name"].startswith("raw_call(msg.sender")
    assert write["name"] == "self.balances[msg.sender]"
    assert call["source_mapping"]["lines"] == [15] and write["source_mapping"]["lines"] == [16]


def test_a_file_that_does_not_compile_is_named_with_the_compilers_message(root, tmp_path):
    from strikeforge.audit.sources import AuditInputError

    broken = tmp_path / "broken.vy"
    broken.write_text("# pragma version ~=0.4.3\n@external\ndef f() -> uint256:\n    return undefined_name\n")
    with pytest.raises(AuditInputError, match=r"broken\.vy: does not compile with Vyper: .*undefined_name"):
        analyze(collect([broken], root), root)
