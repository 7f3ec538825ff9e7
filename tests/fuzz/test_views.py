"""chain.view_many: several views in one EVM call return exactly what calling them one by one returns."""

from __future__ import annotations

import pytest
from ethpm_types import ContractType

from strikeforge.fuzz.errors import HaltError, RevertError
from strikeforge.fuzz.views import MULTIVIEW_ADDRESS

ONE = 10**18


@pytest.fixture
def funded(chain, token, vault, deployer, alice):
    token.mint(alice, 100 * ONE, sender=deployer)
    token.approve(vault, 2**256 - 1, sender=alice)
    vault.deposit(40 * ONE, alice, sender=alice)
    token.transfer(vault, 3 * ONE, sender=alice)  # a donation: assets and shares now differ
    return chain


def test_views_of_a_vyper_and_a_solidity_contract_in_one_call(funded, token, vault, alice, deployer):
    calls = (
        (vault, "totalAssets"),
        (token, "balanceOf", (vault,)),
        (vault.totalSupply,),
        (vault.balanceOf, alice),
        (vault, "balanceOf", deployer),
        (vault, "convertToShares", (7 * ONE,)),
        (token, "name"),  # a string: not one word
        (vault, "asset"),  # an address
        (token, "allowance", (alice, vault)),
    )
    alone = [
        vault.totalAssets(),
        token.balanceOf(vault),
        vault.totalSupply(),
        vault.balanceOf(alice),
        vault.balanceOf(deployer),
        vault.convertToShares(7 * ONE),
        token.name(),
        vault.asset(),
        token.allowance(alice, vault),
    ]
    before = funded.calls
    assert funded.view_many(calls) == alone
    assert funded.calls == before + 1  # one EVM call
    assert funded.view_many(list(calls)) == alone  # a list works too (not cached)


def test_an_encoded_batch_is_kept_and_reused(funded, token, vault, alice):
    calls = ((vault, "totalAssets"), (token, "balanceOf", (alice,)))
    funded.view_many(calls)
    batch = funded._views.get(calls)
    assert funded._views.get(((vault, "totalAssets"), (token, "balanceOf", (alice,)))) is batch  # equal tuples
    assets = vault.totalAssets()
    token.transfer(vault, ONE, sender=alice)
    assert funded.view_many(calls) == [assets + ONE, token.balanceOf(alice)]  # values are read anew each time


def test_a_state_changing_function_is_refused(chain, vault, alice):
    with pytest.raises(TypeError, match=r"MockVault\.deposit\(uint256,address\) is not a view"):
        chain.view_many(((vault, "totalAssets"), (vault, "deposit", (1, alice))))


def test_a_malformed_call_is_named(chain, vault):
    with pytest.raises(TypeError, match="each call is"):
        chain.view_many(("totalAssets",))
    with pytest.raises(AttributeError, match="has no function 'nope'"):
        chain.view_many(((vault, "nope"),))


def _failing_type(runtime: str) -> ContractType:
    """A contract whose every call runs ``runtime`` (hex), with two view functions in its ABI."""
    size = f"{len(runtime) // 2:02x}"
    init = f"60{size}600a5f3960{size}5ff3" + runtime  # CODECOPY(0, 10, size); RETURN(0, size)
    views = [
        {"type": "function", "name": name, "stateMutability": "view", "inputs": [], "outputs": [{"type": "uint256"}]}
        for name in ("boom", "other")
    ]
    errors = [{"type": "error", "name": "Nope", "inputs": [{"name": "code", "type": "uint256"}]}]
    return ContractType.model_validate(
        {"contractName": "Failing", "abi": views + errors, "deploymentBytecode": {"bytecode": "0x" + init}}
    )


def test_a_reverting_view_raises_what_it_raises_alone(chain, vault, deployer):
    # revert Nope(7): mstore the selector and the argument, revert(28, 36)
    from eth_utils import keccak

    selector = keccak(text="Nope(uint256)")[:4].hex()
    runtime = f"63{selector}5f52" + "6007602052" + "6024601cfd"
    failing = chain.deploy(_failing_type(runtime), sender=deployer)
    with pytest.raises(RevertError) as alone:
        failing.boom()
    with pytest.raises(RevertError) as batched:
        chain.view_many(((vault, "totalAssets"), (failing, "boom")))
    assert batched.value.error == alone.value.error
    assert (batched.value.error.name, batched.value.error.args) == ("Nope", (7,))


def test_a_halting_view_raises_a_halt(chain, vault, deployer):
    failing = chain.deploy(_failing_type("fe"), sender=deployer)  # INVALID
    with pytest.raises(HaltError):
        chain.view_many(((failing, "other"), (vault, "totalAssets")))


def test_the_helper_is_installed_on_every_chain(chain):
    assert chain.code(MULTIVIEW_ADDRESS)  # before any snapshot: reverting to one keeps it
    snapshot = chain.snapshot()
    chain.revert(snapshot)
    assert chain.code(MULTIVIEW_ADDRESS)
