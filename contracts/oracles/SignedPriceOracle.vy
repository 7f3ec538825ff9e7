# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title SignedPriceOracle
@custom:contract-name SignedPriceOracle
@license MIT
@notice One asset pair (`BASE` priced in `QUOTE`) fed by a committee of off-chain signers. Each signer signs an
        EIP-712 `PriceReport(address base,address quote,uint256 price,uint256 timestamp)` for the same round
        `timestamp`; anyone may submit `threshold` or more distinct registered signatures, and the median of the
        signed prices becomes the price. The signer set and threshold change only through the owner (governance:
        a timelock or Safe).
@dev Replay protection: the EIP-712 domain binds chain id and this contract's address (a report signed for another
     chain or another oracle never verifies here), the struct binds the pair, and round timestamps must strictly
     increase (a report is never accepted twice, nor an older one after a newer). Signatures are 65 bytes with low
     `s` (snekmate's ecdsa); a signer is counted once per update (bitmap of signer indices). The threshold is a
     strict majority of the signers, so the median of any accepted update lies between prices signed by honest
     signers while fewer than half of the submitted signers lie.
     Errors are ABI-encoded custom errors (Solidity-compatible selectors) raised with `raw_revert`:
       UnsupportedPair(address,address), InvalidConfig(string), LengthMismatch(uint256,uint256),
       InsufficientSignatures(uint256,uint256), NonIncreasingTimestamp(uint256,uint256),
       ReportFromFuture(uint256,uint256), StaleReport(uint256,uint256), InvalidSignature(uint256),
       UnknownSigner(address), DuplicateSigner(address), PriceOutOfBounds(uint256,uint256,uint256),
       NoPrice(), StalePrice(uint256,uint256).
@custom:invariants (1) latest_timestamp only increases (and stays below 2**64); each accepted update has threshold or more distinct
                       registered signers over (BASE, QUOTE, price_i, timestamp) in this contract's domain.
                   (2) latest_price is the median of the accepted update's signed prices and lies in
                       [MIN_PRICE, MAX_PRICE] (MAX_PRICE < 2**192: price and timestamp share one slot).
                   (3) getPrice never returns a price older than MAX_AGE seconds.
                   (4) 0 < threshold <= len(signers) <= MAX_SIGNERS and 2 * threshold > len(signers);
                       signer_index[s] is s's 1-based position in signers, 0 for non-signers.
                   (5) getQuote rounds down once in each direction.
"""

from ethereum.ercs import IERC20Detailed

from snekmate.auth import ownable
from snekmate.utils import ecdsa
from snekmate.utils import eip712_domain_separator as eip712
from snekmate.utils import math

from ..interfaces import IPriceOracle

implements: IPriceOracle

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
# @notice Distinct signatures an update needs.
threshold: public(uint256)
_TIMESTAMP_MASK: constant(uint256) = 2**64 - 1
_MAX_PACKED_PRICE: constant(uint256) = 2**192 - 1

# @dev The last accepted round, packed in one slot (one SSTORE per update): median << 64 | timestamp.
_latest: uint256


event PriceUpdated:
    price: uint256
    timestamp: uint256
    signatures: uint256
    submitter: indexed(address)


event SignersChanged:
    signers: DynArray[address, MAX_SIGNERS]
    threshold: uint256


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
    @param threshold_ Distinct signatures per update (a strict majority of `signers_`).
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
    self._set_signers(signers_, threshold_)
    ownable._transfer_ownership(governance)


@external
def update(timestamp: uint256, prices: DynArray[uint256, MAX_SIGNERS], signatures: DynArray[Bytes[65], MAX_SIGNERS]):
    """
    @notice Accepts a signed round: `prices[i]` signed by the signer of `signatures[i]`, all for `timestamp`.
    @dev Permissionless: the signatures are the authorization. Reverts unless `threshold` or more distinct
         registered signers signed, `timestamp` is newer than the last round, not older than MAX_AGE and not more
         than MAX_FUTURE_DRIFT ahead, and the median lies within [MIN_PRICE, MAX_PRICE].
    @param timestamp The round's timestamp (seconds), shared by every report in it.
    @param prices Each signer's 1e18-scaled price, in the order of `signatures`.
    @param signatures 65-byte ECDSA signatures (r, s, v) over each report's EIP-712 digest.
    """
    count: uint256 = len(prices)
    if count != len(signatures):
        raw_revert(concat(method_id("LengthMismatch(uint256,uint256)"), abi_encode(count, len(signatures))))
    if count < self.threshold:
        raw_revert(concat(method_id("InsufficientSignatures(uint256,uint256)"), abi_encode(count, self.threshold)))
    last: uint256 = self._latest & _TIMESTAMP_MASK
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

    price: uint256 = self._median(prices)
    if price < MIN_PRICE or price > MAX_PRICE:
        raw_revert(
            concat(method_id("PriceOutOfBounds(uint256,uint256,uint256)"), abi_encode(price, MIN_PRICE, MAX_PRICE))
        )
    self._latest = (price << 64) | timestamp  # price <= MAX_PRICE < 2**192, timestamp < 2**64
    log PriceUpdated(price=price, timestamp=timestamp, signatures=count, submitter=msg.sender)


@external
def set_signers(new_signers: DynArray[address, MAX_SIGNERS], new_threshold: uint256):
    """
    @notice Replaces the committee and its threshold. Owner (governance) only.
    @param new_signers The new committee (distinct, non-zero, at least one).
    @param new_threshold Distinct signatures per update: a strict majority, at most len(new_signers).
    """
    ownable._check_owner()
    for old: address in self.signers:
        self.signer_index[old] = 0
    self._set_signers(new_signers, new_threshold)


@external
@view
def getPrice(base: address, quote: address) -> (uint256, uint256):
    """
    @notice The median of the last accepted round (1e18-scaled) and the round's timestamp.
    @param base Must be BASE.
    @param quote Must be QUOTE.
    @return The 1e18-scaled price and its timestamp.
    """
    if base != BASE or quote != QUOTE:
        raw_revert(concat(method_id("UnsupportedPair(address,address)"), abi_encode(base, quote)))
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
    raw_revert(concat(method_id("UnsupportedPair(address,address)"), abi_encode(base, quote)))


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
def latest_price() -> uint256:
    """
    @notice The median of the last accepted round (1e18-scaled), unchecked for age; 0 before the first round.
    @return The price.
    """
    return self._latest >> 64


@external
@view
def latest_timestamp() -> uint256:
    """
    @notice The timestamp of the last accepted round; 0 before the first round.
    @return The timestamp.
    """
    return self._latest & _TIMESTAMP_MASK


@internal
@view
def _price() -> (uint256, uint256):
    latest: uint256 = self._latest
    updated_at: uint256 = latest & _TIMESTAMP_MASK
    if updated_at == 0:
        raw_revert(method_id("NoPrice()"))
    if updated_at + MAX_AGE < block.timestamp:
        raw_revert(concat(method_id("StalePrice(uint256,uint256)"), abi_encode(updated_at, MAX_AGE)))
    return latest >> 64, updated_at


@internal
def _set_signers(new_signers: DynArray[address, MAX_SIGNERS], new_threshold: uint256):
    count: uint256 = len(new_signers)
    if count == 0 or new_threshold > count or 2 * new_threshold <= count:
        self._invalid_config("threshold")
    for i: uint256 in range(count, bound=MAX_SIGNERS):
        signer: address = new_signers[i]
        if signer == empty(address) or self.signer_index[signer] != 0:
            self._invalid_config("signers")
        self.signer_index[signer] = i + 1
    self.signers = new_signers
    self.threshold = new_threshold
    log SignersChanged(signers=new_signers, threshold=new_threshold)


@internal
@pure
def _median(values: DynArray[uint256, MAX_SIGNERS]) -> uint256:
    """
    @dev The median (the floor of the mean of the two middle values for an even count), by insertion sort.
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
    middle: uint256 = len(sorted) // 2
    if len(sorted) % 2 == 1:
        return sorted[middle]
    low: uint256 = sorted[middle - 1]
    return low + (sorted[middle] - low) // 2


@internal
@pure
def _invalid_config(reason: String[32]):
    raw_revert(concat(method_id("InvalidConfig(string)"), abi_encode(reason)))
