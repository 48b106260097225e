// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IRollup} from "./interfaces/IRollup.sol";
import {ISegmentMarket} from "./interfaces/ISegmentMarket.sol";
import {IAggregatorElection} from "./interfaces/IAggregatorElection.sol";
import {IProverStaking} from "./interfaces/IProverStaking.sol";
import {IStarkVerifier} from "./interfaces/IStarkVerifier.sol";
import {StatementLib} from "./libraries/StatementLib.sol";
import {SecurityFloor} from "./libraries/SecurityFloor.sol";

/// @notice The rollup's state root and sequencer role, and finalisation of a batch by an M1 aggregate:
///         the bundle of its segment proofs, each verified against its commitment.
contract Rollup is IRollup {
    /// @dev Largest account-tree depth transfer-v1 accepts (a leaf index has at most 30 bits).
    uint32 public constant MAX_TREE_DEPTH = 30;

    ISegmentMarket public immutable market;
    IAggregatorElection public immutable election;
    IProverStaking public immutable staking;
    IStarkVerifier public immutable verifier;
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
        uint32 treeDepth_
    ) {
        if (
            address(market_) == address(0) || address(election_) == address(0) || address(staking_) == address(0)
                || address(verifier_) == address(0) || sequencer_ == address(0)
        ) revert Rollup__ZeroAddress();
        if (treeDepth_ == 0 || treeDepth_ > MAX_TREE_DEPTH) revert Rollup__InvalidTreeDepth(treeDepth_);
        uint256 policy = verifier_.minSecurityBits();
        if (!SecurityFloor.allows(policy)) revert Rollup__VerifierPolicyBelowFloor(policy, SecurityFloor.FLOOR_BITS);
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

    /// @notice Finalise a fully committed batch. Checks the caller's election window, every proof
    ///         against its commitment (hash, transactions, verifier bound to the segment's holder) and
    ///         the continuity of roots from the current state root; then moves the root and has the
    ///         market pay. A primary that let its window pass pays the liveness penalty.
    ///         Segments already verified on-chain (challengeProof) are not verified again; their
    ///         entries may carry an empty proof and column.
    function submitAggregate(uint64 batchId, SegmentProof[] calldata proofs) external {
        ISegmentMarket.Batch memory b = market.getBatch(batchId);
        if (b.status != ISegmentMarket.BatchStatus.Open) revert Rollup__BatchNotOpen(batchId);
        if (block.timestamp >= b.timeoutAt) revert Rollup__BatchTimedOut(batchId, b.timeoutAt);
        if (b.fullyCommittedBlock == 0) revert Rollup__BatchNotFullyCommitted(batchId);
        (bool allowed, address primary, bool primaryMissed) =
            election.submissionRights(msg.sender, b.fullyCommittedBlock);
        if (!allowed) revert Rollup__NotElected(msg.sender);
        if (proofs.length != b.segmentCount) revert Rollup__WrongProofCount(b.segmentCount, proofs.length);

        bytes32 root = stateRoot;
        bytes32 previousRoot = root;
        bytes32 airId = market.airId();
        for (uint32 i = 0; i < proofs.length; ++i) {
            root = _checkSegment(batchId, i, proofs[i], root, airId);
        }
        stateRoot = root;
        lastFinalizedBatch = batchId;
        market.finalizeBatch(batchId, msg.sender);
        emit StateRootUpdated(batchId, previousRoot, root, msg.sender);

        if (primaryMissed && primary != address(0) && primary != msg.sender) {
            uint256 penalty = staking.slashFree(primary, election.livenessPenalty());
            if (penalty > 0) emit LivenessPenalized(batchId, primary, penalty);
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
