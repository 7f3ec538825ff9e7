# [audit-corpus] fp-probes | GOOD | `_price` reads latestRoundData and checks every value it uses (answer > 0, updated_at within MAX_AGE and not in the future); round ids and answeredInRound are not used.
# pragma version ~=0.4.3

interface AggregatorV3:
    def decimals() -> uint8: view
    def latestRoundData() -> (uint80, int256, uint256, uint256, uint80): view

MAX_AGE: constant(uint256) = 3600

feed: public(AggregatorV3)
scale: public(uint256)


@deploy
def __init__(feed: AggregatorV3):
    self.feed = feed
    self.scale = 10 ** (18 - convert(staticcall feed.decimals(), uint256))


@internal
@view
def _price() -> uint256:
    round_id: uint80 = 0
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    answered_in: uint80 = 0
    round_id, answer, started_at, updated_at, answered_in = staticcall self.feed.latestRoundData()
    assert answer > 0, "invalid answer"
    assert updated_at <= block.timestamp, "future"
    assert block.timestamp - updated_at <= MAX_AGE, "stale"
    return convert(answer, uint256) * self.scale


@external
@view
def collateral_value(amount: uint256) -> uint256:
    return amount * self._price() // 10**18
