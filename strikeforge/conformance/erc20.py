"""ERC-20 (https://eips.ethereum.org/EIPS/eip-20), in the style of a16z's and OpenZeppelin's property suites:
transfers, allowances, events, metadata, and OpenZeppelin's zero-address rules (named as such: the EIP itself does not
require them).

Actors get tokens from the subject's `fund` hook (a local chain's storage, a mock's mint, or a vault's own flow)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from strikeforge.conformance.core import MUST, SHOULD, Subject, attempt, one_event, prop, require

SUITE = "erc20"
ZERO = "0x" + "00" * 20
MAX = 2**256 - 1
OZ = "OpenZeppelin ERC20"


def _amount(s: Subject) -> st.SearchStrategy[int]:
    top = s.options.get("max_amount") or 10**24
    return st.one_of(st.integers(0, 1_000), st.integers(0, top))


def _actor(s: Subject) -> st.SearchStrategy[int]:
    return st.integers(0, len(s.actors) - 1)


@prop(
    SUITE,
    "metadata",
    "ERC-20",
    "Methods name, symbol, decimals, totalSupply",
    MUST,
    "name, symbol, decimals (uint8) and totalSupply answer without reverting; totalSupply is at least any balance",
)
def metadata(s: Subject) -> str:
    t = s.contract
    for name in ("name", "symbol", "decimals", "totalSupply"):
        require(not attempt(getattr(t, name)).reverted, f"ERC-20 §{name}: reverted")
    supply = t.totalSupply()
    for who in s.actors:
        require(t.balanceOf(who) <= supply, f"balanceOf({who}) = {t.balanceOf(who)} exceeds totalSupply {supply}")
    return f"{t.symbol()}, {t.decimals()} decimals"


@prop(
    SUITE,
    "transfer",
    "ERC-20",
    "Methods transfer; Events Transfer",
    MUST,
    "transfer moves exactly `value` from the caller to `to` (self-transfers change nothing), returns true, fires"
    " Transfer(from, to, value) (0 is a normal transfer) and keeps totalSupply; above the balance it SHOULD throw",
    stateful=True,
    needs=("fund",),
)
def transfer(s: Subject) -> None:
    t = s.contract

    def body(drawn: tuple[int, int, int, int]) -> None:
        funded, value, f, to_at = drawn
        sender, to = s.actors[f], s.actors[to_at]
        if funded:
            s.fund(t, sender, funded)
        balance = t.balanceOf(sender)
        value = min(value, balance)
        supply, to_before = t.totalSupply(), t.balanceOf(to)
        require(t.transfer.call(to, value, sender=sender) is True, "ERC-20 §transfer: did not return true")
        tx = t.transfer(to, value, sender=sender)
        if sender == to:
            require(t.balanceOf(sender) == balance, f"a self-transfer of {value} changed the balance {balance}")
        else:
            require(
                (t.balanceOf(sender), t.balanceOf(to)) == (balance - value, to_before + value),
                f"ERC-20 §transfer: 'Transfers _value amount of tokens to address _to': {value} from {balance} and to"
                f" {to_before} gave {t.balanceOf(sender)} and {t.balanceOf(to)}",
            )
        require(t.totalSupply() == supply, f"a transfer changed totalSupply {supply} -> {t.totalSupply()}")
        one_event(tx, t, "Transfer", {"from": sender, "to": to, "value": value}, "ERC-20 §Events Transfer")
        over = attempt(t.transfer, to, t.balanceOf(sender) + 1, sender=sender)
        require(over.reverted, f"ERC-20 §transfer ({SHOULD}): a transfer above the balance did not throw")

    s.explore(st.tuples(_amount(s), _amount(s), _actor(s), _actor(s)), body)


@prop(
    SUITE,
    "allowance",
    "ERC-20",
    "Methods approve, allowance, transferFrom; Events Approval, Transfer",
    MUST,
    "approve sets allowance(owner, spender) to `value` (overwriting), returns true and fires Approval; transferFrom"
    " within the allowance moves the tokens, spends the allowance (OpenZeppelin: not an infinite one) and fires"
    " Transfer; beyond the allowance it SHOULD throw",
    stateful=True,
    needs=("fund",),
)
def allowance(s: Subject) -> None:
    t = s.contract

    def body(drawn: tuple[int, int, int, int, int, int, bool]) -> None:
        funded, approved, value, o, sp, to_at, infinite = drawn
        owner, spender, to = s.actors[o], s.actors[sp], s.actors[to_at]
        s.fund(t, owner, max(funded, 1))
        approved = MAX if infinite else approved
        require(t.approve.call(spender, approved, sender=owner) is True, "ERC-20 §approve: did not return true")
        tx = t.approve(spender, approved, sender=owner)
        require(
            t.allowance(owner, spender) == approved,
            f"ERC-20 §approve: allowance is {t.allowance(owner, spender)}, approved {approved}",
        )
        one_event(tx, t, "Approval", {"owner": owner, "spender": spender, "value": approved}, "ERC-20 §Events Approval")
        over = attempt(t.transferFrom, owner, to, approved + 1, sender=spender) if approved < MAX else None
        require(
            over is None or over.reverted,
            f"ERC-20 §transferFrom ({SHOULD}): {approved + 1} above the allowance {approved} did not throw",
        )
        value = min(value, approved, t.balanceOf(owner))
        balance, to_before = t.balanceOf(owner), t.balanceOf(to)
        tx = t.transferFrom(owner, to, value, sender=spender)
        if owner != to:
            require(
                (t.balanceOf(owner), t.balanceOf(to)) == (balance - value, to_before + value),
                f"ERC-20 §transferFrom: {value} did not move from {owner} to {to}",
            )
        left = t.allowance(owner, spender)
        require(
            left == (MAX if infinite else approved - value),
            f"ERC-20 §transferFrom: allowance {approved} -> {left} after {value}",
        )
        one_event(tx, t, "Transfer", {"from": owner, "to": to, "value": value}, "ERC-20 §Events Transfer")

    strategy = st.tuples(_amount(s), _amount(s), _amount(s), _actor(s), _actor(s), _actor(s), st.booleans())
    s.explore(strategy, body)


@prop(
    SUITE,
    "zero-address",
    OZ,
    "transfer, approve (zero-address rules)",
    OZ,
    "transfers to the zero address and approvals of the zero address as spender revert (OpenZeppelin and snekmate;"
    " the EIP does not require it)",
    stateful=True,
    needs=("fund",),
)
def zero_address(s: Subject) -> None:
    t = s.contract

    def body(drawn: tuple[int, int]) -> None:
        value, f = drawn
        sender: Any = s.actors[f]
        s.fund(t, sender, max(value, 1))
        call = attempt(t.transfer, ZERO, min(value, t.balanceOf(sender)), sender=sender)
        require(call.reverted, "a transfer to the zero address did not revert")
        require(attempt(t.approve, ZERO, value, sender=sender).reverted, "approve(0x0, ...) did not revert")

    s.explore(st.tuples(_amount(s), _actor(s)), body)
