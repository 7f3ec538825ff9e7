# [audit-corpus] same-timestamp-race | GOOD | A redemption settles only at a NAV struck at least NOTICE seconds after the ask (`asked_at + NOTICE <= nav_at`), so the holder must commit before the price is knowable.
# pragma version ~=0.4.3

NOTICE: constant(uint256) = 86400

interface INavSource:
    def nav_per_share() -> uint256: view

struct Ask:
    shares: uint256
    asked_at: uint256

operator: public(address)
nav_source: public(INavSource)
nav: public(uint256)
nav_at: public(uint256)
shares: public(HashMap[address, uint256])
total_shares: public(uint256)
asks: public(HashMap[address, Ask])


@deploy
def __init__(nav_source: INavSource):
    self.operator = msg.sender
    self.nav_source = nav_source


@external
@payable
def subscribe():
    assert self.nav > 0, "no nav"
    minted: uint256 = msg.value * 10**18 // self.nav
    self.shares[msg.sender] += minted
    self.total_shares += minted


@external
def ask_redeem(amount: uint256):
    assert self.asks[msg.sender].shares == 0, "pending"
    assert amount > 0, "amount"
    self.shares[msg.sender] -= amount
    self.asks[msg.sender] = Ask(shares=amount, asked_at=block.timestamp)


@external
def strike_nav():
    assert msg.sender == self.operator, "operator"
    self.nav = staticcall self.nav_source.nav_per_share()
    self.nav_at = block.timestamp


@external
@nonreentrant
def complete_redeem():
    a: Ask = self.asks[msg.sender]
    assert a.shares > 0, "no ask"
    assert a.asked_at + NOTICE <= self.nav_at, "await strike"
    payout: uint256 = a.shares * self.nav // 10**18
    self.asks[msg.sender] = empty(Ask)
    self.total_shares -= a.shares
    send(msg.sender, payout)
