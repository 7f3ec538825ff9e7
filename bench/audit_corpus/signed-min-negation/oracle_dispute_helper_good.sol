// [audit-corpus] signed-min-negation | GOOD | Asserted values and rulings are stored as int128 and widened to int256, so the difference passed to `_mag` can never be type(int256).min and `settle` always completes.
// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// Optimistic index oracle: an asserter posts a signed index value with a bond,
/// a disputer can counter-bond, and the arbiter's ruling decides who is paid.
contract IndexAssertions {
    struct Assertion {
        address asserter;
        address disputer;
        int128 value;
        int128 ruling;
        uint64 assertedAt;
        bool ruled;
        bool settled;
    }

    uint256 public constant BOND = 1 ether;
    uint256 public constant LIVENESS = 2 hours;
    uint256 public constant TOLERANCE = 1e6;

    address public immutable arbiter;
    uint256 public count;
    mapping(uint256 => Assertion) public assertions;
    mapping(address => uint256) public owedTo;

    constructor(address arbiter_) {
        arbiter = arbiter_;
    }

    function assertValue(int128 value) external payable returns (uint256 id) {
        require(msg.value == BOND, "bond");
        id = ++count;
        Assertion storage a = assertions[id];
        a.asserter = msg.sender;
        a.value = value;
        a.assertedAt = uint64(block.timestamp);
    }

    function dispute(uint256 id) external payable {
        Assertion storage a = assertions[id];
        require(a.asserter != address(0) && a.disputer == address(0), "state");
        require(block.timestamp < a.assertedAt + LIVENESS, "liveness");
        require(msg.value == BOND, "bond");
        a.disputer = msg.sender;
    }

    function rule(uint256 id, int128 truth) external {
        require(msg.sender == arbiter, "arbiter");
        Assertion storage a = assertions[id];
        require(a.disputer != address(0) && !a.ruled, "state");
        a.ruling = truth;
        a.ruled = true;
    }

    function settle(uint256 id) external {
        Assertion storage a = assertions[id];
        require(a.asserter != address(0) && !a.settled, "state");
        a.settled = true;
        if (a.disputer == address(0)) {
            require(block.timestamp >= a.assertedAt + LIVENESS, "liveness");
            owedTo[a.asserter] += BOND;
            return;
        }
        require(a.ruled, "unruled");
        address winner = _gap(int256(a.value), int256(a.ruling)) <= TOLERANCE ? a.asserter : a.disputer;
        owedTo[winner] += 2 * BOND;
    }

    function _gap(int256 x, int256 y) internal pure returns (uint256) {
        return _mag(x - y);
    }

    function _mag(int256 v) private pure returns (uint256) {
        return v < 0 ? uint256(-v) : uint256(v);
    }

    function claim() external {
        uint256 amount = owedTo[msg.sender];
        owedTo[msg.sender] = 0;
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "send");
    }
}
