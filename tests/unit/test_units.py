"""Display of token amounts: exact, truncated toward zero, no floats."""

from __future__ import annotations

from decimal import Context

import pytest
from hypothesis import given
from hypothesis import strategies as st

from strikeforge.units import format_units, to_decimal


def test_eighteen_decimals():
    assert format_units(1_234_567 * 10**18 + 10**16, 18) == "1,234,567.01"


def test_truncates_instead_of_rounding_up():
    assert format_units(19_999, 4) == "1.99"


def test_six_decimal_token():
    assert format_units(250_000_000, 6) == "250.00"


def test_negative_decimals_are_refused():
    with pytest.raises(ValueError, match="decimals must be >= 0"):
        to_decimal(1, -1)


@given(amount=st.integers(min_value=0, max_value=2**256 - 1), decimals=st.integers(min_value=0, max_value=36))
def test_to_decimal_is_exact(amount, decimals):
    # Scale back in a context wide enough for 2**256 (78 digits); Decimal compares with int exactly.
    assert to_decimal(amount, decimals).scaleb(decimals, context=Context(prec=100)) == amount
