// [audit-corpus] unguarded-privileged-setter | GOOD | `point` requires `boss` like the other setters, so only the boss can redirect where `flush` sends protocol fees.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// Yield vault that skims a performance fee on harvests.
contract SkimVault {
    using SafeERC20 for IERC20;

    uint256 public constant MAX_SKIM_BPS = 2_000;

    IERC20 public immutable asset;
    address public boss;
    address public target;
    address public harvester;
    uint256 public skimBps = 1_000;
    uint256 public accrued;
    uint256 public managed;

    constructor(IERC20 asset_, address target_) {
        asset = asset_;
        boss = msg.sender;
        target = target_;
        harvester = msg.sender;
    }

    function setBoss(address b) external {
        require(msg.sender == boss, "boss");
        boss = b;
    }

    function setHarvester(address h) external {
        require(msg.sender == boss, "boss");
        harvester = h;
    }

    function setSkim(uint256 bps) external {
        require(msg.sender == boss, "boss");
        require(bps <= MAX_SKIM_BPS, "bps");
        skimBps = bps;
    }

    function point(address a) external {
        require(msg.sender == boss, "boss");
        require(a != address(0), "zero");
        target = a;
    }

    function report(uint256 gain) external {
        require(msg.sender == harvester, "harvester");
        uint256 cut = (gain * skimBps) / 10_000;
        accrued += cut;
        managed += gain - cut;
        asset.safeTransferFrom(msg.sender, address(this), gain);
    }

    function flush() external {
        uint256 amount = accrued;
        accrued = 0;
        asset.safeTransfer(target, amount);
    }
}
