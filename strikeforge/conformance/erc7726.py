"""ERC-7726 common quote oracles (https://eips.ethereum.org/EIPS/eip-7726): getQuote's rounding, both directions of
each pair, unsupported pairs and overflow.

Pairs come from the subject's `pairs` option ([(base, quote), ...], each tested in both directions), or from the
contract's BASE()/QUOTE() views (one-pair adapters). `OracleUntrustedData` (data outside the oracle's published
confidence) is not tested: reaching it needs each oracle's own way of going stale or uncertain.
"""

from __future__ import annotations

from hypothesis import strategies as st

from strikeforge.conformance.core import (
    MUST,
    ConformanceError,
    Subject,
    attempt,
    checksum,
    custom_error,
    prop,
    require,
)

SUITE = "erc7726"
MAX = 2**256 - 1
UNSUPPORTED = "OracleUnsupportedPair(address,address)"
ADDRESS = st.integers(1, 2**160 - 1).map(lambda n: checksum("0x" + n.to_bytes(20, "big").hex()))


def pairs(s: Subject) -> list[tuple[str, str]]:
    """Every (base, quote) direction to test."""
    if "pairs" not in s.options or not s.options["pairs"]:
        base, quote = _view(s, "BASE"), _view(s, "QUOTE")
        if base is None or quote is None:
            raise ConformanceError(
                f"--address {s.address}: no --pair given and the contract has no BASE()/QUOTE() views to find its"
                " pair; give --pair BASE:QUOTE (addresses), once per pair"
            )
        s.options["pairs"] = [(base, quote)]
    found = []
    for base, quote in s.options["pairs"]:
        found += [(checksum(base), checksum(quote)), (checksum(quote), checksum(base))]
    return list(dict.fromkeys(found))


def _view(s: Subject, name: str) -> str | None:
    from ape.contracts import ContractInstance
    from ethpm_types import ContractType

    from strikeforge.conformance.abi import human_abi

    abi = human_abi([f"function {name}() view returns (address)"])
    contract = ContractInstance(s.address, ContractType(abi=abi, contractName="Pair"))
    call = attempt(getattr(contract, name))
    return None if call.reverted else checksum(call.value)


def _quote(s: Subject, amount: int, base: str, quote: str) -> int:
    call = attempt(s.contract.getQuote, amount, base, quote)
    require(not call.reverted, f"getQuote({amount}, {base}, {quote}) reverted ({call.message}) on a served pair")
    return int(call.value)


@prop(
    SUITE,
    "rounding",
    "ERC-7726",
    "Methods getQuote",
    MUST,
    "getQuote answers every served pair in both directions, 0 for 0, never less for more, and 'MUST round down"
    " towards 0': as the floor of a linear value, q(a) + q(b) <= q(a + b) <= q(a) + q(b) + 1",
)
def rounding(s: Subject) -> str:
    served = pairs(s)

    def body(drawn: tuple[int, int, int]) -> None:
        a, b, at = drawn
        base, quote = served[at % len(served)]
        require(_quote(s, 0, base, quote) == 0, f"getQuote(0, {base}, {quote}) is not 0")
        qa, qb, qab = _quote(s, a, base, quote), _quote(s, b, base, quote), _quote(s, a + b, base, quote)
        require(qa <= qab and qb <= qab, f"getQuote is not monotone: q({a}) = {qa}, q({b}) = {qb}, q({a + b}) = {qab}")
        require(
            qa + qb <= qab, f"q({a}) + q({b}) = {qa + qb} > q({a + b}) = {qab}: a quote rounded up ({base} in {quote})"
        )
        require(
            qab <= qa + qb + 1,
            f"q({a + b}) = {qab} > q({a}) + q({b}) + 1 = {qa + qb + 1}: not the floor of one"
            f" linear value ({base} in {quote})",
        )

    amount = st.one_of(st.integers(0, 1_000), st.integers(0, 10**30), st.integers(0, 2**96))
    s.explore(st.tuples(amount, amount, st.integers(0, 2 * len(served))), body)
    return f"{len(served)} directions"


@prop(
    SUITE,
    "unsupported-pair",
    "ERC-7726",
    "Methods getQuote; Errors OracleUnsupportedPair",
    MUST,
    "a pair the oracle does not serve 'MUST revert with OracleUnsupportedPair(base, quote)'",
)
def unsupported_pair(s: Subject) -> None:
    served = set(pairs(s))
    known = sorted({a for pair in served for a in pair})

    def body(drawn: tuple[int, str, str, int]) -> None:
        amount, base, quote, mix = drawn
        if mix % 3 == 1:
            base = known[mix % len(known)]  # a served asset against one it is not paired with
        elif mix % 3 == 2:
            quote = known[mix % len(known)]
        if (base, quote) in served:
            return
        call = attempt(s.contract.getQuote, amount, base, quote)
        expected = custom_error(UNSUPPORTED, base, quote)
        require(
            call.reverted and call.data == expected,
            f"getQuote({amount}, {base}, {quote}): expected"
            f" {UNSUPPORTED[:21]}({base}, {quote}), got "
            + (f"revert data 0x{(call.data or b'').hex()} {call.message}" if call.reverted else str(call.value)),
        )

    s.explore(st.tuples(st.integers(0, 10**30), ADDRESS, ADDRESS, st.integers(0, 2**16)), body)


@prop(
    SUITE,
    "overflow",
    "ERC-7726",
    "Methods getQuote",
    MUST,
    "'MUST revert if the value of baseAmount of base in quote terms would overflow in a uint256'",
)
def overflow(s: Subject) -> str:
    notes = []
    for base, quote in pairs(s):
        unit = 2**128
        value = _quote(s, unit, base, quote)
        call = attempt(s.contract.getQuote, MAX, base, quote)
        if value > unit + 1:  # MAX * value / unit exceeds MAX
            require(
                call.reverted,
                f"getQuote(2^256-1, {base}, {quote}) = {call.value}: the value overflows (q(2^128)"
                f" = {value}) and MUST revert",
            )
            notes.append("reverts")
        elif not call.reverted:
            require(call.value >= value, f"getQuote(2^256-1) = {call.value} < getQuote(2^128) = {value}")
    return f"{len(notes)} of {len(pairs(s))} directions overflow at 2^256-1 and revert"
