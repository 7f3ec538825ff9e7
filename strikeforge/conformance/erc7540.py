"""ERC-7540 (asynchronous ERC-4626 vaults), with the ERC-4626, ERC-7575 and ERC-165 requirements it carries: every
MUST that can be tested from outside, and the SHOULDs and Recon properties named as such.

Sections cited are those of the standards' text: ERC-7540 (https://eips.ethereum.org/EIPS/eip-7540), ERC-4626
(https://eips.ethereum.org/EIPS/eip-4626), ERC-7575 (https://eips.ethereum.org/EIPS/eip-7575) and EIP-165, plus
Recon's reusable ERC-7540 properties (7540-1..7, written with Centrifuge) where the standard leaves a gap.

Stateful properties need `fund` (the actors' assets) and `fulfil` (the vault's step that makes every pending request
claimable, e.g. its keeper's roll). Shares are obtained through the vault's own flow (request, fulfil, mint), never
by writing balances, so the vault's accounting stays whole.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from strikeforge.conformance.abi import bind
from strikeforge.conformance.core import (
    MUST,
    NotApplicable,
    Subject,
    attempt,
    checksum,
    one_event,
    prop,
    require,
)

SUITE = "erc7540"
OPERATOR_ID, ASYNC_DEPOSIT_ID, ASYNC_REDEEM_ID, ERC7575_ID = "0xe3bc4e65", "0xce3bbe50", "0x620ee8e4", "0x2f0a18c5"
ERC165_ID, INVALID_ID = "0x01ffc9a7", "0xffffffff"
MAX = 2**256 - 1
ANY_ADDRESS = st.integers(1, 2**160 - 1).map(lambda n: checksum("0x" + n.to_bytes(20, "big").hex()))
ANY_ID = st.one_of(st.integers(0, 8), st.integers(0, MAX))


# -- helpers ----------------------------------------------------------------------------------------------------------


def _asset(s: Subject) -> Any:
    if "asset" not in s.options:
        s.options["asset"] = bind("erc20", s.contract.asset(), option="asset()")
    return s.options["asset"]


def _share(s: Subject) -> Any:
    if "share" not in s.options:
        s.options["share"] = bind("erc20", s.contract.share(), option="share()")
    return s.options["share"]


def _async(s: Subject, flow: str) -> None:
    interface = ASYNC_DEPOSIT_ID if flow == "deposit" else ASYNC_REDEEM_ID
    if not s.contract.supportsInterface(interface):
        raise NotApplicable(f"the vault does not declare asynchronous {flow}s (ERC-165 {interface})")


def _amount(s: Subject) -> st.SearchStrategy[int]:
    """Request sizes: dust and whole amounts up to `max_amount` (default 100 whole units of the asset)."""
    top = s.options.get("max_amount") or 100 * 10 ** int(_asset(s).decimals())
    return st.one_of(st.integers(1, 1_000), st.integers(1, top))


# Callers of views where there are no actors (a network without test accounts): eth_call needs no key, and Ape
# sends a call without fees, so any address may call.
VIEW_CALLERS = ("0x000000000000000000000000000000000000dEaD", "0x1111111111111111111111111111111111111111")


def _caller(s: Subject) -> st.SearchStrategy[Any]:
    """Callers of views: the actors, or fixed addresses where there are none (a public network)."""
    return st.sampled_from(list(s.actors) or list(VIEW_CALLERS))


def _actor(s: Subject) -> st.SearchStrategy[int]:
    return st.integers(0, len(s.actors) - 1)


def _probe_ids(returned: set[int], extra: list[int]) -> list[int]:
    """Ids to read: 0, each returned id, the ids next to them and drawn ones (no request has those)."""
    ids = {0, *returned, *(i + 1 for i in returned if i < MAX), *(i - 1 for i in returned if i > 0), *extra}
    return sorted(ids)


def _request_deposit(s: Subject, amount: int, owner: Any, controller: Any, sender: Any) -> int:
    """A checked requestDeposit (ERC-7540 §requestDeposit, §Events DepositRequest): returns its requestId."""
    vault, asset = s.contract, _asset(s)
    s.fund(asset, owner, amount)
    asset.approve(vault, amount, sender=owner)
    rid = int(vault.requestDeposit.call(amount, controller, owner, sender=sender))
    pending, claimable = vault.pendingDepositRequest(rid, controller), vault.claimableDepositRequest(rid, controller)
    owner_before, vault_before = asset.balanceOf(owner), asset.balanceOf(vault)
    tx = vault.requestDeposit(amount, controller, owner, sender=sender)
    cite = "ERC-7540 §requestDeposit"
    require(
        (asset.balanceOf(owner), asset.balanceOf(vault)) == (owner_before - amount, vault_before + amount),
        f"{cite}: 'Transfers assets from owner into the Vault': {amount} expected to move, owner"
        f" {owner_before}->{asset.balanceOf(owner)}, vault {vault_before}->{asset.balanceOf(vault)}",
    )
    require(
        vault.pendingDepositRequest(rid, controller) == pending + amount,
        f"{cite}: 'a corresponding increase in pendingDepositRequest for the amount assets': requestId {rid}"
        f" {pending} -> {vault.pendingDepositRequest(rid, controller)}, requested {amount}",
    )
    require(
        vault.claimableDepositRequest(rid, controller) == claimable,
        f"ERC-7540 §claimableDepositRequest: 'MUST NOT include any assets in Pending state': requestId {rid} went"
        f" {claimable} -> {vault.claimableDepositRequest(rid, controller)} at the request",
    )
    expected = {"controller": controller, "owner": owner, "requestId": rid, "sender": sender, "assets": amount}
    one_event(tx, vault, "DepositRequest", expected, "ERC-7540 §Events DepositRequest ('MUST be emitted')")
    return rid


def _shares_for(s: Subject, who: Any, amount: int) -> int:
    """`who` gets shares through the vault's own flow: request `amount`, fulfil, mint every claimable share."""
    vault = s.contract
    _request_deposit(s, amount, who, who, who)
    s.fulfil()
    shares = int(vault.maxMint(who))
    require(shares > 0, f"ERC-4626 §maxMint: {amount} assets requested and fulfilled, but maxMint is 0")
    vault.mint(shares, who, who, sender=who)
    return shares


def _zero_ids_rule(returned: list[int]) -> None:
    require(
        0 not in returned or set(returned) == {0},
        f"ERC-7540 §Request Ids: 'If a Vault returns 0 for the requestId of any request, it MUST return 0 for all"
        f" requests': returned {returned}",
    )


# -- ERC-165, ERC-7575, ERC-4626 views ---------------------------------------------------------------------------------


@prop(
    SUITE,
    "erc165",
    "ERC-7540",
    "ERC-165 support; EIP-165 §How a Contract will Publish the Interfaces it Implements",
    MUST,
    "supportsInterface is true for 0x01ffc9a7, 0xe3bc4e65 (operators) and 0x2f0a18c5 (ERC-7575), for 0xce3bbe50"
    " and/or 0x620ee8e4 (async deposit, async redeem: at least one flow), false for 0xffffffff",
)
def erc165(s: Subject) -> str:
    v = s.contract
    for interface, what in ((ERC165_ID, "ERC-165"), (OPERATOR_ID, "the operator methods"), (ERC7575_ID, "ERC-7575")):
        require(v.supportsInterface(interface) is True, f"supportsInterface({interface}) ({what}) is not true")
    require(v.supportsInterface(INVALID_ID) is False, "EIP-165: supportsInterface(0xffffffff) MUST return false")
    flows = [f for f, i in (("deposit", ASYNC_DEPOSIT_ID), ("redeem", ASYNC_REDEEM_ID)) if v.supportsInterface(i)]
    require(bool(flows), "ERC-7540 §Request Flows: 'MUST implement one or both' async flows; neither id is supported")
    return "asynchronous: " + " and ".join(flows)


@prop(
    SUITE,
    "erc7575-share",
    "ERC-7575",
    "Methods share; ERC-7540 §ERC-7575 support",
    MUST,
    "share() returns the address of the share token, an ERC-20 (the vault itself MAY be it)",
)
def erc7575_share(s: Subject) -> str:
    token = _share(s)
    attempt_supply = attempt(token.totalSupply)
    require(not attempt_supply.reverted, f"share() = {token.address} whose totalSupply() reverts: not an ERC-20")
    return "the vault is its own share token" if checksum(token.address) == s.address else f"share {token.address}"


@prop(
    SUITE,
    "erc4626-views",
    "ERC-4626",
    "Methods asset, totalAssets; Specification (ERC-20 metadata)",
    MUST,
    "asset() is an ERC-20 and does not revert; totalAssets() does not revert; the vault implements ERC-20's"
    " metadata (name, symbol, decimals)",
)
def erc4626_views(s: Subject) -> None:
    v = s.contract
    asset = _asset(s)
    for name in ("decimals", "totalSupply"):
        require(not attempt(getattr(asset, name)).reverted, f"asset() = {asset.address}: its {name}() reverts")
    require(not attempt(v.totalAssets).reverted, "ERC-4626 §totalAssets: 'MUST NOT revert'; it reverted")
    for name in ("name", "symbol", "decimals"):
        require(not attempt(getattr(v, name)).reverted, f"ERC-4626: the vault's {name}() (ERC-20 metadata) reverts")


@prop(
    SUITE,
    "previews-revert",
    "ERC-7540",
    "Request Flows",
    MUST,
    "previewDeposit and previewMint (async deposits), previewRedeem and previewWithdraw (async redemptions) MUST"
    " revert for all callers and inputs",
)
def previews_revert(s: Subject) -> None:
    v = s.contract
    previews = [
        *(("previewDeposit", "previewMint") if v.supportsInterface(ASYNC_DEPOSIT_ID) else ()),
        *(("previewRedeem", "previewWithdraw") if v.supportsInterface(ASYNC_REDEEM_ID) else ()),
    ]

    def body(drawn: tuple[int, str]) -> None:
        amount, caller = drawn
        for name in previews:
            call = attempt(getattr(v, name), amount, sender=caller)
            require(call.reverted, f"{name}({amount}) from {caller} returned {call.value}: it MUST revert")

    s.explore(st.tuples(st.one_of(st.integers(0, 10**30), st.integers(0, MAX)), _caller(s)), body)


@prop(
    SUITE,
    "views-never-revert",
    "ERC-7540",
    "Methods pendingDepositRequest, claimableDepositRequest, pendingRedeemRequest, claimableRedeemRequest; ERC-4626"
    " §maxDeposit, maxMint, maxWithdraw, maxRedeem",
    MUST,
    "the request views and max* MUST NOT revert (any requestId, any controller) and MUST NOT vary with the caller",
)
def views_never_revert(s: Subject) -> None:
    v = s.contract
    request_views = (
        "pendingDepositRequest",
        "claimableDepositRequest",
        "pendingRedeemRequest",
        "claimableRedeemRequest",
    )

    def body(drawn: tuple[int, str, str, str]) -> None:
        rid, controller, first, second = drawn
        for name in request_views:
            one, two = (
                attempt(getattr(v, name), rid, controller, sender=first),
                attempt(getattr(v, name), rid, controller, sender=second),
            )
            require(not one.reverted, f"{name}({rid}, {controller}) reverted: {one.message}")
            require(
                one.value == two.value,
                f"{name}({rid}, {controller}): {one.value} from {first}, {two.value} from"
                f" {second}: 'MUST NOT show any variations depending on the caller'",
            )
        for name in ("maxDeposit", "maxMint", "maxWithdraw", "maxRedeem"):
            call = attempt(getattr(v, name), controller, sender=first)
            require(not call.reverted, f"ERC-4626 §{name}: 'MUST NOT revert'; {name}({controller}) reverted")

    s.explore(st.tuples(ANY_ID, ANY_ADDRESS, _caller(s), _caller(s)), body)


@prop(
    SUITE,
    "convert",
    "ERC-4626",
    "Methods convertToShares, convertToAssets",
    MUST,
    "no variation with the caller, no revert below 2^128, rounded down towards 0 (a round trip never gains)",
)
def convert(s: Subject) -> None:
    v = s.contract

    def body(drawn: tuple[int, str, str]) -> None:
        amount, first, second = drawn
        for there, back in (("convertToShares", "convertToAssets"), ("convertToAssets", "convertToShares")):
            out = attempt(getattr(v, there), amount, sender=first)
            require(
                not out.reverted,
                f"{there}({amount}) reverted: 'MUST NOT revert unless due to integer overflow"
                " caused by an unreasonably large input'",
            )
            require(out.value == getattr(v, there)(amount, sender=second), f"{there}({amount}) varies with the caller")
            returned = getattr(v, back)(out.value)
            require(
                returned <= amount,
                f"{there}({amount}) = {out.value}, {back} of that = {returned} > {amount}:"
                " 'MUST round down towards 0' both ways, so a round trip never gains",
            )

    s.explore(st.tuples(st.one_of(st.integers(0, 10**24), st.integers(0, 2**128)), _caller(s), _caller(s)), body)


# -- requests and claims -----------------------------------------------------------------------------------------------


@prop(
    SUITE,
    "deposit-request",
    "ERC-7540",
    "Methods requestDeposit; Events DepositRequest; Request Ids",
    MUST,
    "requestDeposit moves exactly `assets` from owner into the vault, raises pendingDepositRequest(requestId,"
    " controller) by it, leaves claimable alone, emits DepositRequest(controller, owner, requestId, sender, assets);"
    " owner MUST be msg.sender or have approved it as an operator; a vault that returns id 0 returns it for all",
    stateful=True,
    needs=("fund",),
)
def deposit_request(s: Subject) -> None:
    _async(s, "deposit")
    v = s.contract
    n = len(s.actors)

    def body(drawn: tuple[list[tuple[int, int, int, bool]], int]) -> None:
        requests, stranger_at = drawn
        returned = []
        for amount, o, c, via_operator in requests:
            owner, controller = s.actors[o], s.actors[c]
            sender = owner
            if via_operator:
                sender = s.actors[(o + 1) % n]
                v.setOperator(sender, True, sender=owner)
            returned.append(_request_deposit(s, amount, owner, controller, sender))
        _zero_ids_rule(returned)
        owner = s.actors[requests[0][1]]
        stranger = s.actors[(requests[0][1] + 1 + stranger_at % (n - 1)) % n]
        if not v.isOperator(owner, stranger):
            s.fund(_asset(s), owner, 1)
            _asset(s).approve(v, 1, sender=owner)
            call = attempt(v.requestDeposit, 1, stranger, owner, sender=stranger)
            require(
                call.reverted,
                f"ERC-7540 §requestDeposit: {stranger} (not {owner}'s operator) requested a deposit"
                " of the owner's assets: 'owner MUST equal msg.sender unless the owner has approved the msg.sender"
                " as an operator'",
            )

    request = st.tuples(_amount(s), _actor(s), _actor(s), st.booleans())
    s.explore(st.tuples(st.lists(request, min_size=1, max_size=3), st.integers(0, 10)), body)


@prop(
    SUITE,
    "deposit-claim",
    "ERC-7540",
    "Request Lifecycle; Request Ids; Methods claimableDepositRequest, deposit and mint overloaded methods; ERC-4626"
    " §maxDeposit, §maxMint, §deposit, §mint (Deposit event); Recon 7540-4, 7540-7",
    MUST,
    "once fulfilled a request moves from pending to claimable at its requestId (summed over ids, each asset counts"
    " once; ids without a request hold nothing), maxDeposit moves in sync; deposit/mint by the controller or its"
    " operator pay the receiver, lower claimable by exactly what they claim and emit Deposit(controller, receiver,"
    " assets, shares); others MUST be refused; claiming more than max reverts, claiming max does not",
    stateful=True,
    needs=("fund", "fulfil"),
)
def deposit_claim(s: Subject) -> None:
    _async(s, "deposit")
    v, share = s.contract, _share(s)
    n = len(s.actors)

    def claimable(ids: list[int], who: Any) -> dict[int, int]:
        return {i: int(v.claimableDepositRequest(i, who)) for i in ids}

    def body(drawn: tuple[list[int], int, int, str, int, bool, list[int]]) -> None:
        amounts, c, r, how, percent, by_operator, extra = drawn
        controller, receiver = s.actors[c], s.actors[r]
        caller = s.actors[(c + 1) % n] if by_operator else controller
        stranger = s.actors[(c + 2) % n] if n > 2 else None
        start = s.chain.blocks.head.number
        returned = {_request_deposit(s, amount, controller, controller, controller) for amount in amounts}
        ids = _probe_ids(returned, extra)
        before = {i: int(v.claimableDepositRequest(i, controller, block_id=start)) for i in ids}
        max_before = int(v.maxDeposit(controller, block_id=start))
        s.fulfil()
        after = claimable(ids, controller)
        grown = {i: after[i] - before[i] for i in ids if after[i] != before[i]}
        cite = "ERC-7540 §Request Lifecycle / §Request Ids"
        require(
            sum(grown.values()) == sum(amounts) and set(grown) <= returned,
            f"{cite}: requests of {amounts} at ids {sorted(returned)} became claimable as {grown} (per id): each"
            " asset claimable under its request's id, once",
        )
        for i in returned:
            require(v.pendingDepositRequest(i, controller) == 0, f"{cite}: after fulfilment id {i} is still pending")
        maximum = int(v.maxDeposit(controller))
        require(
            maximum - max_before == sum(amounts),
            f"ERC-7540 §Request Lifecycle: 'maxDeposit increases and decreases in sync with claimableDepositRequest':"
            f" it went {max_before} -> {maximum} while {sum(amounts)} became claimable",
        )
        if by_operator:
            v.setOperator(caller, True, sender=controller)
        if stranger is not None and stranger != controller and not v.isOperator(controller, stranger):
            call = attempt(v.deposit, 1, stranger, controller, sender=stranger)
            require(
                call.reverted,
                f"ERC-7540 §deposit and mint overloaded methods: {stranger}, neither the controller"
                " nor its operator, claimed: 'Calls MUST revert unless msg.sender is either equal to controller"
                " or an operator approved by controller'",
            )
        shares_max = int(v.maxMint(controller))
        over = attempt(v.deposit, maximum + 1, receiver, controller, sender=caller)
        require(over.reverted, f"Recon 7540-4: deposit(maxDeposit + 1 = {maximum + 1}) did not revert")
        balance = share.balanceOf(receiver)
        if how == "deposit":
            assets = max(1, maximum * percent // 100)
            shares = int(v.deposit.call(assets, receiver, controller, sender=caller))
            tx = v.deposit(assets, receiver, controller, sender=caller)
            require(
                shares * maximum <= assets * shares_max,
                f"ERC-4626 §Security Considerations (SHOULD): deposit"
                f" of {assets} of {maximum} claimable gave {shares} shares, more than pro rata of {shares_max}",
            )
        else:
            shares = max(1, shares_max * percent // 100)
            assets = int(v.mint.call(shares, receiver, controller, sender=caller))
            tx = v.mint(shares, receiver, controller, sender=caller)
            require(
                assets * shares_max >= shares * maximum,
                f"ERC-4626 §Security Considerations (SHOULD): mint of"
                f" {shares} of {shares_max} claimable shares used {assets} assets, less than pro rata of {maximum}",
            )
        require(
            share.balanceOf(receiver) - balance == shares,
            f"§{how}: the receiver got {share.balanceOf(receiver) - balance} shares, {how} returned {shares}",
        )
        left = claimable(ids, controller)
        require(
            sum(after.values()) - sum(left.values()) == assets and int(v.maxDeposit(controller)) == maximum - assets,
            f"ERC-7540 §Request Lifecycle: {how} claimed {assets} assets: claimable {sum(after.values())} ->"
            f" {sum(left.values())}, maxDeposit {maximum} -> {v.maxDeposit(controller)}",
        )
        expected = {"sender": controller, "owner": receiver, "assets": assets, "shares": shares}
        one_event(
            tx, v, "Deposit", expected, "ERC-7540 §deposit and mint overloaded methods (Deposit: controller, receiver)"
        )
        rest = int(v.maxDeposit(controller))
        if rest:
            done = attempt(v.deposit, rest, receiver, controller, sender=caller)
            require(
                not done.reverted,
                f"ERC-4626 §maxDeposit / Recon 7540-7: deposit(maxDeposit = {rest}) reverted: {done.message}",
            )

    strategy = st.tuples(
        st.lists(_amount(s), min_size=1, max_size=3),
        _actor(s),
        _actor(s),
        st.sampled_from(["deposit", "mint"]),
        st.integers(1, 100),
        st.booleans(),
        st.lists(ANY_ID, max_size=2),
    )
    s.explore(strategy, body)


@prop(
    SUITE,
    "redeem-request",
    "ERC-7540",
    "Methods requestRedeem; Events RedeemRequest; Request Ids; Recon 7540-5",
    MUST,
    "requestRedeem removes `shares` from the owner's custody (burned, or locked in the vault), raises"
    " pendingRedeemRequest by them and emits RedeemRequest(controller, owner, requestId, sender, shares); msg.sender"
    " is the owner, its operator (no allowance spent) or an ERC-20 spender (finite allowance spent; infinite SHOULD"
    " NOT be); more shares than the owner has MUST revert",
    stateful=True,
    needs=("fund", "fulfil"),
)
def redeem_request(s: Subject) -> None:
    _async(s, "redeem")
    v, share = s.contract, _share(s)
    n = len(s.actors)

    def body(drawn: tuple[int, int, int, str, int, bool]) -> None:
        amount, o, c, path, percent, infinite = drawn
        owner, controller = s.actors[o], s.actors[c]
        held = _shares_for(s, owner, amount)
        shares = max(1, held * percent // 100)
        sender = owner if path == "owner" else s.actors[(o + 1) % n]
        if path == "operator":
            v.setOperator(sender, True, sender=owner)
        allowance = MAX if infinite else shares
        if path == "allowance":
            share.approve(sender, allowance, sender=owner)
        too_many = attempt(v.requestRedeem, share.balanceOf(owner) + 1, controller, owner, sender=owner)
        require(
            too_many.reverted,
            "Recon 7540-5 / ERC-7540 §requestRedeem: a request above the owner's balance"
            " did not revert ('MUST revert if all of shares cannot be requested')",
        )
        rid = int(v.requestRedeem.call(shares, controller, owner, sender=sender))
        pending = int(v.pendingRedeemRequest(rid, controller))
        owner_before, supply, locked = share.balanceOf(owner), share.totalSupply(), share.balanceOf(v)
        tx = v.requestRedeem(shares, controller, owner, sender=sender)
        cite = "ERC-7540 §requestRedeem"
        require(
            share.balanceOf(owner) == owner_before - shares,
            f"{cite}: 'the shares MUST be removed from the"
            f" custody of owner': {owner_before} -> {share.balanceOf(owner)} for {shares}",
        )
        burned, kept = supply - share.totalSupply(), share.balanceOf(v) - locked
        require(
            (burned, kept) in ((shares, 0), (0, shares)),
            f"{cite}: {shares} shares left the owner, but {burned} were burned and {kept} locked in the vault",
        )
        require(
            v.pendingRedeemRequest(rid, controller) == pending + shares,
            f"{cite}: pendingRedeemRequest({rid})"
            f" {pending} -> {v.pendingRedeemRequest(rid, controller)} for {shares} shares",
        )
        expected = {"controller": controller, "owner": owner, "requestId": rid, "sender": sender, "shares": shares}
        one_event(tx, v, "RedeemRequest", expected, "ERC-7540 §Events RedeemRequest ('MUST be emitted')")
        if path == "allowance":
            left = share.allowance(owner, sender)
            if infinite:
                require(left == MAX, f"{cite} (ERC-6909 rule, SHOULD NOT): an infinite allowance was spent to {left}")
            else:
                require(
                    left == allowance - shares,
                    f"{cite} (ERC-6909 rule, MUST): allowance {allowance} -> {left} for {shares} shares",
                )
        _zero_ids_rule([rid])

    strategy = st.tuples(
        _amount(s),
        _actor(s),
        _actor(s),
        st.sampled_from(["owner", "operator", "allowance"]),
        st.integers(1, 100),
        st.booleans(),
    )
    s.explore(strategy, body)


@prop(
    SUITE,
    "redeem-claim",
    "ERC-7540",
    "Request Lifecycle; Request Ids; Methods claimableRedeemRequest, requestRedeem (burned by the claim); Request"
    " Flows (redeem and withdraw: controller); ERC-4626 §maxRedeem, §maxWithdraw, §redeem, §withdraw (Withdraw"
    " event); Recon 7540-4, 7540-7",
    MUST,
    "once fulfilled the shares move from pending to claimable at the request's id (counted once over ids), maxRedeem"
    " in sync; redeem/withdraw by the controller or its operator pay the receiver, lower claimable exactly and emit"
    " Withdraw(sender, receiver, controller, assets, shares); locked shares are burned by the claim; others are"
    " refused; more than max reverts, max does not",
    stateful=True,
    needs=("fund", "fulfil"),
)
def redeem_claim(s: Subject) -> None:
    _async(s, "redeem")
    v, share, asset = s.contract, _share(s), _asset(s)
    n = len(s.actors)

    def body(drawn: tuple[int, int, int, str, int, bool, list[int]]) -> None:
        amount, c, r, how, percent, by_operator, extra = drawn
        controller, receiver = s.actors[c], s.actors[r]
        caller = s.actors[(c + 1) % n] if by_operator else controller
        held = _shares_for(s, controller, amount)
        start = s.chain.blocks.head.number
        locked_before = share.balanceOf(v)
        rid = int(v.requestRedeem.call(held, controller, controller, sender=controller))
        v.requestRedeem(held, controller, controller, sender=controller)
        locked = share.balanceOf(v) - locked_before
        ids = _probe_ids({rid}, extra)
        before = {i: int(v.claimableRedeemRequest(i, controller, block_id=start)) for i in ids}
        max_before = int(v.maxRedeem(controller, block_id=start))
        s.fulfil()
        after = {i: int(v.claimableRedeemRequest(i, controller)) for i in ids}
        grown = {i: after[i] - before[i] for i in ids if after[i] != before[i]}
        require(
            grown == {rid: held},
            f"ERC-7540 §Request Lifecycle / §Request Ids: {held} shares requested at id"
            f" {rid} became claimable as {grown} (per id)",
        )
        require(v.pendingRedeemRequest(rid, controller) == 0, f"after fulfilment id {rid} is still pending")
        maximum, assets_max = int(v.maxRedeem(controller)), int(v.maxWithdraw(controller))
        require(
            maximum - max_before == held,
            f"ERC-7540 §Request Lifecycle: maxRedeem {max_before} -> {maximum} while {held} shares became claimable",
        )
        if by_operator:
            v.setOperator(caller, True, sender=controller)
        over = attempt(v.redeem, maximum + 1, receiver, controller, sender=caller)
        require(over.reverted, f"Recon 7540-4: redeem(maxRedeem + 1 = {maximum + 1}) did not revert")
        paid_before, supply = asset.balanceOf(receiver), share.totalSupply()
        if how == "redeem":
            shares = max(1, maximum * percent // 100)
            assets = int(v.redeem.call(shares, receiver, controller, sender=caller))
            tx = v.redeem(shares, receiver, controller, sender=caller)
            require(
                assets * maximum <= shares * assets_max,
                f"ERC-4626 §Security Considerations (SHOULD): redeem of"
                f" {shares} of {maximum} shares paid {assets}, more than pro rata of {assets_max}",
            )
        else:
            assets = max(1, assets_max * percent // 100)
            shares = int(v.withdraw.call(assets, receiver, controller, sender=caller))
            tx = v.withdraw(assets, receiver, controller, sender=caller)
            require(
                shares * assets_max >= assets * maximum,
                f"ERC-4626 §Security Considerations (SHOULD): withdraw"
                f" of {assets} of {assets_max} used {shares} shares, less than pro rata of {maximum}",
            )
        require(
            asset.balanceOf(receiver) - paid_before == assets,
            f"§{how}: receiver got {asset.balanceOf(receiver) - paid_before}, {how} returned {assets}",
        )
        require(
            int(v.claimableRedeemRequest(rid, controller)) == after[rid] - shares
            and int(v.maxRedeem(controller)) == maximum - shares,
            f"ERC-7540 §Request Lifecycle: {how} claimed {shares} shares: claimable {after[rid]} ->"
            f" {v.claimableRedeemRequest(rid, controller)}, maxRedeem {maximum} -> {v.maxRedeem(controller)}",
        )
        if locked:
            require(
                supply - share.totalSupply() >= shares,
                "ERC-7540 §requestRedeem: locked shares 'MUST be burned by the time the request is Claimed'",
            )
        expected = {"sender": caller, "receiver": receiver, "owner": controller, "assets": assets, "shares": shares}
        one_event(tx, v, "Withdraw", expected, "ERC-4626 §redeem/§withdraw (Withdraw; owner = the controller)")
        rest = int(v.maxRedeem(controller))
        if rest:
            done = attempt(v.redeem, rest, receiver, controller, sender=caller)
            require(
                not done.reverted,
                f"ERC-4626 §maxRedeem / Recon 7540-7: redeem(maxRedeem = {rest}) reverted: {done.message}",
            )

    strategy = st.tuples(
        _amount(s),
        _actor(s),
        _actor(s),
        st.sampled_from(["redeem", "withdraw"]),
        st.integers(1, 100),
        st.booleans(),
        st.lists(ANY_ID, max_size=2),
    )
    s.explore(strategy, body)


@prop(
    SUITE,
    "operators",
    "ERC-7540",
    "Methods setOperator, isOperator; Events OperatorSet; Methods requestDeposit",
    MUST,
    "setOperator sets isOperator(msg.sender, operator) to `approved`, returns true and logs OperatorSet(controller,"
    " operator, approved); a revoked operator can no longer request for the owner. Allowed reading: a vault may"
    " refuse operator == msg.sender (Centrifuge does), since a controller acts for itself anyway",
    stateful=True,
    needs=("fund",),
)
def operators(s: Subject) -> str:
    v = s.contract
    notes: set[str] = set()

    def body(drawn: list[tuple[int, int, bool]]) -> None:
        for c, o, approved in drawn:
            controller, operator = s.actors[c], s.actors[o]
            if controller == operator:
                call = attempt(v.setOperator, operator, approved, sender=controller)
                if call.reverted:
                    notes.add("setOperator(msg.sender, ...) reverts (allowed reading, as Centrifuge)")
                    continue
                require(v.isOperator(controller, operator) is approved, "setOperator(self) did not set the status")
                continue
            returned = v.setOperator.call(operator, approved, sender=controller)
            require(returned is True, f"ERC-7540 §setOperator: 'MUST return True'; returned {returned}")
            tx = v.setOperator(operator, approved, sender=controller)
            require(
                v.isOperator(controller, operator) is approved,
                f"ERC-7540 §setOperator: 'MUST set the operator"
                f" status to the approved value': isOperator = {v.isOperator(controller, operator)}, not {approved}",
            )
            expected = {"controller": controller, "operator": operator, "approved": approved}
            one_event(tx, v, "OperatorSet", expected, "ERC-7540 §Events OperatorSet ('MUST be logged')")
            if not approved and v.supportsInterface(ASYNC_DEPOSIT_ID):
                s.fund(_asset(s), controller, 1)
                _asset(s).approve(v, 1, sender=controller)
                call = attempt(v.requestDeposit, 1, operator, controller, sender=operator)
                require(
                    call.reverted,
                    f"ERC-7540 §requestDeposit: {operator}, a revoked operator, still requested for {controller}",
                )

    s.explore(st.lists(st.tuples(_actor(s), _actor(s), st.booleans()), min_size=1, max_size=4), body)
    return "; ".join(sorted(notes))
