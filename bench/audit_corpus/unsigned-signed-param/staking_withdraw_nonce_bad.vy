# [audit-corpus] unsigned-signed-param | BAD | `withdraw_for` records the caller-supplied `nonce` as used, but the staker's digest does not include it, so one signature can be replayed with fresh nonces to unstake the staker's whole balance.
# pragma version ~=0.4.3

from ethereum.ercs import IERC20

stake_token: public(IERC20)
staked: public(HashMap[address, uint256])
used: public(HashMap[address, HashMap[uint256, bool]])


@deploy
def __init__(stake_token: IERC20):
    self.stake_token = stake_token


@external
def stake(amount: uint256):
    self.staked[msg.sender] += amount
    assert extcall self.stake_token.transferFrom(msg.sender, self, amount, default_return_value=True)


@external
def withdraw_for(staker: address, receiver: address, amount: uint256, nonce: uint256, v: uint8, r: bytes32, s: bytes32):
    assert not self.used[staker][nonce], "nonce"
    h: bytes32 = keccak256(abi_encode(staker, receiver, amount, self, chain.id))
    eth_h: bytes32 = keccak256(concat(b"\x19Ethereum Signed Message:\n32", h))
    signer: address = ecrecover(eth_h, v, r, s)
    assert signer != empty(address) and signer == staker, "sig"
    self.used[staker][nonce] = True
    self.staked[staker] -= amount
    assert extcall self.stake_token.transfer(receiver, amount, default_return_value=True)
