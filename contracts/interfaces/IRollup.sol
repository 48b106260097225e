// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @notice Rollup state root, sequencer role and finalisation of batches by an aggregate.
interface IRollup {
    /// @notice One segment's part of an M1 (bundle) aggregate.
    struct SegmentProof {
        bytes proof;
        uint32[] publicColumn;
    }

    /// @notice The aggregate path of data batches, fixed at deployment.
    struct AggregateConfig {
        address verifier; // the wrap program's generated verifier (keccak configuration)
        bytes32 airId; // the wrap program's AIR id
        bytes32 keySetRoot; // root of the allowed keys (segment AIR, agg-leaf, agg-join), packed like a state root
    }

    event SequencerChanged(address indexed previous, address indexed sequencer);
    /// @notice A data batch finalised by its aggregate proof (with StateRootUpdated and the market's payouts).
    event AggregateAccepted(uint64 indexed batchId, address indexed aggregator, bytes32 dataHash, bytes32 txRoot, uint32 joinProvers);
    event StateRootUpdated(uint64 indexed batchId, bytes32 previousRoot, bytes32 newRoot, address indexed aggregator);
    event LivenessPenalized(uint64 indexed batchId, address indexed primary, uint256 amount);

    error Rollup__NotOwner(address caller);
    error Rollup__ZeroAddress();
    error Rollup__InvalidTreeDepth(uint32 treeDepth);
    /// @dev The verifier's minSecurityBits is below SecurityFloor.FLOOR_BITS (outside a local devnet).
    error Rollup__VerifierPolicyBelowFloor(uint256 minSecurityBits, uint256 floorBits);
    error Rollup__BatchNotOpen(uint64 batchId);
    error Rollup__BatchTimedOut(uint64 batchId, uint64 timeoutAt);
    error Rollup__BatchNotFullyCommitted(uint64 batchId);
    error Rollup__NotElected(address caller);
    error Rollup__WrongProofCount(uint256 expected, uint256 provided);
    error Rollup__ProofHashMismatch(uint32 index, bytes32 committed, bytes32 provided);
    error Rollup__TxDataMismatch(uint32 index);
    error Rollup__RootDiscontinuity(uint32 index, bytes32 expected, bytes32 actual);
    error Rollup__InvalidSegmentProof(uint32 index);
    error Rollup__ZeroKeySetRoot();
    error Rollup__WrongBatchKind(uint64 batchId);
    error Rollup__DisputeOpen(uint64 batchId, uint32 openDisputes);
    error Rollup__StatementLength(uint256 expected, uint256 provided);
    /// @dev Word `index` of the statement is not a canonical field element.
    error Rollup__StatementNotCanonical(uint256 index);
    error Rollup__KeySetMismatch(bytes32 expected, bytes32 provided);
    error Rollup__BatchIdMismatch(uint64 batchId);
    error Rollup__SegmentCountMismatch(uint32 expected, uint256 provided);
    error Rollup__RootInMismatch(bytes32 expected, bytes32 provided);
    /// @dev The proven rootOut is not what the batch's last segment committed.
    error Rollup__RootOutMismatch(bytes32 committed, bytes32 provided);
    /// @dev The statement's txRoot is not the one posted with the batch.
    error Rollup__TxRootMismatch(bytes32 expected, bytes32 provided);
    /// @dev The statement's r is not the batch's keccak256(dataHash ‖ txRoot) (packed: word 0 highest).
    error Rollup__RandomnessMismatch(uint128 expected, uint128 provided);
    /// @dev The statement's E is not the evaluation of the posted transactions at r L1 computed at posting.
    error Rollup__EvaluationMismatch(uint128 expected, uint128 provided);
    /// @dev Join prover slot `slot` holds a half of 2^16 or more, or an address past the batch's S - 1 joins.
    error Rollup__InvalidJoinProver(uint256 slot);
    /// @dev The wrap verifier refused the proof; `reason` is its revert data (a StarkVerifier__ error).
    error Rollup__InvalidAggregateProof(bytes reason);

    function stateRoot() external view returns (bytes32);
    /// @notice Depth of the account tree, a public input of every segment statement (fixed at deployment).
    function treeDepth() external view returns (uint32);
    function sequencer() external view returns (address);
    function setSequencer(address sequencer) external;
    function submitAggregate(uint64 batchId, SegmentProof[] calldata proofs) external;
    function submitAggregate(uint64 batchId, bytes calldata proof, uint32[] calldata publicInputs) external;
}
