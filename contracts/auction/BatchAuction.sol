// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

/// @title BatchAuction
/// @notice Uniform-price sealed batch auctions (Gnosis EasyAuction's model) of any ERC-20 (the vault's option tokens)
///         for any ERC-20 cash. A seller deposits `supply` tokens with a reserve price and a bidding end; until the end
///         anyone bids (size, limit price) and escrows size * limit in cash; after the end anyone settles; every winner
///         pays the one clearing price; bids at the clearing price share what is left pro rata; the seller pulls the
///         proceeds and the unsold tokens, each bidder pulls its tokens and its refund. Many auctions live in one
///         contract (the vault creates one per roll).
/// @dev Units. Sizes are the sold token's base units; prices are cash base units per PRICE_SCALE (1e18) sold base
///      units (per whole option for 18-decimal options). A bid escrows ceil(size * limit / 1e18).
///
///      Clearing. The clearing price p is the highest price at which demand covers the supply, demand(>= p) >= supply,
///      or the reserve when even demand(>= reserve) falls short (every valid bid is at or above the reserve). Then
///      demand(> p) < supply: bids above p fill in full; bids at p share R = supply - demand(> p), each filled
///      floor(size * R / demand(= p)) (in full when demand(= p) <= R); bids below p get nothing. Ties share pro rata
///      rather than by arrival (EasyAuction breaks them by user id), so transaction order within the bidding window
///      buys nothing. A bid filled f pays ceil(f * p / 1e18) and is refunded its escrow minus that. Rounding is
///      against bidders on both sides (fills down, payments up); the dust of fills returns to the seller as unsold.
///
///      Bounded settlement: a bid cap AND a checked price hint. MAX_BIDS (immutable, e.g. 256) caps the bids of an
///      auction, so settlement is one pass over at most MAX_BIDS slots (plus a second, warm pass over them when bids
///      tie at the price). The settler passes p; the contract checks it in that pass (p >= reserve, demand(> p) <
///      supply, and demand(>= p) >= supply unless p is the reserve), which pins the unique p above, so no sort is
///      done on chain. `clearingPriceOf` computes p in a view (quadratic, for eth_call) so any keeper can settle
///      with `settle(id, clearingPriceOf(id))`; a wrong hint reverts WrongClearingPrice and changes nothing. We chose
///      the cap over EasyAuction's unbounded sorted linked list plus off-chain iteration (precalculateSellAmountSum)
///      because the vault needs a settlement whose worst case is a known figure and a bid that costs O(1): keeping a
///      sorted list makes each bid pay a walk or trust a caller-supplied neighbour, and unbounded settlement needs
///      several transactions that a griefer can make expensive.
///
///      Bid storage is one slot (bidder id 32 bits, size 112, limit 104, claimed 8) so a bid stays under 90,000 gas;
///      bidders are numbered once, on their first bid (EasyAuction's user ids), which costs that first bid one more
///      slot (`bidderId`; no reverse map is stored: BidPlaced names the address).
///
///      Threat model.
///      - A griefing bidder. Dust: every bid must be at least the seller's `minBidSize` and at or above the reserve,
///        so it escrows real cash. Bids at the cap: a griefer can fill the book's MAX_BIDS slots (even all at the
///        reserve, right after creation), but a full book takes `outbid`: a bid that dominates a slot's bid (a
///        strictly higher limit, at least its size) replaces it, and the replaced bid's escrow is refundable at once.
///        Demand at every price only rises with each replacement, so a squatted book cannot lock out higher bids nor
///        hold the clearing price down; replacing costs the replacer a firm, higher bid. Huge sizes or prices are
///        refused beyond uint112/uint104.
///      - Cancel races. Bids cannot be cancelled (EasyAuction's cancellation window lets demand be shown and pulled
///        late, and lets a griefer fill the cap and empty it for gas only): once placed a bid stands until settled.
///      - A reverting or blacklisted bidder (e.g. USDC's blacklist): settlement moves no tokens and every payout is
///        a pull by its owner to a recipient it names, so such a bidder can only lock its own payout.
///      - A front-runner in the same block: bids are public (sealed only in the batch sense: nobody's own price sets
///        what it pays unless it is the marginal bid); arrival order buys nothing because ties share pro rata; a
///        later, higher bid only outbids, which is the auction working. Bidding closes at `end` (block.timestamp <
///        end), settling opens at `end`, so no block both bids and settles.
///      - The settler: anyone, once; its only input is the price hint, which is checked, so it cannot pick a price.
///      - The seller: cannot change the terms, cancel, or withdraw after creating (the supply is escrowed at
///        creation, checked by balance, so a fee-on-transfer sold token is refused); it can bid in its own auction
///        (shill), which can raise the clearing price but never above any winner's own limit. Its proceeds and unsold
///        tokens are a pull, so a seller that cannot receive cannot block bidders. Cash tokens that charge fees on
///        transfer or rebase are unsupported (escrow is credited as sent, not as received).
///
///      Invariants (checked by tests/auction): for a settled auction, proceeds + sum of refunds (outbid bids' included)
///      == sum of escrows (each refund is escrow - payment, an outbid bid's is its escrow, and proceeds is the sum of
///      payments); no winner pays above its limit
///      (ceil(f * p / 1e18) <= ceil(size * limit / 1e18) as f <= size and p <= limit); sold + unsold == supply; the
///      clearing price and every fill equal a brute-force clearing (sort by price, walk the demand); the contract
///      holds, per token, at least everything still owed; each bid and the seller are paid at most once.
contract BatchAuction is ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Prices are cash base units per this many sold base units.
    uint256 public constant PRICE_SCALE = 1e18;
    /// @notice Bidding windows are at most this long.
    uint256 public constant MAX_DURATION = 30 days;

    /// @notice Bids per auction, at most.
    uint256 public immutable MAX_BIDS;

    struct Auction {
        // slot 0: read and written by every bid
        address seller;
        uint64 end;
        uint32 bidCount;
        // slot 1
        IERC20 cash;
        uint96 minBidSize;
        // slot 2
        uint128 supply;
        uint128 reserve;
        // slot 3
        IERC20 sold;
        bool settled;
        bool sellerClaimed;
        uint32 outbidCount; // bids pushed out of a full book (their escrow is refundable at once)
        // settlement (written once)
        uint128 clearingPrice;
        uint128 remaining; // R: supply left for the bids at the clearing price
        uint256 tied; // demand at exactly the clearing price
        uint256 proceeds;
        uint256 unsold;
    }

    /// @notice The auctions, by id (from 1).
    mapping(uint256 auctionId => Auction) internal _auctions;
    /// @notice Bids, one packed slot each: bidder id (32) | size (112) | limit (104) | claimed (8). Ids 0..MAX_BIDS-1
    ///         are the book's slots; `outbid` replaces a slot's bid with a dominating one.
    mapping(uint256 auctionId => mapping(uint256 bidId => uint256)) internal _bids;
    /// @notice Bids pushed out of the book by `outbid`, by outbid index, packed as `_bids`: fully refundable.
    mapping(uint256 auctionId => mapping(uint256 index => uint256)) internal _outbids;
    /// @notice Bidder ids (from 1) by address.
    mapping(address bidder => uint32) public bidderId;
    /// @notice Auctions created so far.
    uint256 public auctionCount;
    /// @notice Bidders numbered so far.
    uint32 public bidderCount;

    error ZeroAmount();
    error SameToken();
    error BadEnd(uint256 end);
    error BadMinBidSize(uint256 minBidSize);
    error NotReceived(uint256 expected, uint256 received);
    error NoAuction(uint256 auctionId);
    error BiddingClosed(uint256 auctionId);
    error BiddingOpen(uint256 auctionId);
    error BidTooSmall(uint256 size, uint256 minBidSize);
    error BelowReserve(uint256 limitPrice, uint256 reserve);
    error TooLarge();
    error BidCapReached(uint256 auctionId);
    error AlreadySettled(uint256 auctionId);
    error NotSettled(uint256 auctionId);
    error WrongClearingPrice(uint256 price);
    error NotYourBid(uint256 bidId);
    error AlreadyClaimed(uint256 bidId);
    error NotSeller();
    error BookNotFull(uint256 auctionId);
    error NotDominating(uint256 bidId, uint256 size, uint256 limitPrice);

    event AuctionCreated(
        uint256 indexed auctionId,
        address indexed seller,
        IERC20 sold,
        IERC20 cash,
        uint256 supply,
        uint256 reserve,
        uint256 minBidSize,
        uint256 end
    );
    event BidPlaced(uint256 indexed auctionId, uint256 bidId, address indexed bidder, uint256 size, uint256 limit);
    event BidOutbid(uint256 indexed auctionId, uint256 bidId, uint256 outbidIndex, uint256 size, uint256 limit);
    event OutbidRefunded(uint256 indexed auctionId, uint256 outbidIndex, address indexed to, uint256 refund);
    event AuctionSettled(uint256 indexed auctionId, uint256 clearingPrice, uint256 sold, uint256 proceeds);
    event BidClaimed(uint256 indexed auctionId, uint256 bidId, address indexed to, uint256 filled, uint256 refund);
    event SellerClaimed(uint256 indexed auctionId, address indexed to, uint256 proceeds, uint256 unsold);

    /// @param maxBids The bid cap per auction (1..65,535; 256 is the measured default).
    constructor(uint256 maxBids) {
        if (maxBids == 0 || maxBids > type(uint16).max) revert ZeroAmount();
        MAX_BIDS = maxBids;
    }

    // -- seller ---------------------------------------------------------------------------------------------------

    /// @notice Opens an auction of `supply` `sold` tokens (pulled from the caller, the seller) for `cash`, at or
    ///         above `reserve` cash per 1e18 sold units, each bid at least `minBidSize`, bidding until `end`.
    /// @return auctionId The new auction's id.
    function createAuction(IERC20 sold, IERC20 cash, uint128 supply, uint128 reserve, uint96 minBidSize, uint64 end)
        external
        nonReentrant
        returns (uint256 auctionId)
    {
        if (supply == 0 || reserve == 0) revert ZeroAmount();
        if (address(sold) == address(cash)) revert SameToken();
        if (end <= block.timestamp || end > block.timestamp + MAX_DURATION) revert BadEnd(end);
        if (minBidSize == 0 || minBidSize > supply) revert BadMinBidSize(minBidSize);
        auctionId = ++auctionCount;
        Auction storage a = _auctions[auctionId];
        a.seller = msg.sender;
        a.end = end;
        a.cash = cash;
        a.minBidSize = minBidSize;
        a.supply = supply;
        a.reserve = reserve;
        a.sold = sold;
        uint256 before = sold.balanceOf(address(this));
        sold.safeTransferFrom(msg.sender, address(this), supply);
        uint256 received = sold.balanceOf(address(this)) - before;
        if (received != supply) revert NotReceived(supply, received);
        emit AuctionCreated(auctionId, msg.sender, sold, cash, supply, reserve, minBidSize, end);
    }

    /// @notice After settlement, sends the seller (only it may call) its proceeds and its unsold tokens, once.
    /// @return proceeds Cash sent.
    /// @return unsold Sold-token units sent back.
    function claimSeller(uint256 auctionId, address to)
        external
        nonReentrant
        returns (uint256 proceeds, uint256 unsold)
    {
        Auction storage a = _auctions[auctionId];
        if (msg.sender != a.seller) revert NotSeller();
        if (!a.settled) revert NotSettled(auctionId);
        if (a.sellerClaimed) revert AlreadyClaimed(0);
        a.sellerClaimed = true;
        proceeds = a.proceeds;
        unsold = a.unsold;
        if (proceeds != 0) a.cash.safeTransfer(to, proceeds);
        if (unsold != 0) a.sold.safeTransfer(to, unsold);
        emit SellerClaimed(auctionId, to, proceeds, unsold);
    }

    // -- bidders --------------------------------------------------------------------------------------------------

    /// @notice Bids for `size` sold units at up to `limitPrice` cash per 1e18, escrowing ceil(size * limit / 1e18)
    ///         cash from the caller. Bids are firm: no cancellation.
    /// @return bidId The bid's id within the auction (from 0).
    function bid(uint256 auctionId, uint256 size, uint256 limitPrice) external nonReentrant returns (uint256 bidId) {
        Auction storage a = _open(auctionId, size, limitPrice);
        bidId = a.bidCount;
        if (bidId >= MAX_BIDS) revert BidCapReached(auctionId);
        a.bidCount = uint32(bidId + 1);
        _place(a, auctionId, bidId, size, limitPrice);
    }

    /// @notice Once the book is full (MAX_BIDS bids), bids by replacing the bid in slot `bidId` with one that dominates
    ///         it: a strictly higher limit and at least its size. Demand at every price can only rise, so the
    ///         clearing price can only rise; a bid cap filled early (even all of it at the reserve) cannot lock later,
    ///         higher bids out. The replaced bid moves to the outbid list, index `outbidCount`, and its whole escrow is
    ///         refundable at once (`claimOutbid`). Escrows ceil(size * limit / 1e18) from the caller.
    /// @return outbidIndex The replaced bid's index in the outbid list.
    function outbid(uint256 auctionId, uint256 bidId, uint256 size, uint256 limitPrice)
        external
        nonReentrant
        returns (uint256 outbidIndex)
    {
        Auction storage a = _open(auctionId, size, limitPrice);
        if (a.bidCount < MAX_BIDS) revert BookNotFull(auctionId);
        if (bidId >= MAX_BIDS) revert NotDominating(bidId, size, limitPrice);
        uint256 old = _bids[auctionId][bidId];
        (uint256 oldSize, uint256 oldLimit) = _unpack(old);
        if (limitPrice <= oldLimit || size < oldSize) revert NotDominating(bidId, size, limitPrice);
        outbidIndex = a.outbidCount;
        a.outbidCount = uint32(outbidIndex + 1);
        _outbids[auctionId][outbidIndex] = old;
        emit BidOutbid(auctionId, bidId, outbidIndex, oldSize, oldLimit);
        _place(a, auctionId, bidId, size, limitPrice);
    }

    /// @notice Refunds the whole escrow of the caller's outbid bids to `to`, each once; any time (no settlement needed).
    /// @return refund Cash sent.
    function claimOutbid(uint256 auctionId, uint256[] calldata outbidIndexes, address to)
        external
        nonReentrant
        returns (uint256 refund)
    {
        Auction storage a = _auctions[auctionId];
        uint32 me = bidderId[msg.sender];
        for (uint256 i; i < outbidIndexes.length; ++i) {
            uint256 k = outbidIndexes[i];
            uint256 packed = _outbids[auctionId][k];
            if (me == 0 || uint32(packed >> 224) != me) revert NotYourBid(k);
            if (packed & 0xff != 0) revert AlreadyClaimed(k);
            _outbids[auctionId][k] = packed | 1;
            (uint256 size, uint256 limit) = _unpack(packed);
            uint256 r = _ceilDiv(size * limit);
            refund += r;
            emit OutbidRefunded(auctionId, k, to, r);
        }
        if (refund != 0) a.cash.safeTransfer(to, refund);
    }

    /// @notice After settlement, sends the caller's bids' tokens and refunds to `to`; each bid once.
    /// @return filled Sold units sent.
    /// @return refund Cash sent.
    function claim(uint256 auctionId, uint256[] calldata bidIds, address to)
        external
        nonReentrant
        returns (uint256 filled, uint256 refund)
    {
        Auction storage a = _auctions[auctionId];
        if (!a.settled) revert NotSettled(auctionId);
        uint32 me = bidderId[msg.sender];
        for (uint256 i; i < bidIds.length; ++i) {
            (uint256 f, uint256 r) = _claimOne(a, auctionId, bidIds[i], me);
            filled += f;
            refund += r;
            emit BidClaimed(auctionId, bidIds[i], to, f, r);
        }
        if (filled != 0) a.sold.safeTransfer(to, filled);
        if (refund != 0) a.cash.safeTransfer(to, refund);
    }

    // -- settlement -----------------------------------------------------------------------------------------------

    /// @notice Settles the auction at `clearingPrice` (see `clearingPriceOf`), which is checked; anyone, once, after
    ///         the bidding end. Moves no tokens.
    function settle(uint256 auctionId, uint256 clearingPrice) external nonReentrant {
        Auction storage a = _auctions[auctionId];
        if (a.end == 0) revert NoAuction(auctionId);
        if (block.timestamp < a.end) revert BiddingOpen(auctionId);
        if (a.settled) revert AlreadySettled(auctionId);
        uint256 supply = a.supply;
        uint256 n = a.bidCount;
        mapping(uint256 => uint256) storage bids = _bids[auctionId];
        uint256 above;
        uint256 tied;
        uint256 proceeds;
        for (uint256 i; i < n; ++i) {
            (uint256 size, uint256 limit) = _unpack(bids[i]);
            if (limit > clearingPrice) {
                above += size;
                proceeds += _ceilDiv(size * clearingPrice);
            } else if (limit == clearingPrice) {
                tied += size;
            }
        }
        // The unique price: demand(> p) < supply, and demand(>= p) >= supply unless p is the reserve.
        if (
            clearingPrice < a.reserve || clearingPrice > type(uint104).max || above >= supply
                || (above + tied < supply && clearingPrice != a.reserve)
        ) revert WrongClearingPrice(clearingPrice);
        uint256 remaining = supply - above;
        uint256 sold = above;
        if (tied != 0) {
            // Second (warm) pass: the bids at the price, filled in full or pro rata, rounded down.
            for (uint256 i; i < n; ++i) {
                (uint256 size, uint256 limit) = _unpack(bids[i]);
                if (limit == clearingPrice) {
                    uint256 f = tied <= remaining ? size : size * remaining / tied;
                    sold += f;
                    proceeds += _ceilDiv(f * clearingPrice);
                }
            }
        }
        a.settled = true;
        a.clearingPrice = uint128(clearingPrice);
        a.remaining = uint128(remaining);
        a.tied = tied;
        a.proceeds = proceeds;
        a.unsold = supply - sold;
        emit AuctionSettled(auctionId, clearingPrice, sold, proceeds);
    }

    // -- views ----------------------------------------------------------------------------------------------------

    /// @notice The clearing price `settle` accepts (for eth_call: quadratic in the bids).
    function clearingPriceOf(uint256 auctionId) external view returns (uint256 price) {
        Auction storage a = _auctions[auctionId];
        uint256 n = a.bidCount;
        uint256 supply = a.supply;
        price = a.reserve;
        uint256[] memory sizes = new uint256[](n);
        uint256[] memory limits = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            (sizes[i], limits[i]) = _unpack(_bids[auctionId][i]);
        }
        for (uint256 i; i < n; ++i) {
            uint256 q = limits[i];
            if (q <= price) continue;
            uint256 demand;
            for (uint256 j; j < n; ++j) {
                if (limits[j] >= q) demand += sizes[j];
            }
            if (demand >= supply) price = q;
        }
    }

    /// @notice An auction's bidding end (0: no such auction), its supply, whether it is settled, and its clearing
    ///         price (0 until settled).
    function statusOf(uint256 auctionId)
        external
        view
        returns (uint256 end, uint256 supply, bool settled, uint256 clearingPrice)
    {
        Auction storage a = _auctions[auctionId];
        return (a.end, a.supply, a.settled, a.clearingPrice);
    }

    /// @notice An auction's terms and, once settled, its outcome.
    function auctionOf(uint256 auctionId) external view returns (Auction memory) {
        return _auctions[auctionId];
    }

    /// @notice A bid: its bidder's id (`bidderId`; the address is in BidPlaced), size, limit price and whether it was
    ///         claimed.
    function bidOf(uint256 auctionId, uint256 bidId)
        external
        view
        returns (uint256 bidder, uint256 size, uint256 limitPrice, bool claimed)
    {
        uint256 packed = _bids[auctionId][bidId];
        (size, limitPrice) = _unpack(packed);
        return (packed >> 224, size, limitPrice, packed & 0xff != 0);
    }

    /// @notice An outbid bid: its bidder's id, size, limit price and whether its refund was claimed.
    function outbidOf(uint256 auctionId, uint256 outbidIndex)
        external
        view
        returns (uint256 bidder, uint256 size, uint256 limitPrice, bool claimed)
    {
        uint256 packed = _outbids[auctionId][outbidIndex];
        (size, limitPrice) = _unpack(packed);
        return (packed >> 224, size, limitPrice, packed & 0xff != 0);
    }

    /// @notice What a bid gets once the auction is settled: sold units filled, cash paid and cash refunded.
    function outcomeOf(uint256 auctionId, uint256 bidId)
        external
        view
        returns (uint256 filled, uint256 paid, uint256 refund)
    {
        Auction storage a = _auctions[auctionId];
        if (!a.settled) revert NotSettled(auctionId);
        (uint256 size, uint256 limit) = _unpack(_bids[auctionId][bidId]);
        filled = _fill(a, size, limit, a.clearingPrice);
        paid = _ceilDiv(filled * a.clearingPrice);
        refund = _ceilDiv(size * limit) - paid;
    }

    // -- internals ------------------------------------------------------------------------------------------------

    /// @dev The auction, checked open for a bid of `size` at `limitPrice` (exists, before its end, size and price
    ///      within its floor, reserve and the packed fields).
    function _open(uint256 auctionId, uint256 size, uint256 limitPrice) private view returns (Auction storage a) {
        a = _auctions[auctionId];
        uint64 end = a.end;
        if (end == 0) revert NoAuction(auctionId);
        if (block.timestamp >= end) revert BiddingClosed(auctionId);
        uint256 minBidSize = a.minBidSize;
        if (size < minBidSize) revert BidTooSmall(size, minBidSize);
        uint256 reserve = a.reserve;
        if (limitPrice < reserve) revert BelowReserve(limitPrice, reserve);
        if (size > type(uint112).max || limitPrice > type(uint104).max) revert TooLarge();
    }

    /// @dev Stores the caller's bid in slot `bidId` (numbering the caller on its first bid) and pulls its escrow.
    function _place(Auction storage a, uint256 auctionId, uint256 bidId, uint256 size, uint256 limitPrice) private {
        uint32 id = bidderId[msg.sender];
        if (id == 0) {
            id = ++bidderCount;
            bidderId[msg.sender] = id;
        }
        _bids[auctionId][bidId] = (uint256(id) << 224) | (size << 112) | (limitPrice << 8);
        a.cash.safeTransferFrom(msg.sender, address(this), _ceilDiv(size * limitPrice));
        emit BidPlaced(auctionId, bidId, msg.sender, size, limitPrice);
    }

    function _claimOne(Auction storage a, uint256 auctionId, uint256 bidId, uint32 me)
        private
        returns (uint256 f, uint256 r)
    {
        uint256 packed = _bids[auctionId][bidId];
        if (me == 0 || uint32(packed >> 224) != me) revert NotYourBid(bidId);
        if (packed & 0xff != 0) revert AlreadyClaimed(bidId);
        _bids[auctionId][bidId] = packed | 1;
        (uint256 size, uint256 limit) = _unpack(packed);
        uint256 price = a.clearingPrice;
        f = _fill(a, size, limit, price);
        r = _ceilDiv(size * limit) - _ceilDiv(f * price);
    }

    function _fill(Auction storage a, uint256 size, uint256 limit, uint256 price) private view returns (uint256) {
        if (limit > price) return size;
        if (limit < price) return 0;
        uint256 tied = a.tied;
        uint256 remaining = a.remaining;
        return tied <= remaining ? size : size * remaining / tied;
    }

    function _unpack(uint256 packed) private pure returns (uint256 size, uint256 limit) {
        size = (packed >> 112) & type(uint112).max;
        limit = (packed >> 8) & type(uint104).max;
    }

    function _ceilDiv(uint256 x) private pure returns (uint256) {
        return x == 0 ? 0 : (x - 1) / PRICE_SCALE + 1;
    }
}
