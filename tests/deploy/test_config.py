"""Deployment configurations: the checked-in ones validate, and every kind of bad input is named by field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from strikeforge.deploy.config import ConfigError, load, longest_exit, parse
from strikeforge.deploy.runner import address_refs

CONFIGS = Path(__file__).resolve().parents[2] / "deployments" / "config"
TESTNETS = {
    "ethereum-sepolia.yaml": ("ethereum", "sepolia", 11155111),
    "arbitrum-sepolia.yaml": ("arbitrum", "sepolia", 421614),
    "base-sepolia.yaml": ("base", "sepolia", 84532),
}


def local() -> dict:
    return yaml.safe_load((CONFIGS / "ethereum-local.yaml").read_text())


def sepolia() -> dict:
    return yaml.safe_load((CONFIGS / "ethereum-sepolia.yaml").read_text())


def test_every_checked_in_config_validates():
    names = sorted(p.name for p in CONFIGS.glob("*.yaml"))
    assert names == sorted(["ethereum-local.yaml", *TESTNETS])
    for name in names:
        config = load(CONFIGS / name)
        assert config.network == name.removesuffix(".yaml").replace("-", ":", 1)


@pytest.mark.parametrize("name", sorted(TESTNETS))
def test_testnet_configs_name_their_chain_and_hold_no_local_or_private_values(name, networks):
    ecosystem, network, chain_id = TESTNETS[name]
    config = load(CONFIGS / name)
    assert config.chain_id == chain_id == networks.get_ecosystem(ecosystem).get_network(network).chain_id
    assert config.deployer.ape_account and config.deployer.test_account is None
    assert config.governance.safe.address is not None  # off local networks the Safe exists already
    assert config.governance.timelock_delay >= config.governance.delay_floor >= 8 * 86_400
    assert config.underlying.mock is None and config.strike_asset.mock is None
    assert config.oracle.chainlink.feed is not None
    refs = [ref.spec for _, ref in address_refs(config)]
    assert not any(spec.startswith("test:") for spec in refs)
    # Operator-specific addresses come from the environment, not from this repository.
    assert config.governance.safe.address.spec.startswith("env:")
    assert all(s.spec.startswith("env:") for s in config.oracle.signed.signers)
    # M-2: one faulty signer cannot move the price (threshold >= 2 * max_faulty + 1), one down keeps it live.
    signed = config.oracle.signed
    assert (len(signed.signers), signed.threshold, signed.max_faulty) == (4, 3, 1)


def test_l2_configs_state_the_sequencer_feed(tmp_path):
    raw = yaml.safe_load((CONFIGS / "arbitrum-sepolia.yaml").read_text())
    assert "sequencer_feed" in raw["oracle"]["chainlink"]
    del raw["oracle"]["chainlink"]["sequencer_feed"]
    with pytest.raises(ConfigError, match=r"^oracle\.chainlink\.sequencer_feed: missing on the L2 arbitrum"):
        parse(raw)


def _break(raw: dict, path: str, value) -> dict:
    *parents, last = path.split(".")
    node = raw
    for key in parents:
        node = node[key]
    if value is KeyError:
        del node[last]
    else:
        node[last] = value
    return raw


@pytest.mark.parametrize(
    ("make", "path", "value", "message"),
    [
        (local, "vault.cap", KeyError, r"^vault\.cap: missing; write a quoted decimal"),
        (local, "vault.strike_grid", 100.5, r'^vault\.strike_grid: 100\.5 is a float; quote it \("100\.5"\)'),
        (local, "vault.otm_bps", 10_000, r"^vault\.otm_bps: 10000 is above the maximum 9999"),
        (local, "vault.symbol", "TOOLONG", r"^vault\.symbol: 'TOOLONG' is longer than 5"),
        (local, "vault.keeper", "0x1234", r"^vault\.keeper: '0x1234' is not an address"),
        (local, "oracle.signed.threshold", 2, r"^oracle\.signed\.threshold: 2 of 4 is not a strict majority"),
        (local, "oracle.signed.max_faulty", KeyError, r"^oracle\.signed\.max_faulty: missing; write a whole number"),
        (local, "oracle.signed.max_faulty", 2, r"^oracle\.signed\.threshold: 3 is below 2 \* max_faulty \+ 1 = 5;"),
        (sepolia, "oracle.signed.max_faulty", 0, r"^oracle\.signed\.max_faulty: 0 lets one signer set the price"),
        (local, "oracle.signed.signers", ["test:1", "test:1"], r"^oracle\.signed\.signers: an address repeats"),
        (local, "settlement.withdrawal_delay", 10, r"^settlement\.withdrawal_delay: 10 is below challenge_window"),
        (local, "network", "ethereum", r"^network: 'ethereum'; write ECOSYSTEM:NETWORK"),
        (local, "deployer.private_key", "0xabc", r"^deployer: plaintext keys are refused"),
        (local, "governance.safe.threshold", 4, r"^governance\.safe\.threshold: 4 is above the maximum 3"),
        (sepolia, "vault.keeper", "test:5", r"^vault\.keeper: 'test:5': test accounts exist on local networks only"),
        (sepolia, "chain_id", KeyError, r"^chain_id: missing"),
        (sepolia, "governance.timelock_delay", 60, r"^governance\.timelock_delay: 60 s is below the longest exit"),
        (sepolia, "governance.safe", {"owners": ["0x" + "11" * 20], "threshold": 1}, r"^governance\.safe\.address"),
        (sepolia, "assets.underlying", {"mock": {"name": "W", "symbol": "W", "decimals": 18}}, r"^assets\.underlying"),
        (sepolia, "deployer", {"test_account": 0}, r"^deployer\.test_account: local networks only"),
        (sepolia, "oracle.chainlink", {"mock": {}}, r"^oracle\.chainlink\.mock: local networks only"),
        (local, "oracle.max_expiry_lag", KeyError, r"^oracle\.max_expiry_lag: missing; write a whole number"),
        (local, "oracle.max_expiry_lag", 0, r"^oracle\.max_expiry_lag: 0 is not a whole number >= 1"),
        (local, "oracle.stall_period", 60, r"^oracle\.stall_period: 60 s is below oracle\.source_grace 3600 s;"),
        (sepolia, "oracle.source_grace", 0, r"^oracle\.source_grace: 0 is not a whole number >= 1"),
    ],
)
def test_bad_input_names_the_field_and_the_fix(make, path, value, message):
    with pytest.raises(ConfigError, match=message):
        parse(_break(make(), path, value))


@pytest.mark.parametrize("make", [local, sepolia])
def test_m4_the_config_check_refuses_a_timelock_delay_shorter_than_the_longest_exit(make):
    """M-4: governance must not be faster than a depositor's exit. The bound is 8 days (an epoch's expiry is at most
    a week + 1 day after its roll) + max(the router's source grace, its stall period) + its dispute period + 1 day;
    the old check let local chains use 60 s and testnets two days."""
    raw = make()
    dispute = raw["oracle"]["dispute_period"]
    grace, stall = raw["oracle"]["source_grace"], raw["oracle"]["stall_period"]
    bound = 8 * 86_400 + max(grace, stall) + dispute + 86_400
    assert longest_exit(dispute, grace, stall) == bound
    for short in (60, 172_800, bound - 1):
        raw["governance"]["timelock_delay"] = short
        message = (
            rf"^governance\.timelock_delay: {short} s is below the longest exit {bound} s \(8 days \+"
            rf" max\(oracle\.source_grace {grace}, oracle\.stall_period {stall}\) \+ oracle\.dispute_period"
            rf" {dispute} \+ 1 day\); raise it to at least {bound}$"
        )
        with pytest.raises(ConfigError, match=message):
            parse(raw)
    raw["governance"]["timelock_delay"] = bound
    governance = parse(raw).governance
    assert (governance.timelock_delay, governance.delay_floor) == (bound, bound)  # the floor given to the timelock
    raw["oracle"]["dispute_period"] = dispute + 7_200  # the router's dispute period lengthens the exit
    with pytest.raises(ConfigError, match=rf"below the longest exit {bound + 7_200} s"):
        parse(raw)


@pytest.mark.parametrize("make", [local, sepolia])
def test_f3_the_longest_exit_waits_for_the_routers_stall_period(make):
    """F3 (audit of M-4): with every source halted the router records an expiry only from expiry + STALL_PERIOD, so
    the floor counts max(source_grace, stall_period), not source_grace: a 3-day stall period needs 8 + 3 + 1 days +
    the dispute period. The old check accepted the 8 + 1 days + grace + dispute period it computed."""
    raw = make()
    dispute, grace = raw["oracle"]["dispute_period"], raw["oracle"]["source_grace"]
    raw["oracle"]["stall_period"] = 3 * 86_400
    bound = 12 * 86_400 + dispute
    raw["governance"]["timelock_delay"] = 9 * 86_400 + grace + dispute  # the old bound
    with pytest.raises(ConfigError, match=rf"^governance\.timelock_delay: .* below the longest exit {bound} s"):
        parse(raw)
    raw["governance"]["timelock_delay"] = bound
    assert parse(raw).governance.delay_floor == bound


@pytest.mark.parametrize("stall", [3 * 86_400 + 1, 30 * 86_400])
def test_f3_the_config_check_caps_the_stall_period(stall):
    """F3: every second of STALL_PERIOD is a second of every governance delay, so a config may give at most 3 days;
    the old check took up to 30 (with a timelock delay that did not count it). One line: field, value, fix."""
    raw = sepolia()
    raw["oracle"]["stall_period"] = stall
    raw["governance"]["timelock_delay"] = 60 * 86_400
    message = (
        rf"^oracle\.stall_period: {stall} s is above the most 259200 s \(3 days\): every second of it lengthens the"
        r" longest exit and so the timelock delay; lower it to at most 259200$"
    )
    with pytest.raises(ConfigError, match=message) as refused:
        parse(raw)
    assert "\n" not in str(refused.value)


def test_m4_checked_in_configs_give_the_timelock_the_longest_exit_in_whole_days():
    for path in sorted(CONFIGS.glob("*.yaml")):
        governance = load(path).governance
        days = -(-governance.delay_floor // 86_400)
        assert governance.timelock_delay == max(864_000, days * 86_400), path.name


AUCTION_TERMS = [
    (
        "vault.reserve_discount_bps",
        2_001,
        r"^vault\.reserve_discount_bps: 2001 is above the vault's maximum 2000 \(a reserve below 80% of the pricer's"
        r" value\); lower it to at most 2000$",
    ),
    ("vault.reserve_discount_bps", -1, r"^vault\.reserve_discount_bps: -1 is not a whole number >= 0$"),
    ("vault.reserve_discount_bps", KeyError, r"^vault\.reserve_discount_bps: missing; write a whole number$"),
    ("vault.auction_duration", 0, r"^vault\.auction_duration: 0 is not a whole number >= 1$"),
    ("vault.auction_duration", "1h", r"^vault\.auction_duration: '1h' is not a whole number >= 1$"),
    (
        "vault.auction_duration",
        43_201,
        r"^vault\.auction_duration: 43201 s is above the vault's maximum 43200 s \(12 hours: every auction must end"
        r" before its series' expiry\); lower it to at most 43200$",
    ),
    (
        "vault.min_bid_bps",
        39,
        r"^vault\.min_bid_bps: 39 times auction\.max_bids 256 is below 10000, so bids filling the cap could leave the"
        r" supply unsold; raise it to at least 40 or raise auction\.max_bids to at least 257$",
    ),
    ("vault.min_bid_bps", 10_001, r"^vault\.min_bid_bps: 10001 is above the maximum 10000$"),
    ("vault.min_bid_bps", 0, r"^vault\.min_bid_bps: 0 is not a whole number >= 1$"),
    (
        "auction.max_bids",
        99,  # 100 bps of the supply per bid times 99 bids < the supply
        r"^vault\.min_bid_bps: 100 times auction\.max_bids 99 is below 10000, .* raise it to at least 102 or raise"
        r" auction\.max_bids to at least 100$",
    ),
    (
        "auction.max_bids",
        0,
        r"^auction\.max_bids: 0 is not a whole number in 1\.\.65535 \(BatchAuction's bid cap\); write e\.g\. 256$",
    ),
    ("auction.max_bids", 65_536, r"^auction\.max_bids: 65536 is not a whole number in 1\.\.65535"),
    ("auction.max_bids", "256", r"^auction\.max_bids: '256' is not a whole number in 1\.\.65535"),
    ("auction.bid_cap", 256, r"^auction\.bid_cap: unknown key; use only max_bids$"),
    ("auction", [256], r"^auction: missing or not a mapping"),
]


@pytest.mark.parametrize("make", [local, sepolia])
@pytest.mark.parametrize(("path", "value", "message"), AUCTION_TERMS)
def test_auction_terms_are_checked_as_the_vault_checks_them_in_one_line(make, path, value, message):
    """The vault refuses these in set_parameters (InvalidConfig) and BatchAuction in its constructor: the config check
    refuses them before any transaction, in one line naming the field, the value and the fix."""
    with pytest.raises(ConfigError, match=message) as refused:
        parse(_break(make(), path, value))
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("make", [local, sepolia])
def test_the_shipped_configs_give_the_vault_its_auction_terms(make):
    config = parse(make())
    assert (config.vault.reserve_discount_bps, config.vault.auction_duration, config.vault.min_bid_bps) == (
        1_000,
        3_600,
        100,
    )
    assert config.auction.max_bids == 256
    assert config.vault.min_bid_bps * config.auction.max_bids >= 10_000


def test_the_auction_section_is_optional_and_its_bid_cap_defaults_to_256():
    raw = local()
    del raw["auction"]
    assert parse(raw).auction.max_bids == 256
    raw["vault"]["min_bid_bps"] = 39  # 39 * 256 < 10,000: checked against the default cap too
    with pytest.raises(ConfigError, match=r"^vault\.min_bid_bps: 39 times auction\.max_bids 256 is below 10000"):
        parse(raw)
    raw["vault"]["min_bid_bps"] = 1
    raw["auction"] = {"max_bids": 10_000}  # one basis point per bid needs a cap of 10,000 bids
    assert (parse(raw).vault.min_bid_bps, parse(raw).auction.max_bids) == (1, 10_000)


@pytest.mark.parametrize("key", ["buyer", "premium"])
def test_the_buyer_and_premium_of_the_pre_auction_vault_are_refused_not_ignored(key):
    """A config written for the vault that sold to a governance-set buyer at a premium floor must not deploy a vault
    whose sales the operator did not configure: the old keys stop the run, and say what replaced them."""
    raw = local()
    raw["vault"][key] = "test:4" if key == "buyer" else "0.01"
    message = (
        rf"^vault\.{key}: no longer a setting: the vault sells each epoch's options by batch auction; delete it and"
        r" set vault\.reserve_discount_bps, vault\.auction_duration and vault\.min_bid_bps$"
    )
    with pytest.raises(ConfigError, match=message):
        parse(raw)


def test_an_unknown_vault_key_is_refused():
    raw = local()
    raw["vault"]["reserve_discount"] = 1_000  # a typo of reserve_discount_bps must not be ignored
    with pytest.raises(
        ConfigError,
        match=r"^vault\.reserve_discount: unknown key; did you mean reserve_discount_bps\? use only auction_duration,",
    ):
        parse(raw)


def test_the_pricer_needs_the_vol_feed_whichever_strike_selector():
    """DeltaStrikeSelector prices every auction's reserve, so the implied-vol feed is required with the percent
    selector too."""
    raw = local()
    raw["vault"]["strike_selector"] = "percent"
    assert parse(raw).vault.strike_selector == "percent"
    del raw["oracle"]["volatility"]
    with pytest.raises(ConfigError, match=r"^oracle\.volatility: missing; the vault's pricer \(DeltaStrikeSelector"):
        parse(raw)


def test_the_ledgers_cash_is_the_strike_asset_unless_the_config_says_underlying():
    raw = local()
    assert parse(raw).settlement.cash == "underlying"  # the local ledger is coin-margined (the demo bids from it)
    del raw["settlement"]["cash"]
    assert parse(raw).settlement.cash == "strike_asset"
    raw["settlement"]["cash"] = "WETH"
    with pytest.raises(
        ConfigError, match=r"^settlement\.cash: 'WETH' is not an asset of the market; write strike_asset"
    ):
        parse(raw)


def test_an_unknown_settlement_key_is_refused():
    raw = local()
    raw["settlement"]["withdraw_delay"] = 3_600  # a typo of withdrawal_delay must not be ignored
    with pytest.raises(
        ConfigError,
        match=r"^settlement\.withdraw_delay: unknown key; did you mean withdrawal_delay\? use only bond, cash,",
    ):
        parse(raw)


def test_an_address_failing_its_checksum_is_refused_naming_the_field():
    """EIP-55: a mixed-case address is a checksum; one wrong letter case means a typo or a corrupted copy."""
    raw = local()
    raw["settlement"]["treasury"] = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"  # EIP-55's own example: valid
    assert parse(raw).settlement.treasury.spec == "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    raw["settlement"]["treasury"] = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"  # the last letter's case flipped
    with pytest.raises(ConfigError, match=r"^settlement\.treasury: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD' fails"
                       r" its EIP-55 checksum"):  # fmt: skip
        parse(raw)
    raw["settlement"]["treasury"] = "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"  # lower case: no checksum to check
    assert parse(raw).settlement.treasury.spec == "0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed"


def test_an_unquoted_address_read_as_a_number_says_quote_it():
    raw = local()
    raw["settlement"]["treasury"] = 0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED  # what YAML makes of 0x... unquoted
    with pytest.raises(ConfigError, match=r"^settlement\.treasury: \d+ is a number: YAML reads an unquoted 0x\.\.\."
                       r" as an integer; quote the address"):  # fmt: skip
        parse(raw)


def test_a_test_account_beyond_the_local_networks_is_named():
    from strikeforge.deploy.config import AddressRef

    ten = [type("Account", (), {"address": f"0x{i:040x}"})() for i in range(10)]
    assert AddressRef("test:9").resolve(ten) == "0x" + "0" * 39 + "9"
    with pytest.raises(ConfigError, match=r"^test:99: the local network has 10 test accounts \(test:0 to test:9\);"):
        AddressRef("test:99").resolve(ten)


def test_unknown_section_is_refused():
    raw = local() | {"vaults": {}}
    with pytest.raises(ConfigError, match=r"^vaults: unknown section"):
        parse(raw)


def test_missing_or_malformed_file_is_named(tmp_path):
    with pytest.raises(ConfigError, match=r"no such file; copy deployments/config/ethereum-local\.yaml"):
        load(tmp_path / "ethereum-nowhere.yaml")
    broken = tmp_path / "ethereum-local.yaml"
    broken.write_text("network: [unclosed\n")
    with pytest.raises(ConfigError, match=r"ethereum-local\.yaml: not valid YAML"):
        load(broken)


def test_env_addresses_resolve_from_the_environment(monkeypatch):
    config = load(CONFIGS / "ethereum-sepolia.yaml")
    safe = config.governance.safe.address
    monkeypatch.delenv("STRIKEFORGE_SEPOLIA_SAFE", raising=False)
    with pytest.raises(ConfigError, match="STRIKEFORGE_SEPOLIA_SAFE is not set; export the address"):
        safe.resolve()
    monkeypatch.setenv("STRIKEFORGE_SEPOLIA_SAFE", "0x" + "ab" * 20)
    assert safe.resolve() == "0x" + "ab" * 20


def test_the_source_grace_covers_the_committees_max_age():
    """Re-audit: the signed oracle's latest round at expiry is provable only from expiry + MAX_AGE (unless a later
    round lands), so a grace shorter than it would let a recorder settle on the other source alone. One line."""
    raw = sepolia()
    raw["oracle"]["source_grace"] = raw["oracle"]["signed"]["max_age"] - 1
    with pytest.raises(ConfigError, match=r"^oracle\.source_grace: \d+ s is below oracle\.signed\.max_age") as refused:
        parse(raw)
    assert "\n" not in str(refused.value)


def _sections(raw: dict, path: tuple[str, ...] = ()):
    """Every mapping in a config with its dotted path."""
    for key, value in raw.items():
        if isinstance(value, dict):
            yield (*path, key), value
            yield from _sections(value, (*path, key))


LOCAL_SECTIONS = [
    ".".join(path) for path, _ in _sections(yaml.safe_load(CONFIGS.joinpath("ethereum-local.yaml").read_text()))
]


@pytest.mark.parametrize("section", LOCAL_SECTIONS)
def test_a_misspelt_key_in_any_section_is_refused_naming_its_path_and_the_closest_key(section):
    raw = local()
    target = raw
    for key in section.split("."):
        target = target[key]
    known = sorted(target)
    typo = known[0][:-1] + ("q" if known[0].endswith("x") else "x")  # one letter off the first key
    target[typo] = target[known[0]]
    with pytest.raises(ConfigError) as error:
        parse(raw)
    assert str(error.value).startswith(f"{section}.{typo}: unknown key; did you mean {known[0]}? use only ")


@pytest.mark.parametrize("key", ["threshold", "max_faulty"])
def test_a_volatility_committee_setting_without_its_signers_is_refused_not_ignored(key):
    """Review: oracle.volatility inherits signers, threshold and max_faulty from oracle.signed when it lists no
    signers, and then its own threshold or max_faulty was silently dropped (the feed ran with oracle.signed's)."""
    raw = local()
    raw["oracle"]["volatility"][key] = 1
    with pytest.raises(ConfigError, match=rf"^oracle\.volatility\.{key}: given without oracle\.volatility\.signers"):
        parse(raw)


@pytest.mark.parametrize(
    ("section", "extra", "message"),
    [
        ("governance.safe", {"address": "0x" + "12" * 20}, r"^governance\.safe\.owners: given with address"),
        ("assets.underlying", {"address": "0x" + "12" * 20}, r"^assets\.underlying\.address: given with mock"),
        ("oracle.chainlink", {"feed": "0x" + "12" * 20}, r"^oracle\.chainlink\.feed: given with mock"),
    ],
)
def test_a_section_given_both_of_its_alternatives_is_refused_not_half_ignored(section, extra, message):
    """Review: a Safe's address beside owners and threshold, or an address (a feed) beside a mock, took one and
    silently dropped the other (an operator's owners and threshold were never checked against the Safe)."""
    raw = local()
    target = raw
    for key in section.split("."):
        target = target[key]
    target.update(extra)
    with pytest.raises(ConfigError, match=message):
        parse(raw)
