// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BugsBase, IERC20Like} from "./BugsBase.sol";

interface IAuction {
    function createAuction(address sold, address cash, uint128 supply, uint128 reserve, uint96 minBidSize, uint64 end)
        external
        returns (uint256);
    function bid(uint256 auctionId, uint256 size, uint256 limitPrice) external returns (uint256);
    function settle(uint256 auctionId, uint256 clearingPrice) external;
    function claim(uint256 auctionId, uint256[] calldata bidIds, address to) external returns (uint256, uint256);
    function claimSeller(uint256 auctionId, address to) external returns (uint256, uint256);
    function statusOf(uint256 auctionId) external view returns (uint256, uint256, bool, uint256);
}

/// @dev The auction world (bench/faults/auction.py is its Python twin): BatchAuction with a book of 4 bids; the
///      deployer sells 18-decimal option tokens for 6-decimal cash, one auction at a time (the handlers act on the
///      latest), each bidding for one hour.
uint256 constant MAX_BIDS = 4;
uint256 constant PRICE_SCALE = 1e18;

contract AuctionHandler is BugsBase {
    struct Bid {
        address bidder;
        uint256 size;
        uint256 limit;
        bool claimed;
    }

    struct Auction {
        uint256 supply;
        uint256 reserve;
        uint256 minBid;
        uint256 bidCount;
        bool settled;
        bool sellerClaimed;
    }

    IAuction public immutable auction;
    IERC20Like public immutable sold;
    IERC20Like public immutable cash;
    address public immutable seller;
    address[3] public actors;
    mapping(uint256 => Auction) public auctions;
    mapping(uint256 => mapping(uint256 => Bid)) public bids;
    uint256 public count;

    constructor(IAuction auction_, IERC20Like sold_, IERC20Like cash_, address seller_, address[3] memory actors_) {
        auction = auction_;
        sold = sold_;
        cash = cash_;
        seller = seller_;
        actors = actors_;
    }

    function create(uint256 rawSupply, uint256 rawReserve) external {
        uint256 supply = bound(rawSupply, 1e18, 100e18);
        uint256 reserve = bound(rawReserve, 1e6, 1000e6);
        uint256 minBid = supply / 10;
        uint64 end = uint64(block.timestamp + 3600);
        hevm.prank(seller);
        try auction.createAuction(
            address(sold), address(cash), uint128(supply), uint128(reserve), uint96(minBid), end
        ) returns (
            uint256 id
        ) {
            auctions[id] = Auction(supply, reserve, minBid, 0, false, false);
            count = id;
        } catch {}
    }

    function bid(uint256 seed, uint256 rawSize, uint256 rawLimit) external {
        if (count == 0) return;
        Auction storage g = auctions[count];
        address a = actors[seed % 3];
        uint256 size = bound(rawSize, g.minBid, g.supply);
        uint256 limit = bound(rawLimit, g.reserve, 4 * g.reserve);
        hevm.prank(a);
        try auction.bid(count, size, limit) returns (uint256 bidId) {
            bids[count][bidId] = Bid(a, size, limit, false);
            g.bidCount = bidId + 1;
        } catch {}
    }

    /// @dev A keeper settles at a candidate price: the reserve or one of the bids' limits.
    function settle(uint256 raw) external {
        if (count == 0) return;
        Auction storage g = auctions[count];
        uint256 k = raw % (g.bidCount + 1);
        uint256 hint = k == 0 ? g.reserve : bids[count][k - 1].limit;
        try auction.settle(count, hint) {
            g.settled = true;
        } catch {}
    }

    function claim(uint256 raw) external {
        if (count == 0) return;
        uint256 n = auctions[count].bidCount;
        if (n == 0) return;
        uint256 j = raw % n;
        Bid storage b = bids[count][j];
        uint256[] memory ids = new uint256[](1);
        ids[0] = j;
        hevm.prank(b.bidder);
        try auction.claim(count, ids, b.bidder) {
            b.claimed = true;
        } catch {}
    }

    function claimSeller() external {
        if (count == 0) return;
        hevm.prank(seller);
        try auction.claimSeller(count, seller) {
            auctions[count].sellerClaimed = true;
        } catch {}
    }

    function warp(uint256 raw) external {
        warpBy(raw, 600);
    }

    /// @notice The clearing price by brute force: the highest bid limit whose demand at or above it covers the
    ///         supply, else the reserve.
    function clearing(uint256 id) public view returns (uint256 price) {
        Auction storage g = auctions[id];
        price = g.reserve;
        for (uint256 i; i < g.bidCount; ++i) {
            uint256 q = bids[id][i].limit;
            if (q <= price) continue;
            uint256 demand;
            for (uint256 j; j < g.bidCount; ++j) {
                if (bids[id][j].limit >= q) demand += bids[id][j].size;
            }
            if (demand >= g.supply) price = q;
        }
    }

    /// @notice What the auction contract must hold, by the rules: escrows until settlement; then each unclaimed bid's
    ///         fill and refund, and the seller's proceeds and unsold tokens until it claims.
    function expected() external view returns (uint256 cashOwed, uint256 soldOwed) {
        for (uint256 id = 1; id <= count; ++id) {
            Auction storage g = auctions[id];
            if (!g.settled) {
                soldOwed += g.supply;
                for (uint256 i; i < g.bidCount; ++i) {
                    cashOwed += _ceil(bids[id][i].size * bids[id][i].limit);
                }
                continue;
            }
            uint256 p = clearing(id);
            uint256 above;
            uint256 tied;
            for (uint256 i; i < g.bidCount; ++i) {
                if (bids[id][i].limit > p) above += bids[id][i].size;
                else if (bids[id][i].limit == p) tied += bids[id][i].size;
            }
            uint256 remaining = g.supply - above;
            uint256 filled;
            uint256 paid;
            for (uint256 i; i < g.bidCount; ++i) {
                Bid storage b = bids[id][i];
                uint256 f =
                    b.limit > p ? b.size : b.limit < p ? 0 : tied <= remaining ? b.size : b.size * remaining / tied;
                uint256 pay = _ceil(f * p);
                filled += f;
                paid += pay;
                if (!b.claimed) {
                    soldOwed += f;
                    cashOwed += _ceil(b.size * b.limit) - pay;
                }
            }
            if (!g.sellerClaimed) {
                soldOwed += g.supply - filled;
                cashOwed += paid;
            }
        }
    }

    function _ceil(uint256 x) internal pure returns (uint256) {
        return x == 0 ? 0 : (x - 1) / PRICE_SCALE + 1;
    }
}

contract AuctionBugs is BugsBase {
    IAuction internal auction;
    IERC20Like internal sold;
    IERC20Like internal cash;
    AuctionHandler internal handler;

    function setUp() public {
        hevm.warp(START_TIME);
        address deployer = actor("deployer");
        address[3] memory actors = [actor("alice"), actor("bob"), actor("carol")];
        sold = IERC20Like(deployCode("MockERC20", abi.encode("Option", "OPT", uint8(18)), deployer));
        cash = IERC20Like(deployCode("MockERC20", abi.encode("USD Coin", "USDC", uint8(6)), deployer));
        auction = IAuction(deployCode("BatchAuction", abi.encode(MAX_BIDS), deployer));
        hevm.startPrank(deployer);
        sold.mint(deployer, FUNDS);
        for (uint256 i; i < 3; ++i) {
            cash.mint(actors[i], FUNDS);
        }
        sold.approve(address(auction), type(uint256).max);
        hevm.stopPrank();
        for (uint256 i; i < 3; ++i) {
            hevm.prank(actors[i]);
            cash.approve(address(auction), type(uint256).max);
        }
        handler = new AuctionHandler(auction, sold, cash, deployer, actors);
        bytes4[] memory selectors = new bytes4[](6);
        selectors[0] = AuctionHandler.create.selector;
        selectors[1] = AuctionHandler.bid.selector;
        selectors[2] = AuctionHandler.settle.selector;
        selectors[3] = AuctionHandler.claim.selector;
        selectors[4] = AuctionHandler.claimSeller.selector;
        selectors[5] = AuctionHandler.warp.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev One campaign checks every property after every call (forge runs one campaign per invariant function).
    function invariant_world() public view {
        _owed();
        _price();
    }

    /// @dev The contract holds exactly what it owes, in cash and in sold tokens.
    function _owed() internal view {
        (uint256 cashOwed, uint256 soldOwed) = handler.expected();
        require(cash.balanceOf(address(auction)) == cashOwed, "cash held != owed");
        require(sold.balanceOf(address(auction)) == soldOwed, "tokens held != owed");
    }

    /// @dev A settled auction cleared at the brute-force price.
    function _price() internal view {
        for (uint256 id = 1; id <= handler.count(); ++id) {
            (,,,, bool settled,) = handler.auctions(id);
            if (!settled) continue;
            (,,, uint256 price) = auction.statusOf(id);
            require(price == handler.clearing(id), "cleared away from the brute-force price");
        }
    }
}
