// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title StubRouter
/// @notice BENCHMARK ONLY (bench/fuzz_bugs.py). The OracleRouter as the OptionsEngine reads it, with prices set by the
///         fuzz handlers: a spot price per pair, and one final expiry price per (pair, expiry) that is set once and
///         never changes (as the router's recorded expiry prices). Nothing else of the router is modelled.
contract StubRouter {
    error NotFinal(address base, address quote, uint256 expiry);
    error AlreadyFinal(address base, address quote, uint256 expiry);
    error ZeroPrice();

    mapping(bytes32 => uint256) internal _spot;
    mapping(bytes32 => uint256) internal _expiryPrice;

    /// @notice Sets the spot price of `base` in `quote` (1e18-scaled).
    function setSpot(address base, address quote, uint256 price) external {
        _spot[keccak256(abi.encode(base, quote))] = price;
    }

    /// @notice Records the final price of `expiry` (once; non-zero).
    function setExpiryPrice(address base, address quote, uint256 expiry, uint256 price) external {
        bytes32 key = keccak256(abi.encode(base, quote, expiry));
        if (_expiryPrice[key] != 0) revert AlreadyFinal(base, quote, expiry);
        if (price == 0) revert ZeroPrice();
        _expiryPrice[key] = price;
    }

    /// @notice The spot price, dated now.
    function getPrice(address base, address quote) external view returns (uint256 price, uint256 updatedAt) {
        return (_spot[keccak256(abi.encode(base, quote))], block.timestamp);
    }

    /// @notice The final expiry price (reverts until recorded).
    function expiry_price(address base, address quote, uint256 expiry) external view returns (uint256 price) {
        price = _expiryPrice[keccak256(abi.encode(base, quote, expiry))];
        if (price == 0) revert NotFinal(base, quote, expiry);
    }

    /// @notice Whether the expiry price is recorded.
    function is_expiry_price_final(address base, address quote, uint256 expiry) external view returns (bool) {
        return _expiryPrice[keccak256(abi.encode(base, quote, expiry))] != 0;
    }
}
