// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ISegmentMarket} from "./interfaces/ISegmentMarket.sol";
import {IProverStaking} from "./interfaces/IProverStaking.sol";
import {IStakeToken} from "./interfaces/IStakeToken.sol";
import {IStarkVerifier} from "./interfaces/IStarkVerifier.sol";
import {IRollup} from "./interfaces/IRollup.sol";
import {StatementLib} from "./libraries/StatementLib.sol";
import {SecurityFloor} from "./libraries/SecurityFloor.sol";

interface ISequencerSource {
    function sequencer() external view returns (address);
}

/// @notice Segment market: the sequencer posts a batch and escrows its fee; every segment is sold by a
///         reverse Dutch auction to the first prover that locks it with collateral; the locker commits
///         its proof before the lock deadline; failures are slashed and the segment reopens.
/// @dev Holds the fee escrow of open batches and the bounties (half of expired locks' collateral).
contract SegmentMarket is ISegmentMarket {
    uint256 internal constant BPS = 10_000;
    /// @dev Gas kept back for the code after the verifier call returns (slashing, events).
    uint256 public constant VERIFY_GAS_RESERVE = 100_000;
    /// @dev Bounds the loops of finalizeBatch and timeoutBatch (each segment costs tens of k gas there).
    uint256 public constant MAX_SEGMENTS_PER_BATCH = 256;

    IStakeToken public immutable token;
    IProverStaking public immutable staking;
    IStarkVerifier public immutable verifier;
    address public immutable owner;

    bytes32 public immutable airId;
    uint32 public immutable collateralRatioBps;
    uint64 public immutable lockTimeout;
    uint64 public immutable rampPeriod;
    uint64 public immutable batchTimeout;
    uint64 public immutable responseWindow;
    uint16 public immutable aggregatorFeeBps;
    uint64 public immutable verifyGasLimit;

    address public rollup;
    uint64 public nextBatchId = 1;
    uint256 public totalEscrow;
    uint256 public totalBounties;

    mapping(uint64 => Batch) internal _batches;
    mapping(uint64 => mapping(uint32 => Segment)) internal _segments;

    constructor(IStakeToken token_, IProverStaking staking_, IStarkVerifier verifier_, MarketParams memory p) {
        if (
            address(token_) == address(0) || address(staking_) == address(0) || address(verifier_) == address(0)
                || p.collateralRatioBps == 0 || p.lockTimeout == 0 || p.batchTimeout <= p.lockTimeout
                || p.aggregatorFeeBps > BPS || p.responseWindow == 0
        ) revert SegmentMarket__InvalidParams();
        uint256 policy = verifier_.minSecurityBits();
        if (!SecurityFloor.allows(policy)) revert SegmentMarket__VerifierPolicyBelowFloor(policy, SecurityFloor.FLOOR_BITS);
        token = token_;
        staking = staking_;
        verifier = verifier_;
        owner = msg.sender;
        airId = p.airId;
        collateralRatioBps = p.collateralRatioBps;
        lockTimeout = p.lockTimeout;
        rampPeriod = p.rampPeriod;
        batchTimeout = p.batchTimeout;
        responseWindow = p.responseWindow;
        aggregatorFeeBps = p.aggregatorFeeBps;
        verifyGasLimit = p.verifyGasLimit;
    }

    function initialize(address rollup_) external {
        if (msg.sender != owner) revert SegmentMarket__NotOwner(msg.sender);
        if (rollup != address(0)) revert SegmentMarket__AlreadyInitialized();
        if (rollup_ == address(0)) revert SegmentMarket__InvalidParams();
        rollup = rollup_;
        emit Initialized(rollup_);
    }

    // ------------------------------------------------------------------ sequencer

    /// @notice Post a batch; escrows maxPrice per segment from the sequencer (approve this contract first).
    /// @param finalRoot expected rootOut of the last segment, or bytes32(0) if not specified
    function postBatch(SegmentInput[] calldata segments, bytes32 finalRoot, uint96 minPrice, uint96 maxPrice)
        external
        returns (uint64 batchId)
    {
        if (msg.sender != ISequencerSource(rollup).sequencer()) revert SegmentMarket__NotSequencer(msg.sender);
        uint256 n = segments.length;
        if (n == 0) revert SegmentMarket__NoSegments();
        if (n > MAX_SEGMENTS_PER_BATCH) revert SegmentMarket__TooManySegments(n, MAX_SEGMENTS_PER_BATCH);
        // The collateral (maxPrice x ratio) must fit the uint96 it is stored in (next to price and deadline).
        if (minPrice > maxPrice || maxPrice == 0 || uint256(maxPrice) * collateralRatioBps / BPS > type(uint96).max) {
            revert SegmentMarket__InvalidPrices(minPrice, maxPrice);
        }
        batchId = nextBatchId++;
        uint256 escrow = uint256(maxPrice) * n;
        uint64 timeoutAt = uint64(block.timestamp) + batchTimeout;
        Batch storage b = _batches[batchId];
        b.sequencer = msg.sender;
        b.segmentCount = uint32(n);
        b.status = BatchStatus.Open;
        b.postedAt = uint64(block.timestamp);
        b.timeoutAt = timeoutAt;
        b.minPrice = minPrice;
        b.maxPrice = maxPrice;
        b.escrow = escrow;
        b.finalRoot = finalRoot;
        for (uint32 i = 0; i < n; ++i) {
            SegmentInput calldata s = segments[i];
            Segment storage seg = _segments[batchId][i];
            if (s.rootIn != bytes32(0)) seg.rootIn = s.rootIn;
            seg.witnessHash = s.witnessHash;
            seg.txDataHash = s.txDataHash;
            seg.txCount = s.txCount;
            seg.status = SegmentStatus.Open;
            emit SegmentPosted(batchId, i, s.rootIn, s.witnessHash, s.txDataHash, s.txCount);
        }
        totalEscrow += escrow;
        token.transferFrom(msg.sender, address(this), escrow);
        emit BatchPosted(batchId, msg.sender, uint32(n), minPrice, maxPrice, escrow, timeoutAt);
    }

    // ------------------------------------------------------------------ provers

    /// @notice Lock a segment at the current auction price, reserving collateral from free stake.
    ///         A lock whose deadline has passed is slashed first (expiry) and the segment taken over.
    function lock(uint64 batchId, uint32 index) external {
        Batch storage b = _openBatch(batchId);
        if (block.timestamp >= b.timeoutAt) revert SegmentMarket__BatchTimedOut(batchId, b.timeoutAt);
        Segment storage seg = _segment(batchId, index);
        if (seg.status == SegmentStatus.Locked) {
            if (block.timestamp <= seg.lockDeadline) {
                revert SegmentMarket__AlreadyLocked(batchId, index, seg.locker, seg.lockDeadline);
            }
            _expire(batchId, index, seg);
        } else if (seg.status == SegmentStatus.Committed) {
            revert SegmentMarket__AlreadyLocked(batchId, index, seg.locker, seg.lockDeadline);
        }
        if (!staking.isActive(msg.sender)) revert SegmentMarket__NotActiveProver(msg.sender);
        uint96 collateral = _collateral(b);
        staking.lockCollateral(msg.sender, collateral);
        uint96 price = _price(b);
        uint64 deadline = uint64(block.timestamp) + lockTimeout;
        seg.status = SegmentStatus.Locked;
        seg.locker = msg.sender;
        seg.lockDeadline = deadline;
        seg.price = price;
        seg.collateral = collateral;
        emit SegmentLocked(batchId, index, msg.sender, price, collateral, deadline);
    }

    /// @notice Commit to a proof (by its keccak256) and the roots it proves, before the lock deadline.
    function commitProof(uint64 batchId, uint32 index, bytes32 proofHash, bytes32 rootIn, bytes32 rootOut) external {
        Batch storage b = _openBatch(batchId);
        Segment storage seg = _segment(batchId, index);
        if (seg.status != SegmentStatus.Locked) revert SegmentMarket__NotLocked(batchId, index);
        if (msg.sender != seg.locker) revert SegmentMarket__NotLocker(msg.sender, seg.locker);
        if (block.timestamp > seg.lockDeadline) revert SegmentMarket__LockExpired(batchId, index, seg.lockDeadline);
        if (proofHash == bytes32(0)) revert SegmentMarket__ZeroProofHash();
        _checkRoot(seg.rootIn, rootIn);
        if (index + 1 < b.segmentCount) _checkRoot(_segments[batchId][index + 1].rootIn, rootOut);
        else _checkRoot(b.finalRoot, rootOut);
        seg.status = SegmentStatus.Committed;
        seg.proofHash = proofHash;
        seg.committedRootIn = rootIn;
        seg.committedRootOut = rootOut;
        emit ProofCommitted(batchId, index, msg.sender, proofHash, rootIn, rootOut);
        if (++b.committedCount == b.segmentCount) {
            b.fullyCommittedBlock = uint64(block.number);
            emit BatchFullyCommitted(batchId, uint64(block.number));
        }
    }

    /// @notice Slash a lock whose deadline passed without a commitment: half burned, half kept as a
    ///         bounty for whoever proves the segment next. The segment reopens.
    function expireLock(uint64 batchId, uint32 index) external {
        _openBatch(batchId);
        Segment storage seg = _segment(batchId, index);
        if (seg.status != SegmentStatus.Locked) revert SegmentMarket__NotLocked(batchId, index);
        if (block.timestamp <= seg.lockDeadline) revert SegmentMarket__LockNotExpired(batchId, index, seg.lockDeadline);
        _expire(batchId, index, seg);
    }

    // ------------------------------------------------------------------ challenges

    /// @notice Verify a committed proof on-chain. If it is invalid (false or a revert) its prover's
    ///         collateral is slashed (half to the challenger, half burned) and the segment reopens.
    ///         If it is valid the segment is marked verified: submitAggregate then skips its proof,
    ///         so an aggregator can verify a large batch one segment per transaction.
    /// @dev The verifier gets exactly verifyGasLimit gas. A challenger who sends too little gas could
    ///      make an honest proof "fail" by starvation, so the call is refused unless gasleft() covers
    ///      verifyGasLimit plus the 1/64 the EVM withholds plus a reserve for the rest of this function.
    function challengeProof(uint64 batchId, uint32 index, bytes calldata proof, uint32[] calldata publicColumn)
        external
    {
        _openBatch(batchId);
        Segment storage seg = _committed(batchId, index);
        if (seg.verified) revert SegmentMarket__AlreadyVerified(batchId, index);
        bytes32 provided = keccak256(proof);
        if (provided != seg.proofHash) revert SegmentMarket__ProofHashMismatch(seg.proofHash, provided);
        bytes32 txHash = StatementLib.txDataHash(publicColumn);
        if (txHash != seg.txDataHash) revert SegmentMarket__TxDataMismatch(seg.txDataHash, txHash);
        uint32[] memory inputs =
            StatementLib.publicInputs(
            batchId, index, IRollup(rollup).treeDepth(), seg.committedRootIn, seg.committedRootOut, seg.txCount);
        uint256 required = verifyGasLimit + verifyGasLimit / 63 + VERIFY_GAS_RESERVE;
        if (gasleft() < required) revert SegmentMarket__InsufficientGas(gasleft(), required);
        bool valid;
        try verifier.verify{gas: verifyGasLimit}(airId, proof, inputs, publicColumn, seg.locker) returns (bool ok) {
            valid = ok;
        } catch {
            valid = false;
        }
        address prover = seg.locker;
        if (valid) {
            seg.verified = true;
            emit ProofVerified(batchId, index, prover, msg.sender);
            return;
        }
        uint96 slashed = seg.collateral;
        staking.slashLocked(prover, slashed, msg.sender, slashed / 2);
        emit ProofChallenged(batchId, index, prover, msg.sender, slashed);
        _reopenCommitted(batchId, index, seg);
    }

    /// @notice Report that a committed proof is not being served; its prover must publish it on-chain
    ///         (respondUnavailable) within responseWindow or be slashed (slashUnavailable).
    function reportUnavailable(uint64 batchId, uint32 index) external {
        _openBatch(batchId);
        Segment storage seg = _committed(batchId, index);
        if (seg.reportedAt != 0) revert SegmentMarket__AlreadyReported(batchId, index);
        seg.reporter = msg.sender;
        seg.reportedAt = uint64(block.timestamp);
        emit UnavailabilityReported(batchId, index, msg.sender, uint64(block.timestamp) + responseWindow);
    }

    /// @notice Publish a reported proof in calldata and an event; anyone holding the bytes may answer.
    function respondUnavailable(uint64 batchId, uint32 index, bytes calldata proof) external {
        _openBatch(batchId);
        Segment storage seg = _committed(batchId, index);
        if (seg.reportedAt == 0) revert SegmentMarket__NotReported(batchId, index);
        uint64 deadline = seg.reportedAt + responseWindow;
        if (block.timestamp > deadline) revert SegmentMarket__ResponseWindowClosed(batchId, index, deadline);
        bytes32 provided = keccak256(proof);
        if (provided != seg.proofHash) revert SegmentMarket__ProofHashMismatch(seg.proofHash, provided);
        seg.reportedAt = 0;
        seg.reporter = address(0);
        emit ProofPublished(batchId, index, proof);
    }

    /// @notice Slash a prover that did not publish a reported proof in time: half to the reporter,
    ///         half burned; the segment reopens.
    function slashUnavailable(uint64 batchId, uint32 index) external {
        _openBatch(batchId);
        Segment storage seg = _committed(batchId, index);
        if (seg.reportedAt == 0) revert SegmentMarket__NotReported(batchId, index);
        uint64 deadline = seg.reportedAt + responseWindow;
        if (block.timestamp <= deadline) revert SegmentMarket__ResponseWindowOpen(batchId, index, deadline);
        address prover = seg.locker;
        address reporter = seg.reporter;
        uint96 slashed = seg.collateral;
        staking.slashLocked(prover, slashed, reporter, slashed / 2);
        emit UnavailabilitySlashed(batchId, index, prover, reporter, slashed);
        _reopenCommitted(batchId, index, seg);
    }

    // ------------------------------------------------------------------ batch end

    /// @notice After the batch timeout: release committed and live locks, slash expired locks, burn
    ///         bounties nobody can earn any more, refund the remaining escrow to the sequencer.
    function timeoutBatch(uint64 batchId) external {
        Batch storage b = _openBatch(batchId);
        if (block.timestamp < b.timeoutAt) revert SegmentMarket__BatchNotTimedOut(batchId, b.timeoutAt);
        uint256 burned;
        for (uint32 i = 0; i < b.segmentCount; ++i) {
            Segment storage seg = _segments[batchId][i];
            if (seg.status == SegmentStatus.Locked && block.timestamp > seg.lockDeadline) {
                _expire(batchId, i, seg);
            } else if (seg.status != SegmentStatus.Open) {
                staking.unlockCollateral(seg.locker, seg.collateral);
            }
            burned += seg.bounty;
            seg.bounty = 0;
        }
        uint256 refund = b.escrow;
        b.escrow = 0;
        b.status = BatchStatus.TimedOut;
        totalEscrow -= refund;
        totalBounties -= burned;
        if (burned > 0) token.burn(burned);
        if (refund > 0) token.transfer(b.sequencer, refund);
        emit BatchTimedOut(batchId, refund, burned);
    }

    /// @notice Pay a batch accepted by the rollup: every segment's locked price (less the aggregator's
    ///         share) plus its bounty goes to its prover's pool, the aggregator gets its shares, collateral
    ///         is released and the unspent escrow is refunded to the sequencer.
    function finalizeBatch(uint64 batchId, address aggregator) external {
        if (msg.sender != rollup) revert SegmentMarket__NotRollup(msg.sender);
        Batch storage b = _openBatch(batchId);
        if (b.committedCount != b.segmentCount) {
            revert SegmentMarket__BatchNotFullyCommitted(batchId, b.committedCount, b.segmentCount);
        }
        uint256 n = b.segmentCount;
        uint256 toProvers;
        uint256 toAggregator;
        uint256 bounties;
        uint256[] memory pay = new uint256[](n);
        for (uint32 i = 0; i < n; ++i) {
            Segment storage seg = _segments[batchId][i];
            uint256 aggCut = uint256(seg.price) * aggregatorFeeBps / BPS;
            pay[i] = seg.price - aggCut + seg.bounty;
            toAggregator += aggCut;
            toProvers += seg.price - aggCut;
            bounties += seg.bounty;
            seg.bounty = 0;
            staking.unlockCollateral(seg.locker, seg.collateral);
        }
        uint256 refund = b.escrow - toProvers - toAggregator;
        b.escrow = 0;
        b.status = BatchStatus.Finalized;
        totalEscrow -= toProvers + toAggregator + refund;
        totalBounties -= bounties;
        token.transfer(address(staking), toProvers + bounties);
        for (uint32 i = 0; i < n; ++i) {
            address prover = _segments[batchId][i].locker;
            staking.reward(prover, pay[i]);
            emit SegmentPaid(batchId, i, prover, pay[i]);
        }
        if (toAggregator > 0) token.transfer(aggregator, toAggregator);
        if (refund > 0) token.transfer(b.sequencer, refund);
        emit BatchFinalized(batchId, aggregator, toProvers + bounties, toAggregator, refund);
    }

    // ------------------------------------------------------------------ views

    function getBatch(uint64 batchId) external view returns (Batch memory) {
        return _batches[batchId];
    }

    function getSegment(uint64 batchId, uint32 index) external view returns (Segment memory) {
        return _segments[batchId][index];
    }

    /// @notice Current auction price of every still-open segment of the batch.
    function currentPrice(uint64 batchId) external view returns (uint96) {
        Batch storage b = _batches[batchId];
        if (b.status == BatchStatus.None) revert SegmentMarket__UnknownBatch(batchId);
        return _price(b);
    }

    function collateralFor(uint64 batchId) external view returns (uint96) {
        Batch storage b = _batches[batchId];
        if (b.status == BatchStatus.None) revert SegmentMarket__UnknownBatch(batchId);
        return _collateral(b);
    }

    // ------------------------------------------------------------------ internals

    function _price(Batch storage b) internal view returns (uint96) {
        uint256 elapsed = block.timestamp - b.postedAt;
        if (elapsed >= rampPeriod) return b.maxPrice;
        return uint96(b.minPrice + (uint256(b.maxPrice) - b.minPrice) * elapsed / rampPeriod);
    }

    function _collateral(Batch storage b) internal view returns (uint96) {
        return uint96(uint256(b.maxPrice) * collateralRatioBps / BPS);
    }

    function _expire(uint64 batchId, uint32 index, Segment storage seg) internal {
        address prover = seg.locker;
        uint96 slashed = seg.collateral;
        uint96 bounty = slashed / 2;
        staking.slashLocked(prover, slashed, address(this), bounty);
        seg.bounty += bounty;
        totalBounties += bounty;
        seg.status = SegmentStatus.Open;
        seg.locker = address(0);
        seg.collateral = 0;
        seg.price = 0;
        seg.lockDeadline = 0;
        emit LockExpired(batchId, index, prover, slashed, bounty);
        emit SegmentReopened(batchId, index);
    }

    function _reopenCommitted(uint64 batchId, uint32 index, Segment storage seg) internal {
        Batch storage b = _batches[batchId];
        b.committedCount -= 1;
        b.fullyCommittedBlock = 0;
        seg.status = SegmentStatus.Open;
        seg.locker = address(0);
        seg.collateral = 0;
        seg.price = 0;
        seg.lockDeadline = 0;
        seg.proofHash = bytes32(0);
        seg.committedRootIn = bytes32(0);
        seg.committedRootOut = bytes32(0);
        seg.reporter = address(0);
        seg.reportedAt = 0;
        seg.verified = false;
        emit SegmentReopened(batchId, index);
    }

    function _checkRoot(bytes32 expected, bytes32 actual) internal pure {
        if (expected != bytes32(0) && expected != actual) revert SegmentMarket__RootMismatch(expected, actual);
    }

    function _openBatch(uint64 batchId) internal view returns (Batch storage b) {
        b = _batches[batchId];
        if (b.status == BatchStatus.None) revert SegmentMarket__UnknownBatch(batchId);
        if (b.status != BatchStatus.Open) revert SegmentMarket__BatchNotOpen(batchId, b.status);
    }

    function _segment(uint64 batchId, uint32 index) internal view returns (Segment storage seg) {
        seg = _segments[batchId][index];
        if (seg.status == SegmentStatus.None) revert SegmentMarket__UnknownSegment(batchId, index);
    }

    function _committed(uint64 batchId, uint32 index) internal view returns (Segment storage seg) {
        seg = _segment(batchId, index);
        if (seg.status != SegmentStatus.Committed) revert SegmentMarket__NotCommitted(batchId, index);
    }
}
