// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {BugsBase, IERC20Like} from "./BugsBase.sol";
import {ILedgerCash, LedgerCashHandlers} from "./LedgerHandlers.sol";

/// @dev SettlementLedger's calldata leaf (BatchTrees.sol's SignedLeaf) and apply_'s leaf.
struct SignedLeaf {
    uint256 batch;
    address account;
    int256 cash;
    int256[4] positions;
    bytes signature;
}

struct Leaf {
    uint256 batch;
    address account;
    int256 cash;
    int256[4] positions;
}

interface ILedger is ILedgerCash {
    function SEQUENCER_ROLE() external view returns (bytes32);
    function grantRole(bytes32 role, address account) external;
    function withdrawals(address account) external view returns (uint128 amount, uint64 requestedAt);
    function batchCount() external view returns (uint256);
    function leavesPosted() external view returns (uint256);
    function postBatch(
        bytes32 root,
        bytes32 leavesRoot,
        uint256[4] calldata series,
        bytes calldata leaves,
        uint256 postingNonce,
        uint256 deadline
    ) external payable returns (uint256);
    function apply_(uint256 id, Leaf calldata leaf, bytes32 signatureHash, uint256 index, bytes32[] calldata proof)
        external;
    function challengeData(uint256 id, bytes calldata leaves) external;
}

/// @dev The ledger world (bench/faults/ledger.py is its Python twin): cash-only batches of two leaves (one account
///      pays another), posted by an honest sequencer, applied leaf by leaf, challengeable with their own calldata.
uint256 constant CHALLENGE_WINDOW = 3600;
uint256 constant BOND = 1 ether;
uint256 constant ESCAPE_PERIOD = 7200;
uint256 constant WITHDRAWAL_DELAY = 7200;
/// @dev Every leaf's co-signature: 65 bytes the ledger only checks in challengeSignature, which no handler calls.
bytes constant SIGNATURE =
    hex"1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111";

contract LedgerHandler is LedgerCashHandlers {
    struct Batch {
        address[2] accounts;
        int256[2] cash;
        bytes32[2] plain;
        bool[2] applied;
        uint256 postedAt;
        bytes data;
    }

    ILedger public immutable ledger;
    address public immutable sequencer;
    mapping(uint256 => Batch) internal _batches;
    /// @notice Valid batches (the ledger's batchCount as the handlers saw it move).
    uint256 public count;
    /// @notice A withdrawal went through with neither a ready request nor escape mode.
    bool public earlyWithdrawal;
    /// @notice challengeData reverted an honest batch.
    bool public honestReverted;

    constructor(ILedger ledger_, IERC20Like cash_, address sequencer_, address[3] memory actors_)
        LedgerCashHandlers(cash_, actors_)
    {
        ledger = ledger_;
        sequencer = sequencer_;
    }

    function _cashLedger() internal view override returns (ILedgerCash) {
        return ledger;
    }

    function withdraw(uint256 seed, uint256 raw) external {
        address a = actors[seed % 3];
        uint256 balance = ledger.balanceOf(a);
        if (balance == 0) return;
        uint256 amount = bound(raw, 1, balance);
        (uint128 requested, uint64 requestedAt) = ledger.withdrawals(a);
        hevm.prank(a);
        try ledger.withdraw(amount) {
            bool ready =
                requestedAt != 0 && block.timestamp >= uint256(requestedAt) + WITHDRAWAL_DELAY && amount <= requested;
            bool escaped = block.timestamp > lastPostedAt() + CHALLENGE_WINDOW + ESCAPE_PERIOD;
            if (!ready && !escaped) earlyWithdrawal = true;
        } catch {}
    }

    /// @dev A batch as the honest sequencer builds it: both leaves, both roots, the calldata, the posting nonce.
    struct Posting {
        address[2] accounts;
        int256[2] cash;
        bytes32[2] plain;
        bytes32 root;
        bytes32 leavesRoot;
        bytes data;
        uint256 nonce;
    }

    /// @dev The sequencer posts one account paying another what it can pay: its balance, less a withdrawal request
    ///      ready by now, less its debits in batches not applied yet (challengeCollateral's rule: never a fraud).
    function post(uint256 seed, uint256 raw) external {
        uint256 p = seed % 3;
        address payer = actors[p];
        address payee = actors[(p + 1 + (seed / 3) % 2) % 3];
        uint256 available = _available(payer);
        if (available == 0) return;
        Posting memory x = _posting(payer, payee, bound(raw, 1, available));
        uint256[4] memory series;
        hevm.prank(sequencer);
        try ledger.postBatch{value: BOND}(x.root, x.leavesRoot, series, x.data, x.nonce, block.timestamp) returns (
            uint256 posted
        ) {
            Batch storage b = _batches[posted];
            b.accounts = x.accounts;
            b.cash = x.cash;
            b.plain = x.plain;
            b.applied = [false, false];
            b.postedAt = block.timestamp;
            b.data = x.data;
            count = posted;
        } catch {}
    }

    function _posting(address payer, address payee, uint256 amount) internal view returns (Posting memory x) {
        uint256 id = ledger.batchCount() + 1;
        x.nonce = ledger.leavesPosted();
        if (payer < payee) {
            x.accounts = [payer, payee];
            x.cash = [-int256(amount), int256(amount)];
        } else {
            x.accounts = [payee, payer];
            x.cash = [int256(amount), -int256(amount)];
        }
        SignedLeaf[] memory leaves = new SignedLeaf[](2);
        int256[4] memory none;
        bytes32[2] memory hashes;
        int256[5][2] memory sums;
        for (uint256 i; i < 2; ++i) {
            leaves[i] = SignedLeaf(id, x.accounts[i], x.cash[i], none, SIGNATURE);
            hashes[i] = _leafHash(0, id, x.accounts[i], x.cash[i]); // Merkle-sum leaf: tag 0
            x.plain[i] = keccak256(bytes.concat(_leafHash(i, id, x.accounts[i], x.cash[i]))); // plain leaf: index i
            sums[i][0] = x.cash[i];
        }
        x.data = abi.encode(leaves);
        x.root = keccak256(abi.encode(uint256(1), hashes[0], sums[0], hashes[1], sums[1]));
        (bytes32 a, bytes32 b) = x.plain[0] < x.plain[1] ? (x.plain[0], x.plain[1]) : (x.plain[1], x.plain[0]);
        x.leavesRoot = keccak256(abi.encode(a, b));
    }

    function _leafHash(uint256 tag, uint256 id, address account, int256 cash) internal pure returns (bytes32) {
        int256[4] memory none;
        return keccak256(abi.encode(tag, id, account, cash, none, keccak256(SIGNATURE)));
    }

    function warp(uint256 raw) external {
        warpBy(raw, 600);
    }

    function applyLeaf(uint256 seed, uint256 raw) external {
        if (count == 0) return;
        uint256 id = bound(raw, 1, count);
        uint256 i = seed % 2;
        Batch storage b = _batches[id];
        int256[4] memory none;
        bytes32[] memory proof = new bytes32[](1);
        proof[0] = b.plain[1 - i];
        Leaf memory leaf = Leaf(id, b.accounts[i], b.cash[i], none);
        bytes32 signatureHash = keccak256(SIGNATURE);
        hevm.prank(actors[0]);
        try ledger.apply_(id, leaf, signatureHash, i, proof) {
            b.applied[i] = true;
        } catch {}
    }

    function challenge(uint256 raw) external {
        if (count == 0) return;
        uint256 id = bound(raw, 1, count);
        bytes memory data = _batches[id].data;
        hevm.prank(actors[0]);
        try ledger.challengeData(id, data) {
            honestReverted = true;
            count = id - 1;
        } catch {}
    }

    /// @notice When the latest valid batch was posted (the deployment before any).
    function lastPostedAt() public view returns (uint256) {
        return count == 0 ? START_TIME : _batches[count].postedAt;
    }

    /// @notice The cash of every leaf of a valid batch not applied yet.
    function unappliedCash() external view returns (int256 total) {
        for (uint256 id = 1; id <= count; ++id) {
            for (uint256 i; i < 2; ++i) {
                if (!_batches[id].applied[i]) total += _batches[id].cash[i];
            }
        }
    }

    /// @notice `account`'s debits in valid batches not applied yet.
    function unappliedDebits(address account) public view returns (uint256 total) {
        for (uint256 id = 1; id <= count; ++id) {
            for (uint256 i; i < 2; ++i) {
                Batch storage b = _batches[id];
                if (!b.applied[i] && b.accounts[i] == account && b.cash[i] < 0) total += uint256(-b.cash[i]);
            }
        }
    }

    function _available(address account) internal view returns (uint256) {
        uint256 balance = ledger.balanceOf(account);
        (uint128 requested, uint64 requestedAt) = ledger.withdrawals(account);
        if (requestedAt != 0 && uint256(requestedAt) + WITHDRAWAL_DELAY <= block.timestamp) {
            balance -= balance < requested ? balance : requested;
        }
        uint256 debits = unappliedDebits(account);
        return balance > debits ? balance - debits : 0;
    }
}

contract LedgerBugs is BugsBase {
    ILedger internal ledger;
    IERC20Like internal cash;
    LedgerHandler internal handler;
    address[3] internal actors;

    function setUp() public {
        hevm.warp(START_TIME);
        address deployer = actor("deployer");
        actors = [actor("alice"), actor("bob"), actor("carol")];
        cash = IERC20Like(deployCode("MockERC20", abi.encode("USD Coin", "USDC", uint8(6)), deployer));
        ledger = ILedger(
            deployCode(
                "SettlementLedger",
                abi.encode(
                    address(cash),
                    actor("engine"),
                    CHALLENGE_WINDOW,
                    BOND,
                    ESCAPE_PERIOD,
                    WITHDRAWAL_DELAY,
                    actor("treasury"),
                    deployer
                ),
                deployer
            )
        );
        hevm.startPrank(deployer);
        ledger.grantRole(ledger.SEQUENCER_ROLE(), deployer);
        for (uint256 i; i < 3; ++i) {
            cash.mint(actors[i], FUNDS);
        }
        hevm.stopPrank();
        for (uint256 i; i < 3; ++i) {
            hevm.prank(actors[i]);
            cash.approve(address(ledger), type(uint256).max);
        }
        handler = new LedgerHandler(ledger, cash, deployer, actors);
        hevm.deal(deployer, FUNDS);
        hevm.deal(address(handler), FUNDS);
        bytes4[] memory selectors = new bytes4[](7);
        selectors[0] = LedgerCashHandlers.deposit.selector;
        selectors[1] = LedgerCashHandlers.request.selector;
        selectors[2] = LedgerHandler.withdraw.selector;
        selectors[3] = LedgerHandler.post.selector;
        selectors[4] = LedgerHandler.warp.selector;
        selectors[5] = LedgerHandler.applyLeaf.selector;
        selectors[6] = LedgerHandler.challenge.selector;
        targetContract(address(handler));
        targetSelector(FuzzSelector({addr: address(handler), selectors: selectors}));
    }

    /// @dev One campaign checks every property after every call (forge runs one campaign per invariant function).
    function invariant_world() public view {
        _conservation();
        _covered();
        _rules();
    }

    /// @dev Solvency (the ledger's invariant 1): cash held == balances + the cash of unapplied leaves.
    function _conservation() internal view {
        int256 balances;
        for (uint256 i; i < 3; ++i) {
            balances += int256(ledger.balanceOf(actors[i]));
        }
        require(
            int256(cash.balanceOf(address(ledger))) == balances + handler.unappliedCash(),
            "cash held != balances + unapplied leaves"
        );
    }

    /// @dev Every unapplied leaf can still apply (invariant 3): no account holds less than its unapplied debits.
    function _covered() internal view {
        for (uint256 i; i < 3; ++i) {
            require(
                ledger.balanceOf(actors[i]) >= handler.unappliedDebits(actors[i]), "an unapplied debit cannot apply"
            );
        }
    }

    /// @dev No withdrawal without a ready request outside escape mode; no honest batch reverted by a challenge.
    function _rules() internal view {
        require(!handler.earlyWithdrawal(), "withdrawal before its request was ready");
        require(!handler.honestReverted(), "an honest batch was reverted");
    }
}
