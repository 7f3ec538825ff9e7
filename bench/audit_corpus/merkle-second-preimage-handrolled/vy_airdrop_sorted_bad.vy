# [audit-corpus] merkle-second-preimage-handrolled | BAD | `claim` walks a hand-rolled sorted-pair proof from keccak256(abi_encode(account, amount)), a single hash of exactly 64 bytes, so an internal node can be claimed as a leaf.
# pragma version ~=0.4.3

from ethereum.ercs import IERC20

MAX_DEPTH: constant(uint256) = 32

token: public(IERC20)
root: public(bytes32)
claimed: public(HashMap[address, bool])


@deploy
def __init__(token: IERC20, root: bytes32):
    self.token = token
    self.root = root


@external
def claim(account: address, amount: uint256, proof: DynArray[bytes32, MAX_DEPTH]):
    assert not self.claimed[account], "claimed"
    node: bytes32 = keccak256(abi_encode(account, amount))
    for sib: bytes32 in proof:
        if convert(node, uint256) < convert(sib, uint256):
            node = keccak256(concat(node, sib))
        else:
            node = keccak256(concat(sib, node))
    assert node == self.root, "invalid proof"
    self.claimed[account] = True
    assert extcall self.token.transfer(account, amount, default_return_value=True)
