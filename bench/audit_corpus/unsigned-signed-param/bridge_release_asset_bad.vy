# [audit-corpus] unsigned-signed-param | BAD | `release` transfers the caller-chosen `token`, but the attester's ecrecover digest covers only recipient/amount/nonce, so a release signed for a cheap asset can be paid out in the escrow's most valuable token.
# pragma version ~=0.4.3

from ethereum.ercs import IERC20

attester: public(address)
consumed: public(HashMap[uint256, bool])


@deploy
def __init__(attester: address):
    self.attester = attester


@external
def release(token: IERC20, recipient: address, amount: uint256, nonce: uint256, v: uint8, r: bytes32, s: bytes32):
    assert not self.consumed[nonce], "consumed"
    inner: bytes32 = keccak256(abi_encode(recipient, amount, nonce, self, chain.id))
    digest: bytes32 = keccak256(concat(b"\x19Ethereum Signed Message:\n32", inner))
    who: address = ecrecover(digest, v, r, s)
    assert who != empty(address) and who == self.attester, "attestation"
    self.consumed[nonce] = True
    assert extcall token.transfer(recipient, amount, default_return_value=True)
