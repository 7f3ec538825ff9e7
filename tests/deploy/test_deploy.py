"""`ape run deploy`'s library on the local test chain: a full deployment verifies, a re-run sends nothing, an
interrupted run resumes without sending a step twice, drifted code is reported and not replaced, and bad chains,
manifests and accounts stop the run before any transaction."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from strikeforge.deploy import plan
from strikeforge.deploy.deployment import deploy
from strikeforge.deploy.manifest import ManifestError
from strikeforge.deploy.runner import DeployError, Run, estimate
from strikeforge.deploy.verify import verify
from strikeforge.transactions import sign
from tests.deploy.conftest import ROOT, reopen, safe_execute

CONTRACTS = {
    "Underlying",
    "StrikeAsset",
    "ChainlinkFeed",
    "SafeSingleton",
    "SafeProxyFactory",
    "CompatibilityFallbackHandler",
    "Safe",
    "StrikeforgeTimelock",
    "SignedPriceOracle",
    "ChainlinkOracle",
    "OracleRouter",
    "OptionsEngine",
    "VolatilityUnit",
    "SignedVolOracle",
    "DeltaStrikeSelector",
    "BatchAuction",
    "ThetaVault",
    "SettlementLedger",
    "LedgerAuctionDesk",
}


def _started(config, path):
    """A run on a new manifest, and its plan."""
    run = reopen(config, path)
    steps = plan.build(config)
    run.learn(steps)
    return run, steps


def _signed_not_sent(run, step, deployer):
    """What execute() does before broadcasting: the step signed and recorded as pending."""
    txn = run._transaction(step)
    raw, tx_hash = sign(deployer, txn)
    run.manifest.record(step.key, status="pending", tx=tx_hash, nonce=int(txn.nonce), raw="0x" + raw.hex())
    return raw, tx_hash


def test_a_deployment_records_every_contract_and_verifies(deployed, manifest_file):
    manifest = json.loads(manifest_file.read_text())
    contracts = {k: s for k, s in manifest["steps"].items() if s.get("contract")}
    assert set(contracts) == CONTRACTS
    for key, step in contracts.items():
        assert step["status"] == "done" and step["tx"] and step["block"] > 0, key
        assert step["bytecode_hash"].startswith("0x") and step["initcode_hash"].startswith("0x"), key
    assert contracts["ThetaVault"]["compiler"] == "vyper 0.4.3"
    assert contracts["OptionsEngine"]["compiler"] == "solc 0.8.28"
    assert contracts["ThetaVault"]["args"][6:8] == [
        contracts["DeltaStrikeSelector"]["address"],
        contracts["BatchAuction"]["address"],
    ]
    assert contracts["ThetaVault"]["args"][9:] == ["Strikeforge ETH Theta", "sfETH"]
    assert contracts["BatchAuction"]["args"] == [256]
    assert manifest["compilers"] == {"solc": "0.8.28", "vyper": "0.4.3"}
    assert all(check.ok for check in deployed.checks)
    # 18 code checks, 11 role checks (4 timelock, 2 engine, 3 vault, 2 ledger), 20 owner and parameter checks (4 of
    # them the implied-vol feed's: owner, threshold, max_faulty, signers; 6 the vault's auction: AUCTION, the bid cap,
    # pricer and the auction's terms)
    assert len(deployed.checks) == 53
    checks = {check.subject: (check.expected, check.actual) for check in deployed.checks}
    auction, selector = contracts["BatchAuction"]["address"], contracts["DeltaStrikeSelector"]["address"]
    assert checks["BatchAuction code"] == ("BatchAuction artifact", "BatchAuction artifact")
    assert checks["ThetaVault.AUCTION"] == (auction, auction)
    assert checks["BatchAuction.MAX_BIDS"] == ("256", "256")
    assert checks["ThetaVault.pricer"] == (selector, selector)
    assert checks["ThetaVault.reserve_discount_bps"] == ("1000", "1000")
    assert checks["ThetaVault.auction_duration"] == ("3600", "3600")
    assert checks["ThetaVault.min_bid_bps"] == ("100", "100")


def test_the_vault_sells_through_the_deployed_auction_priced_by_the_delta_selector(deployed):
    run = deployed.run
    vault, auction = run.at("ThetaVault"), run.at("BatchAuction")
    assert vault.AUCTION() == run.address("BatchAuction") and auction.MAX_BIDS() == 256
    assert vault.pricer() == vault.strike_selector() == run.address("DeltaStrikeSelector")
    assert (vault.reserve_discount_bps(), vault.auction_duration(), vault.min_bid_bps()) == (1_000, 3_600, 100)


def test_with_the_percent_selector_the_delta_selector_still_prices_the_auctions(config, tmp_path):
    """vault.strike_selector: percent picks strikes with PercentOtmStrikeSelector; the reserve of every auction is still
    DeltaStrikeSelector's Black-Scholes value, so both are deployed and verification checks the pricer."""
    percent = dataclasses.replace(config, vault=dataclasses.replace(config.vault, strike_selector="percent"))
    outcome = deploy(reopen(percent, tmp_path / "percent.json"))
    assert outcome.ok, [c for c in outcome.checks if not c.ok]
    run = outcome.run
    vault = run.at("ThetaVault")
    assert vault.strike_selector() == run.address("PercentOtmStrikeSelector")
    assert vault.pricer() == run.address("DeltaStrikeSelector") and vault.AUCTION() == run.address("BatchAuction")


def test_the_deployer_keeps_no_power(deployed, accounts):
    run = deployed.run
    deployer = str(accounts[0].address)
    admin = plan.DEFAULT_ADMIN_ROLE
    for key in ("OptionsEngine", "ThetaVault", "SettlementLedger", "StrikeforgeTimelock"):
        assert not run.at(key).hasRole(admin, deployer), key
        assert run.at(key).hasRole(admin, run.address("StrikeforgeTimelock")), key
    assert run.at("OracleRouter").owner() == run.address("StrikeforgeTimelock")
    assert run.at("SignedPriceOracle").owner() == run.address("StrikeforgeTimelock")


def test_a_rerun_sends_nothing(deployed, config, manifest_file, chain, accounts):
    deployer = accounts[0]
    nonce = deployer.nonce
    outcome = deploy(reopen(config, manifest_file))
    assert {r.status for r in outcome.results} == {"skipped"}
    assert deployer.nonce == nonce
    assert outcome.ok


def test_an_interrupted_run_resumes_where_it_stopped(config, tmp_path, accounts):
    path = tmp_path / "partial.json"
    first, steps = _started(config, path)
    for step in steps[:9]:
        assert first.execute(step).status == "sent"
    _, tx_hash = _signed_not_sent(first, steps[9], accounts[0])  # then the process died
    deployer = accounts[0]
    nonce = deployer.nonce

    outcome = deploy(reopen(config, path))
    statuses = [r.status for r in outcome.results]
    assert statuses[:9] == ["skipped"] * 9
    assert statuses[9] == "resumed" and outcome.results[9].tx == tx_hash  # the stored transaction, not a new one
    assert set(statuses[10:]) == {"sent"}
    assert deployer.nonce == nonce + len(steps) - 9  # every step sent exactly once
    assert outcome.ok


def test_a_step_broadcast_but_not_recorded_is_not_sent_again(config, tmp_path, accounts):
    from strikeforge.transactions import broadcast

    path = tmp_path / "crash-after-send.json"
    first, steps = _started(config, path)
    deployer = accounts[0]
    raw, tx_hash = _signed_not_sent(first, steps[0], deployer)
    broadcast(raw, tx_hash)  # mined; the process died before recording it
    nonce = deployer.nonce
    outcome = deploy(reopen(config, path))
    assert outcome.results[0].status == "resumed" and outcome.results[0].tx == tx_hash
    assert deployer.nonce == nonce + len(steps) - 1


def test_drifted_code_is_reported_and_nothing_is_sent(deployed, config, manifest_file, tmp_path, accounts):
    path = tmp_path / "drifted.json"
    shutil.copy(manifest_file, path)
    document = json.loads(path.read_text())
    document["steps"]["ThetaVault"]["address"] = document["steps"]["OptionsEngine"]["address"]
    path.write_text(json.dumps(document))
    nonce = accounts[0].nonce
    with pytest.raises(DeployError, match=r"ThetaVault at 0x[0-9a-fA-F]{40}: on-chain code differs from the current"):
        deploy(reopen(config, path))
    assert accounts[0].nonce == nonce


def test_a_manifest_from_another_chain_stops_the_run(deployed, config, manifest_file, tmp_path):
    path = tmp_path / "other-chain.json"
    document = json.loads(manifest_file.read_text()) | {"chain_id": 5}
    path.write_text(json.dumps(document))
    with pytest.raises(ManifestError, match=r"chain_id is 5 but the connected chain is \d+; connect to the"):
        reopen(config, path)
    document |= {"chain_id": json.loads(manifest_file.read_text())["chain_id"], "genesis": "0x" + "00" * 32}
    path.write_text(json.dumps(document))
    with pytest.raises(ManifestError, match=r"genesis is 0x0+, not this chain's .*pass --fresh"):
        reopen(config, path)


def test_an_account_without_funds_stops_before_any_transaction(config, tmp_path, accounts, chain):
    from strikeforge.deploy.manifest import Manifest

    broke = accounts.generate_test_account()
    assert broke.balance == 0
    manifest = Manifest(tmp_path / "broke.json", "ethereum:local", chain.chain_id, "0x00")
    run = Run(config, manifest, broke, ROOT, accounts)
    refused = rf"^deployer: {broke.address} holds 0\.0+ of the native currency; the plan needs .*; fund it and run"
    with pytest.raises(DeployError, match=refused):
        deploy(run)
    assert not (tmp_path / "broke.json").exists()


def test_a_dry_run_prints_gas_and_sends_nothing(config, tmp_path, accounts):
    path = tmp_path / "dry.json"
    run = reopen(config, path)
    nonce = accounts[0].nonce
    outcome = deploy(run, dry_run=True)
    assert {r.status for r in outcome.results} == {"simulated"}
    assert all(r.gas and r.gas > 21_000 for r in outcome.results)
    assert accounts[0].nonce == nonce
    assert not path.exists()


def test_without_snapshots_a_dry_run_estimates_what_it_can(config, tmp_path, chain, monkeypatch):
    run = reopen(config, tmp_path / "live.json")
    steps = plan.build(config)
    run.learn(steps)
    provider = type(chain.provider)  # a provider without snapshots (a live network)
    monkeypatch.setattr(provider, "snapshot", lambda self: (_ for _ in ()).throw(NotImplementedError()))
    results = estimate(run, steps)
    assert results[0].status == "estimated" and results[0].gas > 21_000  # the first step's inputs exist
    assert {r.status for r in results[1:]} <= {"estimated", "allowance"}
    assert any(r.status == "allowance" for r in results)  # later steps need contracts not deployed yet


def test_governance_runs_through_the_safe_and_timelock_and_verification_sees_it(deployed, accounts, chain):
    run = deployed.run
    safe, timelock, vault = run.at("Safe"), run.at("StrikeforgeTimelock"), run.at("ThetaVault")
    owners = [accounts[i] for i in (5, 6, 7)]
    stranger = accounts[3]
    grant = vault.grantRole.encode_input(vault.KEEPER_ROLE(), stranger)
    salt = b"\x01" * 32
    delay = timelock.getMinDelay()
    schedule = timelock.schedule.encode_input(vault.address, 0, grant, b"\x00" * 32, salt, delay)
    safe_execute(safe, owners, timelock.address, schedule)
    chain.mine(1, timestamp=chain.pending_timestamp + delay)
    execute = timelock.execute.encode_input(vault.address, 0, grant, b"\x00" * 32, salt)
    safe_execute(safe, owners, timelock.address, execute)
    assert vault.hasRole(vault.KEEPER_ROLE(), stranger)

    failed = [c for c in verify(run) if not c.ok]
    assert [c.subject for c in failed] == ["ThetaVault.KEEPER_ROLE"]
    assert str(stranger.address) in failed[0].actual


def test_verification_sees_a_vault_whose_pricer_or_auction_terms_differ_from_the_config(deployed, accounts, chain):
    """Governance re-points the pricer and changes the auction's terms (through the Safe and the timelock): the
    deployment no longer matches its config, and verification names exactly those parameters."""
    run = deployed.run
    safe, timelock, vault = run.at("Safe"), run.at("StrikeforgeTimelock"), run.at("ThetaVault")
    owners = [accounts[i] for i in (5, 6, 7)]
    other_pricer = run.address("SignedVolOracle")  # any address: the vault only calls it
    change = vault.set_parameters.encode_input(
        vault.management_fee_bps(),
        vault.performance_fee_bps(),
        vault.fee_recipient(),
        vault.strike_selector(),
        other_pricer,
        2_000,
        7_200,
        40,  # 40 * 256 >= 10,000
    )
    salt, delay = b"\x02" * 32, timelock.getMinDelay()
    schedule = timelock.schedule.encode_input(vault.address, 0, change, b"\x00" * 32, salt, delay)
    safe_execute(safe, owners, timelock.address, schedule)
    chain.mine(1, timestamp=chain.pending_timestamp + delay)
    execute = timelock.execute.encode_input(vault.address, 0, change, b"\x00" * 32, salt)
    safe_execute(safe, owners, timelock.address, execute)

    failed = {c.subject: (c.expected, c.actual) for c in verify(run) if not c.ok}
    assert failed == {
        "ThetaVault.pricer": (run.address("DeltaStrikeSelector"), other_pricer),
        "ThetaVault.reserve_discount_bps": ("1000", "2000"),
        "ThetaVault.auction_duration": ("3600", "7200"),
        "ThetaVault.min_bid_bps": ("100", "40"),
    }
