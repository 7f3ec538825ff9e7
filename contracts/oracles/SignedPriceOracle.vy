# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title SignedPriceOracle
@custom:contract-name SignedPriceOracle
@license MIT
@notice One asset pair (`BASE` priced in `QUOTE`) fed by a committee of off-chain signers. Each signer signs an
        EIP-712 `PriceReport(address base,address quote,uint256 price,uint256 timestamp)` for the same round
        `timestamp`; anyone may submit `threshold` or more distinct registered signatures, and the lower median of
        the signed prices becomes the price of a new round. Every accepted round is kept (round ids 1, 2, ...), so
        the round current at an option expiry can be proven later (IExpiryPriceOracle). The committee, its
        threshold and the number of faulty signers it tolerates change only through the owner (governance: a
        timelock or Safe).
@dev Threat model. Roles and outsiders, and what none of them can ever do:
     - A rogue signer, or up to `max_faulty` (f) of them colluding, signing any prices (extreme, out of bounds, several
       for one timestamp): cannot make an accepted round's price leave the range [lowest, highest] of the prices the
       honest signers in that update signed for that timestamp. The threshold is at least 2f+1, so an update carries
       k >= 2f+1 distinct signers of whom at most f are faulty; the price is the lower median sorted[(k-1)//2], an
       element of the signed prices and never a mean. At least (k-1)//2 + 1 > f prices are <= it and at least
       k - (k-1)//2 > f are >= it, so an honest price lies on each side. With more than f faulty signers in one
       update nothing is promised (that is what f means; governance sets it).
     - A submitter (anyone: the signatures are the authorization) choosing which signatures and prices to include,
       in any order: same bound, whatever subset of size >= threshold it picks. It cannot add a signer twice (a
       bitmap of signer indices), a non-member, a report for another price or timestamp than the one signed.
     - A front-runner copying an honest update's signatures from the mempool and re-submitting a subset of them,
       with or without rogue signatures: it submits an update like any other, so the same bound holds; the honest
       update then fails (NonIncreasingTimestamp) and the round stays within the honest prices.
     - Replay: the EIP-712 domain binds the chain id and this contract's address (a report signed for another chain
       or another oracle never verifies here), the struct binds the pair, and round timestamps strictly increase
       (a report is never accepted twice, nor an older one after a newer). Reports older than MAX_AGE or dated more
       than MAX_FUTURE_DRIFT ahead of the block are refused. Signatures are 65 bytes with low `s` (snekmate's ecdsa).
     - Governance (the owner, behind the timelock) can replace the committee, threshold and f (set_signers, logged
       by SignersChanged), and thereby decide future prices after its delay; it can never set a committee where
       threshold < 2f+1, 2 * threshold <= len(signers) or threshold > len(signers), never write a price, and never
       change or remove an accepted round: expiry evidence is final once recorded.
     - An expiry recorder (anyone calling priceAt, e.g. the router, with any hint): gets the one round current at
       the expiry or a revert; it cannot pick a staler or a fresher round (see invariant 6).
     Errors are ABI-encoded custom errors (Solidity-compatible selectors) raised with `raw_revert`:
       OracleUnsupportedPair(address,address), InvalidConfig(string), LengthMismatch(uint256,uint256),
       InsufficientSignatures(uint256,uint256), NonIncreasingTimestamp(uint256,uint256),
       ReportFromFuture(uint256,uint256), StaleReport(uint256,uint256), InvalidSignature(uint256),
       UnknownSigner(address), DuplicateSigner(address), PriceOutOfBounds(uint256,uint256,uint256),
       NoPrice(), StalePrice(uint256,uint256), ExpiryNotPassed(uint256), MalformedHint(uint256),
       NotExpiryRound(uint256,uint256), RoundNotFinal(uint256,uint256), NoRoundAtExpiry(uint256).
@custom:invariants (1) Rounds are numbered 1, 2, ..., latest_round() with no gap; an accepted round is never changed or
                       removed; round timestamps strictly increase with the id and stay below 2**64; latest_timestamp()
                       and latest_price() are round latest_round()'s.
                   (2) Each round was accepted with threshold or more distinct registered signers (of the committee
                       at that time) over (BASE, QUOTE, price_i, timestamp) in this contract's domain; its price is
                       the lower median sorted[(k-1)//2] of the k signed prices and lies in [MIN_PRICE, MAX_PRICE]
                       (MAX_PRICE < 2**192: price and timestamp share one slot).
                   (3) With at most max_faulty faulty signers among an update's signers, its price lies between the
                       lowest and the highest price the honest ones among them signed for that timestamp.
                   (4) getPrice never returns a price older than MAX_AGE seconds.
                   (5) 0 < threshold <= len(signers) <= MAX_SIGNERS, 2 * threshold > len(signers) and
                       threshold >= 2 * max_faulty + 1; signer_index[s] is s's 1-based position in signers, 0 for
                       non-signers.
                   (6) priceAt(expiry, abi.encode(id)) answers only for the round current at expiry: ts(id) <= expiry
                       and either ts(id + 1) > expiry, or id is the latest and block.timestamp > expiry + MAX_AGE
                       (no report dated <= expiry can be accepted any more). At most one id satisfies this, and
                       once one does its answer never changes; expiryHint finds it by binary search (64 steps).
                   (7) getQuote rounds down once in each direction.
"""

from ethereum.ercs import IERC20Detailed

from snekmate.auth import ownable
from snekmate.utils import ecdsa
from snekmate.utils import eip712_domain_separator as eip712
from snekmate.utils import math

from ..interfaces import IExpiryPriceOracle
from ..interfaces import IPriceOracle

implements: IPriceOracle
implements: IExpiryPriceOracle

initializes: ownable
initializes: eip712

exports: (ownable.owner, ownable.transfer_ownership, eip712.eip712Domain)


# @notice Most signers in a committee (bounds every loop in this contract).
MAX_SIGNERS: public(constant(uint256)) = 16
# @notice EIP-712 type hash of a signed price report.
REPORT_TYPEHASH: public(constant(bytes32)) = keccak256(
    "PriceReport(address base,address quote,uint256 price,uint256 timestamp)"
)

# @notice The asset priced.
BASE: public(immutable(address))
# @notice The asset the price is expressed in.
QUOTE: public(immutable(address))
# @notice Oldest acceptable report or price, in seconds.
MAX_AGE: public(immutable(uint256))
# @notice How far a report's timestamp may run ahead of the block (signer clock skew), in seconds.
MAX_FUTURE_DRIFT: public(immutable(uint256))
# @notice Lowest acceptable 1e18-scaled median (circuit breaker).
MIN_PRICE: public(immutable(uint256))
# @notice Highest acceptable 1e18-scaled median (circuit breaker).
MAX_PRICE: public(immutable(uint256))

_UNIT_RATIO: immutable(uint256)
_BASE_HAS_MORE_DECIMALS: immutable(bool)

# @notice Registered signers, in registration order.
signers: public(DynArray[address, MAX_SIGNERS])
# @notice 1-based position of a signer in `signers`; 0 when not a signer.
signer_index: public(HashMap[address, uint256])

_MASK_64: constant(uint256) = 2**64 - 1
_MAX_PACKED_PRICE: constant(uint256) = 2**192 - 1

# @dev What every update reads and writes, in one slot: max_faulty << 136 | threshold << 128 | latest round id << 64 |
#      latest round timestamp (threshold <= 16 and max_faulty <= 7 fit 8 bits each; ids and timestamps < 2**64).
_state: uint256
# @dev Every accepted round, by id (1, 2, ...): price << 64 | timestamp. One new slot per update.
_rounds: HashMap[uint256, uint256]


event PriceUpdated:
    round_id: indexed(uint256)
    price: uint256
    timestamp: uint256
    signatures: uint256
    submitter: indexed(address)


event SignersChanged:
    signers: DynArray[address, MAX_SIGNERS]
    threshold: uint256
    max_faulty: uint256


@deploy
def __init__(
    base: address,
    quote: address,
    max_age: uint256,
    max_future_drift: uint256,
    min_price: uint256,
    max_price: uint256,
    signers_: DynArray[address, MAX_SIGNERS],
    threshold_: uint256,
    max_faulty_: uint256,
    governance: address,
):
    """
    @param base The asset priced (an ERC-20 with decimals <= 36).
    @param quote The asset the price is expressed in (an ERC-20 with decimals <= 36).
    @param max_age Oldest acceptable report or price, in seconds (> 0).
    @param max_future_drift How far a report may be dated ahead of the block, in seconds (at most one day, which
           also keeps every accepted timestamp below 2**64).
    @param min_price Lowest acceptable 1e18-scaled median (> 0).
    @param max_price Highest acceptable 1e18-scaled median (>= min_price, < 2**192).
    @param signers_ The committee (distinct, non-zero, at most MAX_SIGNERS).
    @param threshold_ Distinct signatures per update: a strict majority of `signers_` and at least 2 * max_faulty_ + 1.
    @param max_faulty_ How many faulty signers the committee tolerates (f): with at most f of them in an update, its
           price lies within the honest signers' prices.
    @param governance The owner: the only account that may change the committee (a timelock or Safe).
    """
    if base == empty(address) or quote == empty(address) or base == quote:
        self._invalid_config("base/quote")
    if max_age == 0:
        self._invalid_config("max_age")
    if max_future_drift > 86400:
        self._invalid_config("max_future_drift")
    if min_price == 0 or max_price < min_price or max_price > _MAX_PACKED_PRICE:
        self._invalid_config("min_price/max_price")
    if governance == empty(address):
        self._invalid_config("governance")
    base_decimals: uint256 = convert(staticcall IERC20Detailed(base).decimals(), uint256)
    quote_decimals: uint256 = convert(staticcall IERC20Detailed(quote).decimals(), uint256)
    if base_decimals > 36 or quote_decimals > 36:
        self._invalid_config("asset decimals > 36")
    BASE = base
    QUOTE = quote
    MAX_AGE = max_age
    MAX_FUTURE_DRIFT = max_future_drift
    MIN_PRICE = min_price
    MAX_PRICE = max_price
    _BASE_HAS_MORE_DECIMALS = base_decimals >= quote_decimals
    unit_ratio: uint256 = (
        10**(base_decimals - quote_decimals) if _BASE_HAS_MORE_DECIMALS else 10**(quote_decimals - base_decimals)
    )
    # price * _UNIT_RATIO must fit in 256 bits for every price that can be stored.
    if not _BASE_HAS_MORE_DECIMALS and max_price > max_value(uint256) // unit_ratio:
        self._invalid_config("max_price")
    _UNIT_RATIO = unit_ratio
    ownable.__init__()
    eip712.__init__("Strikeforge SignedPriceOracle", "1")
    self._set_signers(signers_, threshold_, max_faulty_)
    ownable._transfer_ownership(governance)


@external
def update(timestamp: uint256, prices: DynArray[uint256, MAX_SIGNERS], signatures: DynArray[Bytes[65], MAX_SIGNERS]):
    """
    @notice Accepts a signed round: `prices[i]` signed by the signer of `signatures[i]`, all for `timestamp`.
    @dev Permissionless: the signatures are the authorization. Reverts unless `threshold` or more distinct
         registered signers signed, `timestamp` is newer than the last round, not older than MAX_AGE and not more
         than MAX_FUTURE_DRIFT ahead, and the lower median lies within [MIN_PRICE, MAX_PRICE]. The round gets the
         next id.
    @param timestamp The round's timestamp (seconds), shared by every report in it.
    @param prices Each signer's 1e18-scaled price, in the order of `signatures`.
    @param signatures 65-byte ECDSA signatures (r, s, v) over each report's EIP-712 digest.
    """
    state: uint256 = self._state
    threshold_: uint256 = (state >> 128) & 255
    count: uint256 = len(prices)
    if count != len(signatures):
        raw_revert(concat(method_id("LengthMismatch(uint256,uint256)"), abi_encode(count, len(signatures))))
    if count < threshold_:
        raw_revert(concat(method_id("InsufficientSignatures(uint256,uint256)"), abi_encode(count, threshold_)))
    last: uint256 = state & _MASK_64
    if timestamp <= last:
        raw_revert(concat(method_id("NonIncreasingTimestamp(uint256,uint256)"), abi_encode(timestamp, last)))
    if timestamp > block.timestamp + MAX_FUTURE_DRIFT:
        raw_revert(concat(method_id("ReportFromFuture(uint256,uint256)"), abi_encode(timestamp, block.timestamp)))
    if timestamp + MAX_AGE < block.timestamp:
        raw_revert(concat(method_id("StaleReport(uint256,uint256)"), abi_encode(timestamp, MAX_AGE)))

    seen: uint256 = 0
    for i: uint256 in range(count, bound=MAX_SIGNERS):
        if len(signatures[i]) != 65:
            raw_revert(concat(method_id("InvalidSignature(uint256)"), abi_encode(i)))
        digest: bytes32 = eip712._hash_typed_data_v4(
            keccak256(abi_encode(REPORT_TYPEHASH, BASE, QUOTE, prices[i], timestamp))
        )
        signer: address = ecdsa._recover_sig(digest, signatures[i])
        index: uint256 = self.signer_index[signer]
        if index == 0:
            raw_revert(concat(method_id("UnknownSigner(address)"), abi_encode(signer)))
        bit: uint256 = 1 << index
        if seen & bit != 0:
            raw_revert(concat(method_id("DuplicateSigner(address)"), abi_encode(signer)))
        seen |= bit

    price: uint256 = self._lower_median(prices)
    if price < MIN_PRICE or price > MAX_PRICE:
        raw_revert(
            concat(method_id("PriceOutOfBounds(uint256,uint256,uint256)"), abi_encode(price, MIN_PRICE, MAX_PRICE))
        )
    # ids and timestamps stay below 2**64: one id per strictly increasing timestamp < 2**64 (max_future_drift <= 1 day)
    round_id: uint256 = ((state >> 64) & _MASK_64) + 1
    self._rounds[round_id] = (price << 64) | timestamp  # price <= MAX_PRICE < 2**192
    self._state = ((state >> 128) << 128) | (round_id << 64) | timestamp
    log PriceUpdated(round_id=round_id, price=price, timestamp=timestamp, signatures=count, submitter=msg.sender)


@external
def set_signers(new_signers: DynArray[address, MAX_SIGNERS], new_threshold: uint256, new_max_faulty: uint256):
    """
    @notice Replaces the committee, its threshold and the number of faulty signers it tolerates. Owner (governance)
            only. Accepted rounds are kept unchanged.
    @param new_signers The new committee (distinct, non-zero, at least one).
    @param new_threshold Distinct signatures per update: a strict majority, at most len(new_signers), and at least
           2 * new_max_faulty + 1.
    @param new_max_faulty Faulty signers tolerated per update (f).
    """
    ownable._check_owner()
    for old: address in self.signers:
        self.signer_index[old] = 0
    self._set_signers(new_signers, new_threshold, new_max_faulty)


@external
@view
def getPrice(base: address, quote: address) -> (uint256, uint256):
    """
    @notice The price of the last accepted round (1e18-scaled) and the round's timestamp.
    @param base Must be BASE.
    @param quote Must be QUOTE.
    @return The 1e18-scaled price and its timestamp.
    """
    self._check_pair(base, quote)
    return self._price()


@external
@view
def getQuote(inAmount: uint256, base: address, quote: address) -> uint256:
    """
    @notice The value of `inAmount` of `base` in `quote` (ERC-7726), rounded down.
    @param inAmount Amount of `base`, in its smallest unit.
    @param base BASE or QUOTE.
    @param quote The other one.
    @return The value in `quote`'s smallest unit.
    """
    price: uint256 = self._price()[0]
    if base == BASE and quote == QUOTE:
        if _BASE_HAS_MORE_DECIMALS:
            return math._mul_div(inAmount, price, 10**18 * _UNIT_RATIO, False)
        return math._mul_div(inAmount, price * _UNIT_RATIO, 10**18, False)
    if base == QUOTE and quote == BASE:
        if _BASE_HAS_MORE_DECIMALS:
            return math._mul_div(inAmount, 10**18 * _UNIT_RATIO, price, False)
        return math._mul_div(inAmount, 10**18, price * _UNIT_RATIO, False)
    raw_revert(concat(method_id("OracleUnsupportedPair(address,address)"), abi_encode(base, quote)))


@external
@view
def priceAt(base: address, quote: address, expiry: uint256, hint: Bytes[256]) -> (uint256, uint256):
    """
    @notice The price of the round current at `expiry` and its timestamp, proven from `hint`; reverts for any other
            round.
    @dev The round current at expiry: ts <= expiry and either the next round is dated after expiry, or it is the
         latest round and block.timestamp > expiry + MAX_AGE (update refuses reports older than MAX_AGE, so no
         round dated <= expiry can follow). Reverts ExpiryNotPassed while block.timestamp <= expiry, MalformedHint
         unless `hint` is 32 bytes, NotExpiryRound for another round, RoundNotFinal for the latest round before
         expiry + MAX_AGE. No lag tolerance is applied here (the router applies its own).
    @param base Must be BASE.
    @param quote Must be QUOTE.
    @param expiry The expiry timestamp.
    @param hint abi.encode(uint256 roundId).
    @return The round's 1e18-scaled price and its timestamp.
    """
    self._check_pair(base, quote)
    if block.timestamp <= expiry:
        raw_revert(concat(method_id("ExpiryNotPassed(uint256)"), abi_encode(expiry)))
    if len(hint) != 32:
        raw_revert(concat(method_id("MalformedHint(uint256)"), abi_encode(len(hint))))
    return self._expiry_round(abi_decode(hint, uint256), expiry)


@external
@view
def expiryHint(base: address, quote: address, expiry: uint256) -> Bytes[256]:
    """
    @notice The hint for priceAt: abi.encode(uint256 id) of the round current at `expiry`, found by binary search.
    @dev Reverts as priceAt would for that round (ExpiryNotPassed, RoundNotFinal) and NoRoundAtExpiry when no round
         is dated at or before `expiry`. At most 64 halvings (ids are below 2**64).
    @param base Must be BASE.
    @param quote Must be QUOTE.
    @param expiry The expiry timestamp.
    @return abi.encode(uint256 roundId).
    """
    self._check_pair(base, quote)
    if block.timestamp <= expiry:
        raw_revert(concat(method_id("ExpiryNotPassed(uint256)"), abi_encode(expiry)))
    low: uint256 = 0  # 0 or a round dated <= expiry; the answer lies in [low, high]
    high: uint256 = (self._state >> 64) & _MASK_64
    for _: uint256 in range(64):
        if low >= high:
            break
        middle: uint256 = high - (high - low) // 2  # in (low, high]
        if self._rounds[middle] & _MASK_64 <= expiry:
            low = middle
        else:
            high = middle - 1
    if low == 0:
        raw_revert(concat(method_id("NoRoundAtExpiry(uint256)"), abi_encode(expiry)))
    self._expiry_round(low, expiry)
    return abi_encode(low)


@external
@view
def threshold() -> uint256:
    """
    @notice Distinct signatures an update needs.
    @return The threshold.
    """
    return (self._state >> 128) & 255


@external
@view
def max_faulty() -> uint256:
    """
    @notice Faulty signers an update tolerates (f): threshold >= 2f+1.
    @return f.
    """
    return (self._state >> 136) & 255


@external
@view
def signer_count() -> uint256:
    """
    @notice How many signers the committee has.
    @return len(signers).
    """
    return len(self.signers)


@external
@view
def report_digest(price: uint256, timestamp: uint256) -> bytes32:
    """
    @notice The EIP-712 digest a signer signs for `price` at `timestamp` (for off-chain signers to cross-check).
    @param price The 1e18-scaled price.
    @param timestamp The round timestamp.
    @return The digest.
    """
    return eip712._hash_typed_data_v4(keccak256(abi_encode(REPORT_TYPEHASH, BASE, QUOTE, price, timestamp)))


@external
@view
def latest_round() -> uint256:
    """
    @notice The id of the last accepted round; 0 before the first.
    @return The round id.
    """
    return (self._state >> 64) & _MASK_64


@external
@view
def round_data(round_id: uint256) -> (uint256, uint256):
    """
    @notice An accepted round's 1e18-scaled price and timestamp; (0, 0) for an id not (yet) accepted.
    @param round_id The round id (1 is the first).
    @return The price and the timestamp.
    """
    packed: uint256 = self._rounds[round_id]
    return packed >> 64, packed & _MASK_64


@external
@view
def latest_price() -> uint256:
    """
    @notice The price of the last accepted round (1e18-scaled), unchecked for age; 0 before the first round.
    @return The price.
    """
    return self._rounds[(self._state >> 64) & _MASK_64] >> 64


@external
@view
def latest_timestamp() -> uint256:
    """
    @notice The timestamp of the last accepted round; 0 before the first round.
    @return The timestamp.
    """
    return self._state & _MASK_64


@internal
@view
def _check_pair(base: address, quote: address):
    if base != BASE or quote != QUOTE:
        raw_revert(concat(method_id("OracleUnsupportedPair(address,address)"), abi_encode(base, quote)))


@internal
@view
def _price() -> (uint256, uint256):
    state: uint256 = self._state
    updated_at: uint256 = state & _MASK_64
    if updated_at == 0:
        raw_revert(method_id("NoPrice()"))
    if updated_at + MAX_AGE < block.timestamp:
        raw_revert(concat(method_id("StalePrice(uint256,uint256)"), abi_encode(updated_at, MAX_AGE)))
    return self._rounds[(state >> 64) & _MASK_64] >> 64, updated_at


@internal
@view
def _expiry_round(round_id: uint256, expiry: uint256) -> (uint256, uint256):
    """
    @dev (price, timestamp) of `round_id` if it is the round current at `expiry` (block.timestamp > expiry checked by
         the caller, so expiry + MAX_AGE cannot overflow), else a revert.
    """
    latest: uint256 = (self._state >> 64) & _MASK_64
    if round_id == 0 or round_id > latest:
        raw_revert(concat(method_id("NotExpiryRound(uint256,uint256)"), abi_encode(round_id, expiry)))
    packed: uint256 = self._rounds[round_id]
    if packed & _MASK_64 > expiry:
        raw_revert(concat(method_id("NotExpiryRound(uint256,uint256)"), abi_encode(round_id, expiry)))
    if round_id < latest:
        if self._rounds[round_id + 1] & _MASK_64 <= expiry:
            raw_revert(concat(method_id("NotExpiryRound(uint256,uint256)"), abi_encode(round_id, expiry)))
    elif block.timestamp <= expiry + MAX_AGE:
        raw_revert(concat(method_id("RoundNotFinal(uint256,uint256)"), abi_encode(round_id, expiry + MAX_AGE)))
    return packed >> 64, packed & _MASK_64


@internal
def _set_signers(new_signers: DynArray[address, MAX_SIGNERS], new_threshold: uint256, new_max_faulty: uint256):
    count: uint256 = len(new_signers)
    if count == 0 or new_threshold > count or 2 * new_threshold <= count:
        self._invalid_config("threshold")
    if new_max_faulty > (new_threshold - 1) // 2:  # threshold >= 2f+1, without overflow for any f
        self._invalid_config("max_faulty")
    for i: uint256 in range(count, bound=MAX_SIGNERS):
        signer: address = new_signers[i]
        if signer == empty(address) or self.signer_index[signer] != 0:
            self._invalid_config("signers")
        self.signer_index[signer] = i + 1
    self.signers = new_signers
    # threshold <= 16 and max_faulty <= 7: 8 bits each; the latest round (low 128 bits) is kept
    self._state = (new_max_faulty << 136) | (new_threshold << 128) | (self._state & (2**128 - 1))
    log SignersChanged(signers=new_signers, threshold=new_threshold, max_faulty=new_max_faulty)


@internal
@pure
def _lower_median(values: DynArray[uint256, MAX_SIGNERS]) -> uint256:
    """
    @dev The lower median sorted[(k-1)//2] of k >= 1 values (an element, never a mean), by insertion sort.
    """
    sorted: DynArray[uint256, MAX_SIGNERS] = []
    for value: uint256 in values:
        sorted.append(value)
        j: uint256 = len(sorted) - 1
        for _: uint256 in range(MAX_SIGNERS):
            if j == 0 or sorted[j - 1] <= sorted[j]:
                break
            swap: uint256 = sorted[j]
            sorted[j] = sorted[j - 1]
            sorted[j - 1] = swap
            j -= 1
    return sorted[(len(sorted) - 1) // 2]


@internal
@pure
def _invalid_config(reason: String[32]):
    raw_revert(concat(method_id("InvalidConfig(string)"), abi_encode(reason)))
