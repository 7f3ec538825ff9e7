"""The EIP-712 domains and signed types of the contracts that verify signatures (the oracle's price reports, the
ledger's netted leaves), compared with eth-account: the domain view, each type hash, and the digests of drawn
messages."""

from __future__ import annotations

import pytest

from strikeforge.conformance import SUITES, run_suite
from tests.conformance.conftest import subject

PROPERTIES = [p.id for p in SUITES["eip712"]]


@pytest.fixture(params=["SignedPriceOracle", "SettlementLedger"])
def signing_contract(request, project, deployer, usdc, engine, deploy_signed_oracle):
    if request.param == "SignedPriceOracle":
        return deploy_signed_oracle(), "price report"
    ledger = project.SettlementLedger.deploy(
        usdc, engine, 3_600, 10**18, 604_800, 3_600, deployer, deployer, sender=deployer
    )
    return ledger, "netted leaf"


@pytest.mark.parametrize("prop", PROPERTIES)
def test_signed_types_match_eth_account(signing_contract, prop, chain, actors):
    contract, signed_type = signing_contract
    [outcome] = run_suite("eip712", subject("eip712", contract, chain, actors), only=[prop])
    assert outcome.status == "pass", f"{outcome.prop.cite}: {outcome.detail}"
    if prop == "signed-types":
        assert outcome.detail.endswith(signed_type)  # the type was found and checked, not passed over


def test_a_contract_without_signed_types_is_not_applicable(bare_vault, chain, actors):
    [outcome] = run_suite("eip712", subject("eip712", bare_vault, chain, actors), only=["domain"])
    assert outcome.status == "n/a" and "eip712Domain" in outcome.detail


def test_a_type_that_differs_from_the_contracts_is_caught(deploy_signed_oracle, chain, actors, monkeypatch):
    """The suite can fail: the price report with price and timestamp swapped in the type (same hash inputs' types)."""
    from dataclasses import replace

    from strikeforge.conformance import eip712

    label = "SignedPriceOracle price report"
    wrong = eip712.TYPES[label]
    wrong = replace(wrong, fields=(*wrong.fields[:2], wrong.fields[3], wrong.fields[2]))
    monkeypatch.setitem(eip712.TYPES, label, wrong)
    [outcome] = run_suite("eip712", subject("eip712", deploy_signed_oracle(), chain, actors), only=["signed-types"])
    assert outcome.status == "fail" and "REPORT_TYPEHASH" in outcome.detail
