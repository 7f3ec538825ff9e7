// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {BatchAuction} from "../auction/BatchAuction.sol";
import {IOptionsEngine} from "../interfaces/IOptionsEngine.sol";
import {ILedgerWithdrawalReceiver, SettlementLedger} from "./SettlementLedger.sol";

/// @title LedgerBidder
/// @notice A ledger account's bidder of record in the BatchAuction: one clone per account (CREATE2 by the desk, salt =
///         the account), so the auction's own bookkeeping (bids, outbid refunds, claims, each once) is per account.
///         It does only what the desk tells it and sends everything it is paid to the desk, in the same call.
/// @dev Clones delegate to one implementation, whose immutables (DESK, AUCTION) they share.
contract LedgerBidder {
    using SafeERC20 for IERC20;

    /// @notice The only caller (the LedgerAuctionDesk that deployed the implementation).
    address public immutable DESK;
    /// @notice The auction bid in.
    BatchAuction public immutable AUCTION;

    error NotDesk();

    constructor(BatchAuction auction) {
        DESK = msg.sender;
        AUCTION = auction;
    }

    modifier onlyDesk() {
        if (msg.sender != DESK) revert NotDesk();
        _;
    }

    /// @notice Bids (or, with `replace`, outbids the bid in `slot` of a full book) with the `escrow` cash the desk
    ///         has just sent. Desk only.
    /// @return id The bid id (or the outbid index of the replaced bid).
    function bid(
        IERC20 cash,
        uint256 auctionId,
        bool replace,
        uint256 slot,
        uint256 size,
        uint256 limit,
        uint256 escrow
    ) external onlyDesk returns (uint256 id) {
        cash.forceApprove(address(AUCTION), escrow);
        id = replace ? AUCTION.outbid(auctionId, slot, size, limit) : AUCTION.bid(auctionId, size, limit);
    }

    /// @notice Claims settled bids; tokens and refunds go to the desk. Desk only.
    function claim(uint256 auctionId, uint256[] calldata bidIds) external onlyDesk returns (uint256, uint256) {
        return AUCTION.claim(auctionId, bidIds, DESK);
    }

    /// @notice Claims outbid bids' refunds to the desk. Desk only.
    function claimOutbid(uint256 auctionId, uint256[] calldata indexes) external onlyDesk returns (uint256) {
        return AUCTION.claimOutbid(auctionId, indexes, DESK);
    }
}

/// @title LedgerAuctionDesk
/// @notice Bids in the vault's BatchAuction from a SettlementLedger balance and delivers what it wins into the ledger.
///         A bid: the account makes a ledger withdrawal request as usual and, once it is ready, calls
///         `ledger.withdrawAndCall(desk, escrow, abi.encode(auctionId, seriesId, replace, slot, size, limit))`; the
///         desk places the bid through the account's LedgerBidder. After settlement anyone calls `claim` (or
///         `claimOutbid` for a bid pushed out of a full book): the fill is deposited into the account's ledger
///         inventory of the series and the refund into its ledger cash. A fill that arrives once the series has
///         expired (the ledger refuses expired series) is kept here for the account to pull (`withdrawOwed`).
/// @dev Why a withdrawal request first: the ledger's balance may back debits in posted batches not applied yet, so
///      spending it at once could make an honest batch unappliable (the same-second withdrawal class). A bid spends
///      a matured request under the ledger's withdrawal rules, which every batch already counts.
///
///      Threat model.
///      - A trader: can bid only with its own ledger cash (the ledger names the caller as the account, and only the
///        ledger may call onLedgerWithdrawal); its bid is an ordinary auction bid (the reserve, the size floor, the
///        cap and the clearing rules hold); it cannot claim another account's bids (each account has its own bidder
///        of record, and claims always deliver to the bid's own account).
///      - Anyone calling claim/claimOutbid for an account: can only deliver that account's winnings into that
///        account's ledger balance, sooner rather than later; the series id is checked against the auction's sold
///        token, so a wrong id cannot credit another series.
///      - A contract calling onLedgerWithdrawal directly, or a fake auction: refused (NotLedger; AUCTION is
///        immutable), and every LedgerBidder obeys only this desk.
///      - The ledger refusing a deposit (an expired series): the fill is owed here, pulled by the account to an
///        address it names; no one else is blocked. A blacklisted or reverting recipient only blocks itself.
///      - Reentrancy: every entry point is nonReentrant; the auction, the ledger and their tokens are trusted,
///        immutable contracts.
/// @custom:invariants The desk holds, per token, at least the sum of owedOf over accounts (between transactions it
///                    holds nothing else, except tokens sent to it by mistake); a LedgerBidder holds nothing between
///                    transactions; the desk takes cash from an account's ledger balance only through that
///                    account's own withdrawAndCall, for exactly its bid's escrow.
contract LedgerAuctionDesk is ILedgerWithdrawalReceiver, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The ledger whose balances bid and receive.
    SettlementLedger public immutable LEDGER;
    /// @notice The auction bid in.
    BatchAuction public immutable AUCTION;
    /// @notice The ledger's options engine (series ids and tokens).
    IOptionsEngine public immutable ENGINE;
    /// @notice The ledger's cash token: only auctions in it take ledger bids.
    IERC20 public immutable CASH;
    /// @notice The LedgerBidder implementation the accounts' clones delegate to.
    address public immutable BIDDER;

    /// @notice What the desk could not deliver into the ledger, per account and token, for the account to pull.
    mapping(address account => mapping(IERC20 token => uint256)) public owedOf;

    /// @param bidId The account's bid (its slot in the book; for `replace`, the slot it took over).
    /// @param outbidIndex For `replace`, the outbid index of the bid it pushed out (someone else's); else 0.
    event LedgerBid(
        address indexed account,
        uint256 indexed auctionId,
        uint256 seriesId,
        bool replace,
        uint256 bidId,
        uint256 outbidIndex,
        uint256 size,
        uint256 limit,
        uint256 escrow
    );
    event Delivered(
        address indexed account, uint256 indexed auctionId, uint256 seriesId, uint256 filled, uint256 refund, bool owed
    );
    event OwedWithdrawn(address indexed account, IERC20 indexed token, address to, uint256 amount);

    error NotLedger(address caller);
    error WrongEscrow(uint256 sent, uint256 escrow);
    error WrongCash(uint256 auctionId, address cash);
    error WrongSeries(uint256 auctionId, uint256 seriesId);
    error TooLarge();
    error NoBidder(address account);
    error NothingOwed();
    error NoBids();

    /// @param ledger The SettlementLedger (its CASH and ENGINE are read once).
    /// @param auction The BatchAuction the vault sells in.
    constructor(SettlementLedger ledger, BatchAuction auction) {
        LEDGER = ledger;
        AUCTION = auction;
        ENGINE = ledger.ENGINE();
        CASH = ledger.CASH();
        BIDDER = address(new LedgerBidder(auction));
    }

    // ------------------------------------------------------------------------------------------------ bidding

    /// @notice The ledger's callback of `withdrawAndCall`: places `account`'s bid with the `amount` just withdrawn,
    ///         which must be exactly the bid's escrow, ceil(size * limit / 1e18). Ledger only.
    /// @param account The ledger account that withdrew (the bid's owner).
    /// @param amount Cash received from the ledger.
    /// @param data abi.encode(auctionId, seriesId, replace, slot, size, limit): `replace` outbids the bid in `slot`
    ///        (a full book), else `slot` is ignored.
    /// @return This function's selector.
    function onLedgerWithdrawal(address account, uint256 amount, bytes calldata data)
        external
        nonReentrant
        returns (bytes4)
    {
        if (msg.sender != address(LEDGER)) revert NotLedger(msg.sender);
        (uint256 auctionId, uint256 seriesId, bool replace, uint256 slot, uint256 size, uint256 limit) =
            abi.decode(data, (uint256, uint256, bool, uint256, uint256, uint256));
        _checkAuction(auctionId, seriesId);
        uint256 escrow = escrowOf(size, limit);
        if (amount != escrow) revert WrongEscrow(amount, escrow);
        address bidder = _bidderFor(account);
        CASH.safeTransfer(bidder, escrow);
        uint256 id = LedgerBidder(bidder).bid(CASH, auctionId, replace, slot, size, limit, escrow);
        emit LedgerBid(
            account, auctionId, seriesId, replace, replace ? slot : id, replace ? id : 0, size, limit, escrow
        );
        return ILedgerWithdrawalReceiver.onLedgerWithdrawal.selector;
    }

    // ------------------------------------------------------------------------------------------------ delivery

    /// @notice Claims `account`'s settled bids and delivers them into the ledger: the fill into its inventory of the
    ///         series (owed here instead once the series has expired), the refund into its cash. Anyone; at least
    ///         one bid (NoBids), so every Delivered event is a real delivery.
    /// @param account The bids' ledger account.
    /// @param auctionId The auction.
    /// @param seriesId The engine series the auction sells (checked).
    /// @param bidIds The account's bids (each once).
    /// @return filled Option tokens delivered.
    /// @return refund Cash delivered.
    function claim(address account, uint256 auctionId, uint256 seriesId, uint256[] calldata bidIds)
        external
        nonReentrant
        returns (uint256 filled, uint256 refund)
    {
        if (bidIds.length == 0) revert NoBids();
        IERC20 sold = _checkAuction(auctionId, seriesId);
        (filled, refund) = LedgerBidder(_bidderOf(account)).claim(auctionId, bidIds);
        bool owed = false;
        if (filled != 0) {
            (,, uint64 expiry,,,,,,) = ENGINE.series(seriesId);
            owed = block.timestamp >= expiry;
            if (owed) {
                owedOf[account][sold] += filled;
            } else {
                sold.forceApprove(address(LEDGER), filled);
                LEDGER.depositFor(account, seriesId, filled);
            }
        }
        _depositCash(account, refund);
        emit Delivered(account, auctionId, seriesId, filled, refund, owed);
    }

    /// @notice Claims the whole escrow of `account`'s outbid bids into its ledger cash (an auction in the ledger's
    ///         cash; at least one index). Anyone.
    /// @param account The bids' ledger account.
    /// @param auctionId The auction.
    /// @param outbidIndexes The outbid indexes (BidOutbid's), each once.
    /// @return refund Cash delivered.
    function claimOutbid(address account, uint256 auctionId, uint256[] calldata outbidIndexes)
        external
        nonReentrant
        returns (uint256 refund)
    {
        if (outbidIndexes.length == 0) revert NoBids();
        _auctionInCash(auctionId);
        refund = LedgerBidder(_bidderOf(account)).claimOutbid(auctionId, outbidIndexes);
        _depositCash(account, refund);
        emit Delivered(account, auctionId, 0, 0, refund, false);
    }

    /// @notice Sends the caller everything of `token` the desk owes it to `to`.
    /// @param token The token owed (an expired series' option token).
    /// @param to The recipient.
    function withdrawOwed(IERC20 token, address to) external nonReentrant {
        uint256 amount = owedOf[msg.sender][token];
        if (amount == 0) revert NothingOwed();
        owedOf[msg.sender][token] = 0;
        token.safeTransfer(to, amount);
        emit OwedWithdrawn(msg.sender, token, to, amount);
    }

    // ------------------------------------------------------------------------------------------------ views

    /// @notice The escrow a bid of `size` at `limit` takes: ceil(size * limit / 1e18), as the auction computes it.
    function escrowOf(uint256 size, uint256 limit) public pure returns (uint256) {
        if (size > type(uint112).max || limit > type(uint104).max) revert TooLarge();
        uint256 product = size * limit;
        return product == 0 ? 0 : (product - 1) / 1e18 + 1;
    }

    /// @notice The address of `account`'s LedgerBidder (deployed on its first ledger bid).
    function bidderOf(address account) public view returns (address) {
        return Clones.predictDeterministicAddress(BIDDER, _salt(account));
    }

    // ------------------------------------------------------------------------------------------------ internals

    /// @dev The auction's sold token, checked: the auction is in the ledger's cash and sells `seriesId`'s token.
    function _checkAuction(uint256 auctionId, uint256 seriesId) internal view returns (IERC20 sold) {
        sold = _auctionInCash(auctionId).sold;
        if (seriesId == 0 || ENGINE.tokenOf(seriesId) != address(sold)) revert WrongSeries(auctionId, seriesId);
    }

    /// @dev The auction, checked to exist and to be in the ledger's cash (what the desk deposits its refunds as).
    function _auctionInCash(uint256 auctionId) internal view returns (BatchAuction.Auction memory a) {
        a = AUCTION.auctionOf(auctionId);
        if (address(a.cash) != address(CASH)) revert WrongCash(auctionId, address(a.cash));
    }

    function _depositCash(address account, uint256 amount) internal {
        if (amount == 0) return;
        CASH.forceApprove(address(LEDGER), amount);
        LEDGER.depositFor(account, 0, amount);
    }

    function _bidderOf(address account) internal view returns (address bidder) {
        bidder = bidderOf(account);
        if (bidder.code.length == 0) revert NoBidder(account);
    }

    function _bidderFor(address account) internal returns (address bidder) {
        bidder = bidderOf(account);
        if (bidder.code.length == 0) bidder = Clones.cloneDeterministic(BIDDER, _salt(account));
    }

    function _salt(address account) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(account)));
    }
}
