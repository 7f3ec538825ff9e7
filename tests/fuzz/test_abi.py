"""The engine's direct word codec agrees with eth_abi, and is as strict."""

from __future__ import annotations

import pytest
from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address
from hypothesis import given
from hypothesis import strategies as st

from strikeforge.fuzz.abi import Function


def _fn(inputs: tuple[str, ...], outputs: tuple[str, ...] = ()) -> Function:
    signature = f"f({','.join(inputs)})"
    return Function("f", signature, keccak(text=signature)[:4], inputs, outputs, False, False)


addresses = st.binary(min_size=20, max_size=20).map(to_checksum_address)


@given(a=st.integers(0, 2**256 - 1), b=st.integers(-(2**127), 2**127 - 1), c=addresses, d=st.booleans())
def test_static_words_encode_exactly_as_eth_abi(a, b, c, d):
    fn = _fn(("uint256", "int128", "address", "bool"))
    assert fn._encoders is not None  # the direct path is the one under test
    assert fn.encode((a, b, c, d)) == fn.selector + encode(["uint256", "int128", "address", "bool"], [a, b, c, d])


@given(a=st.integers(0, 2**256 - 1), b=st.integers(-(2**255), 2**255 - 1), c=addresses, d=st.booleans())
def test_static_words_decode_exactly_as_eth_abi(a, b, c, d):
    kinds = ("uint256", "int256", "address", "bool")
    fn = _fn((), kinds)
    data = encode(list(kinds), [a, b, c, d])
    expected = decode(list(kinds), data)
    assert fn.decode(data) == (expected[0], expected[1], to_checksum_address(expected[2]), expected[3])


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        ("uint8", 256),
        ("uint256", -1),
        ("int8", 128),
        ("int8", -129),
        ("bool", 1),
        ("address", "0x1234"),
        ("uint256", 1.0),
    ],
)
def test_out_of_range_values_are_refused_not_truncated(kind, value):
    with pytest.raises(TypeError, match=r"f\("):
        _fn((kind,)).encode((value,))


def test_dynamic_types_still_go_through_eth_abi():
    fn = _fn(("string", "uint256[]"), ("string",))
    assert fn._encoders is None
    assert fn.encode(("hi", [1, 2])) == fn.selector + encode(["string", "uint256[]"], ["hi", [1, 2]])
    assert fn.decode(encode(["string"], ["back"])) == "back"
