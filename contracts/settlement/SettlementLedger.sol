// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @title SettlementLedger
/// @notice Rollup-style settlement of netted trades: the sequencer posts one Merkle-sum root per batch (with the
///         leaves as calldata and a bond); for CHALLENGE_WINDOW anyone may prove a single-step fraud (a node whose
///         sums are not its children's, a leaf without a valid co-signature of its account for this batch, chain and
///         contract, a leaf debiting more cash than its account holds); a proven fraud reverts the batch and every
///         later one and slashes the bond. After the window, leaves apply to balances once each (bitmap), by anyone.
///         If no batch can finalize for ESCAPE_PERIOD, posting stops and accounts withdraw their balances at once.
/// @dev Encodings (see contracts/settlement/README.md and strikeforge/settlement/tree.py). Two trees over the same
///      leaves, in calldata order:
///        Merkle-sum tree (-> `root`), padded to a power of two with empty nodes (hash 0, sums 0):
///          leaf = keccak256(abi.encode(0, batch, account, cash, positions[4], keccak256(signature)))
///          node = keccak256(abi.encode(1, leftHash, leftSums[5], rightHash, rightSums[5]))
///        plain tree (-> `leavesRoot`): OpenZeppelin's merkle-tree (npm) StandardMerkleTree of the values
///          (index, batch, account, cash, positions, keccak256(signature)) with sortLeaves off, that is
///          leaf = keccak256(bytes.concat(keccak256(abi.encode(index, ...)))), nodes sorted-pair hashed, proofs
///          checked by OpenZeppelin's MerkleProof.
///      The sum tree carries the sums for challengeSums; the plain tree proves a leaf in one word a level for apply,
///      challengeSignature and challengeCollateral. Each plain leaf carries its index, so a leaf has exactly one bit in
///      the bitmap, and challengeData proves either root wrong against the calldata (where leaf i has index i). Second
///      preimages: a sum leaf's preimage is 288 bytes and a sum node's 416 (tag 1); a plain leaf is hashed twice (a
///      32-byte preimage) and a plain node's preimage is 64 bytes. The root's sums are zero by rule.
/// @custom:invariants (1) The ledger's cash token balance == the sum of account balances plus the cash of every leaf
///                        of a valid batch not applied yet (a valid batch nets to zero, so applying moves cash between
///                        balances only).
///                    (1a) A withdrawal executes only once every batch that was valid when it was requested is fully
///                        applied (and, in escape mode, every batch): an account cannot leave before its debits land.
///                    (2) A leaf applies at most once, only from a batch that is valid and past its window.
///                    (3) A batch is reverted only by a proven fraud in it or in an earlier batch; its bond then goes
///                        half to the challenger and half to the treasury.
///                    (4) In escape mode no batch is posted and withdrawals need no delay.
contract SettlementLedger is AccessControl, EIP712, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice Posts batches.
    bytes32 public constant SEQUENCER_ROLE = keccak256("SEQUENCER_ROLE");
    /// @notice Series per batch (a leaf has one position delta per series).
    uint256 public constant SERIES_PER_BATCH = 4;
    /// @notice Batches that may be inside their window at once (bounds the revert loop).
    uint256 public constant MAX_PENDING = 32;
    /// @notice Most leaves applied in one applyMany call.
    uint256 public constant MAX_APPLY = 256;
    /// @notice Largest leaves calldata a batch may carry. It bounds the on-chain rebuild in challengeData (about 600
    ///         leaves; a maximal rebuild costs 14.7M gas, measured in tests/settlement), well under a block.
    uint256 public constant MAX_DATA_BYTES = 256 * 1024;
    /// @notice EIP-712 type of an account's co-signature of its netted leaf.
    bytes32 public constant LEAF_TYPEHASH =
        keccak256("NettedLeaf(uint256 batch,address account,int256 cash,int256[4] positions)");

    IERC20 public immutable CASH;
    uint256 public immutable CHALLENGE_WINDOW;
    uint256 public immutable BOND;
    uint256 public immutable ESCAPE_PERIOD;
    uint256 public immutable WITHDRAWAL_DELAY;
    address public immutable TREASURY;
    uint256 internal immutable DEPLOYED_AT;

    struct Batch {
        bytes32 root;
        bytes32 leavesRoot;
        bytes32 dataHash;
        address sequencer;
        uint40 postedAt;
        bool bondReleased;
        uint24 leafCount;
        uint24 appliedCount;
        uint256 seriesAndBase; // four 48-bit series ids (column 0 lowest), then the 64-bit bitmap offset of leaf 0
    }

    struct Leaf {
        uint256 batch;
        address account;
        int256 cash;
        int256[4] positions;
    }

    /// @dev A leaf as it travels in a batch's calldata: with its co-signature.
    struct SignedLeaf {
        uint256 batch;
        address account;
        int256 cash;
        int256[4] positions;
        bytes signature;
    }

    struct Step {
        bytes32 hash;
        int256[5] sums;
        bool onLeft;
    }

    /// @dev A debit of the same account in an earlier batch that is not applied yet (for challengeCollateral).
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
        uint64 settleThrough; // batchCount when requested: those batches must be fully applied first
    }

    /// @notice Batches by id (1-based); ids above batchCount are reverted or unused.
    mapping(uint256 => Batch) public batches;
    /// @notice The highest valid batch id.
    uint256 public batchCount;
    /// @notice Every batch up to this id is fully applied (each leaf once).
    uint256 public settledThrough;
    /// @notice Cash balance per account.
    mapping(address => uint256) public balanceOf;
    /// @notice Net option position per account and series id.
    mapping(address => mapping(uint256 => int256)) public positionOf;
    /// @notice Pending withdrawal per account.
    mapping(address => Withdrawal) public withdrawals;
    /// @notice Leaves posted so far, over all batches (reverted ones included): each batch's leaves take the next
    ///         bits of one bitmap, so bitmap words are shared across batches (a claim rarely starts a word) and a
    ///         reposted batch id never meets the bits of the batch it replaced.
    uint256 public leavesPosted;
    /// @dev Applied leaves: word => bits, leaf `index` of a batch at bit `leafBase + index`.
    mapping(uint256 => uint256) internal _applied;

    event Deposited(address indexed account, uint256 amount);
    event WithdrawalRequested(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, uint256 amount);
    event BatchPosted(
        uint256 indexed batch, bytes32 root, bytes32 leavesRoot, bytes32 dataHash, uint256[4] series, address sequencer
    );
    event BatchReverted(uint256 indexed batch, uint256 indexed fromBatch, address indexed challenger, string fraud);
    event BondReleased(uint256 indexed batch, address sequencer, uint256 amount);
    event LeafApplied(uint256 indexed batch, uint256 indexed index, address indexed account, int256 cash);
    event Settled(uint256 throughBatch);

    error InvalidConfig(string reason);
    error WrongBond(uint256 sent, uint256 required);
    error TooManyPending(uint256 pending);
    error Escaped();
    error NotEscaped();
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
    error DataTooLarge(uint256 size, uint256 max);
    error DataMismatch(bytes32 dataHash, bytes32 posted);
    error ChallengeOutOfGas();
    error BadEncoding();
    error BadPrior(uint256 position);
    error UnsettledBatches(uint256 settledThrough, uint256 required);

    /// @param cash The collateral and premium token.
    /// @param challengeWindow Seconds a batch may be challenged.
    /// @param bond Wei a sequencer bonds per batch.
    /// @param escapePeriod Seconds without a finalizable batch after which accounts may leave at once.
    /// @param withdrawalDelay Seconds between requesting and executing a withdrawal (>= challengeWindow).
    /// @param treasury Receives half of every slashed bond.
    /// @param admin The admin of roles (a timelock).
    constructor(
        IERC20 cash,
        uint256 challengeWindow,
        uint256 bond,
        uint256 escapePeriod,
        uint256 withdrawalDelay,
        address treasury,
        address admin
    ) EIP712("Strikeforge Settlement", "1") {
        if (address(cash) == address(0) || treasury == address(0) || admin == address(0)) {
            revert InvalidConfig("address");
        }
        if (challengeWindow == 0 || bond == 0 || escapePeriod == 0) revert InvalidConfig("window/bond/escape");
        if (withdrawalDelay < challengeWindow) revert InvalidConfig("withdrawalDelay");
        CASH = cash;
        CHALLENGE_WINDOW = challengeWindow;
        BOND = bond;
        ESCAPE_PERIOD = escapePeriod;
        WITHDRAWAL_DELAY = withdrawalDelay;
        TREASURY = treasury;
        DEPLOYED_AT = block.timestamp;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    // ------------------------------------------------------------------------------------------------ collateral

    /// @notice Deposits `amount` of cash for the caller.
    /// @param amount Cash to deposit.
    function deposit(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        balanceOf[msg.sender] += amount;
        CASH.safeTransferFrom(msg.sender, address(this), amount);
        emit Deposited(msg.sender, amount);
    }

    /// @notice Requests a withdrawal, executable after WITHDRAWAL_DELAY (at once in escape mode). Replaces any
    ///         earlier request.
    /// @param amount Cash to withdraw.
    function requestWithdrawal(uint256 amount) external {
        if (amount == 0) revert ZeroAmount();
        withdrawals[msg.sender] = Withdrawal(SafeCast.toUint128(amount), uint64(block.timestamp), uint64(batchCount));
        emit WithdrawalRequested(msg.sender, amount);
    }

    /// @notice Executes the caller's withdrawal request (or, in escape mode, withdraws `amount` at once). The batches
    ///         that were valid at the request (in escape mode: all batches) must be fully applied first, so that no
    ///         account leaves before its debits land; anyone may apply them (applyMany).
    /// @param amount Cash to withdraw (at most the request outside escape mode).
    function withdraw(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        uint256 settled = settledThrough;
        if (!escaped()) {
            Withdrawal memory w = withdrawals[msg.sender];
            uint256 readyAt = uint256(w.requestedAt) + WITHDRAWAL_DELAY;
            if (w.requestedAt == 0 || block.timestamp < readyAt || amount > w.amount) {
                revert WithdrawalNotReady(readyAt);
            }
            // Batches reverted since the request may be posted again later: those already net this request out.
            uint256 required = _min(w.settleThrough, batchCount);
            if (settled < required) revert UnsettledBatches(settled, required);
            withdrawals[msg.sender].amount = uint128(w.amount - amount);
        } else if (settled < batchCount) {
            revert UnsettledBatches(settled, batchCount);
        }
        uint256 balance = balanceOf[msg.sender];
        if (amount > balance) revert InsufficientBalance(balance, amount);
        balanceOf[msg.sender] = balance - amount;
        CASH.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, amount);
    }

    // ------------------------------------------------------------------------------------------------ batches

    /// @notice Posts a batch: its Merkle-sum root (whose sums must be zero), the plain Merkle root of the same
    ///         leaves, its series and its leaves as calldata. Sequencer only, with exactly BOND wei.
    /// @param root The Merkle-sum root node hash.
    /// @param leavesRoot The plain Merkle root of the leaf hashes.
    /// @param series The engine series ids of the batch's four position columns (each below 2^48).
    /// @param leaves The batch's leaves in tree order with their co-signatures, `abi.encode(SignedLeaf[])` (head
    ///        offset 32, then the leaf count, at least one), at most MAX_DATA_BYTES (data availability: only the hash
    ///        is kept; challengeData proves a root they do not build).
    /// @return id The batch id.
    function postBatch(bytes32 root, bytes32 leavesRoot, uint256[4] calldata series, bytes calldata leaves)
        external
        payable
        onlyRole(SEQUENCER_ROLE)
        returns (uint256 id)
    {
        if (escaped()) revert Escaped();
        if (msg.value != BOND) revert WrongBond(msg.value, BOND);
        if (leaves.length > MAX_DATA_BYTES) revert DataTooLarge(leaves.length, MAX_DATA_BYTES);
        // The count is read where abi.decode reads it (the head must point right after itself), so the count kept
        // here is the count challengeData's rebuild sees.
        if (leaves.length < 64 || uint256(bytes32(leaves[0:32])) != 32) revert BadEncoding();
        uint256 leafCount = uint256(bytes32(leaves[32:64]));
        if (leafCount == 0 || leafCount > type(uint24).max) revert BadEncoding();
        uint256 packed = leavesPosted << 192;
        for (uint256 i; i < SERIES_PER_BATCH; ++i) {
            if (series[i] >> 48 != 0) revert InvalidConfig("series id above 2^48");
            packed |= series[i] << (48 * i);
        }
        leavesPosted += leafCount;
        id = batchCount + 1;
        uint256 pending = 0;
        for (uint256 i = id - 1; i > 0 && pending <= MAX_PENDING; --i) {
            if (block.timestamp >= batches[i].postedAt + CHALLENGE_WINDOW) break;
            ++pending;
        }
        if (pending >= MAX_PENDING) revert TooManyPending(pending);
        batchCount = id;
        bytes32 dataHash = keccak256(leaves);
        batches[id] =
            Batch(root, leavesRoot, dataHash, msg.sender, uint40(block.timestamp), false, uint24(leafCount), 0, packed);
        emit BatchPosted(id, root, leavesRoot, dataHash, series, msg.sender);
    }

    /// @notice Returns a final batch's bond to its sequencer.
    /// @param id The batch.
    function releaseBond(uint256 id) external nonReentrant {
        Batch storage b = _final(id);
        if (b.bondReleased) revert BondAlreadyReleased(id);
        b.bondReleased = true;
        (bool ok,) = b.sequencer.call{value: BOND}("");
        require(ok);
        emit BondReleased(id, b.sequencer, BOND);
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

    /// @notice Proves that a batch's root is not the tree of its own calldata (or that the calldata is not a valid
    ///         `abi.encode(SignedLeaf[])`): the ledger rebuilds the whole tree (bounded by MAX_DATA_BYTES). This is the
    ///         proof for a sequencer that posts data nobody can build the root from, so no other proof is possible.
    /// @param id The batch.
    /// @param leaves The batch's calldata exactly as posted.
    function challengeData(uint256 id, bytes calldata leaves) external nonReentrant {
        Batch storage b = _open(id);
        bytes32 dataHash = keccak256(leaves);
        if (dataHash != b.dataHash) revert DataMismatch(dataHash, b.dataHash);
        uint256 gasBefore = gasleft();
        try this.dataRoot(leaves) returns (bytes32 root, bytes32 leavesRoot) {
            if (root != b.root || leavesRoot != b.leavesRoot) return _revertFrom(id, "data");
        } catch {
            // EIP-150 keeps 1/64 of the gas here: a call that failed having used nearly all of its share was starved
            // by the challenger, not given bad data, and must not revert an honest batch.
            if (gasleft() <= gasBefore / 63) revert ChallengeOutOfGas();
            return _revertFrom(id, "data encoding");
        }
        revert NoFraud();
    }

    /// @notice The Merkle-sum root and the plain root of a batch's calldata (used by challengeData; reverts on a
    ///         malformed encoding).
    /// @param leaves `abi.encode(SignedLeaf[])`.
    /// @return root The Merkle-sum root (zero for no leaves).
    /// @return leavesRoot The plain Merkle root (zero for no leaves).
    function dataRoot(bytes calldata leaves) external pure returns (bytes32 root, bytes32 leavesRoot) {
        SignedLeaf[] memory decoded = abi.decode(leaves, (SignedLeaf[]));
        uint256 n = decoded.length;
        if (n == 0) return (bytes32(0), bytes32(0));
        uint256 size = 1;
        while (size < n) {
            size <<= 1;
        }
        bytes32[] memory hashes = new bytes32[](size);
        bytes32[] memory plain = new bytes32[](2 * n - 1); // OpenZeppelin's layout: leaf i at 2n - 2 - i
        int256[5][] memory sums = new int256[5][](size);
        for (uint256 i; i < n; ++i) {
            SignedLeaf memory l = decoded[i];
            hashes[i] =
                keccak256(abi.encode(uint256(0), l.batch, l.account, l.cash, l.positions, keccak256(l.signature)));
            plain[2 * n - 2 - i] = _plainLeafHash(i, l.batch, l.account, l.cash, l.positions, keccak256(l.signature));
            sums[i][0] = l.cash;
            for (uint256 j; j < SERIES_PER_BATCH; ++j) {
                sums[i][j + 1] = l.positions[j];
            }
        }
        for (; size > 1; size >>= 1) {
            for (uint256 i; i < size; i += 2) {
                bytes32 parent = keccak256(abi.encode(uint256(1), hashes[i], sums[i], hashes[i + 1], sums[i + 1]));
                int256[5] memory parentSums;
                for (uint256 j; j < 5; ++j) {
                    parentSums[j] = sums[i][j] + sums[i + 1][j];
                }
                hashes[i >> 1] = parent;
                sums[i >> 1] = parentSums;
            }
        }
        for (uint256 i = n - 1; i > 0; --i) {
            plain[i - 1] = Hashes.commutativeKeccak256(plain[2 * i - 1], plain[2 * i]);
        }
        return (hashes[0], plain[0]);
    }

    /// @notice Proves that a leaf lacks a valid co-signature of its account for this batch, chain and contract.
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
        (address signer, ECDSA.RecoverError error,) = ECDSA.tryRecover(leafDigest(leaf), signature);
        if (error != ECDSA.RecoverError.NoError || signer != leaf.account) return _revertFrom(id, "signature");
        revert NoFraud();
    }

    /// @notice Proves that a leaf debits more cash than its account can pay: its balance, net of a withdrawal
    ///         requested before the batch was posted, less the account's debits in earlier batches that are not
    ///         applied yet (they come off the balance first, and would leave this leaf unable to apply).
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
        Batch storage b = _open(id);
        if (!MerkleProof.verifyCalldata(proof, b.leavesRoot, _plainLeaf(index, leaf, signatureHash))) {
            revert NotInTree();
        }
        if (priors.length > MAX_PENDING) revert TooMany(priors.length);
        uint256 debits = leaf.cash < 0 ? uint256(-leaf.cash) : 0;
        uint256 last; // (batch << 128) | index of the previous prior: strictly increasing, so none counts twice
        for (uint256 i; i < priors.length; ++i) {
            PriorLeaf calldata p = priors[i];
            uint256 key = (p.batch << 128) | p.index;
            if (
                p.batch <= settledThrough || p.batch >= id || p.index >= 1 << 128 || key <= last
                    || p.leaf.account != leaf.account || p.leaf.batch != p.batch || p.leaf.cash >= 0
                    || !MerkleProof.verifyCalldata(
                        p.proof, batches[p.batch].leavesRoot, _plainLeaf(p.index, p.leaf, p.signatureHash)
                    ) || _isApplied(p.batch, p.index)
            ) revert BadPrior(i);
            last = key;
            debits += uint256(-p.leaf.cash);
        }
        uint256 available = balanceOf[leaf.account];
        Withdrawal memory w = withdrawals[leaf.account];
        if (w.requestedAt != 0 && w.requestedAt <= b.postedAt) available -= _min(available, w.amount);
        if (leaf.cash < 0 && debits > available) return _revertFrom(id, "collateral");
        revert NoFraud();
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
        Batch storage b = _final(id);
        _apply(id, b, leaf, signatureHash, index, proof);
    }

    /// @notice Applies many leaves of a final batch (at most MAX_APPLY).
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
        for (uint256 i; i < leaves.length; ++i) {
            _apply(id, b, leaves[i], signatureHashes[i], indexes[i], proofs[i]);
        }
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
    /// @return The digest.
    function leafDigest(Leaf calldata leaf) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    LEAF_TYPEHASH, leaf.batch, leaf.account, leaf.cash, keccak256(abi.encodePacked(leaf.positions))
                )
            )
        );
    }

    /// @notice Whether the ledger is in escape mode: no batch could finalize for ESCAPE_PERIOD.
    /// @return True in escape mode.
    function escaped() public view returns (bool) {
        uint256 last = batchCount == 0 ? DEPLOYED_AT : batches[batchCount].postedAt;
        return block.timestamp > last + CHALLENGE_WINDOW + ESCAPE_PERIOD;
    }

    /// @notice The series ids of a batch's four position columns.
    /// @param id The batch.
    /// @return series The series ids.
    function seriesOf(uint256 id) external view returns (uint256[4] memory series) {
        uint256 packed = batches[id].seriesAndBase;
        for (uint256 i; i < SERIES_PER_BATCH; ++i) {
            series[i] = (packed >> (48 * i)) & type(uint48).max;
        }
    }

    // ------------------------------------------------------------------------------------------------ internals

    function _apply(
        uint256 id,
        Batch storage b,
        Leaf calldata leaf,
        bytes32 signatureHash,
        uint256 index,
        bytes32[] calldata proof
    ) internal {
        if (leaf.batch != id) revert WrongBatch(leaf.batch, id);
        if (!MerkleProof.verifyCalldata(proof, b.leavesRoot, _plainLeaf(index, leaf, signatureHash))) {
            revert NotInTree();
        }
        uint256 packed = b.seriesAndBase;
        uint256 position = (packed >> 192) + index;
        uint256 bit = 1 << (position & 255);
        uint256 word = _applied[position >> 8];
        if (word & bit != 0) revert AlreadyApplied(id, index);
        _applied[position >> 8] = word | bit;
        if (leaf.cash < 0) {
            uint256 debit = uint256(-leaf.cash);
            uint256 balance = balanceOf[leaf.account];
            if (debit > balance) revert InsufficientBalance(balance, debit);
            balanceOf[leaf.account] = balance - debit;
        } else if (leaf.cash > 0) {
            balanceOf[leaf.account] += uint256(leaf.cash);
        }
        for (uint256 i; i < SERIES_PER_BATCH; ++i) {
            if (leaf.positions[i] != 0) {
                positionOf[leaf.account][(packed >> (48 * i)) & type(uint48).max] += leaf.positions[i];
            }
        }
        uint24 applied = b.appliedCount + 1;
        b.appliedCount = applied;
        if (applied == b.leafCount && id == settledThrough + 1) _advanceSettled();
        emit LeafApplied(id, index, leaf.account, leaf.cash);
    }

    /// @dev Moves settledThrough past every fully applied batch that follows it (at most MAX_PENDING per call; a
    ///      fully applied batch is final, so it can no longer be reverted).
    function _advanceSettled() internal {
        uint256 s = settledThrough;
        uint256 last = batchCount;
        for (uint256 i; i < MAX_PENDING && s < last; ++i) {
            Batch storage next = batches[s + 1];
            if (next.appliedCount != next.leafCount) break;
            ++s;
        }
        if (s != settledThrough) {
            settledThrough = s;
            emit Settled(s);
        }
    }

    /// @notice Moves settledThrough past fully applied batches (when more than MAX_PENDING completed out of order).
    function advanceSettled() external {
        _advanceSettled();
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
        return _plainLeafHash(index, leaf.batch, leaf.account, leaf.cash, leaf.positions, signatureHash);
    }

    function _plainLeafHash(
        uint256 index,
        uint256 batch,
        address account,
        int256 cash,
        int256[4] memory positions,
        bytes32 signatureHash
    ) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(index, batch, account, cash, positions, signatureHash))));
    }

    function _isApplied(uint256 id, uint256 index) internal view returns (bool) {
        Batch storage b = batches[id];
        if (index >= b.leafCount) return false; // not a leaf of this batch (the bits after it are the next batch's)
        uint256 position = (b.seriesAndBase >> 192) + index;
        return _applied[position >> 8] & (1 << (position & 255)) != 0;
    }

    function _open(uint256 id) internal view returns (Batch storage b) {
        if (id == 0 || id > batchCount) revert UnknownBatch(id);
        b = batches[id];
        uint256 closedAt = uint256(b.postedAt) + CHALLENGE_WINDOW;
        if (block.timestamp >= closedAt) revert ChallengeWindowOver(id, closedAt);
    }

    function _final(uint256 id) internal view returns (Batch storage b) {
        if (id == 0 || id > batchCount) revert UnknownBatch(id);
        b = batches[id];
        uint256 finalAt = uint256(b.postedAt) + CHALLENGE_WINDOW;
        if (block.timestamp < finalAt) revert NotFinal(id, finalAt);
    }

    /// @dev Reverts batch `id` and every later one; slashes `id`'s bond (half challenger, half treasury) and returns
    ///      the later batches' bonds to their sequencers (bounded: at most MAX_PENDING batches are open).
    function _revertFrom(uint256 id, string memory fraud) internal {
        uint256 last = batchCount;
        batchCount = id - 1;
        for (uint256 i = id; i <= last; ++i) {
            emit BatchReverted(i, id, msg.sender, fraud);
        }
        uint256 half = BOND / 2;
        (bool ok,) = msg.sender.call{value: half}("");
        (bool ok2,) = TREASURY.call{value: BOND - half}("");
        require(ok && ok2);
        for (uint256 i = id + 1; i <= last; ++i) {
            (bool ok3,) = batches[i].sequencer.call{value: BOND}("");
            require(ok3);
        }
    }

    function _min(uint256 a, uint256 b) internal pure returns (uint256) {
        return a < b ? a : b;
    }
}
