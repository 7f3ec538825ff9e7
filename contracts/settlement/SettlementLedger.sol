// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IOptionsEngine} from "../interfaces/IOptionsEngine.sol";
import {BatchTrees, SignedLeaf, plainLeafHash} from "./BatchTrees.sol";

/// @notice A contract that receives a ledger withdrawal with SettlementLedger.withdrawAndCall.
interface ILedgerWithdrawalReceiver {
    /// @notice Called after `amount` cash of `account`'s ledger balance was sent to this contract; must return
    ///         this function's selector.
    function onLedgerWithdrawal(address account, uint256 amount, bytes calldata data) external returns (bytes4);
}

/// @title SettlementLedger
/// @notice Rollup-style settlement of netted trades of the OptionsEngine's option tokens against cash: the sequencer
///         posts one Merkle-sum root per batch (with the leaves as calldata and a bond); for CHALLENGE_WINDOW anyone
///         may prove a single-step fraud (roots that are not the trees of the calldata, a node whose sums are not its
///         children's, a leaf without its account's co-signature of everything the leaf means, a leaf debiting more
///         cash than its account can pay, a leaf selling more option tokens than its account holds); a proven fraud
///         reverts the batch and every later one and slashes the bond. After the window, leaves apply to balances and
///         token inventories once each (bitmap), by anyone. Nothing traded is unbacked: accounts deposit cash and
///         option tokens (writers mint them, fully collateralized, with OptionsEngine.write), a position is the
///         account's inventory of a series' token and never goes negative. After expiry a permissionless call redeems
///         the ledger's whole balance of a series at the engine, and each holder's share of the payout is credited
///         once its account is settled through the batches posted before expiry (rounded down: dust stays). If no batch
///         can finalize for ESCAPE_PERIOD, posting stops and every account withdraws its cash and tokens once its own
///         leaves are applied.
/// @dev Calldata (postBatch's `leaves`) is `abi.encode(SignedLeaf[])` in its one canonical form, checked at posting:
///      the head at 32, n (1..MAX_LEAVES) leaves, head offsets 32n + 384i, every signature 65 bytes at offset 256 with
///      zero padding, so the data is exactly 64 + 416n bytes and no two heads can alias; every leaf's batch is the
///      batch's id; accounts strictly increase (one leaf per account, and absence is provable between neighbours);
///      cash and positions lie in [-MAX_DELTA, MAX_DELTA] (int128 range: negation and every sum of a batch fit int256)
///      and each column sums to zero; a column whose series id is 0 carries only zero deltas. The batch's series ids
///      (postBatch's `series`) are distinct engine series, none expired at posting, or 0. Two trees over the same
///      leaves, in calldata order:
///        Merkle-sum tree (-> `root`), padded to a power of two with empty nodes (hash 0, sums 0):
///          leaf = keccak256(abi.encode(0, batch, account, cash, positions[4], keccak256(signature)))
///          node = keccak256(abi.encode(1, leftHash, leftSums[5], rightHash, rightSums[5]))
///        plain tree (-> `leavesRoot`): OpenZeppelin's merkle-tree (npm) StandardMerkleTree of the values
///          (index, batch, account, cash, positions, keccak256(signature)) with sortLeaves off.
///      A leaf's co-signature is the EIP-712 NettedLeaf(batch, postingNonce, account, cash, series[4], positions[4]):
///      it binds the batch's series ids and its posting nonce (the ledger's leavesPosted when the batch is posted,
///      unique per posting), so the sequencer can neither relabel a position's series nor repost a leaf under a batch
///      id that a revert freed.
///
///      Threat model (contracts/settlement/README.md has the long form). The sequencer (SEQUENCER_ROLE) chooses
///      roots, series and calldata: it must never move an account's cash or positions except by a leaf that account
///      co-signed for this posting, never make a final batch unappliable, never block a challenge or an exit. It
///      cannot invent option tokens: every position column nets to zero at posting, and a leaf selling more than its
///      account's inventory (less its earlier unapplied sales and a ready option withdrawal) is a provable fraud
///      (challengeInventory), exactly like an unpayable cash debit; an honest sequencer never posts one. A series id
///      that the engine does not know, an expired series, the same series in two columns and deltas in a column
///      without a series are refused at posting, so no batch posted at or after a series' expiry moves it. A trader
///      must never make an honest batch provably fraudulent (cash and option withdrawal races, non-canonical
///      signatures are refused off-chain), nor leave before its debits land: option withdrawals follow the cash
///      rules. After expiry: redeeming early (before expiry, or before the engine's price is final) reverts; the
///      redemption happens once per series and takes the ledger's whole token balance; a holder's share is credited
///      once (its position is zeroed), only when no batch that could still move its position is unapplied for it;
///      shares round down and are capped by what is left of the payout. An OptionToken transfer that fails reverts
///      the deposit or withdrawal (SafeERC20; deposits credit the balance delta). A challenger must never revert an
///      honest batch or starve the proof. A receiver that rejects ETH (sequencer, challenger, treasury) only delays
///      its own payment (bonds are pulled). Governance (DEFAULT_ADMIN_ROLE, a timelock) only grants and revokes the
///      sequencer role. The engine (ENGINE) is trusted: it defines series, tokens, settlement prices and payouts.
/// @custom:invariants (1) Solvency: the cash token balance == the sum of account balances plus the cash of every leaf of
///                        a valid batch not applied yet (a batch nets to zero, so applying moves cash between
///                        balances only) plus, for every redeemed series paid in cash, its payout less the shares
///                        claimed; the ETH balance == BOND per valid unreleased batch plus every bond owed.
///                    (2) An account's balance falls only by its own withdrawal or by applying a leaf of its own
///                        that it co-signed for that posting; it rises by deposits, its own or anyone's (depositFor: a
///                        credit, so it never makes a batch unappliable; it can also cover a shortfall in front of a
///                        collateral proof, which then finds no fraud: nobody loses, the leaf applies, but such a
///                        sequencer risks only the shortfall, not its bond), by such leaves and by expiry shares.
///                    (3) Every leaf of a batch past its window applies: a debit never exceeds what its account holds
///                        then, whatever order leaves are applied in and whatever the account did since posting.
///                    (4) A batch is reverted only by a proven fraud in it or in an earlier batch; a valid batch of
///                        co-signed leaves that the accounts can pay cannot be reverted by anyone.
///                    (5) A withdrawal request counts against every batch posted from its readyAt on; the account
///                        leaves only once its leaves in every batch posted before then are applied; in escape mode
///                        it leaves once its leaves in every batch are applied, which it can prove by itself.
///                    (6) The on-chain rebuild (challengeData) of any batch the ledger accepts costs at most the gas
///                        of a MAX_LEAVES batch (measured in tests/settlement/test_data_challenge.py, under 15M).
///                    (7) Tokens: per series, until it is redeemed, the series' token balance of the ledger == the
///                        sum of positionOf over accounts plus the position deltas of every leaf of a valid batch not
///                        applied yet (columns net to zero); a position never goes negative (invariant 3 holds for
///                        token debits as for cash: option withdrawals count from their readyAt, challengeInventory
///                        proves a sale beyond the inventory). After redemption the sum of claimed shares <= its
///                        payout, and per payout asset other than cash the ledger's balance >= the sum of payoutOf
///                        plus every redeemed series' unclaimed payout. A position of a series moves only in batches
///                        posted before its expiry.
contract SettlementLedger is AccessControl, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Posts batches.
    bytes32 public constant SEQUENCER_ROLE = keccak256("SEQUENCER_ROLE");
    /// @notice Series per batch (a leaf has one position delta per series).
    uint256 public constant SERIES_PER_BATCH = 4;
    bytes4 internal constant ON_LEDGER_WITHDRAWAL = ILedgerWithdrawalReceiver.onLedgerWithdrawal.selector;
    /// @notice Batches that may be inside their window at once (bounds the revert loop).
    uint256 public constant MAX_PENDING = 32;
    /// @notice Most leaves applied in one applyMany call.
    uint256 public constant MAX_APPLY = 256;
    /// @notice Most leaves in a batch. It bounds the on-chain rebuild in challengeData (invariant 6) and keeps a maximal
    ///         batch's postBatch and challengeData transactions under 128 KiB (64 + 416 * 256 = 106,560 bytes of
    ///         leaves), the largest transaction the default pools of geth, reth and erigon relay: a larger batch could
    ///         be posted straight to a builder while its only fraud proof could not reach the public mempool.
    uint256 public constant MAX_LEAVES = 256;
    /// @notice Bytes a leaf takes in the canonical calldata: its head offset and its 12-word tuple.
    uint256 public constant LEAF_BYTES = 416;
    /// @notice The largest magnitude of a leaf's cash or position delta (int128's maximum).
    int256 public constant MAX_DELTA = type(int128).max;
    /// @notice EIP-712 type of an account's co-signature of its netted leaf.
    bytes32 public constant LEAF_TYPEHASH = keccak256(
        "NettedLeaf(uint256 batch,uint256 postingNonce,address account,int256 cash,uint256[4] series,int256[4] positions)"
    );

    uint256 internal constant _TUPLE_BYTES = 384; // batch, account, cash, positions[4], offset, length, 3 words
    uint256 internal constant _SIGNATURE_BYTES = 65;
    uint256 internal constant _SERIES_BITS = 40;
    uint256 internal constant _BASE_SHIFT = 160; // meta: series (4 x 40 bits) | base (56 bits) | postedAt (40 bits)
    uint256 internal constant _POSTED_SHIFT = 216;

    IERC20 public immutable CASH;
    /// @notice The OptionsEngine whose option tokens the ledger holds and trades (trusted: series, tokens, payouts).
    IOptionsEngine public immutable ENGINE;
    uint256 public immutable CHALLENGE_WINDOW;
    uint256 public immutable BOND;
    uint256 public immutable ESCAPE_PERIOD;
    uint256 public immutable WITHDRAWAL_DELAY;
    address public immutable TREASURY;
    /// @notice The ledger's own BatchTrees (deployed by the constructor): challengeData's rebuild of a batch's trees.
    BatchTrees public immutable TREES;
    uint256 internal immutable DEPLOYED_AT;

    struct Batch {
        bytes32 root;
        bytes32 leavesRoot;
        bytes32 dataHash;
        address sequencer;
        uint16 leafCount;
        bool bondReleased;
        uint256 meta; // four 40-bit series ids (column 0 lowest), the 56-bit bitmap base (posting nonce), postedAt
    }

    struct Leaf {
        uint256 batch;
        address account;
        int256 cash;
        int256[4] positions;
    }

    struct Step {
        bytes32 hash;
        int256[5] sums;
        bool onLeft;
    }

    /// @dev A leaf with what proves it in the plain tree: the arguments of apply_ after the batch id.
    struct ProvenLeaf {
        Leaf leaf;
        bytes32 signatureHash;
        uint256 index;
        bytes32[] proof;
    }

    /// @dev A debit of the same account in an earlier batch that is not applied yet (challengeCollateral, and
    ///      challengeInventory for a sale of the same series).
    struct PriorLeaf {
        uint256 batch;
        Leaf leaf;
        bytes32 signatureHash;
        uint256 index;
        bytes32[] proof;
    }

    struct Withdrawal {
        uint128 amount;
        uint64 requestedAt;
    }

    /// @dev An engine series the ledger has seen: its option token and expiry (both immutable at the engine).
    struct Listing {
        address token;
        uint64 expiry;
    }

    /// @dev A redeemed series: the payout asset, the tokens redeemed, their payout and the shares claimed so far.
    struct Redemption {
        address asset;
        uint128 tokens;
        uint128 payout;
        uint128 claimed;
    }

    /// @notice Batches by id (1-based); ids above batchCount are reverted or unused.
    mapping(uint256 => Batch) public batches;
    /// @notice The highest valid batch id.
    uint256 public batchCount;
    /// @notice Every batch up to this id is fully applied (each leaf once).
    uint256 public settledThrough;
    /// @notice Per account: every final batch up to this id holds no unapplied leaf of the account (proven by
    ///         settleAccount; the account is settled through max(settledThrough, this)).
    mapping(address => uint256) public accountSettledThrough;
    /// @notice Cash balance per account.
    mapping(address => uint256) public balanceOf;
    /// @notice Option-token inventory per account and engine series id (int256 for ABI compatibility; never negative).
    mapping(address => mapping(uint256 => int256)) public positionOf;
    /// @notice Pending withdrawal per account.
    mapping(address => Withdrawal) public withdrawals;
    /// @notice Pending option withdrawal per account and series id.
    mapping(address => mapping(uint256 => Withdrawal)) public optionWithdrawals;
    /// @dev The engine series the ledger has seen (by deposit, posting or redemption): token and expiry.
    mapping(uint256 => Listing) internal _listings;
    /// @notice Redeemed series (asset zero: not redeemed).
    mapping(uint256 => Redemption) public redemptions;
    /// @notice Claimed payouts in assets other than cash, per account and asset (withdrawable at once).
    mapping(address => mapping(address => uint256)) public payoutOf;
    /// @notice ETH owed (released or returned bonds, challenge rewards), pulled with claimBonds.
    mapping(address => uint256) public bondsOwed;
    /// @notice Leaves posted so far, over all batches (reverted ones included): each batch's leaves take the next
    ///         bits of one bitmap, and the count before a batch is its posting nonce (never reused).
    uint256 public leavesPosted;
    /// @dev Applied leaves: word => bits, leaf `index` of a batch at bit `base + index`.
    mapping(uint256 => uint256) internal _applied;

    event Deposited(address indexed account, uint256 amount);
    event WithdrawalRequested(address indexed account, uint256 amount, uint256 readyAt);
    event Withdrawn(address indexed account, uint256 amount);
    event BatchPosted(
        uint256 indexed batch,
        bytes32 root,
        bytes32 leavesRoot,
        bytes32 dataHash,
        uint256[4] series,
        address sequencer,
        uint256 postingNonce
    );
    event BatchReverted(uint256 indexed batch, uint256 indexed fromBatch, address indexed challenger, string fraud);
    event BondReleased(uint256 indexed batch, address sequencer, uint256 amount);
    event BondCredited(address indexed account, uint256 amount);
    event BondsClaimed(address indexed account, address to, uint256 amount);
    event LeafApplied(uint256 indexed batch, uint256 indexed index, address indexed account, int256 cash);
    event Settled(uint256 throughBatch);
    event AccountSettled(address indexed account, uint256 throughBatch);
    event SeriesListed(uint256 indexed series, address token, uint256 expiry);
    event OptionsDeposited(address indexed account, uint256 indexed series, uint256 amount);
    event OptionWithdrawalRequested(address indexed account, uint256 indexed series, uint256 amount, uint256 readyAt);
    event OptionsWithdrawn(address indexed account, uint256 indexed series, uint256 amount);
    event ExpiredRedeemed(uint256 indexed series, uint256 tokens, uint256 payout);
    event ExpiredClaimed(
        address indexed account, uint256 indexed series, uint256 position, uint256 share, address asset
    );
    event PayoutWithdrawn(address indexed account, address indexed asset, uint256 amount);

    error InvalidConfig(string reason);
    error WrongBond(uint256 sent, uint256 required);
    error TooManyPending(uint256 pending);
    error Escaped();
    error UnknownBatch(uint256 batch);
    error ChallengeWindowOver(uint256 batch, uint256 closedAt);
    error NotFinal(uint256 batch, uint256 finalAt);
    error NotInTree();
    error NoFraud();
    error AlreadyApplied(uint256 batch, uint256 index);
    error WrongBatch(uint256 leafBatch, uint256 batch);
    error InsufficientBalance(uint256 balance, uint256 required);
    error WithdrawalNotReady(uint256 readyAt);
    error ZeroAmount();
    error TooMany(uint256 count);
    error BondAlreadyReleased(uint256 batch);
    error DataMismatch(bytes32 dataHash, bytes32 posted);
    error BadEncoding();
    error BadLeaf(uint256 index, string field);
    error Unbalanced(uint256 column);
    error BadPrior(uint256 position);
    error UnsettledBatches(uint256 settledThrough, uint256 required);
    error NotNext(uint256 batch, uint256 next);
    error NotProven();
    error NothingOwed();
    error TransferFailed();
    error Expired(uint256 deadline);
    error WrongPostingNonce(uint256 given, uint256 current);
    error UnknownSeries(uint256 series);
    error SeriesExpired(uint256 series, uint256 expiry);
    error SeriesNotExpired(uint256 series, uint256 expiry);
    error AlreadyRedeemed(uint256 series);
    error NotRedeemed(uint256 series);
    error NothingToClaim(address account, uint256 series);
    error BadColumn(uint256 column);

    /// @param cash The collateral and premium token.
    /// @param engine The OptionsEngine whose option tokens accounts deposit and trade.
    /// @param challengeWindow Seconds a batch may be challenged.
    /// @param bond Wei a sequencer bonds per batch.
    /// @param escapePeriod Seconds without a finalizable batch after which accounts may leave at once.
    /// @param withdrawalDelay Seconds between requesting and executing a withdrawal (>= challengeWindow); also the
    ///        notice: a request counts against the batches posted from its readyAt on.
    /// @param treasury Receives half of every slashed bond.
    /// @param admin The admin of roles (a timelock).
    constructor(
        IERC20 cash,
        IOptionsEngine engine,
        uint256 challengeWindow,
        uint256 bond,
        uint256 escapePeriod,
        uint256 withdrawalDelay,
        address treasury,
        address admin
    ) EIP712("Strikeforge Settlement", "1") {
        if (
            address(cash) == address(0) || address(engine) == address(0) || treasury == address(0)
                || admin == address(0)
        ) {
            revert InvalidConfig("address");
        }
        if (challengeWindow == 0 || bond == 0 || escapePeriod == 0) revert InvalidConfig("window/bond/escape");
        if (withdrawalDelay < challengeWindow) revert InvalidConfig("withdrawalDelay");
        if (challengeWindow + escapePeriod + withdrawalDelay > type(uint32).max) revert InvalidConfig("periods");
        CASH = cash;
        ENGINE = engine;
        CHALLENGE_WINDOW = challengeWindow;
        BOND = bond;
        ESCAPE_PERIOD = escapePeriod;
        WITHDRAWAL_DELAY = withdrawalDelay;
        TREASURY = treasury;
        TREES = new BatchTrees();
        DEPLOYED_AT = block.timestamp;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------------------------------------------ collateral

    /// @notice Deposits `amount` of cash for the caller.
    /// @param amount Cash to deposit.
    function deposit(uint256 amount) external nonReentrant {
        _deposit(msg.sender, amount);
    }

    /// @notice Deposits `amount` of cash (`seriesId` 0) or of a series' option tokens, paid by the caller, for
    ///         `account` (a gift: a credit never hurts a batch). LedgerAuctionDesk delivers a ledger bid's fill and
    ///         refund this way. Option tokens follow depositOptions' rules.
    /// @param account The account credited.
    /// @param seriesId 0 for cash, else the engine series id.
    /// @param amount Cash or option tokens to deposit.
    function depositFor(address account, uint256 seriesId, uint256 amount) external nonReentrant {
        if (seriesId == 0) _deposit(account, amount);
        else _depositOptions(account, seriesId, amount);
    }

    function _deposit(address account, uint256 amount) internal {
        uint256 received = _pull(CASH, amount);
        balanceOf[account] += received;
        emit Deposited(account, received);
    }

    /// @notice Requests a withdrawal, executable from readyAt = now + WITHDRAWAL_DELAY. From readyAt on, every batch
    ///         posted must leave the request covered (challengeCollateral counts it); the batches posted before readyAt
    ///         must have the caller's leaves applied before it executes. Replaces any earlier request.
    /// @param amount Cash to withdraw.
    function requestWithdrawal(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        withdrawals[msg.sender] = Withdrawal(SafeCast.toUint128(amount), uint64(block.timestamp));
        emit WithdrawalRequested(msg.sender, amount, block.timestamp + WITHDRAWAL_DELAY);
    }

    /// @notice Executes the caller's withdrawal request, or in escape mode withdraws `amount` at once. Outside escape
    ///         mode the caller's leaves in every batch posted before the request's readyAt must be applied; in escape
    ///         mode its leaves in every batch (settleAccount proves it without anyone else's leaves).
    /// @param amount Cash to withdraw (at most the request outside escape mode).
    function withdraw(uint256 amount) external nonReentrant {
        _withdraw(msg.sender, amount);
    }

    /// @notice Executes the caller's withdrawal request (exactly as withdraw) to `to`, then calls
    ///         `to.onLedgerWithdrawal(caller, amount, data)`, which must return its selector: a ledger balance can
    ///         fund a contract's action in one transaction (LedgerAuctionDesk bids with it). The ledger is locked
    ///         during the call and its state is final before it.
    /// @param to The receiving contract.
    /// @param amount Cash to withdraw (at most the request outside escape mode).
    /// @param data Passed to the receiver.
    function withdrawAndCall(address to, uint256 amount, bytes calldata data) external nonReentrant {
        _withdraw(to, amount);
        if (ILedgerWithdrawalReceiver(to).onLedgerWithdrawal(msg.sender, amount, data) != ON_LEDGER_WITHDRAWAL) {
            revert TransferFailed();
        }
    }

    function _withdraw(address to, uint256 amount) internal {
        _takeRequest(withdrawals[msg.sender], amount);
        uint256 balance = balanceOf[msg.sender];
        if (amount > balance) revert InsufficientBalance(balance, amount);
        balanceOf[msg.sender] = balance - amount;
        CASH.safeTransfer(to, amount);
        emit Withdrawn(msg.sender, amount);
    }

    /// @notice Deposits `amount` option tokens of an engine series for the caller (writers mint them with
    ///         OptionsEngine.write). Refused for an unknown series and once the series has expired.
    /// @param seriesId The engine series id.
    /// @param amount Option tokens to deposit (the position is credited with what arrived).
    function depositOptions(uint256 seriesId, uint256 amount) external nonReentrant {
        _depositOptions(msg.sender, seriesId, amount);
    }

    function _depositOptions(address account, uint256 seriesId, uint256 amount) internal {
        (address token, uint256 expiry) = _listed(seriesId);
        if (block.timestamp >= expiry) revert SeriesExpired(seriesId, expiry);
        uint256 received = _pull(IERC20(token), amount);
        positionOf[account][seriesId] += SafeCast.toInt256(received);
        emit OptionsDeposited(account, seriesId, received);
    }

    /// @notice Requests an option withdrawal of a series, executable from readyAt = now + WITHDRAWAL_DELAY, with the
    ///         cash rules: from readyAt on every batch posted must leave it covered (challengeInventory counts it);
    ///         the batches posted before readyAt must have the caller's leaves applied before it executes. Replaces
    ///         any earlier request of the same series. An unknown series is refused (UnknownSeries). (Once the series
    ///         is redeemed a request cannot execute: its payout is claimed instead.)
    /// @param seriesId The engine series id.
    /// @param amount Option tokens to withdraw.
    function requestOptionWithdrawal(uint256 seriesId, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        _listed(seriesId); // an unknown series (or 0, the cash column) is refused: such a request could never execute
        optionWithdrawals[msg.sender][seriesId] = Withdrawal(SafeCast.toUint128(amount), uint64(block.timestamp));
        emit OptionWithdrawalRequested(msg.sender, seriesId, amount, block.timestamp + WITHDRAWAL_DELAY);
    }

    /// @notice Executes the caller's option withdrawal request of a series, or in escape mode withdraws at once, with
    ///         the cash rules (see withdraw). Once the series is redeemed its tokens are gone: it reverts SeriesExpired
    ///         and the holder claims the payout (claimExpired).
    /// @param seriesId The engine series id.
    /// @param amount Option tokens to withdraw (at most the request outside escape mode).
    function withdrawOptions(uint256 seriesId, uint256 amount) external nonReentrant {
        (address token, uint256 expiry) = _listed(seriesId);
        if (redemptions[seriesId].asset != address(0)) revert SeriesExpired(seriesId, expiry);
        _takeRequest(optionWithdrawals[msg.sender][seriesId], amount);
        int256 held = positionOf[msg.sender][seriesId];
        if (amount > uint256(held)) revert InsufficientBalance(uint256(held), amount);
        positionOf[msg.sender][seriesId] = held - int256(amount);
        IERC20(token).safeTransfer(msg.sender, amount);
        emit OptionsWithdrawn(msg.sender, seriesId, amount);
    }

    /// @dev Takes `amount` of `token` from the caller; returns what arrived (a fee-on-transfer token credits that).
    function _pull(IERC20 token, uint256 amount) internal returns (uint256) {
        if (amount == 0) revert ZeroAmount();
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        return token.balanceOf(address(this)) - before;
    }

    /// @dev Checks that the caller may withdraw `amount` under `request` now and takes it off the request: outside
    ///      escape mode the request must be ready and cover it, and the caller settled through every batch posted
    ///      before its readyAt; in escape mode the caller must be settled through every batch. Advances settledThrough
    ///      first.
    function _takeRequest(Withdrawal storage request, uint256 amount) internal {
        if (amount == 0) revert ZeroAmount();
        _advanceSettled();
        uint256 through = _settledFor(msg.sender);
        uint256 count = batchCount;
        if (!escaped()) {
            Withdrawal memory w = request;
            uint256 readyAt = uint256(w.requestedAt) + WITHDRAWAL_DELAY;
            if (w.requestedAt == 0 || block.timestamp < readyAt || amount > w.amount) {
                revert WithdrawalNotReady(readyAt);
            }
            // Batches are posted in time order: the first one not settled for the caller must be posted at or after
            // readyAt (it then counts the request against the caller's debits).
            if (through < count && _postedAt(batches[through + 1].meta) < readyAt) {
                revert UnsettledBatches(through, through + 1);
            }
            request.amount = uint128(w.amount - amount);
        } else if (through < count) {
            revert UnsettledBatches(through, count);
        }
    }

    // ------------------------------------------------------------------------------------------------ expiry

    /// @notice Redeems the ledger's whole token balance of an expired series at the engine (settling the series there
    ///         first if nobody has), and records the tokens, the payout and its asset for the holders' claims. Anyone,
    ///         once per series.
    /// @param seriesId The engine series id.
    function redeemExpired(uint256 seriesId) external nonReentrant {
        (address token, uint256 expiry) = _listed(seriesId);
        if (block.timestamp < expiry) revert SeriesNotExpired(seriesId, expiry);
        if (redemptions[seriesId].asset != address(0)) revert AlreadyRedeemed(seriesId);
        // The engine's settle changes only the engine (it reverts SettlementPriceNotFinal until the router's expiry
        // price is final); the ledger records the redemption before the engine burns its tokens and pays it. The
        // engine (trusted) pays exactly payoutFor(tokens) with SafeERC20, in the series' collateral asset.
        (address underlying, address strikeAsset,, bool isPut, bool settled,,,,) = ENGINE.series(seriesId);
        if (!settled) ENGINE.settle(seriesId);
        uint256 tokens = IERC20(token).balanceOf(address(this));
        uint256 payout = tokens == 0 ? 0 : ENGINE.payoutFor(seriesId, tokens);
        redemptions[seriesId] =
            Redemption(isPut ? strikeAsset : underlying, SafeCast.toUint128(tokens), SafeCast.toUint128(payout), 0);
        emit ExpiredRedeemed(seriesId, tokens, payout);
        if (tokens != 0) ENGINE.redeem(seriesId, tokens);
    }

    /// @notice Credits an account's share of a redeemed series' payout, floor(position * payout / tokens) (capped by
    ///         the payout not yet claimed), and zeroes its position: to its cash balance when the payout asset is the
    ///         cash token, else to payoutOf (withdrawPayout). Anyone, for any account, once its account is settled
    ///         through every batch posted before the series' expiry (its position is final).
    /// @param account The holder.
    /// @param seriesId The engine series id.
    /// @return share The payout credited.
    function claimExpired(address account, uint256 seriesId) external nonReentrant returns (uint256 share) {
        Redemption storage r = redemptions[seriesId];
        address asset = r.asset;
        if (asset == address(0)) revert NotRedeemed(seriesId);
        _advanceSettled();
        uint256 through = _settledFor(account);
        if (through < batchCount && _postedAt(batches[through + 1].meta) < _listings[seriesId].expiry) {
            revert UnsettledBatches(through, through + 1);
        }
        int256 position = positionOf[account][seriesId];
        if (position == 0) revert NothingToClaim(account, seriesId);
        (uint256 tokens, uint256 payout, uint256 claimed) = (r.tokens, r.payout, r.claimed);
        // Positions sum to at most the tokens redeemed while every inventory fraud is proven in its window; were one
        // not, the caps keep this series' claims from taking another series' payout or anyone's cash. tokens and
        // payout are below 2^128 (recorded as uint128), so the product cannot overflow.
        if (tokens != 0) share = _min(_min(uint256(position), tokens) * payout / tokens, payout - claimed);
        positionOf[account][seriesId] = 0;
        r.claimed = uint128(claimed + share);
        if (asset == address(CASH)) {
            balanceOf[account] += share;
        } else {
            payoutOf[account][asset] += share;
        }
        emit ExpiredClaimed(account, seriesId, uint256(position), share, asset);
    }

    /// @notice Withdraws claimed payout in an asset other than cash (no leaf can debit it: at once).
    /// @param asset The payout asset.
    /// @param amount The amount.
    function withdrawPayout(address asset, uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 owed = payoutOf[msg.sender][asset];
        if (amount > owed) revert InsufficientBalance(owed, amount);
        payoutOf[msg.sender][asset] = owed - amount;
        IERC20(asset).safeTransfer(msg.sender, amount);
        emit PayoutWithdrawn(msg.sender, asset, amount);
    }

    /// @dev A series' token and expiry, read from the engine and recorded the first time (both are immutable there);
    ///      reverts UnknownSeries for an id the engine does not know.
    function _listed(uint256 seriesId) internal returns (address token, uint256 expiry) {
        Listing memory listing = _listings[seriesId];
        if (listing.token != address(0)) return (listing.token, listing.expiry);
        (address underlying,, uint64 at,,,,,,) = ENGINE.series(seriesId);
        if (underlying == address(0)) revert UnknownSeries(seriesId);
        token = ENGINE.tokenOf(seriesId);
        // Cash is never a series: a redemption of it would burn the cash deposits.
        if (token == address(CASH)) revert UnknownSeries(seriesId);
        _listings[seriesId] = Listing(token, at);
        emit SeriesListed(seriesId, token, at);
        return (token, at);
    }

    // ------------------------------------------------------------------------------------------------ batches

    /// @notice Posts a batch: its Merkle-sum root, the plain Merkle root of the same leaves, its series and its leaves
    ///         as canonical calldata (see the contract's notes). Sequencer only, with exactly BOND wei.
    /// @param root The Merkle-sum root node hash.
    /// @param leavesRoot The plain Merkle root of the leaf hashes.
    /// @param series The engine series ids of the batch's four position columns: distinct series the engine knows,
    ///        none expired (SeriesExpired, UnknownSeries, InvalidConfig("duplicate series")), or 0 for a column whose
    ///        deltas are all zero (BadLeaf(i, "position")).
    /// @param leaves The batch's leaves sorted by account, with their 65-byte co-signatures, `abi.encode(SignedLeaf[])`.
    /// @param postingNonce The posting nonce the leaves are co-signed for: the posting reverts unless it is the ledger's
    ///        leavesPosted now, so another poster who moves the nonce while this transaction is pending (posting and
    ///        reverting a batch of its own) makes it fail instead of landing as a signature fraud.
    /// @param deadline The latest timestamp the posting may land at: the timestamp of the ledger state the sequencer
    ///        checked the leaves' collateral against, plus WITHDRAWAL_DELAY, minus one (a request in a later block of
    ///        the same second has readyAt = that timestamp + WITHDRAWAL_DELAY). A request made after that state counts
    ///        only against batches posted at its readyAt or later, so a posting that lands in time cannot be slashed
    ///        for a withdrawal the sequencer could not see (a delayed or rebroadcast transaction expires instead).
    /// @return id The batch id.
    function postBatch(
        bytes32 root,
        bytes32 leavesRoot,
        uint256[4] calldata series,
        bytes calldata leaves,
        uint256 postingNonce,
        uint256 deadline
    ) external payable onlyRole(SEQUENCER_ROLE) nonReentrant returns (uint256 id) {
        if (block.timestamp > deadline) revert Expired(deadline);
        if (postingNonce != leavesPosted) revert WrongPostingNonce(postingNonce, leavesPosted);
        if (escaped()) revert Escaped();
        if (msg.value != BOND) revert WrongBond(msg.value, BOND);
        id = batchCount + 1;
        uint256 meta = _meta(series, postingNonce);
        uint256 leafCount = _checkCanonical(id, leaves, _checkSeries(series));
        leavesPosted = postingNonce + leafCount;
        _checkPending(id);
        batchCount = id;
        bytes32 dataHash = keccak256(leaves);
        batches[id] = Batch(root, leavesRoot, dataHash, msg.sender, uint16(leafCount), false, meta);
        emit BatchPosted(id, root, leavesRoot, dataHash, series, msg.sender, postingNonce);
    }

    /// @dev A batch's packed word: its series ids (each below 2^40), its posting nonce and the posting time.
    function _meta(uint256[4] calldata series, uint256 postingNonce) internal view returns (uint256 meta) {
        meta = (postingNonce << _BASE_SHIFT) | (block.timestamp << _POSTED_SHIFT);
        for (uint256 i; i < SERIES_PER_BATCH; ++i) {
            if (series[i] >> _SERIES_BITS != 0) revert InvalidConfig("series id above 2^40");
            meta |= series[i] << (_SERIES_BITS * i);
        }
    }

    /// @dev Checks a batch's series (each below 2^40, checked by _meta first): every non-zero id is a series the
    ///      engine knows, not expired now and in no other column; returns the mask of the zero columns (bit i: column
    ///      i), whose deltas _checkCanonical requires to be zero.
    function _checkSeries(uint256[4] calldata series) internal returns (uint256 empty) {
        for (uint256 i; i < SERIES_PER_BATCH; ++i) {
            uint256 id = series[i];
            if (id == 0) {
                empty |= 1 << i;
                continue;
            }
            for (uint256 j; j < i; ++j) {
                if (series[j] == id) revert InvalidConfig("duplicate series");
            }
            (, uint256 expiry) = _listed(id);
            if (block.timestamp >= expiry) revert SeriesExpired(id, expiry);
        }
    }

    /// @dev Refuses batch `id` when MAX_PENDING batches before it are still inside their window.
    function _checkPending(uint256 id) internal view {
        uint256 pending = 0;
        for (uint256 i = id - 1; i > 0 && pending <= MAX_PENDING; --i) {
            if (block.timestamp >= _postedAt(batches[i].meta) + CHALLENGE_WINDOW) break;
            ++pending;
        }
        if (pending >= MAX_PENDING) revert TooManyPending(pending);
    }

    /// @notice Credits a final batch's bond to its sequencer (claimBonds pays it).
    /// @param id The batch.
    function releaseBond(uint256 id) external nonReentrant {
        Batch storage b = _final(id);
        if (b.bondReleased) revert BondAlreadyReleased(id);
        b.bondReleased = true;
        bondsOwed[b.sequencer] += BOND;
        emit BondReleased(id, b.sequencer, BOND);
    }

    /// @notice Pays the caller's owed ETH (bonds, rewards) to `to`: pull payments, so that no receiver can block a
    ///         challenge or a release.
    /// @param to Receives the ETH (a contract that rejects ETH may name another address).
    function claimBonds(address payable to) external nonReentrant {
        uint256 owed = bondsOwed[msg.sender];
        if (owed == 0) revert NothingOwed();
        bondsOwed[msg.sender] = 0;
        emit BondsClaimed(msg.sender, to, owed);
        (bool ok,) = to.call{value: owed}("");
        if (!ok) revert TransferFailed();
    }

    // ------------------------------------------------------------------------------------------------ fraud proofs

    /// @notice Proves that a node's sums are not its children's: reverts the batch and every later one.
    /// @param id The batch.
    /// @param nodeSums The node's sums as its parent commits to them (zero for the root).
    /// @param proof The node's siblings up to the root (empty for the root).
    /// @param left The left child's hash and sums.
    /// @param right The right child's hash and sums.
    function challengeSums(
        uint256 id,
        int256[5] calldata nodeSums,
        Step[] calldata proof,
        Step calldata left,
        Step calldata right
    ) external nonReentrant {
        Batch storage b = _open(id);
        bytes32 node = keccak256(abi.encode(uint256(1), left.hash, left.sums, right.hash, right.sums));
        if (proof.length == 0) {
            for (uint256 i; i < 5; ++i) {
                if (nodeSums[i] != 0) revert NotInTree(); // the root's sums are zero by rule
            }
        }
        if (_climb(node, nodeSums, proof) != b.root) revert NotInTree();
        for (uint256 i; i < 5; ++i) {
            if (left.sums[i] + right.sums[i] != nodeSums[i]) return _revertFrom(id, "sums");
        }
        revert NoFraud();
    }

    /// @notice Proves that a batch's roots are not the trees of its own calldata: the ledger rebuilds both (bounded by
    ///         MAX_LEAVES). A challenge given too little gas for the rebuild simply fails; it cannot revert the batch.
    /// @param id The batch.
    /// @param leaves The batch's calldata exactly as posted.
    function challengeData(uint256 id, bytes calldata leaves) external nonReentrant {
        Batch storage b = _open(id);
        bytes32 dataHash = keccak256(leaves);
        if (dataHash != b.dataHash) revert DataMismatch(dataHash, b.dataHash);
        // TREES (the ledger's own BatchTrees; its public dataRoot is the same rebuild for anyone) rebuilds both roots;
        // a call that runs out of gas reverts this challenge with it.
        (bytes32 root, bytes32 leavesRoot) = TREES.dataRoot(leaves);
        if (root != b.root || leavesRoot != b.leavesRoot) return _revertFrom(id, "data");
        revert NoFraud();
    }

    /// @notice Proves that a leaf lacks a valid co-signature of its account for this batch, posting, series, chain
    ///         and contract.
    /// @param id The batch.
    /// @param leaf The leaf.
    /// @param signature The signature its hash commits to.
    /// @param index The leaf's index.
    /// @param proof The leaf's plain-tree siblings up to the root.
    function challengeSignature(
        uint256 id,
        Leaf calldata leaf,
        bytes calldata signature,
        uint256 index,
        bytes32[] calldata proof
    ) external nonReentrant {
        Batch storage b = _open(id);
        if (!MerkleProof.verifyCalldata(proof, b.leavesRoot, _plainLeaf(index, leaf, keccak256(signature)))) {
            revert NotInTree();
        }
        if (leaf.batch != id) return _revertFrom(id, "leaf for another batch");
        uint256 meta = b.meta;
        bytes32 digest = leafDigest(leaf, _base(meta), _series(meta));
        (address signer, ECDSA.RecoverError error,) = ECDSA.tryRecover(digest, signature);
        if (error != ECDSA.RecoverError.NoError || signer != leaf.account) return _revertFrom(id, "signature");
        revert NoFraud();
    }

    /// @notice Proves that a leaf debits more cash than its account can pay: its balance, less a withdrawal request
    ///         whose readyAt is at or before the batch's posting, less the account's debits in earlier batches that
    ///         are not applied yet (they come off the balance first, and would leave this leaf unable to apply).
    /// @param id The batch.
    /// @param leaf The leaf.
    /// @param signatureHash keccak256 of the leaf's signature.
    /// @param index The leaf's index.
    /// @param proof The leaf's plain-tree siblings up to the root.
    /// @param priors The account's unapplied debit leaves in valid batches after settledThrough and before `id`, in
    ///        strictly increasing (batch, index) order (at most MAX_PENDING).
    function challengeCollateral(
        uint256 id,
        Leaf calldata leaf,
        bytes32 signatureHash,
        uint256 index,
        bytes32[] calldata proof,
        PriorLeaf[] calldata priors
    ) external nonReentrant {
        _challengeDebit(id, SERIES_PER_BATCH, leaf, signatureHash, index, proof, priors);
    }

    /// @notice Proves that a leaf sells more option tokens of the series in position column `column` than its account
    ///         holds: its inventory (positionOf), less an option withdrawal request of that series whose readyAt is at
    ///         or before the batch's posting, less the account's sales of the same series in earlier batches that are
    ///         not applied yet (in whatever column the series sits there).
    /// @param id The batch.
    /// @param column The position column (0..3) whose negative delta is challenged.
    /// @param leaf The leaf.
    /// @param signatureHash keccak256 of the leaf's signature.
    /// @param index The leaf's index.
    /// @param proof The leaf's plain-tree siblings up to the root.
    /// @param priors The account's unapplied leaves selling the same series in valid batches after settledThrough and
    ///        before `id`, in strictly increasing (batch, index) order (at most MAX_PENDING).
    function challengeInventory(
        uint256 id,
        uint256 column,
        Leaf calldata leaf,
        bytes32 signatureHash,
        uint256 index,
        bytes32[] calldata proof,
        PriorLeaf[] calldata priors
    ) external nonReentrant {
        if (column >= SERIES_PER_BATCH) revert BadColumn(column);
        _challengeDebit(id, column, leaf, signatureHash, index, proof, priors);
    }

    /// @dev challengeCollateral (`column` SERIES_PER_BATCH: cash) and challengeInventory (`column` 0..3: that
    ///      column's series): reverts the batch when the leaf's debit plus the account's earlier unapplied debits of
    ///      the same cash or series exceed what it holds net of a withdrawal request ready by the posting.
    function _challengeDebit(
        uint256 id,
        uint256 column,
        Leaf calldata leaf,
        bytes32 signatureHash,
        uint256 index,
        bytes32[] calldata proof,
        PriorLeaf[] calldata priors
    ) internal {
        Batch storage b = _open(id);
        if (!MerkleProof.verifyCalldata(proof, b.leavesRoot, _plainLeaf(index, leaf, signatureHash))) {
            revert NotInTree();
        }
        if (priors.length > MAX_PENDING) revert TooMany(priors.length);
        bool cash = column == SERIES_PER_BATCH;
        int256 delta = cash ? leaf.cash : leaf.positions[column];
        if (delta >= 0) revert NoFraud(); // (a zero-series column carries only zero deltas: postBatch)
        uint256 meta = b.meta;
        uint256 seriesId = cash ? 0 : (meta >> (_SERIES_BITS * column)) & type(uint40).max;
        uint256 debits = _magnitude(delta) + _priorDebits(id, leaf.account, seriesId, priors);
        if (debits > _available(leaf.account, seriesId, _postedAt(meta))) {
            return _revertFrom(id, cash ? "collateral" : "inventory");
        }
        revert NoFraud();
    }

    /// @dev What a debit challenge counts as the account's holding for a batch posted at `postedAt` (series 0: cash):
    ///      its balance or inventory less a withdrawal request of it whose readyAt is at or before the posting. A
    ///      request counts from its readyAt on: one made in the same second as, or front-running, the posting was
    ///      unknown to the sequencer and does not count (its execution waits for the batch instead).
    function _available(address account, uint256 seriesId, uint256 postedAt) internal view returns (uint256 held) {
        Withdrawal memory w;
        if (seriesId == 0) {
            (held, w) = (balanceOf[account], withdrawals[account]);
        } else {
            (held, w) = (uint256(positionOf[account][seriesId]), optionWithdrawals[account][seriesId]);
        }
        if (w.requestedAt != 0 && uint256(w.requestedAt) + WITHDRAWAL_DELAY <= postedAt) {
            held -= _min(held, w.amount);
        }
    }

    /// @dev The sum of `account`'s debits in `priors`: of cash when `seriesId` is 0, else of that series in whatever
    ///      column it sits in the prior's batch. Each prior must be a leaf of `account` in a valid batch after
    ///      settledThrough and before `id`, proven in its batch's plain tree, not applied, debiting (BadPrior
    ///      otherwise), and the priors strictly increase in (batch, index), so none counts twice.
    function _priorDebits(uint256 id, address account, uint256 seriesId, PriorLeaf[] calldata priors)
        internal
        view
        returns (uint256 debits)
    {
        uint256 last; // (batch << 128) | index of the previous prior
        uint256 settled = settledThrough;
        for (uint256 i; i < priors.length; ++i) {
            PriorLeaf calldata p = priors[i];
            uint256 key = (p.batch << 128) | p.index;
            if (p.batch >= id || p.index >= 1 << 128 || key <= last) revert BadPrior(i);
            last = key;
            // A prior applied since the challenger built its proof (anyone may apply a final leaf) is already in the
            // balance or position: it counts as nothing, so front-running the challenge with apply_ cannot defeat it.
            if (p.batch <= settled || _isApplied(p.batch, p.index)) continue;
            int256 debit = seriesId == 0 ? p.leaf.cash : _deltaOf(p.leaf, batches[p.batch].meta, seriesId);
            if (
                p.leaf.account != account || p.leaf.batch != p.batch || debit >= 0
                    || !MerkleProof.verifyCalldata(
                        p.proof, batches[p.batch].leavesRoot, _plainLeaf(p.index, p.leaf, p.signatureHash)
                    )
            ) revert BadPrior(i);
            debits += _magnitude(debit);
        }
    }

    /// @dev A leaf's position delta in series `seriesId` (non-zero) of the batch with `meta`, or 0 if it has no such
    ///      column (a batch names a series at most once).
    function _deltaOf(Leaf calldata leaf, uint256 meta, uint256 seriesId) internal pure returns (int256) {
        for (uint256 i; i < SERIES_PER_BATCH; ++i) {
            if ((meta >> (_SERIES_BITS * i)) & type(uint40).max == seriesId) return leaf.positions[i];
        }
        return 0;
    }

    // ------------------------------------------------------------------------------------------------ applying leaves

    /// @notice Applies one leaf of a final batch to its account. Anyone; each leaf once.
    /// @param id The batch.
    /// @param leaf The leaf.
    /// @param signatureHash keccak256 of the leaf's signature.
    /// @param index The leaf's index (its bit in the batch's bitmap).
    /// @param proof The leaf's plain-tree siblings up to the root.
    function apply_(uint256 id, Leaf calldata leaf, bytes32 signatureHash, uint256 index, bytes32[] calldata proof)
        external
        nonReentrant
    {
        // The claim path reads two words: no batchCount. A reverted batch's leavesRoot is cleared (_revertFrom) and an
        // id never posted has none, so no proof verifies against either.
        Batch storage b = batches[id];
        uint256 meta = b.meta;
        uint256 finalAt = _postedAt(meta) + CHALLENGE_WINDOW;
        if (block.timestamp < finalAt) revert NotFinal(id, finalAt);
        _apply(id, b.leavesRoot, meta, leaf, signatureHash, index, proof);
    }

    /// @notice Applies many leaves of a final batch (at most MAX_APPLY), then moves settledThrough past every fully
    ///         applied batch.
    /// @param id The batch.
    /// @param leaves The leaves.
    /// @param signatureHashes keccak256 of each leaf's signature.
    /// @param indexes Each leaf's index.
    /// @param proofs Each leaf's plain-tree proof.
    function applyMany(
        uint256 id,
        Leaf[] calldata leaves,
        bytes32[] calldata signatureHashes,
        uint256[] calldata indexes,
        bytes32[][] calldata proofs
    ) external nonReentrant {
        if (leaves.length > MAX_APPLY) revert TooMany(leaves.length);
        Batch storage b = _final(id);
        (bytes32 leavesRoot, uint256 meta) = (b.leavesRoot, b.meta);
        for (uint256 i; i < leaves.length; ++i) {
            _apply(id, leavesRoot, meta, leaves[i], signatureHashes[i], indexes[i], proofs[i]);
        }
        _advanceSettled();
    }

    /// @notice Moves settledThrough past fully applied batches (at most MAX_PENDING per call).
    function advanceSettled() external nonReentrant {
        _advanceSettled();
    }

    /// @notice Proves that `account` has no unapplied leaf in final batch `id`, the next one after the batches it is
    ///         settled through: either its leaf (applied) or, leaves being sorted by account, the neighbours between
    ///         which it would stand (one leaf: the first leaf above it or the last below it; two: adjacent leaves
    ///         around it). Anyone may call it; an account escapes with it without anyone else's leaves applied.
    /// @param account The account.
    /// @param id The batch (the account's next unsettled batch).
    /// @param proven One or two leaves of the batch with their plain-tree proofs.
    function settleAccount(address account, uint256 id, ProvenLeaf[] calldata proven) external nonReentrant {
        uint256 next = _settledFor(account) + 1;
        if (id != next) revert NotNext(id, next);
        Batch storage b = _final(id);
        if (proven.length == 0 || proven.length > 2) revert NotProven();
        bytes32 leavesRoot = b.leavesRoot;
        for (uint256 i; i < proven.length; ++i) {
            ProvenLeaf calldata p = proven[i];
            if (!MerkleProof.verifyCalldata(p.proof, leavesRoot, _plainLeaf(p.index, p.leaf, p.signatureHash))) {
                revert NotInTree();
            }
        }
        address first = proven[0].leaf.account;
        uint256 index = proven[0].index;
        bool settled;
        if (proven.length == 1) {
            settled = (first == account && _isApplied(id, index)) || (index == 0 && first > account)
                || (index + 1 == b.leafCount && first < account);
        } else {
            settled = proven[1].index == index + 1 && first < account && account < proven[1].leaf.account;
        }
        if (!settled) revert NotProven();
        accountSettledThrough[account] = id;
        emit AccountSettled(account, id);
    }

    /// @notice Whether leaf `index` of batch `id` has been applied.
    /// @param id The batch.
    /// @param index The leaf index.
    /// @return True once applied.
    function isApplied(uint256 id, uint256 index) external view returns (bool) {
        return _isApplied(id, index);
    }

    // ------------------------------------------------------------------------------------------------ views

    /// @notice The EIP-712 digest an account signs for its leaf.
    /// @param leaf The leaf.
    /// @param postingNonce The ledger's leavesPosted when the batch is posted (BatchPosted's postingNonce).
    /// @param series The batch's four series ids.
    /// @return The digest.
    function leafDigest(Leaf calldata leaf, uint256 postingNonce, uint256[4] memory series)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    LEAF_TYPEHASH,
                    leaf.batch,
                    postingNonce,
                    leaf.account,
                    leaf.cash,
                    keccak256(abi.encodePacked(series)),
                    keccak256(abi.encodePacked(leaf.positions))
                )
            )
        );
    }

    /// @notice Whether the ledger is in escape mode: no batch could finalize for ESCAPE_PERIOD.
    /// @return True in escape mode.
    function escaped() public view returns (bool) {
        uint256 count = batchCount;
        uint256 last = count == 0 ? DEPLOYED_AT : _postedAt(batches[count].meta);
        return block.timestamp > last + CHALLENGE_WINDOW + ESCAPE_PERIOD;
    }

    /// @notice The series ids of a batch's four position columns.
    /// @param id The batch.
    /// @return The series ids.
    function seriesOf(uint256 id) external view returns (uint256[4] memory) {
        return _series(batches[id].meta);
    }

    /// @notice When a batch was posted and its posting nonce (the bitmap base of its leaf 0).
    /// @param id The batch.
    /// @return postedAt The posting timestamp.
    /// @return postingNonce The posting nonce.
    function postingOf(uint256 id) external view returns (uint256 postedAt, uint256 postingNonce) {
        uint256 meta = batches[id].meta;
        return (_postedAt(meta), _base(meta));
    }

    // ------------------------------------------------------------------------------------------------ internals

    /// @dev Checks that `leaves` is the canonical encoding of 1..MAX_LEAVES signed leaves of batch `id` with accounts
    ///      strictly increasing, deltas within MAX_DELTA, zero deltas in the position columns of `empty` (bit i:
    ///      column i has no series) and every column summing to zero; returns the leaf count.
    function _checkCanonical(uint256 id, bytes calldata leaves, uint256 empty) internal pure returns (uint256 n) {
        if (leaves.length < 64 + LEAF_BYTES) revert BadEncoding();
        uint256 head;
        assembly ("memory-safe") {
            head := calldataload(leaves.offset)
            n := calldataload(add(leaves.offset, 32))
        }
        if (head != 32 || n == 0 || n > MAX_LEAVES || leaves.length != 64 + n * LEAF_BYTES) revert BadEncoding();
        int256[5] memory sums;
        uint256[12] memory w; // one leaf's tuple words (allocated once: memory does not grow with n)
        uint256 previous;
        for (uint256 i; i < n; ++i) {
            uint256 offset;
            uint256 at;
            assembly ("memory-safe") {
                offset := calldataload(add(leaves.offset, add(64, mul(32, i))))
            }
            if (offset != 32 * n + _TUPLE_BYTES * i) revert BadLeaf(i, "offset");
            at = 64 + offset;
            for (uint256 k; k < 12; ++k) {
                assembly ("memory-safe") {
                    mstore(add(w, mul(32, k)), calldataload(add(leaves.offset, add(at, mul(32, k)))))
                }
            }
            if (w[0] != id) revert BadLeaf(i, "batch");
            if (w[1] >> 160 != 0 || w[1] <= previous) revert BadLeaf(i, "account");
            previous = w[1];
            for (uint256 k; k < 5; ++k) {
                int256 v = int256(w[2 + k]);
                if (v > MAX_DELTA || v < -MAX_DELTA) revert BadLeaf(i, "delta");
                if (v != 0 && k != 0 && (empty >> (k - 1)) & 1 != 0) revert BadLeaf(i, "position");
                sums[k] += v;
            }
            if (w[7] != 256 || w[8] != _SIGNATURE_BYTES || w[11] << 8 != 0) revert BadLeaf(i, "signature");
        }
        for (uint256 k; k < 5; ++k) {
            if (sums[k] != 0) revert Unbalanced(k);
        }
    }

    function _apply(
        uint256 id,
        bytes32 leavesRoot,
        uint256 meta,
        Leaf calldata leaf,
        bytes32 signatureHash,
        uint256 index,
        bytes32[] calldata proof
    ) internal {
        if (leaf.batch != id) revert WrongBatch(leaf.batch, id);
        if (!MerkleProof.verifyCalldata(proof, leavesRoot, _plainLeaf(index, leaf, signatureHash))) {
            revert NotInTree();
        }
        uint256 position = _base(meta) + index;
        uint256 bit = 1 << (position & 255);
        uint256 word = _applied[position >> 8];
        if (word & bit != 0) revert AlreadyApplied(id, index);
        _applied[position >> 8] = word | bit;
        if (leaf.cash < 0) {
            uint256 debit = _magnitude(leaf.cash);
            uint256 balance = balanceOf[leaf.account];
            if (debit > balance) revert InsufficientBalance(balance, debit);
            balanceOf[leaf.account] = balance - debit;
        } else if (leaf.cash > 0) {
            balanceOf[leaf.account] += uint256(leaf.cash);
        }
        for (uint256 i; i < SERIES_PER_BATCH; ++i) {
            int256 delta = leaf.positions[i];
            if (delta != 0) {
                uint256 seriesId = (meta >> (_SERIES_BITS * i)) & type(uint40).max;
                int256 held = positionOf[leaf.account][seriesId];
                // Inventory, like cash: a sale never exceeds the tokens held (a position is never negative).
                if (delta < 0 && _magnitude(delta) > uint256(held)) {
                    revert InsufficientBalance(uint256(held), _magnitude(delta));
                }
                positionOf[leaf.account][seriesId] = held + delta;
            }
        }
        emit LeafApplied(id, index, leaf.account, leaf.cash);
    }

    /// @dev Moves settledThrough past every fully applied batch that follows it (at most MAX_PENDING per call; a
    ///      fully applied batch is final, so it can no longer be reverted).
    function _advanceSettled() internal {
        uint256 s = settledThrough;
        uint256 last = batchCount;
        for (uint256 i; i < MAX_PENDING && s < last; ++i) {
            Batch storage next = batches[s + 1];
            if (!_fullyApplied(_base(next.meta), next.leafCount)) break;
            ++s;
        }
        if (s != settledThrough) {
            settledThrough = s;
            emit Settled(s);
        }
    }

    /// @dev Whether bits [base, base + count) of the bitmap are all set (count <= MAX_LEAVES = 256: at most two words).
    function _fullyApplied(uint256 base, uint256 count) internal view returns (bool) {
        uint256 end = base + count;
        for (uint256 at = base; at < end;) {
            uint256 wordEnd = ((at >> 8) + 1) << 8;
            uint256 stop = end < wordEnd ? end : wordEnd;
            uint256 width = stop - at;
            uint256 mask = (width == 256 ? type(uint256).max : (1 << width) - 1) << (at & 255);
            if (_applied[at >> 8] & mask != mask) return false;
            at = stop;
        }
        return true;
    }

    function _climb(bytes32 hash, int256[5] memory sums, Step[] calldata proof) internal pure returns (bytes32) {
        for (uint256 i; i < proof.length; ++i) {
            Step calldata s = proof[i];
            if (s.onLeft) {
                hash = keccak256(abi.encode(uint256(1), s.hash, s.sums, hash, sums));
            } else {
                hash = keccak256(abi.encode(uint256(1), hash, sums, s.hash, s.sums));
            }
            for (uint256 j; j < 5; ++j) {
                sums[j] += s.sums[j];
            }
        }
        return hash;
    }

    /// @dev A leaf of the plain tree: OpenZeppelin merkle-tree's standard leaf of (index, leaf, signature hash).
    function _plainLeaf(uint256 index, Leaf calldata leaf, bytes32 signatureHash) internal pure returns (bytes32) {
        return plainLeafHash(index, leaf.batch, leaf.account, leaf.cash, leaf.positions, signatureHash);
    }

    function _isApplied(uint256 id, uint256 index) internal view returns (bool) {
        Batch storage b = batches[id];
        if (index >= b.leafCount) return false; // not a leaf of this batch (the bits after it are the next batch's)
        uint256 position = _base(b.meta) + index;
        return _applied[position >> 8] & (1 << (position & 255)) != 0;
    }

    /// @dev The batch an account is settled through: the global prefix or its own proven cursor.
    function _settledFor(address account) internal view returns (uint256) {
        uint256 own = accountSettledThrough[account];
        uint256 all = settledThrough;
        return own > all ? own : all;
    }

    function _open(uint256 id) internal view returns (Batch storage b) {
        if (id == 0 || id > batchCount) revert UnknownBatch(id);
        b = batches[id];
        uint256 closedAt = _postedAt(b.meta) + CHALLENGE_WINDOW;
        if (block.timestamp >= closedAt) revert ChallengeWindowOver(id, closedAt);
    }

    function _final(uint256 id) internal view returns (Batch storage b) {
        if (id == 0 || id > batchCount) revert UnknownBatch(id);
        b = batches[id];
        uint256 finalAt = _postedAt(b.meta) + CHALLENGE_WINDOW;
        if (block.timestamp < finalAt) revert NotFinal(id, finalAt);
    }

    /// @dev Reverts batch `id` and every later one; credits `id`'s bond half to the challenger and half to the
    ///      treasury, and the later batches' bonds back to their sequencers (pull payments: no receiver can make a
    ///      proven fraud unprovable). Bounded: at most MAX_PENDING batches are open.
    function _revertFrom(uint256 id, string memory fraud) internal {
        uint256 last = batchCount;
        batchCount = id - 1;
        uint256 half = BOND / 2;
        _credit(msg.sender, half);
        _credit(TREASURY, BOND - half);
        for (uint256 i = id; i <= last; ++i) {
            Batch storage b = batches[i];
            if (i != id) _credit(b.sequencer, BOND);
            delete b.leavesRoot; // no leaf of a reverted batch can ever be proven (apply_ reads no batchCount)
            emit BatchReverted(i, id, msg.sender, fraud);
        }
    }

    function _credit(address account, uint256 amount) internal {
        bondsOwed[account] += amount;
        emit BondCredited(account, amount);
    }

    function _series(uint256 meta) internal pure returns (uint256[4] memory series) {
        for (uint256 i; i < SERIES_PER_BATCH; ++i) {
            series[i] = (meta >> (_SERIES_BITS * i)) & type(uint40).max;
        }
    }

    function _base(uint256 meta) internal pure returns (uint256) {
        return (meta >> _BASE_SHIFT) & type(uint56).max;
    }

    function _postedAt(uint256 meta) internal pure returns (uint256) {
        return meta >> _POSTED_SHIFT;
    }

    /// @dev |x| for a negative int256, without the checked negation's panic at type(int256).min.
    function _magnitude(int256 x) internal pure returns (uint256) {
        unchecked {
            return uint256(0) - uint256(x);
        }
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }
}
