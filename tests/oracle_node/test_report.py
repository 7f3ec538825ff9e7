"""EIP-712 price reports: our digest equals eth-account's and ethers' (npm), and so do the signatures."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from eth_account import Account
from eth_account.messages import _hash_eip191_message, encode_typed_data
from hypothesis import given, settings
from hypothesis import strategies as st

from strikeforge.oracle.report import Domain, PriceReport, digest, typed_data
from tests.oracle_node.conftest import signer_keys

HERE = Path(__file__).parent
addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())


def _ethers(typed: dict, key: bytes) -> dict:
    node = shutil.which("node")
    assert node, "Node.js is required (make install)"
    # JSON numbers above 2**53 lose precision in JavaScript: integers go as decimal strings, which ethers accepts.
    as_strings = json.loads(json.dumps(typed), parse_int=str)
    result = subprocess.run(
        [node, str(HERE / "ethers_eip712.js")],
        input=json.dumps({"typedData": as_strings, "key": "0x" + key.hex()}),
        capture_output=True,
        text=True,
        timeout=60,
        cwd=HERE,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@given(
    chain_id=st.integers(1, 2**64),
    contract=addresses,
    base=addresses,
    quote=addresses,
    price=st.integers(1, 2**256 - 1),
    timestamp=st.integers(1, 2**64),
)
def test_digest_matches_eth_account(chain_id, contract, base, quote, price, timestamp):
    domain, report = Domain(chain_id, contract), PriceReport(base, quote, price, timestamp)
    message = encode_typed_data(full_message=typed_data(domain, report))
    assert digest(domain, report) == _hash_eip191_message(message)


@pytest.mark.parametrize(
    ("chain_id", "price", "timestamp"),
    [(1, 3_000 * 10**18, 1_900_000_000), (42_161, 1, 1), (11_155_111, 2**256 - 1, 2**64)],
)
def test_digest_and_signature_match_ethers(chain_id, price, timestamp):
    key = signer_keys(1)[0].key
    domain = Domain(chain_id, "0x5FbDB2315678afecb367f032d93F642f64180aa3")
    report = PriceReport(
        "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2", "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", price, timestamp
    )
    typed = typed_data(domain, report)
    ethers = _ethers(typed, bytes(key))
    ours = Account.sign_message(encode_typed_data(full_message=typed), key)
    assert ethers["digest"] == "0x" + digest(domain, report).hex()
    assert ethers["signature"] == "0x" + bytes(ours.signature).hex()  # RFC 6979: same key, same digest, same bytes


@settings(max_examples=20)
@given(price=st.integers(-(2**255), 0))
def test_a_non_positive_price_cannot_become_a_report(price):
    with pytest.raises(ValueError, match="price"):
        PriceReport("0x" + "11" * 20, "0x" + "22" * 20, price, 1)
