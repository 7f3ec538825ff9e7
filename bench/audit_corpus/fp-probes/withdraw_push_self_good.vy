# [audit-corpus] fp-probes | GOOD | `withdraw` pushes ETH (reverting raw_call) only to msg.sender for its own zeroed balance, so a failing recipient can only block its own withdrawal.
# pragma version ~=0.4.3

host: public(address)
balance_of: public(HashMap[address, uint256])


@deploy
def __init__():
    self.host = msg.sender


@external
@payable
def credit(who: address):
    assert msg.sender == self.host, "host"
    self.balance_of[who] += msg.value


@external
@nonreentrant
def withdraw():
    amount: uint256 = self.balance_of[msg.sender]
    assert amount > 0, "nothing"
    self.balance_of[msg.sender] = 0
    raw_call(msg.sender, b"", value=amount)
