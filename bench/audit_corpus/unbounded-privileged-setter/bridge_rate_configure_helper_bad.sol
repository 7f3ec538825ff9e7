// [audit-corpus] unbounded-privileged-setter | BAD | `configure` (via `_applyRate`) lets the controller replace the wrapped-token exchange rate with any non-zero value, which `wrap`/`unwrap` use to price every deposit and redemption.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// L2 side of a liquid-staking bridge: the controller relays the L1 exchange
/// rate (underlying per wrapped share, 1e18) and users wrap/unwrap at it.
contract BridgedStakeRate {
    using SafeERC20 for IERC20;

    IERC20 public immutable underlying;
    address public controller;
    uint256 public rate = 1e18;
    uint256 public rateUpdatedAt;
    uint256 public totalShares;
    mapping(address => uint256) public sharesOf;

    constructor(IERC20 underlying_) {
        underlying = underlying_;
        controller = msg.sender;
        rateUpdatedAt = block.timestamp;
    }

    function handOver(address next) external {
        require(msg.sender == controller, "controller");
        controller = next;
    }

    function configure(uint256 newRate) external {
        require(msg.sender == controller, "controller");
        _applyRate(newRate);
    }

    function _applyRate(uint256 newRate) internal {
        require(newRate != 0, "zero");
        rate = newRate;
        rateUpdatedAt = block.timestamp;
    }

    function wrap(uint256 amount) external returns (uint256 shares) {
        shares = (amount * 1e18) / rate;
        sharesOf[msg.sender] += shares;
        totalShares += shares;
        underlying.safeTransferFrom(msg.sender, address(this), amount);
    }

    function unwrap(uint256 shares) external returns (uint256 amount) {
        sharesOf[msg.sender] -= shares;
        totalShares -= shares;
        amount = (shares * rate) / 1e18;
        underlying.safeTransfer(msg.sender, amount);
    }
}
