"""Differential: random call sequences on the in-process engine and on Ape's EthereumTester agree exactly.

Both chains get the same actors (Ape's test accounts), deploy the same contracts in the same order (so the same
addresses) and receive the same calldata. After every call: the same return data or the same revert data, the same
decoded events, and the same views and raw storage. Gas is compared only where the engine's figure is a chain's: the
first transaction after setup (see strikeforge/fuzz/chain.py: pyrevm keeps EIP-2929 warmth and EIP-2200 original
values across transactions); later differences are recorded, not asserted. Actors' ether is not compared: Ape's
providers charge gas fees in ether (base fee > 0), the engine prices gas at 0.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strikeforge.fuzz.ape_backend import ApeChain
from strikeforge.fuzz.chain import RevmChain
from strikeforge.fuzz.errors import RevertError

ONE = 10**18
GAS_DIFFERENCES: list[int] = []  # Ape's gas minus the engine's, per call after the first, for the record
LABELS = ("deployer", "alice", "bob", "carol")


@pytest.fixture(scope="module")
def pair(types, networks):
    with networks.ethereum.local.use_provider("test"):
        ape = ApeChain()
        ape_actors = {label: ape.actor(label) for label in LABELS}
        revm = RevmChain(chain_id=ape.chain_id)
        revm_actors = {  # same addresses and nonces: the same contract addresses and calldata on both chains
            label: revm.actor(label, address=a.address, nonce=ape.nonce(a)) for label, a in ape_actors.items()
        }
        worlds = []
        for chain, actors in ((ape, ape_actors), (revm, revm_actors)):
            d = actors["deployer"]
            token = chain.deploy(types["MockERC20"], "Mock USD", "mUSD", 18, sender=d)
            vault = chain.deploy(types["MockVault"], token, 0, sender=d)
            depositor = chain.deploy(types["InteropDepositor"], sender=d)
            worlds.append({"chain": chain, "actors": actors, "token": token, "vault": vault, "depositor": depositor})
        yield worlds


def test_deployments_land_at_the_same_addresses(pair):
    ape, revm = pair
    for name in ("token", "vault", "depositor"):
        assert ape[name].address == revm[name].address


amounts = st.one_of(st.sampled_from([0, 1, ONE, 10**24]), st.integers(0, 10**24))
who = st.sampled_from(LABELS[1:])
ops = st.one_of(
    st.tuples(st.just("mint"), who, amounts),
    st.tuples(st.just("approve_vault"), who, amounts),
    st.tuples(st.just("approve_depositor"), who, amounts),
    st.tuples(st.just("deposit"), who, amounts),
    st.tuples(st.just("deposit_via_depositor"), who, amounts),
    st.tuples(st.just("redeem"), who, amounts),
    st.tuples(st.just("withdraw"), who, amounts),
    st.tuples(st.just("transfer"), who, amounts),
)


def _apply(world, op):
    name, label, value = op
    a = world["actors"][label]
    token, vault, depositor = world["token"], world["vault"], world["depositor"]
    calls = {
        "mint": lambda: token.mint.transact(a, value, sender=world["actors"]["deployer"]),
        "approve_vault": lambda: token.approve.transact(vault, value, sender=a),
        "approve_depositor": lambda: token.approve.transact(depositor, value, sender=a),
        "deposit": lambda: vault.deposit.transact(value, a, sender=a),
        "deposit_via_depositor": lambda: depositor.deposit.transact(vault, value, a, 0, sender=a),
        "redeem": lambda: vault.redeem.transact(value, a, a, sender=a),
        "withdraw": lambda: vault.withdraw.transact(value, a, a, sender=a),
        "transfer": lambda: token.transfer.transact(vault, value, sender=a),
    }
    try:
        receipt = calls[name]()
    except RevertError as exc:
        return ("revert", exc.error.data, exc.error.name, ()), 0
    return ("ok", receipt.output, tuple(world["chain"].events(receipt))), receipt.gas_used


def _state(world):
    token, vault, chain = world["token"], world["vault"], world["chain"]
    views = [vault.totalAssets(), vault.totalSupply(), token.totalSupply()]
    views += [token.balanceOf(a) for a in world["actors"].values()] + [
        vault.balanceOf(a) for a in world["actors"].values()
    ]
    slots = [chain.storage(c, s) for c in (token, vault) for s in range(8)]
    return views, slots, chain.balance(vault), chain.balance(token)


@settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
@given(sequence=st.lists(ops, min_size=1, max_size=8))
def test_random_sequences_agree(pair, sequence):
    snaps = [w["chain"].snapshot() for w in pair]
    try:
        for op in sequence:
            (ape_out, ape_gas), (revm_out, revm_gas) = (_apply(w, op) for w in pair)
            assert ape_out == revm_out, f"{op}: Ape {ape_out} != revm {revm_out}"
            GAS_DIFFERENCES.append(ape_gas - revm_gas)
            assert _state(pair[0]) == _state(pair[1]), f"state differs after {op}"
    finally:
        for world, snap in zip(pair, snaps, strict=True):
            world["chain"].revert(snap)


def test_first_transaction_after_setup_costs_the_same_gas(pair):
    """The one place the engine's gas is a chain's: nothing touched yet in this transaction's accounts and slots."""
    snaps = [w["chain"].snapshot() for w in pair]
    try:
        (ape_out, ape_gas), (revm_out, revm_gas) = (_apply(w, ("mint", "carol", 10**20)) for w in pair)
        assert ape_out == revm_out
        assert ape_gas == revm_gas
    finally:
        for world, snap in zip(pair, snaps, strict=True):
            world["chain"].revert(snap)
