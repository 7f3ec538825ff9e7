"""The fast order and cancel signature check (signatures.py) against eth-account's typed-data path (orders.py)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from eth_account.messages import _hash_eip191_message, encode_typed_data
from hypothesis import given, settings
from hypothesis import strategies as st

from strikeforge.settlement.orders import OrderError, check_signed
from strikeforge.settlement.signatures import cancel_digest, check_cancel, check_order, domain_separator, order_digest
from tests.settlement.fakes import CHAIN_ID, KEYS, LEDGER, cancel, order

UINT = st.integers(min_value=0, max_value=2**256 - 1)


def _slow(typed: dict) -> bytes:
    return _hash_eip191_message(encode_typed_data(full_message=typed))


@settings(max_examples=50, deadline=None)
@given(series=UINT, buy=st.booleans(), size=UINT, price=UINT, nonce=UINT, expiry=UINT, chain=st.integers(1, 2**64))
def test_order_digests_equal_eth_accounts(series, buy, size, price, nonce, expiry, chain):
    unsigned = replace(order(KEYS[0], 1, True, 1, 1, 1), series=series, buy=buy, size=size, price=price)
    unsigned = replace(unsigned, nonce=nonce, expiry=expiry)
    assert order_digest(domain_separator(chain, LEDGER), unsigned) == _slow(unsigned.typed_data(chain, LEDGER))
    signed = cancel(KEYS[1], nonce)
    assert cancel_digest(domain_separator(chain, LEDGER), signed) == _slow(signed.typed_data(chain, LEDGER))


def _outcome(check, *args) -> str:
    try:
        check(*args)
    except OrderError as exc:
        return str(exc)
    return "ok"


@settings(max_examples=200, deadline=None)
@given(position=st.integers(0, 64), value=st.integers(0, 255), key=st.sampled_from(KEYS[:3]))
def test_a_tampered_signature_is_judged_as_eth_account_judges_it(position, value, key):
    """Any byte of the signature changed (v included: 0, 1, 27, 28, 35+ and the rest), and an order signed by another
    key: the fast check accepts and refuses exactly what eth-account does, with the same words."""
    signed = order(key, 1, True, 10**18, 100, 7)
    tampered = bytearray(signed.signature)
    tampered[position] = value
    for candidate in (replace(signed, signature=bytes(tampered)), replace(signed, account=KEYS[5].address.lower())):
        slow = _outcome(
            check_signed, candidate.account, candidate.typed_data(CHAIN_ID, LEDGER), candidate.signature, "Order"
        )
        assert _outcome(check_order, candidate, CHAIN_ID, LEDGER) == slow


def test_cancels_and_missing_signatures():
    signed = cancel(KEYS[2], 3)
    check_cancel(signed, CHAIN_ID, LEDGER)
    with pytest.raises(OrderError, match=r"^signature: signed by 0x"):
        check_cancel(replace(signed, nonce=4), CHAIN_ID, LEDGER)
    with pytest.raises(OrderError, match=r"^signature: missing; sign the EIP-712 Order"):
        check_order(replace(order(KEYS[0], 1, True, 1, 1, 1), signature=b""), CHAIN_ID, LEDGER)
    with pytest.raises(OrderError, match=r"^signature: signed by 0x"):  # another ledger's domain
        check_order(order(KEYS[0], 1, True, 1, 1, 1), CHAIN_ID, "0x" + "11" * 20)


@pytest.mark.parametrize("base", [0, 27, 35, 99, 253])
def test_every_v_eth_account_takes_is_checked_without_it(base, monkeypatch):
    """eth-account reads v as 27/28, 0/1 or EIP-155's 35 + 2k + parity; all of them take the fast path (eth-account's
    typed-data path costs ~6 times as much CPU on the server's event loop: any client could make its orders slow)."""
    signed = order(KEYS[0], 1, True, 1, 1, 1)
    candidate = replace(signed, signature=signed.signature[:64] + bytes((base + signed.signature[64] - 27,)))
    slow = _outcome(
        check_signed, candidate.account, candidate.typed_data(CHAIN_ID, LEDGER), candidate.signature, "Order"
    )
    assert slow == "ok"
    monkeypatch.setattr("strikeforge.settlement.signatures.check_signed", _no_slow_path)
    assert _outcome(check_order, candidate, CHAIN_ID, LEDGER) == "ok"


def _no_slow_path(*args: object) -> None:
    raise AssertionError("eth-account's path was taken")
