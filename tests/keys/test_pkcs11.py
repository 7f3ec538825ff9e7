"""The PKCS#11 signer against a real SoftHSM2 token: the key never leaves the token, its signatures recover to its
address and are low-s, its transactions are mined, an oracle round is signed and sent with it, and every
misconfiguration is one line naming the problem and the fix."""

from __future__ import annotations

import ast
import inspect
import os

import pkcs11
import pytest
from click.testing import CliRunner
from eth_account import Account
from eth_account.messages import encode_defunct, encode_typed_data
from eth_keys import keys as eth_keys
from pkcs11 import Attribute, ObjectClass

import strikeforge.keys.ape_account
import strikeforge.keys.cli
import strikeforge.keys.pkcs11
from strikeforge.accounts import AccountError, sending_account
from strikeforge.cli import main
from strikeforge.keys.ape_account import Pkcs11Account
from strikeforge.keys.pkcs11 import LIB_ENV, SECP256K1_N, TOKEN_ENV, Pkcs11Key
from strikeforge.oracle.config import ConfigError, SignerConfig, parse
from strikeforge.oracle.report import Domain, PriceReport, digest, typed_data
from strikeforge.oracle.runner import build_node
from strikeforge.oracle.signing import SignerError, load
from tests.keys.conftest import KEY, PIN, PIN_ENV, TOKEN
from tests.oracle_node.conftest import PASSWORD_ENV, signer_keys

USD = 10**18
DOMAIN = Domain(1, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
REPORT = PriceReport("0x" + "11" * 20, "0x" + "22" * 20, 3_000 * USD, 1_900_000_000)


def _account() -> Pkcs11Account:
    return sending_account(f"pkcs11:{KEY}", None, alias_setting="--account", test_setting="--test-account")


def test_the_private_key_is_sensitive_and_cannot_be_read(softhsm, hsm_address):
    token = pkcs11.lib(softhsm.lib).get_token(token_label=TOKEN)
    with token.open(user_pin=PIN) as session:
        private = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label=KEY)
        assert private[Attribute.EXTRACTABLE] is False and private[Attribute.NEVER_EXTRACTABLE] is True
        assert private[Attribute.SENSITIVE] is True and private[Attribute.ALWAYS_SENSITIVE] is True
        assert private[Attribute.TOKEN] is True and private[Attribute.LABEL] == KEY
        with pytest.raises(pkcs11.exceptions.AttributeSensitive):
            private[Attribute.VALUE]


def test_no_code_path_reads_wraps_or_exports_the_private_key():
    """No attribute read of CKA_VALUE, no key wrapping, no function that exports, in the signer's code."""
    for module in (strikeforge.keys.pkcs11, strikeforge.keys.ape_account, strikeforge.keys.cli):
        nodes = list(ast.walk(ast.parse(inspect.getsource(module))))
        names = {n.attr for n in nodes if isinstance(n, ast.Attribute)}
        names |= {n.name for n in nodes if isinstance(n, ast.FunctionDef | ast.ClassDef)}
        assert not names & {"VALUE", "wrap_key", "private_key"}, module.__name__
        assert not [name for name in names if "export" in name.lower()], module.__name__


def test_an_eip712_report_signed_in_the_token_recovers_to_its_address(hsm_address):
    signer = load(SignerConfig(ape_account=f"pkcs11:{KEY}"))
    signature = signer.sign_report(DOMAIN, REPORT)
    message = encode_typed_data(full_message=typed_data(DOMAIN, REPORT))
    assert signer.address == hsm_address
    assert Account.recover_message(message, signature=signature) == hsm_address
    v, r, s = Pkcs11Key.from_env(KEY).sign_digest(digest(DOMAIN, REPORT))
    recovered = eth_keys.Signature(vrs=(v, r, s)).recover_public_key_from_msg_hash(digest(DOMAIN, REPORT))
    assert recovered.to_checksum_address() == hsm_address


def test_an_eip191_message_signed_by_the_account_recovers_to_its_address(hsm_address):
    account = _account()
    signature = account.sign_message("strikeforge keeper heartbeat")
    assert signature.v in (27, 28)
    message = encode_defunct(text="strikeforge keeper heartbeat")
    assert Account.recover_message(message, signature=signature.encode_rsv()) == hsm_address
    assert account.check_signature("strikeforge keeper heartbeat", signature)


def test_signatures_are_low_s_with_the_recovery_id_that_recovers_the_address(hsm_address):
    key = Pkcs11Key.from_env(KEY)
    for _ in range(32):  # about half of the token's own signatures have a high s
        message_hash = os.urandom(32)
        v, r, s = key.sign_digest(message_hash)
        assert 0 < s <= SECP256K1_N // 2 and v in (0, 1)
        recovered = eth_keys.Signature(vrs=(v, r, s)).recover_public_key_from_msg_hash(message_hash)
        assert recovered.to_checksum_address() == hsm_address


def test_a_lost_token_session_is_logged_in_again(hsm_address):
    """A long-running service outlives its session (an HSM restart, a dropped connection to a network HSM)."""
    key = Pkcs11Key.from_env(KEY)
    key.sign_digest(bytes(32))
    for session in list(strikeforge.keys.pkcs11._SESSIONS.values()):
        session.close()  # behind the key's back: its cached handles are now invalid
    message_hash = b"\x01" * 32
    recovered = eth_keys.Signature(vrs=key.sign_digest(message_hash)).recover_public_key_from_msg_hash(message_hash)
    assert recovered.to_checksum_address() == hsm_address


@pytest.mark.parametrize("tx_type", [0, 2], ids=["legacy-eip155", "eip1559"])
def test_a_transaction_signed_in_the_token_is_mined_from_its_address(accounts, hsm_address, tx_type):
    account = _account()
    accounts[0].transfer(account, 10**18)
    before = accounts[1].balance
    receipt = account.transfer(accounts[1], 12_345, type=tx_type)
    assert not receipt.failed and receipt.sender == hsm_address
    assert accounts[1].balance == before + 12_345 and account.nonce == 1


def test_an_oracle_round_is_signed_and_published_with_the_hsm_key(
    project, deployer, weth, usdc, chain, price_server, keystores, tmp_path, hsm_address
):
    """The node's first signer and its publisher are the HSM key, a registered committee member."""
    members = [hsm_address, *(k.address for k in signer_keys(3))]
    oracle = project.SignedPriceOracle.deploy(
        weth, usdc, 600, 15, 10**18, 10**24, members, 3, 1, deployer, sender=deployer
    )
    deployer.transfer(hsm_address, 10**18)
    urls = {name: price_server.serve_price(f"/{name}", "3000") for name in ("a", "b", "c")}
    raw = {
        "node": {"state": "state.sqlite", "poll_interval": "1"},
        "signers": [
            {"ape_account": f"pkcs11:{KEY}"},
            *({"keystore": p.name, "password_env": PASSWORD_ENV} for p in keystores[:2]),
        ],
        "publisher": {"ape_account": f"pkcs11:{KEY}", "gas_price_cap_gwei": "1000"},
        "feeds": [
            {
                "name": "ETH/USD",
                "oracle": str(oracle.address),
                "sources": [
                    {"type": "http", "name": name, "url": url, "path": "data.price", "timeout": "1"}
                    for name, url in urls.items()
                ],
            }
        ],
    }
    node, state = build_node(parse(raw, tmp_path), clock=lambda: chain.pending_timestamp, sleep=lambda _: None)
    try:
        (outcome,) = node.tick()
    finally:
        state.close()
    assert (outcome.action, outcome.detail) == ("published", "first round")
    assert oracle.latest_price() == 3_000 * USD
    assert chain.get_receipt(outcome.tx_hash).sender == hsm_address


def test_sending_account_resolves_a_pkcs11_alias_to_the_token_key(hsm_address):
    account = _account()
    assert isinstance(account, Pkcs11Account)
    assert (account.alias, account.address) == (f"pkcs11:{KEY}", hsm_address)
    assert not hasattr(account, "private_key") and repr(account) == f"<Pkcs11Account pkcs11:{KEY}>"


def _one_line(message: str) -> str:
    assert "\n" not in message.strip() and "Traceback" not in message, message
    return message


def test_a_wrong_pin_is_one_line_naming_the_variable(hsm_address, monkeypatch):
    monkeypatch.setenv(PIN_ENV, "99999999")
    with pytest.raises(AccountError) as error:
        _account()
    message = _one_line(str(error.value))
    assert f"token {TOKEN!r}: wrong PIN in {PIN_ENV}" in message and "99999999" not in message
    with pytest.raises(SignerError, match=f"wrong PIN in {PIN_ENV}"):  # the oracle's signer says the same
        load(SignerConfig(ape_account=f"pkcs11:{KEY}"))


def test_a_missing_token_is_one_line_naming_the_fix(hsm_address, monkeypatch):
    monkeypatch.setenv(TOKEN_ENV, "no-such-token")
    with pytest.raises(AccountError) as error:
        _account()
    message = _one_line(str(error.value))
    assert message.startswith(f"no token labelled 'no-such-token' in {os.environ[LIB_ENV]} (tokens: {TOKEN})")
    assert f"set {TOKEN_ENV}" in message and "softhsm2-util --init-token --free --label no-such-token" in message


def test_a_missing_library_is_one_line_naming_the_fix(monkeypatch, tmp_path):
    monkeypatch.setenv(LIB_ENV, str(tmp_path / "libnothing.so"))
    with pytest.raises(AccountError) as error:
        _account()
    assert _one_line(str(error.value)) == (
        f"PKCS#11 library {tmp_path / 'libnothing.so'} not found: install softhsm2 (make install) or set {LIB_ENV}"
        " to your HSM's PKCS#11 module (.so)"
    )


def test_a_missing_key_label_is_one_line_naming_the_fix(hsm_address):
    with pytest.raises(AccountError) as error:
        sending_account("pkcs11:absent", None, alias_setting="--account", test_setting="--test-account")
    message = _one_line(str(error.value))
    assert message.startswith(f"no key labelled 'absent' (private and public) on token {TOKEN!r}")
    assert "strikeforge keys pkcs11 generate --label absent" in message


def test_the_cli_generates_a_key_prints_its_address_and_never_overwrites_it(hsm_address):
    runner = CliRunner()
    generated = runner.invoke(main, ["keys", "pkcs11", "generate", "--label", "cli-key"])
    assert generated.exit_code == 0, generated.output
    address = generated.output.strip()
    assert address.startswith("0x") and len(address) == 42 and address != hsm_address
    shown = runner.invoke(main, ["keys", "pkcs11", "address", "--label", "cli-key"])
    assert (shown.exit_code, shown.output.strip()) == (0, address)
    again = runner.invoke(main, ["keys", "pkcs11", "generate", "--label", "cli-key"])
    assert again.exit_code == 1
    assert _one_line(again.output).startswith(f"Error: token {TOKEN!r} already holds a key labelled 'cli-key'")
    assert runner.invoke(main, ["keys", "pkcs11", "address", "--label", "cli-key"]).output.strip() == address


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        (PIN_ENV, "99999999", f"token {TOKEN!r}: wrong PIN in STRIKEFORGE_PKCS11_PIN"),
        (TOKEN_ENV, "absent", "no token labelled 'absent'"),
        (LIB_ENV, "/nonexistent/libpkcs11.so", "PKCS#11 library /nonexistent/libpkcs11.so not found"),
        (None, None, "no key labelled 'absent-key'"),
    ],
    ids=["wrong-pin", "missing-token", "missing-library", "missing-key"],
)
def test_the_cli_reports_each_problem_in_one_line(hsm_address, monkeypatch, variable, value, expected):
    if variable:
        monkeypatch.setenv(variable, value)
    result = CliRunner().invoke(main, ["keys", "pkcs11", "address", "--label", "absent-key" if not variable else KEY])
    assert result.exit_code == 1
    assert _one_line(result.output).startswith(f"Error: {expected}")


def test_an_oracle_config_takes_a_pkcs11_signer_and_refuses_a_password_for_it(tmp_path):
    sources = [{"type": "http", "name": n, "url": f"https://{n}.example/p", "path": "price"} for n in ("a", "b")]
    base = {"publisher": {"test_account": 1}, "feeds": [{"name": "X", "oracle": "0x" + "11" * 20, "sources": sources}]}
    config = parse({**base, "signers": [{"ape_account": "pkcs11:k"}]}, tmp_path)
    assert config.signers == (SignerConfig(ape_account="pkcs11:k"),)
    with pytest.raises(ConfigError, match=r"signers\[0\]\.password_env: does not apply to pkcs11:k"):
        parse({**base, "signers": [{"ape_account": "pkcs11:k", "password_env": "P"}]}, tmp_path)
