"""strikeforge audit --fuzz: the ABI-only campaign finds each property's bug on the bad fixture and not on its twin.

Fixtures: tests/audit/fixtures/abifuzz/ (one file per pair). Every campaign is seeded, so the results are fixed; the
budgets leave a margin (each bad fixture is found on ten seeds out of ten at these budgets, measured).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from eth_abi import encode

from strikeforge.audit.abifuzz.campaign import campaign, run_campaign
from strikeforge.audit.abifuzz.compile import compile_paths
from strikeforge.audit.abifuzz.encode import encode_arguments
from strikeforge.audit.abifuzz.recipe import RecipeError, number, parse

FIXTURES = Path(__file__).parent / "fixtures" / "abifuzz"
CALLS = 1_500


@pytest.fixture(scope="module")
def compiled(root):
    return compile_paths(sorted(FIXTURES.glob("*.sol")), root)


def fuzz(compiled, root, name, recipe=None, calls=CALLS, seed=0):
    types = compiled.types if recipe is not None else {name: compiled.types[name]}
    return campaign(types, recipe, seed, calls, sources=compiled.sources, root=root)


def checks(report, check):
    """{function name: finding} of one check."""
    return {f["strikeforge"]["fuzz"]["function"].partition("(")[0]: f for f in report.findings if f["check"] == check}


def test_a_push_payment_to_a_rejecting_party_blocks_settle_for_ever(compiled, root):
    bad = checks(fuzz(compiled, root, "PushSettlementBad"), "fuzz-permanent-revert")
    assert "settle" in bad
    finding = bad["settle"]
    assert finding["impact"] == "Medium"
    assert re.search(r"(rejecter|gasburner) -> PushSettlementBad\.post\(\)", finding["description"])
    assert "-> PushSettlementBad.settle()" in finding["description"]
    assert "Error('payment failed')" in finding["description"]
    assert not checks(fuzz(compiled, root, "PushSettlementGood"), "fuzz-permanent-revert")


def test_b_negating_int256_min_is_a_reachable_panic(compiled, root):
    bad = checks(fuzz(compiled, root, "NegationBad"), "fuzz-arithmetic-panic")
    assert bad["flip"]["impact"] == "Low"
    assert "NegationBad.flip(int256.min)" in bad["flip"]["description"]
    assert "Panic(0x11)" in bad["flip"]["description"]
    assert fuzz(compiled, root, "NegationGood").findings == []


def test_c_an_unbounded_calldata_loop_needs_more_than_a_block(compiled, root):
    bad = checks(fuzz(compiled, root, "MembersBad"), "fuzz-gas-over-block")
    description = bad["join"]["description"]
    assert "... 2000 items]" in description
    assert "with a block's gas it fails" in description
    good = fuzz(compiled, root, "MembersGood")
    assert good.findings == []
    assert good.stats["MembersGood.join"].successes > 0


def test_d_rounding_up_redemptions_extract_other_holders_assets(compiled, root):
    recipe = {
        "deploy": [
            {"name": "asset", "mock": "erc20", "args": ["Asset", "A", 18]},
            {"name": "vault", "contract": "ShareVaultBad", "args": ["@asset"]},
        ],
        "fund": {"tokens": {"asset": "10**24"}},
    }
    bad = checks(fuzz(compiled, root, "", recipe), "fuzz-value-extraction")
    assert bad["redeem"]["impact"] == "High"
    assert "more asset" in bad["redeem"]["description"]
    recipe["deploy"][1]["contract"] = "ShareVaultGood"
    assert fuzz(compiled, root, "", recipe).findings == []
    # The same gain through a function the recipe calls a payout is not a finding.
    recipe["deploy"][1]["contract"] = "ShareVaultBad"
    assert not checks(fuzz(compiled, root, "", recipe | {"payouts": ["redeem"]}), "fuzz-value-extraction")


def test_e_a_reentering_receiver_withdraws_twice(compiled, root):
    bad = checks(fuzz(compiled, root, "EtherBankBad"), "fuzz-value-extraction")
    description = bad["withdraw"]["description"]
    assert "reenterer arms its callback: re-enter EtherBankBad.withdraw()" in description
    assert "reenterer ends with" in description
    assert fuzz(compiled, root, "EtherBankGood").findings == []


def test_the_campaign_is_reproducible_from_its_seed(compiled, root):
    types = {"EtherBankBad": compiled.types["EtherBankBad"]}
    first = run_campaign(types, None, 7, 400)
    again = run_campaign(types, None, 7, 400)
    assert [f["description"] for f in first] == [f["description"] for f in again]


def test_findings_have_the_static_audits_shape(compiled, root):
    finding = fuzz(compiled, root, "NegationBad").findings[0]
    assert {"check", "impact", "confidence", "description", "elements", "id", "markdown"} <= set(finding)
    assert finding["strikeforge"]["stable_id"] == "fuzz-arithmetic-panic/NegationBad.flip/0x11"
    function = finding["elements"][0]
    assert function["type"] == "function" and function["name"] == "flip"
    assert function["source_mapping"]["filename_relative"].endswith("Negation.sol")
    assert function["type_specific_fields"]["parent"]["name"] == "NegationBad"


def test_contracts_that_cannot_deploy_are_named_with_the_reason(compiled, root):
    report = fuzz(compiled, root, "ShareVault")
    assert report.targets == []
    assert "no deployment bytecode" in report.skipped["ShareVault"]


def test_audit_fuzz_merges_findings_into_the_static_run(root, tmp_path, monkeypatch):
    from strikeforge.audit.cli import audit

    monkeypatch.chdir(root)
    out = tmp_path / "findings.json"
    result = CliRunner().invoke(
        audit,
        ["--fuzz", "--fuzz-calls", "300", "--fail-on", "none", "--json", str(out), str(FIXTURES / "Negation.sol")],
    )
    assert result.exit_code == 0, result.output
    assert "fuzz (seed 0): NegationBad (NegationBad): 300 calls" in result.output
    ids = [f["strikeforge"]["stable_id"] for f in json.loads(out.read_text())["results"]["detectors"]]
    assert "fuzz-arithmetic-panic/NegationBad.flip/0x11" in ids


def test_recipe_numbers_and_errors():
    assert number("10**18", "x") == 10**18
    assert number("3 * 10**6", "x") == 3 * 10**6
    assert number("1.5e3", "x") == 1_500
    with pytest.raises(RecipeError, match="not an integer"):
        number("lots", "fund.eth")
    with pytest.raises(RecipeError, match="unknown key"):
        parse({"deploy": [{"name": "a", "contract": "A"}], "targets": ["a"], "fnud": {}})
    with pytest.raises(RecipeError, match="exactly one of 'contract'"):
        parse({"deploy": [{"name": "a"}]})
    recipe = parse({"deploy": [{"name": "t", "mock": "erc20"}, {"name": "v", "contract": "V", "args": ["@t", "1e18"]}]})
    assert recipe.deploy[1].args == ("@t", 10**18)
    assert recipe.target_names == ["v"]
    assert recipe.tokens == {"t": 10**24}


def test_the_fast_encoder_matches_eth_abi():
    rng = random.Random(3)
    kinds = ["uint8", "int256", "address", "bool", "bytes4", "bytes", "string", "uint256[]", "int256[4]",
             "(uint256,address,int256,int256[4])[]", "(bytes32,int256[5],bool)[]", "bytes32[][]",
             "(uint256,bytes,string)[2]", "((uint8,bytes)[],bool)"]  # fmt: skip

    def value(kind):
        if kind.endswith("[]"):
            return tuple(value(kind[:-2]) for _ in range(rng.choice((0, 1, 3, 40))))
        if kind.endswith("]"):
            inner, _, size = kind[:-1].rpartition("[")
            return tuple(value(inner) for _ in range(int(size)))
        if kind.startswith("("):
            depth, parts, current = 0, [], ""
            for char in kind[1:-1]:
                depth += char == "("
                depth -= char == ")"
                if char == "," and depth == 0:
                    parts.append(current)
                    current = ""
                else:
                    current += char
            return tuple(value(p) for p in [*parts, current])
        return {
            "uint8": lambda: rng.randrange(256),
            "uint256": lambda: rng.getrandbits(256),
            "int256": lambda: rng.randrange(-(2**255), 2**255),
            "address": lambda: "0x" + rng.randbytes(20).hex(),
            "bool": lambda: rng.random() < 0.5,
            "bytes4": lambda: rng.randbytes(4),
            "bytes32": lambda: rng.randbytes(32),
            "bytes": lambda: rng.randbytes(rng.choice((0, 5, 64))),
            "string": lambda: "x" * rng.choice((0, 3, 40)),
        }[kind]()

    for _ in range(200):
        chosen = tuple(rng.sample(kinds, 3))
        args = tuple(value(k) for k in chosen)
        assert encode_arguments(chosen, args) == encode(list(chosen), list(args))
