"""The in-process engine: deployment, calls, reverts, events, value, libraries, snapshots and time."""

from __future__ import annotations

import pytest
from eth_utils import keccak
from ethpm_types import ContractType

from strikeforge.fuzz.chain import RevmChain
from strikeforge.fuzz.errors import HaltError, InvalidTransactionError, RevertError

ONE = 10**18


def test_solidity_and_vyper_contracts_deploy_with_constructor_arguments(token, vault):
    assert token.name() == "Mock USD"
    assert token.decimals() == 18
    assert vault.asset() == token.address  # Vyper immutable set from the constructor argument
    assert vault.name() == "Strikeforge Mock Vault"


def test_transaction_changes_state_and_returns_the_decoded_value(chain, token, vault, deployer, alice):
    token.mint(alice, 100 * ONE, sender=deployer)
    token.approve(vault, 100 * ONE, sender=alice)
    shares = vault.deposit(40 * ONE, alice, sender=alice)
    assert shares == vault.balanceOf(alice) == 40 * ONE
    assert token.balanceOf(vault) == vault.totalAssets() == 40 * ONE


def test_gas_used_matches_ape_receipts(chain, token, deployer):
    """68,427 gas is what Ape's providers report for this first mint to Ape's second test account (demo gas table).

    Calldata is priced per byte (4 gas a zero byte, 16 otherwise), so the receiver must be the same address.
    """
    ape_alice = chain.actor("ape-alice", address="0x70997970C51812dc3A010C7d01b50e0d17dc79C8")
    receipt = token.mint.transact(ape_alice, 1_000 * ONE, sender=deployer)
    assert receipt.gas_used == 68_427


def test_events_are_decoded_across_contracts(chain, types, token, vault, deployer, alice):
    depositor = chain.deploy(types["InteropDepositor"], sender=deployer)
    token.mint(alice, 10 * ONE, sender=deployer)
    token.approve(depositor, 10 * ONE, sender=alice)
    depositor.deposit(vault, 10 * ONE, alice, 0, sender=alice)
    events = chain.events()
    assert [e.name for e in events] == ["Transfer", "Approval", "Transfer", "Transfer", "Deposit", "Routed"]
    routed = events[-1]
    assert routed.address == depositor.address
    assert routed.args == {
        "vault": vault.address,
        "sender": alice.address,
        "receiver": alice.address,
        "assets": 10 * ONE,
        "shares": 10 * ONE,
    }


def test_custom_error_of_the_called_contract_is_decoded(token, alice, deployer):
    with pytest.raises(RevertError) as err:
        token.transfer(deployer, 1, sender=alice)
    assert err.value.error.name == "ERC20InsufficientBalance"
    assert err.value.error.args == (alice.address, 0, 1)
    assert err.value.gas_used > 21_000


def test_custom_error_bubbling_up_from_a_callee_is_decoded(chain, types, token, vault, deployer, alice):
    depositor = chain.deploy(types["InteropDepositor"], sender=deployer)
    token.mint(alice, ONE, sender=deployer)
    with pytest.raises(RevertError) as err:
        depositor.deposit(vault, ONE, alice, 0, sender=alice)  # no allowance: the token's error, through SafeERC20
    assert err.value.error.name == "ERC20InsufficientAllowance"
    assert err.value.error.args == (depositor.address, 0, ONE)


def test_string_reason_from_vyper_is_decoded(vault, alice):
    with pytest.raises(RevertError) as err:
        vault.redeem(1, alice, alice, sender=alice)
    assert err.value.error.name == "Error"
    assert err.value.error.args == ("erc4626: redeem more than maximum",)


def test_revert_leaves_state_unchanged(token, vault, deployer, alice):
    token.mint(alice, ONE, sender=deployer)
    with pytest.raises(RevertError):
        vault.deposit(ONE, alice, sender=alice)  # no allowance
    assert token.balanceOf(alice) == ONE
    assert vault.totalSupply() == 0


def test_library_is_linked_and_value_is_sent(chain, linked_types, deployer, alice):
    library = chain.deploy(linked_types["MockMulDivLib"], sender=deployer)
    math = chain.deploy(linked_types["MockLinkedMath"], sender=deployer, libraries={"MockMulDivLib": library.address})
    assert math.scale(10, 3, 4, sender=alice, value=7) == 7
    assert chain.balance(math) == 7
    assert chain.events()[0].args == {"caller": alice.address, "value": 7, "paid": 7}


def test_missing_library_is_named(chain, linked_types, deployer):
    with pytest.raises(ValueError, match=r"needs library MockLinkedMath.sol:MockMulDivLib"):
        chain.deploy(linked_types["MockLinkedMath"], sender=deployer)


def test_panic_code_is_decoded(chain, linked_types, deployer, alice):
    library = chain.deploy(linked_types["MockMulDivLib"], sender=deployer)
    math = chain.deploy(linked_types["MockLinkedMath"], sender=deployer, libraries={"MockMulDivLib": library.address})
    with pytest.raises(RevertError) as err:
        math.scale(1, 1, 0, sender=alice)
    assert (err.value.error.name, err.value.error.args) == ("Panic", (0x12,))  # division by zero


def test_value_to_a_non_payable_function_is_refused_before_sending(token, alice):
    with pytest.raises(TypeError, match=r"mint\(address,uint256\) is not payable"):
        token.mint.transact(alice, 1, sender=alice, value=1)


def test_snapshot_can_be_reverted_to_many_times(chain, token, deployer, alice):
    snap = chain.snapshot()
    for _ in range(3):
        token.mint(alice, 5, sender=deployer)
        assert token.balanceOf(alice) == 5
        chain.revert(snap)
        assert token.balanceOf(alice) == 0


def test_snapshot_restores_time(chain):
    snap = chain.snapshot()
    start = chain.timestamp
    chain.warp(3_600)
    assert chain.timestamp == start + 3_600
    chain.revert(snap)
    assert chain.timestamp == start


def _clock_type() -> ContractType:
    # runtime: TIMESTAMP PUSH0 MSTORE NUMBER PUSH1 32 MSTORE PUSH1 64 PUSH0 RETURN; returns (timestamp, number)
    runtime = "425f52436020526040" + "5ff3"
    size = f"{len(runtime) // 2:02x}"
    init = f"60{size}600a5f3960{size}5ff3" + runtime  # CODECOPY(0, 10, size); RETURN(0, size): 10 bytes of init
    return ContractType.model_validate(
        {
            "contractName": "Clock",
            "abi": [
                {
                    "type": "function",
                    "name": "now",
                    "stateMutability": "view",
                    "inputs": [],
                    "outputs": [{"name": "", "type": "uint256"}, {"name": "", "type": "uint256"}],
                }
            ],
            "deploymentBytecode": {"bytecode": "0x" + init},
        }
    )


def test_warp_and_mine_move_block_timestamp_and_number(chain, deployer):
    clock = chain.deploy(_clock_type(), sender=deployer)
    t0, n0 = clock.now()
    assert (t0, n0) == (chain.timestamp, chain.block_number)
    chain.warp(86_400)
    assert clock.now() == (t0 + 86_400, n0 + 1)
    chain.mine(10)
    assert clock.now() == (t0 + 86_400 + 120, n0 + 11)


def test_warp_backwards_is_refused(chain):
    with pytest.raises(ValueError, match="time never moves back"):
        chain.warp(-1)


def test_out_of_gas_is_a_halt(types):
    small = RevmChain(gas_limit=300_000)  # above the deployment's intrinsic gas (~198k), far below its cost (~2M)
    owner = small.actor("owner")
    with pytest.raises(HaltError) as err:
        small.deploy(types["MockVault"], owner, 0, sender=owner)
    assert "OutOfGas" in err.value.reason
    assert err.value.gas_used == 300_000


def test_gas_limit_below_intrinsic_gas_is_invalid(types):
    tiny = RevmChain(gas_limit=100_000)
    owner = tiny.actor("owner")
    with pytest.raises(InvalidTransactionError, match=r"Initial gas spend is \d+ but gas limit is 100000"):
        tiny.deploy(types["MockVault"], owner, 0, sender=owner)


def test_actors_are_funded_and_deterministic(chain):
    a1 = chain.actor("alice")
    assert chain.balance(a1) == 10**24
    assert RevmChain().actor("alice").address == a1.address
    assert chain.actor("bob").address != a1.address


def test_overloaded_name_asks_for_the_signature(token):
    with pytest.raises(AttributeError, match="MockERC20 has no function 'nope'"):
        token.nope  # noqa: B018


def test_actor_nonce_sets_the_next_contract_address(types):
    from eth_utils import to_checksum_address
    from rlp import encode as rlp_encode

    chain = RevmChain()
    deployer = chain.actor("deployer", nonce=7)
    token = chain.deploy(types["MockERC20"], "N", "N", 18, sender=deployer)
    expected = keccak(rlp_encode([bytes.fromhex(deployer.address[2:]), 7]))[-20:]
    assert token.address == to_checksum_address(expected)
    assert chain.balance(deployer) == 10**24
