// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRollup} from "./interfaces/IRollup.sol";
import {ISegmentMarket} from "./interfaces/ISegmentMarket.sol";
import {IAggregatorElection} from "./interfaces/IAggregatorElection.sol";
import {IProverStaking} from "./interfaces/IProverStaking.sol";
import {IStarkVerifier} from "./interfaces/IStarkVerifier.sol";
import {StatementLib} from "./libraries/StatementLib.sol";
import {SecurityFloor} from "./libraries/SecurityFloor.sol";
import {AggregateStatement as AS} from "./libraries/AggregateStatement.sol";

/// @notice The rollup's state root and sequencer role, and finalisation of batches:
///         - a data batch by one aggregate proof: a keccak proof of the wrap program whose statement
///           (AggregateStatement) carries the key-set root, the batch, its segment count, the roots, the
///           txRoot posted with the batch, the batch's r and E (computed by the market at posting from the
///           transactions' bytes), and the join provers; L1 checks every entry it can derive against what it
///           stored, verifies the proof with the wrap's generated verifier, moves the root and has the market pay;
///         - a bundle batch (M1) by the bundle of its segment proofs, each verified against its commitment.
contract Rollup is IRollup {
    /// @dev Largest account-tree depth transfer-v1 accepts (a leaf index has at most 30 bits).
    uint32 public constant MAX_TREE_DEPTH = 30;

    ISegmentMarket public immutable market;
    IAggregatorElection public immutable election;
    IProverStaking public immutable staking;
    IStarkVerifier public immutable verifier;
    /// @notice The wrap program's verifier, its AIR id, and the allowed-key set its statements must carry.
    IStarkVerifier public immutable aggregateVerifier;
    bytes32 public immutable aggregateAirId;
    bytes32 public immutable keySetRoot;
    address public immutable owner;
    /// @notice Depth of the account tree: a public input of every transfer-v1 segment statement.
    uint32 public immutable treeDepth;

    bytes32 public stateRoot;
    address public sequencer;
    uint64 public lastFinalizedBatch;

    constructor(
        ISegmentMarket market_,
        IAggregatorElection election_,
        IProverStaking staking_,
        IStarkVerifier verifier_,
        bytes32 genesisRoot,
        address sequencer_,
        uint32 treeDepth_,
        AggregateConfig memory aggregate
    ) {
        if (
            address(market_) == address(0) || address(election_) == address(0) || address(staking_) == address(0)
                || address(verifier_) == address(0) || sequencer_ == address(0) || aggregate.verifier == address(0)
        ) revert Rollup__ZeroAddress();
        if (treeDepth_ == 0 || treeDepth_ > MAX_TREE_DEPTH) revert Rollup__InvalidTreeDepth(treeDepth_);
        if (aggregate.keySetRoot == bytes32(0)) revert Rollup__ZeroKeySetRoot();
        for (uint256 k = 0; k < 2; ++k) {
            uint256 policy = (k == 0 ? verifier_ : IStarkVerifier(aggregate.verifier)).minSecurityBits();
            if (!SecurityFloor.allows(policy)) revert Rollup__VerifierPolicyBelowFloor(policy, SecurityFloor.FLOOR_BITS);
        }
        aggregateVerifier = IStarkVerifier(aggregate.verifier);
        aggregateAirId = aggregate.airId;
        keySetRoot = aggregate.keySetRoot;
        market = market_;
        election = election_;
        staking = staking_;
        verifier = verifier_;
        owner = msg.sender;
        treeDepth = treeDepth_;
        stateRoot = genesisRoot;
        sequencer = sequencer_;
        emit SequencerChanged(address(0), sequencer_);
        emit StateRootUpdated(0, bytes32(0), genesisRoot, address(0));
    }

    function setSequencer(address sequencer_) external {
        if (msg.sender != owner) revert Rollup__NotOwner(msg.sender);
        if (sequencer_ == address(0)) revert Rollup__ZeroAddress();
        emit SequencerChanged(sequencer, sequencer_);
        sequencer = sequencer_;
    }

    /// @notice Finalise a fully committed data batch with one aggregate proof: a keccak proof of the wrap
    ///         program, made by the caller (the proof is bound to msg.sender), whose public inputs are the
    ///         batch's L1 statement (AggregateStatement). Checks the caller's election window, that no validity
    ///         report is open, every statement entry L1 holds (key-set root, batch id, segment count,
    ///         rootIn = stateRoot, rootOut = the sequencer's finalRoot when it gave one, txRoot, r and E as
    ///         stored at posting), the join-prover slots, then the proof. Moves the root to the statement's
    ///         rootOut and has the market pay segment provers, join provers and the caller. A primary that let
    ///         its window pass pays the liveness penalty. The checks and the verification do not depend on the
    ///         number of segments; the market's payouts do (one credit per segment and per join prover).
    function submitAggregate(uint64 batchId, bytes calldata proof, uint32[] calldata publicInputs) external {
        ISegmentMarket.Batch memory b = market.getBatch(batchId);
        (address primary, bool primaryMissed) = _admit(batchId, b);
        if (b.kind != ISegmentMarket.BatchKind.Data) revert Rollup__WrongBatchKind(batchId);
        if (b.openDisputes != 0) revert Rollup__DisputeOpen(batchId, b.openDisputes);
        address[] memory joins = _checkStatement(batchId, b, publicInputs);
        try aggregateVerifier.verify(aggregateAirId, proof, publicInputs, new uint32[](0), msg.sender) returns (bool ok) {
            if (!ok) revert Rollup__InvalidAggregateProof("");
        } catch (bytes memory reason) {
            revert Rollup__InvalidAggregateProof(reason);
        }
        _finalize(batchId, AS.root(publicInputs, AS.ROOT_OUT), joins, primary, primaryMissed);
        emit AggregateAccepted(batchId, msg.sender, b.dataHash, b.txRoot, uint32(joins.length));
    }

    /// @notice Finalise a fully committed bundle batch (M1). Checks the caller's election window, every proof
    ///         against its commitment (hash, transactions, verifier bound to the segment's holder) and
    ///         the continuity of roots from the current state root; then moves the root and has the
    ///         market pay. A primary that let its window pass pays the liveness penalty.
    ///         Segments already verified on-chain (challengeProof) are not verified again; their
    ///         entries may carry an empty proof and column.
    function submitAggregate(uint64 batchId, SegmentProof[] calldata proofs) external {
        ISegmentMarket.Batch memory b = market.getBatch(batchId);
        (address primary, bool primaryMissed) = _admit(batchId, b);
        if (b.kind != ISegmentMarket.BatchKind.Bundle) revert Rollup__WrongBatchKind(batchId);
        if (proofs.length != b.segmentCount) revert Rollup__WrongProofCount(b.segmentCount, proofs.length);
        bytes32 root = stateRoot;
        bytes32 airId = market.airId();
        for (uint32 i = 0; i < proofs.length; ++i) {
            root = _checkSegment(batchId, i, proofs[i], root, airId);
        }
        _finalize(batchId, root, new address[](0), primary, primaryMissed);
    }

    /// @dev The batch is open, not timed out, fully committed, and the caller may submit now.
    function _admit(uint64 batchId, ISegmentMarket.Batch memory b) internal view returns (address primary, bool primaryMissed) {
        if (b.status != ISegmentMarket.BatchStatus.Open) revert Rollup__BatchNotOpen(batchId);
        if (block.timestamp >= b.timeoutAt) revert Rollup__BatchTimedOut(batchId, b.timeoutAt);
        if (b.fullyCommittedBlock == 0) revert Rollup__BatchNotFullyCommitted(batchId);
        bool allowed;
        (allowed, primary, primaryMissed) = election.submissionRights(msg.sender, b.fullyCommittedBlock);
        if (!allowed) revert Rollup__NotElected(msg.sender);
    }

    /// @dev Moves the root, has the market pay, and charges a primary that missed its window.
    function _finalize(uint64 batchId, bytes32 rootOut, address[] memory joins, address primary, bool primaryMissed)
        internal
    {
        bytes32 previousRoot = stateRoot;
        stateRoot = rootOut;
        lastFinalizedBatch = batchId;
        market.finalizeBatch(batchId, msg.sender, joins);
        emit StateRootUpdated(batchId, previousRoot, rootOut, msg.sender);
        if (primaryMissed && primary != address(0) && primary != msg.sender) {
            uint256 penalty = staking.slashFree(primary, election.livenessPenalty());
            if (penalty > 0) emit LivenessPenalized(batchId, primary, penalty);
        }
    }

    /// @dev Every entry of the aggregate statement L1 can derive; returns the S - 1 join provers' addresses.
    function _checkStatement(
        uint64 batchId,
        ISegmentMarket.Batch memory b,
        uint32[] calldata pi
    ) internal view returns (address[] memory joins) {
        if (pi.length != AS.LENGTH) revert Rollup__StatementLength(AS.LENGTH, pi.length);
        uint256 bad = AS.firstNonCanonical(pi);
        if (bad != AS.LENGTH) revert Rollup__StatementNotCanonical(bad);
        bytes32 keys = AS.root(pi, AS.KEY_SET_ROOT);
        if (keys != keySetRoot) revert Rollup__KeySetMismatch(keySetRoot, keys);
        if (AS.word(pi, AS.BATCH_LO) != batchId & 0x3fffffff || AS.word(pi, AS.BATCH_HI) != batchId >> 30) {
            revert Rollup__BatchIdMismatch(batchId);
        }
        uint256 count = AS.word(pi, AS.SEGMENT_COUNT);
        if (count != b.segmentCount) revert Rollup__SegmentCountMismatch(b.segmentCount, count);
        bytes32 rootIn = AS.root(pi, AS.ROOT_IN);
        if (rootIn != stateRoot) revert Rollup__RootInMismatch(stateRoot, rootIn);
        bytes32 rootOut = AS.root(pi, AS.ROOT_OUT);
        if (b.finalRoot != bytes32(0) && rootOut != b.finalRoot) revert Rollup__RootOutMismatch(b.finalRoot, rootOut);
        _checkBinding(b, pi);
        joins = _joinProvers(pi, count);
    }

    /// @dev The statement's txRoot, r and E are those stored when the batch was posted.
    function _checkBinding(ISegmentMarket.Batch memory b, uint32[] calldata pi) internal pure {
        bytes32 txRoot = AS.root(pi, AS.TX_ROOT);
        if (txRoot != b.txRoot) revert Rollup__TxRootMismatch(b.txRoot, txRoot);
        uint128 r = AS.ext(pi, AS.R);
        if (r != b.randomness) revert Rollup__RandomnessMismatch(b.randomness, r);
        uint128 e = AS.ext(pi, AS.E);
        if (e != b.evaluation) revert Rollup__EvaluationMismatch(b.evaluation, e);
    }

    /// @dev The S - 1 used join slots' addresses; every slot must hold 16-bit halves and the unused ones zero.
    function _joinProvers(uint32[] calldata pi, uint256 count) internal pure returns (address[] memory joins) {
        joins = new address[](count - 1);
        for (uint256 slot = 0; slot < AS.JOIN_SLOTS; ++slot) {
            (address a, bool ok) = AS.joinProver(pi, slot);
            if (!ok || (slot + 1 >= count && a != address(0))) revert Rollup__InvalidJoinProver(slot);
            if (slot + 1 < count) joins[slot] = a;
        }
    }

    function _checkSegment(uint64 batchId, uint32 i, SegmentProof calldata sp, bytes32 rootIn, bytes32 airId)
        internal
        view
        returns (bytes32 rootOut)
    {
        ISegmentMarket.Segment memory seg = market.getSegment(batchId, i);
        if (seg.committedRootIn != rootIn) revert Rollup__RootDiscontinuity(i, rootIn, seg.committedRootIn);
        // Verified on-chain already (SegmentMarket.challengeProof): its entry may be empty.
        if (seg.verified) return seg.committedRootOut;
        bytes32 provided = keccak256(sp.proof);
        if (provided != seg.proofHash) revert Rollup__ProofHashMismatch(i, seg.proofHash, provided);
        if (StatementLib.txDataHash(sp.publicColumn) != seg.txDataHash) revert Rollup__TxDataMismatch(i);
        uint32[] memory inputs =
            StatementLib.publicInputs(batchId, i, treeDepth, seg.committedRootIn, seg.committedRootOut, seg.txCount);
        bool ok;
        try verifier.verify(airId, sp.proof, inputs, sp.publicColumn, seg.locker) returns (bool v) {
            ok = v;
        } catch {
            ok = false;
        }
        if (!ok) revert Rollup__InvalidSegmentProof(i);
        return seg.committedRootOut;
    }
}
