"""Each Strikeforge Slither detector fires on its bad fixture and stays silent on the correct form."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from strikeforge.audit.slither_plugin import DETECTORS

from .conftest import functions_flagged

# (check, contract, functions it must report); each contract's good twin is in NEGATIVE.
POSITIVE = [
    ("chainlink-stale-price", "ChainlinkBad", {"price"}),
    ("chainlink-unchecked-answer", "ChainlinkBad", {"price"}),
    ("chainlink-hardcoded-decimals", "ChainlinkBad", {"price"}),
    ("chainlink-missing-sequencer-check", "ChainlinkBad", {"price"}),
    ("signature-replay", "SignaturesBad", {"post"}),
    ("ecrecover-unchecked-zero", "SignaturesBad", {"post"}),
    ("merkle-second-preimage", "MerkleBad", {"claim"}),
    ("merkle-claim-not-marked", "MerkleBad", {"claim"}),
    ("missing-access-control", "AccessBad", {"setOracle", "setFee"}),
    ("erc4626-share-inflation", "NaiveVault", {"deposit"}),
    ("signed-min-negation", "ReviewBad", {"challenge"}),
    ("same-timestamp-race", "ReviewBad", {"counts"}),
    ("push-payment-dos", "ReviewBad", {"challengeData"}),
    ("unbounded-committed-data", "ReviewBad", {"challengeData"}),
    ("signature-unbound-value", "BindingBad", {"claim"}),
    ("unbounded-privileged-setter", "BindingBad", {"dispute"}),
    ("uncapped-calldata-loop", "BindingBad", {"markAll"}),
]
NEGATIVE = [
    ("chainlink-stale-price", "ChainlinkGood"),
    ("chainlink-unchecked-answer", "ChainlinkGood"),
    ("chainlink-hardcoded-decimals", "ChainlinkGood"),
    ("chainlink-missing-sequencer-check", "ChainlinkGood"),
    ("signature-replay", "SignaturesGood"),
    ("ecrecover-unchecked-zero", "SignaturesGood"),
    ("merkle-second-preimage", "MerkleGood"),
    ("merkle-claim-not-marked", "MerkleGood"),
    ("merkle-claim-not-marked", "MerkleCumulativeGood"),
    ("missing-access-control", "AccessGood"),
    ("erc4626-share-inflation", "OffsetVault"),
    ("erc4626-share-inflation", "OzVault"),
    ("signed-min-negation", "ReviewGood"),
    ("same-timestamp-race", "ReviewGood"),
    ("push-payment-dos", "ReviewGood"),
    ("unbounded-committed-data", "ReviewGood"),
    ("signature-unbound-value", "BindingGood"),
    ("unbounded-privileged-setter", "BindingGood"),
    ("uncapped-calldata-loop", "BindingGood"),
]


@pytest.mark.parametrize(("check", "contract", "functions"), POSITIVE, ids=[p[0] for p in POSITIVE])
def test_detector_fires_on_the_vulnerable_form(solidity_fixture_findings, check, contract, functions):
    assert functions_flagged(solidity_fixture_findings, check, contract) == functions


@pytest.mark.parametrize(("check", "contract"), NEGATIVE, ids=[f"{c}-{k}" for c, k in NEGATIVE])
def test_detector_is_silent_on_the_correct_form(solidity_fixture_findings, check, contract):
    assert functions_flagged(solidity_fixture_findings, check, contract) == set()


def test_every_detector_has_a_positive_and_a_negative_fixture():
    arguments = {d.ARGUMENT for d in DETECTORS}
    assert {p[0] for p in POSITIVE} == arguments
    assert {n[0] for n in NEGATIVE} == arguments


def test_slither_lists_our_detectors_through_the_plugin_entry_point():
    slither = Path(sys.executable).parent / "slither"
    env = {**os.environ, "COLUMNS": "300"}  # the table is cut to the terminal's width
    listing = subprocess.run([str(slither), "--list-detectors"], capture_output=True, text=True, check=False, env=env)
    out = listing.stdout
    for detector in DETECTORS:
        assert f"| {detector.ARGUMENT} " in out, detector.ARGUMENT


def test_findings_have_slithers_json_shape(solidity_fixture_findings):
    finding = next(f for f in solidity_fixture_findings if f["check"] == "merkle-second-preimage")
    assert set(finding) >= {
        "check",
        "impact",
        "confidence",
        "description",
        "markdown",
        "first_markdown_element",
        "id",
        "elements",
    }
    function, node = finding["elements"][0], finding["elements"][1]
    assert function["type"] == "function" and function["type_specific_fields"]["parent"]["name"] == "MerkleBad"
    assert node["type"] == "node" and "MerkleProof.verify" in node["name"]
    assert node["source_mapping"]["filename_relative"].endswith("tests/audit/fixtures/solidity/Merkle.sol")
